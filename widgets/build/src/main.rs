//! `yasno-widget-build`: builds the survey widget (`widgets/survey`) into a bundle of
//! `survey.js` and `survey_bg.wasm`.
//!
//! Steps: a nested `cargo build` of the widget for `wasm32-unknown-unknown` with the
//! `wasm-release` profile in its own target dir; wasm-bindgen as a library (the same `=`
//! version as the widget's `wasm-bindgen`); then `wasm-opt -Oz --converge` when a recent
//! binaryen is found. Last, it writes the manifest with the fingerprint of the inputs.
//!
//! Usage: `cargo run -p yasno-widget-build -- [OUT_DIR]` (default: the committed bundle,
//! `widgets/survey/dist`, which `build.rs` embeds while its fingerprint matches). Refreshing
//! the committed bundle needs binaryen (`npm install --prefix tests/browser`); the root
//! `build.rs` also runs this tool, into its `OUT_DIR`, when the committed bundle is stale,
//! and then an unoptimized widget is accepted with a warning.
//!
//! `YASNO_WASM_OPT=/path/to/wasm-opt` picks the optimizer (`YASNO_WASM_OPT=off` skips it).

mod bundle;
mod shrink;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// binaryen releases before this one fail on wasm-bindgen's output (design.md).
const MIN_BINARYEN: u32 = 116;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let mut out = None;
    let mut allow_unoptimized = false;
    for arg in env::args().skip(1) {
        match arg.as_str() {
            "--allow-unoptimized" => allow_unoptimized = true,
            "-h" | "--help" => {
                println!(
                    "usage: yasno-widget-build [--allow-unoptimized] [OUT_DIR]\n\
                     builds the survey widget into OUT_DIR (default: {})",
                    bundle::DIST
                );
                return;
            }
            _ if out.is_none() && !arg.starts_with('-') => out = Some(PathBuf::from(arg)),
            _ => fail(&format!("unexpected argument `{arg}` (try --help)")),
        }
    }
    let out = out.unwrap_or_else(|| root.join(bundle::DIST));
    fs::create_dir_all(&out).unwrap_or_else(|e| fail(&format!("cannot create {out:?}: {e}")));

    // Taken before the build, so that an edit made meanwhile makes the bundle stale, not wrong.
    let fingerprint = bundle::fingerprint(&root)
        .unwrap_or_else(|e| fail(&format!("cannot read the widget's inputs: {e}")));
    let committed = bundle::recorded_fingerprint(&root.join(bundle::DIST));
    eprintln!(
        "committed bundle ({}): {}",
        bundle::DIST,
        match committed {
            Some(f) if f == fingerprint => "current",
            Some(_) => "stale (its inputs changed)",
            None => "missing",
        }
    );
    check_wasm_target();
    let wasm = build_wasm(&root);
    bindgen(&wasm, &out);
    let optimized = optimize(&root, &out.join("survey_bg.wasm"));
    shorten_imports(&out);
    if optimized.is_none() && !allow_unoptimized {
        fail(&format!(
            "wasm-opt (binaryen >= {MIN_BINARYEN}) not found, and a committed bundle must be \
             size-optimized.\nfix: npm install --prefix tests/browser \
             (or pass --allow-unoptimized)"
        ));
    }
    let manifest = format!(
        "# The survey widget bundle beside this file was built by `cargo run -p yasno-widget-build`\n\
         # from inputs with this SHA-256 fingerprint (widgets/build/src/bundle.rs). build.rs embeds\n\
         # the bundle while the fingerprint matches, and rebuilds the widget when it does not.\n\
         {fingerprint}\n\
         # wasm-opt: {}\n",
        optimized.as_deref().unwrap_or("not run")
    );
    write(&out.join(bundle::MANIFEST), manifest.as_bytes());
    eprintln!("survey widget built into {}:", out.display());
    for name in bundle::FILES {
        let size = fs::metadata(out.join(name)).map_or(0, |m| m.len());
        eprintln!("  {name:15} {size:>8} B");
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1);
}

fn warn(message: &str) {
    eprintln!("warning: {message}");
}

fn write(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap_or_else(|e| fail(&format!("cannot write {path:?}: {e}")));
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
             fix: rustup target add {WASM_TARGET}"
        ));
    }
}

fn build_wasm(root: &Path) -> PathBuf {
    let target_dir = env::var_os("YASNO_WIDGET_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/widget-build"));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = bundle::nested_cargo(&cargo, root)
        .args([
            "build",
            "-p",
            "yasno-survey-widget",
            "--target",
            WASM_TARGET,
        ])
        .args(["--profile", "wasm-release", "--target-dir"])
        .arg(&target_dir)
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

/// Gives the glue's imports short names in both files (see `shrink.rs`).
fn shorten_imports(out: &Path) {
    let (wasm_path, js_path) = (out.join("survey_bg.wasm"), out.join("survey.js"));
    let read = |p: &Path| fs::read(p).unwrap_or_else(|e| fail(&format!("cannot read {p:?}: {e}")));
    let mut wasm = read(&wasm_path);
    let mut js = String::from_utf8(read(&js_path))
        .unwrap_or_else(|_| fail(&format!("{js_path:?} is not UTF-8")));
    match shrink::shorten_imports(&mut wasm, &mut js) {
        Ok(n) => {
            eprintln!("  {n} imports renamed");
            write(&wasm_path, &wasm);
            write(&js_path, js.as_bytes());
        }
        Err(e) => warn(&format!("imports keep their long names: {e}")),
    }
}

/// The first wasm-opt that is recent enough, with its version line: `YASNO_WASM_OPT`, the
/// npm package `binaryen` installed at the root or for the browser tests, then `PATH`.
fn find_wasm_opt(root: &Path) -> Option<(PathBuf, String)> {
    let candidates: Vec<PathBuf> = match env::var("YASNO_WASM_OPT") {
        Ok(v) if v == "off" => return None,
        Ok(v) if !v.is_empty() => vec![PathBuf::from(v)],
        _ => vec![
            root.join("node_modules/.bin/wasm-opt"),
            root.join("tests/browser/node_modules/.bin/wasm-opt"),
            PathBuf::from("wasm-opt"),
        ],
    };
    candidates.into_iter().find_map(|c| {
        let output = Command::new(&c).arg("--version").output().ok()?;
        // "wasm-opt version 132 (version_132)"
        let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let number = line.split_whitespace().nth(2)?.parse::<u32>().ok()?;
        if number >= MIN_BINARYEN {
            Some((c, line))
        } else {
            warn(&format!(
                "skipping {} (binaryen {number} is older than {MIN_BINARYEN}); \
                 `npm install binaryen@132` gives a smaller widget",
                c.display()
            ));
            None
        }
    })
}

/// Shrinks the module in place; returns the version of the wasm-opt that did it.
fn optimize(root: &Path, wasm: &Path) -> Option<String> {
    let Some((wasm_opt, version)) = find_wasm_opt(root) else {
        warn(&format!(
            "wasm-opt not found: the survey widget is not size-optimized \
             (install with `npm install --prefix tests/browser`, or binaryen>={MIN_BINARYEN})"
        ));
        return None;
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
        Ok(s) if s.success() => {
            fs::rename(&tmp, wasm)
                .unwrap_or_else(|e| fail(&format!("cannot replace {wasm:?}: {e}")));
            Some(version)
        }
        other => {
            warn(&format!(
                "wasm-opt ({}) failed ({other:?}); the widget is kept unoptimized",
                wasm_opt.display()
            ));
            None
        }
    }
}
