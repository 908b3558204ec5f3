//! Builds the survey widget (`widgets/survey`) into the files the binary embeds, so that one
//! `cargo build` (or `cargo install`) gives a `yasno` that writes the widget into `public/`
//! without any WebAssembly tool on the editor's machine.
//!
//! Steps: a nested `cargo build` of the widget for `wasm32-unknown-unknown` with the
//! `wasm-release` profile in its own target dir (no lock on the outer build dir); wasm-bindgen
//! as a library (the same `=` version as the widget's `wasm-bindgen`); then
//! `wasm-opt -Oz --converge` when a recent binaryen is found.
//! Output: `$OUT_DIR/widget/{survey.js,survey_bg.wasm}`.
//!
//! `YASNO_WIDGET_STUB=1` embeds a stub instead (for rust-analyzer and quick checks);
//! `YASNO_WASM_OPT=/path/to/wasm-opt` picks the optimizer (`YASNO_WASM_OPT=off` skips it).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// binaryen releases before this one fail on wasm-bindgen's output (design.md).
const MIN_BINARYEN: u32 = 116;

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("widget");
    fs::create_dir_all(&out).unwrap_or_else(|e| fail(&format!("cannot create {out:?}: {e}")));

    println!("cargo::rerun-if-env-changed=YASNO_WIDGET_STUB");
    println!("cargo::rerun-if-env-changed=YASNO_WASM_OPT");
    for path in [
        "widgets/survey/src",
        "widgets/survey/Cargo.toml",
        "widgets/survey/loader.js",
        "widgets/survey-core/src",
        "widgets/survey-core/Cargo.toml",
        "Cargo.lock",
        "node_modules/.bin/wasm-opt",
        "tests/browser/node_modules/.bin/wasm-opt",
    ] {
        // Naming a missing path would make cargo rerun this script on every build.
        if root.join(path).exists() {
            println!("cargo::rerun-if-changed={path}");
        }
    }

    copy_loader(&root, &out);
    if env::var("YASNO_WIDGET_STUB").is_ok_and(|v| !v.is_empty() && v != "0") {
        write_stub(&out);
        return;
    }

    check_wasm_target();
    let wasm = build_wasm(&root);
    bindgen(&wasm, &out);
    optimize(&root, &out.join("survey_bg.wasm"));
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

fn rustc() -> String {
    env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

fn check_wasm_target() {
    let sysroot = Command::new(rustc())
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let Some(sysroot) = sysroot else {
        fail("cannot run `rustc --print sysroot` to find the wasm32 target");
    };
    let lib = Path::new(&sysroot).join("lib/rustlib").join(WASM_TARGET);
    if !lib.exists() {
        fail(&format!(
            "the Rust target `{WASM_TARGET}` is not installed, and the survey widget needs it.\n\
             fix: rustup target add {WASM_TARGET}\n\
             (or set YASNO_WIDGET_STUB=1 to build yasno without the widget)"
        ));
    }
}

fn build_wasm(root: &Path) -> PathBuf {
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("widget-build");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "-p",
            "yasno-survey-widget",
            "--target",
            WASM_TARGET,
        ])
        .args(["--profile", "wasm-release", "--target-dir"])
        .arg(&target_dir);
    // The outer build's flags are for the host (and for clippy); on wasm32 they break the
    // build or wasm-bindgen (see design.md). The jobserver (CARGO_MAKEFLAGS) is shared.
    for var in [
        "RUSTC_WORKSPACE_WRAPPER",
        "CLIPPY_ARGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run cargo for the widget: {e}")));
    if !status.success() {
        fail(&format!(
            "building the survey widget for {WASM_TARGET} failed (see the messages above); \
             try `cargo build -p yasno-survey-widget --target {WASM_TARGET}`"
        ));
    }
    target_dir
        .join(WASM_TARGET)
        .join("wasm-release/survey.wasm")
}

fn bindgen(wasm: &Path, out: &Path) {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(wasm)
        .out_name("survey")
        .typescript(false)
        .omit_default_module_path(false);
    let result = bindgen
        .web(true)
        .and_then(|b| b.generate(out))
        .map_err(|e| format!("wasm-bindgen failed on {wasm:?}: {e:#}"));
    if let Err(message) = result {
        fail(&message);
    }
}

/// The first wasm-opt that is recent enough: `YASNO_WASM_OPT`, the npm package `binaryen`
/// installed at the root or for the browser tests, then `PATH`.
fn find_wasm_opt(root: &Path) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match env::var("YASNO_WASM_OPT") {
        Ok(v) if v == "off" => return None,
        Ok(v) if !v.is_empty() => vec![PathBuf::from(v)],
        _ => vec![
            root.join("node_modules/.bin/wasm-opt"),
            root.join("tests/browser/node_modules/.bin/wasm-opt"),
            PathBuf::from("wasm-opt"),
        ],
    };
    candidates.into_iter().find(|c| {
        let version = Command::new(c).arg("--version").output().ok();
        // "wasm-opt version 132 (version_132)"
        let number = version.and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .nth(2)
                .and_then(|n| n.parse::<u32>().ok())
        });
        match number {
            Some(n) if n >= MIN_BINARYEN => true,
            Some(n) => {
                println!(
                    "cargo::warning=skipping {} (binaryen {n} is older than {MIN_BINARYEN}); \
                     `npm install binaryen@132` gives a smaller widget",
                    c.display()
                );
                false
            }
            None => false,
        }
    })
}

fn optimize(root: &Path, wasm: &Path) {
    let Some(wasm_opt) = find_wasm_opt(root) else {
        println!(
            "cargo::warning=wasm-opt not found: the survey widget is not size-optimized \
             (install with `npm install --prefix tests/browser`, or binaryen>={MIN_BINARYEN})"
        );
        return;
    };
    let tmp = wasm.with_extension("opt.wasm");
    let status = Command::new(&wasm_opt)
        // `--converge` repeats -Oz until the module stops shrinking: ~0.4 KB less after
        // brotli for a few more seconds, and only when the widget changed.
        .args(["-Oz", "--converge"])
        // The features rustc enables by default for wasm32 (wasm-opt's own default is MVP).
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&tmp)
        .status();
    match status {
        Ok(s) if s.success() => fs::rename(&tmp, wasm)
            .unwrap_or_else(|e| fail(&format!("cannot replace {wasm:?}: {e}"))),
        other => println!(
            "cargo::warning=wasm-opt ({}) failed ({other:?}); the widget is kept unoptimized",
            wasm_opt.display()
        ),
    }
}
