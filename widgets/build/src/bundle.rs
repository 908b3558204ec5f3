//! What the committed survey widget bundle is: where it lives, which inputs it is built from,
//! and how cargo is called for it. Shared, by `#[path]`, by this tool and the root `build.rs`,
//! so that both agree on when the committed bundle is current.

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

/// The committed bundle, relative to the workspace root.
pub(crate) const DIST: &str = "widgets/survey/dist";

/// The files of the bundle (besides [`MANIFEST`]).
pub(crate) const FILES: [&str; 2] = ["survey.js", "survey_bg.wasm"];

/// The manifest in [`DIST`]: the fingerprint of the inputs the bundle was built from.
pub(crate) const MANIFEST: &str = "BUILT_FROM";

/// Everything the bundle's bytes depend on, relative to the workspace root (files, or folders
/// taken whole). The root `Cargo.toml` counts only through its `[profile.wasm-release]`.
pub(crate) const INPUTS: [&str; 8] = [
    "widgets/survey/Cargo.toml",
    "widgets/survey/src",
    "widgets/survey-core/Cargo.toml",
    "widgets/survey-core/src",
    "widgets/build/Cargo.toml",
    "widgets/build/src",
    "Cargo.lock",
    "rust-toolchain.toml",
];

/// The wasm build's profile section of the root manifest.
const PROFILE: &str = "[profile.wasm-release]";

/// Variables of an outer cargo (or clippy) run that must not reach a nested cargo: they are
/// meant for the host build, and on wasm32 they break the build or wasm-bindgen (design.md).
pub(crate) const HOST_ONLY_ENV: [&str; 8] = [
    "RUSTC_WORKSPACE_WRAPPER",
    "CLIPPY_ARGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_PRIMARY_PACKAGE",
];

/// A `cargo` command for a nested build, without the outer run's host-only variables.
pub(crate) fn nested_cargo(cargo: &std::ffi::OsStr, root: &Path) -> Command {
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root);
    for var in HOST_ONLY_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// SHA-256 (hex) over every input: each file's path, length and bytes, in path order.
pub(crate) fn fingerprint(root: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    for input in INPUTS {
        let path = root.join(input);
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(&path).sort_by_file_name() {
                let entry = entry.map_err(io::Error::other)?;
                if entry.file_type().is_file() {
                    files.push(entry.into_path());
                }
            }
        } else {
            files.push(path);
        }
    }
    let mut hash = Sha256::new();
    let mut add = |name: &str, bytes: &[u8]| {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    for file in &files {
        let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy();
        // One spelling of the path on every system.
        add(&name.replace('\\', "/"), &fs::read(file)?);
    }
    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    add(PROFILE, profile_section(&manifest).as_bytes());
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The lines of `[profile.wasm-release]`, up to the next table.
fn profile_section(manifest: &str) -> String {
    let mut lines = manifest.lines().skip_while(|l| l.trim() != PROFILE);
    let header = lines.next().unwrap_or_default();
    let body = lines.take_while(|l| !l.trim_start().starts_with('['));
    std::iter::once(header)
        .chain(body)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The fingerprint recorded in a bundle's manifest: its first line that is not a comment.
pub(crate) fn recorded_fingerprint(dist: &Path) -> Option<String> {
    let text = fs::read_to_string(dist.join(MANIFEST)).ok()?;
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
}
