//! The survey widget bundle, embedded in the binary by `build.rs` (the committed bundle in
//! `widgets/survey/dist` while it matches its sources, else a fresh build of `widgets/survey`),
//! so that `yasno build` writes it into `public/widgets/` on any machine.

/// The widget files as (path relative to `public/widgets/`, bytes): `survey.js` (the
/// wasm-bindgen glue), `survey_bg.wasm` (the widget) and `loader.js` (the small script each
/// service page includes; it fetches the other two only when the survey is about to be used).
pub fn assets() -> &'static [(&'static str, &'static [u8])] {
    const ASSETS: &[(&str, &[u8])] = &[
        (
            "survey.js",
            include_bytes!(concat!(env!("OUT_DIR"), "/widget/survey.js")),
        ),
        (
            "survey_bg.wasm",
            include_bytes!(concat!(env!("OUT_DIR"), "/widget/survey_bg.wasm")),
        ),
        (
            "loader.js",
            include_bytes!(concat!(env!("OUT_DIR"), "/widget/loader.js")),
        ),
    ];
    ASSETS
}

#[cfg(test)]
mod tests {
    use super::assets;

    #[test]
    fn bundle_has_the_three_files_and_a_real_module() {
        let names: Vec<_> = assets().iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["survey.js", "survey_bg.wasm", "loader.js"]);
        let get = |n: &str| assets().iter().find(|(name, _)| *name == n).unwrap().1;
        assert!(get("survey_bg.wasm").starts_with(b"\0asm"));
        let loader = std::str::from_utf8(get("loader.js")).unwrap();
        assert!(loader.contains("survey.js") && loader.contains("IntersectionObserver"));
        if env!("YASNO_WIDGET_ORIGIN") != "stub" {
            let glue = std::str::from_utf8(get("survey.js")).unwrap();
            assert!(glue.contains("survey_bg.wasm"), "glue must find its module");
            assert!(get("survey_bg.wasm").len() > 10_000);
        }
    }

    /// The committed bundle must be the one built from the sources in the tree: when build.rs
    /// had to rebuild the widget, the commit would carry a bundle of older sources.
    #[test]
    fn committed_widget_bundle_matches_its_sources() {
        assert_ne!(
            env!("YASNO_WIDGET_ORIGIN"),
            "rebuilt",
            "widgets/survey/dist is stale: run `cargo run -p yasno-widget-build` and commit it"
        );
    }
}
