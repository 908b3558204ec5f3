//! The site's cache folder `<root>/.yasno-cache/` (QR codes and check results kept between
//! builds, the preview collector's database): where its files live and how caches are saved.
//! A build cache only saves time, so losing one is never an error.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The cache file `name` of the site at `root`: `<root>/.yasno-cache/<name>`.
pub fn path(root: &Path, name: &str) -> PathBuf {
    root.join(".yasno-cache").join(name)
}

/// Writes `bytes` to `path` through a temporary file renamed over it, so that a reader never
/// sees half a file; the temporary name carries the process id because two builds of one site
/// may save at the same time.
pub fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    save_with(path, &mut |w| w.write_all(bytes))
}

/// [`save`] with the contents written by `write` into a buffered file, so a big cache is
/// streamed to disk instead of being built in memory first.
pub fn save_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = std::fs::File::create(&tmp).and_then(|file| {
        let mut w = std::io::BufWriter::new(file);
        write(&mut w)?;
        w.flush()
    });
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}
