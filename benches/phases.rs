//! Times the build's phases (load, render, write) on a site folder, to see where the time of
//! a full build goes. Usage: `cargo bench --bench phases -- <site-root> [runs]`.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
    let opts = yasno::BuildOptions {
        root: root.clone(),
        output: Some(std::env::temp_dir().join("yasno-phases-out")),
        base_url: None,
        drafts: false,
        strict: false,
        handbook: None,
    };
    for _ in 0..runs {
        let t0 = Instant::now();
        let (site, theme) = yasno::load(&opts).expect("site loads");
        let t1 = Instant::now();
        let mut bytes = 0usize;
        let files = yasno::render_files(&site, &theme).expect("site renders");
        for f in &files {
            bytes += f.bytes.len();
        }
        let t2 = Instant::now();
        yasno::output::write_site(&opts.output_dir(), &files).expect("output written");
        let t3 = Instant::now();
        println!(
            "{} services: load {:.3} s, render {:.3} s ({} files, {} MB), write {:.3} s",
            site.services.len(),
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            files.len(),
            bytes / 1_000_000,
            (t3 - t2).as_secs_f64()
        );
    }
}
