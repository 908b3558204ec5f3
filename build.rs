//! Puts the survey widget (`widgets/survey`) into the files the binary embeds, so that one
//! `cargo build` (or `cargo install`) gives a `yasno` that writes the widget into `public/`
//! without any WebAssembly tool on the editor's machine.
//!
//! The widget's bundle is committed in `widgets/survey/dist`, with the fingerprint of the
//! inputs it was built from (`widgets/build/src/bundle.rs`: widget and survey-core sources,
//! the build tool, `Cargo.lock`, the toolchain, the `wasm-release` profile). While the
//! fingerprint matches, that bundle is embedded as it is: a fresh checkout compiles no
//! WebAssembly. When an input changed, this script builds the widget itself by running
//! `yasno-widget-build` (nested `cargo build` for `wasm32-unknown-unknown`, wasm-bindgen as a
//! library, `wasm-opt` when found) into `OUT_DIR`, and warns that the committed bundle needs a
//! refresh (`cargo run -p yasno-widget-build`); the unit test `widget::tests` fails until then.
//! Output: `$OUT_DIR/widget/{survey.js,survey_bg.wasm,loader.js}`.
//!
//! `YASNO_WIDGET_STUB=1` embeds a stub instead (for rust-analyzer and quick checks).

#[path = "widgets/build/src/bundle.rs"]
mod bundle;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::exit;

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("widget");
    fs::create_dir_all(&out).unwrap_or_else(|e| fail(&format!("cannot create {out:?}: {e}")));

    println!("cargo::rerun-if-env-changed=YASNO_WIDGET_STUB");
    println!("cargo::rerun-if-env-changed=YASNO_WASM_OPT");
    println!("cargo::rerun-if-changed=widgets/survey/loader.js");
    println!("cargo::rerun-if-changed=Cargo.toml");
    println!("cargo::rerun-if-changed={}", bundle::DIST);
    for input in bundle::INPUTS {
        println!("cargo::rerun-if-changed={input}");
    }

    copy_loader(&root, &out);
    if env::var("YASNO_WIDGET_STUB").is_ok_and(|v| !v.is_empty() && v != "0") {
        write_stub(&out);
        println!("cargo::rustc-env=YASNO_WIDGET_ORIGIN=stub");
        return;
    }

    let dist = root.join(bundle::DIST);
    let fingerprint = bundle::fingerprint(&root)
        .unwrap_or_else(|e| fail(&format!("cannot read the survey widget's inputs: {e}")));
    let origin = if bundle::recorded_fingerprint(&dist).as_deref() == Some(fingerprint.as_str()) {
        for name in bundle::FILES {
            let bytes = fs::read(dist.join(name)).unwrap_or_else(|e| {
                fail(&format!(
                    "cannot read {name} of the committed widget bundle: {e}"
                ))
            });
            write(&out.join(name), &bytes);
        }
        "committed"
    } else {
        println!(
            "cargo::warning=the survey widget's inputs changed since {} was built: building \
             the widget now; refresh the committed bundle with `cargo run -p yasno-widget-build`",
            bundle::DIST
        );
        build_widget(&root, &out);
        "rebuilt"
    };
    println!("cargo::rustc-env=YASNO_WIDGET_ORIGIN={origin}");
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1);
}

/// The loader goes out without its comment lines: it is fetched by every service page.
fn copy_loader(root: &Path, out: &Path) {
    let source = root.join("widgets/survey/loader.js");
    let text = fs::read_to_string(&source)
        .unwrap_or_else(|e| fail(&format!("cannot read {source:?}: {e}")));
    let lean: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    write(&out.join("loader.js"), lean.as_bytes());
}

fn write_stub(out: &Path) {
    println!("cargo::warning=YASNO_WIDGET_STUB is set: the survey widget is a stub");
    let js = "// yasno was built with YASNO_WIDGET_STUB: no survey widget.\nexport default async function init() {}\n";
    write(&out.join("survey.js"), js.as_bytes());
    // The smallest valid module: magic number and version.
    write(&out.join("survey_bg.wasm"), b"\0asm\x01\0\0\0");
}

fn write(path: &Path, bytes: &[u8]) {
    // Unchanged bytes keep their mtime, so include_bytes! does not force a recompile.
    if fs::read(path).ok().as_deref() != Some(bytes) {
        fs::write(path, bytes).unwrap_or_else(|e| fail(&format!("cannot write {path:?}: {e}")));
    }
}

/// Runs `yasno-widget-build` into `out`, in target dirs of its own (no lock on the outer
/// build dir); the jobserver (`CARGO_MAKEFLAGS`) is shared.
fn build_widget(root: &Path, out: &Path) {
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = bundle::nested_cargo(&cargo, root)
        .args(["run", "--quiet", "-p", "yasno-widget-build", "--target-dir"])
        .arg(target.join("widget-tool"))
        .args(["--", "--allow-unoptimized"])
        .arg(out)
        .env("YASNO_WIDGET_TARGET_DIR", target.join("widget-build"))
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run cargo for the widget: {e}")));
    if !status.success() {
        fail("building the survey widget failed (see the messages above)");
    }
}
