//! QR codes, survey landing pages and posters (issue 6), checked on the example site built by
//! the real binary: every code is rasterised and decoded, pages are parsed with a real HTML
//! parser, the poster stylesheet with a real CSS tokenizer, and a poster is printed to PDF by
//! Chromium.

use crate::common::{copy_dir, html, repo, sel};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use scraper::ElementRef;
use yasno::site::{LoadOptions, Site};
use yasno_survey_core::{Answer, QuestionKind};

const OTHER_BASE: &str = "https://other.example";

/// Builds the example site into `<target tmp>/qr-<name>` with extra arguments.
fn build_into(name: &str, extra: &[&str]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("qr-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    let o = yasno_build(&repo(), &out, extra);
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The example site built once with its own base URL.
fn example() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| build_into("example", &[]))
}

/// The example site built once with `--base-url https://other.example`.
fn example_other_base() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| build_into("other-base", &["--base-url", OTHER_BASE]))
}

fn site() -> Site {
    Site::load(&repo(), &LoadOptions::default()).expect("example site loads")
}

fn attr<'a>(e: &ElementRef<'a>, name: &str) -> &'a str {
    e.value().attr(name).unwrap_or_default()
}

fn files_named(root: &Path, name: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_name() == name)
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

/// The site path of the folder holding `file`, e.g. `/q/priemnaya/opeka/`.
fn site_dir(out: &Path, file: &Path) -> String {
    let rel = file.parent().unwrap().strip_prefix(out).unwrap();
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("/{}/", parts.join("/"))
}

// ---- decoding ----

/// Decodes the one QR code in a greyscale image.
fn decode_gray(width: usize, height: usize, pixels: &[u8]) -> String {
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    grids[0].decode().expect("the code decodes").1
}

/// Rasterises an SVG (4 px per viewBox unit, i.e. per module) and decodes it.
pub(crate) fn decode_svg(svg: &str) -> String {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
    let scale = 4.0;
    let w = (tree.size().width() * scale).ceil() as u32;
    let h = (tree.size().height() * scale).ceil() as u32;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let gray: Vec<u8> = pixmap.pixels().iter().map(|p| p.green()).collect();
    decode_gray(w as usize, h as usize, &gray)
}

fn decode_png(bytes: &[u8]) -> String {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    decode_gray(info.width as usize, info.height as usize, &buf)
}

/// Every landing code of a build: landing path → text decoded from qr.svg and from qr.png.
fn landing_codes(out: &Path) -> BTreeMap<String, (String, String)> {
    files_named(&out.join("q"), "qr.svg")
        .into_iter()
        .map(|svg| {
            let path = site_dir(out, &svg);
            let from_svg = decode_svg(&std::fs::read_to_string(&svg).unwrap());
            let from_png = decode_png(&std::fs::read(svg.with_file_name("qr.png")).unwrap());
            (path, (from_svg, from_png))
        })
        .collect()
}

// ---- the tests ----

#[test]
fn every_qr_code_decodes_to_exactly_its_landing_url_with_the_right_tag() {
    let site = site();
    let out = example();
    let base = &site.settings.base_url;
    let tags: BTreeSet<&str> = site
        .settings
        .locations
        .iter()
        .map(|l| l.tag.as_str())
        .collect();
    let with_survey: BTreeSet<&str> = site
        .default_lang_services()
        .filter(|s| s.survey.is_some())
        .map(|s| s.slug.as_str())
        .collect();
    assert!(
        tags.len() >= 2 && with_survey.len() >= 8,
        "example has data"
    );

    let codes = landing_codes(out);
    // One landing page per service with a survey and per location, no more, no fewer.
    let expected: BTreeSet<String> = tags
        .iter()
        .flat_map(|t| with_survey.iter().map(move |s| format!("/q/{t}/{s}/")))
        .collect();
    assert_eq!(codes.keys().cloned().collect::<BTreeSet<_>>(), expected);

    for (path, (from_svg, from_png)) in &codes {
        let url = format!("{base}{path}");
        assert_eq!(from_svg, &url, "qr.svg of {path}");
        assert_eq!(from_png, &url, "qr.png of {path}");
        let tag = path.split('/').nth(2).unwrap();
        assert!(tags.contains(tag), "{path}: tag {tag} is a location");
        // The poster inlines the same code.
        let slug = path.split('/').nth(3).unwrap();
        let poster = html(&out.join(format!("posters/{tag}/{slug}/index.html")));
        let svg = poster.select(&sel(".poster-qr svg")).next().unwrap().html();
        assert_eq!(decode_svg(&svg), url, "poster code of {path}");
    }
}

#[test]
fn each_service_page_shows_a_code_for_its_own_survey() {
    let site = site();
    let out = example();
    let mut seen = 0;
    for svc in site.services.iter().filter(|s| s.survey.is_some()) {
        let page_path = svc.url_path(&site.settings);
        let dir = out.join(page_path.trim_start_matches('/'));
        let url = format!("{}{}#survey", site.settings.base_url, page_path);
        let svg = std::fs::read_to_string(dir.join("qr.svg")).unwrap();
        assert_eq!(decode_svg(&svg), url, "{page_path}qr.svg");
        let doc = html(&dir.join("index.html"));
        let img = doc
            .select(&sel("aside.service-qr img"))
            .next()
            .unwrap_or_else(|| panic!("{page_path}: no QR image"));
        assert_eq!(attr(&img, "src"), format!("{page_path}qr.svg"));
        assert_eq!(attr(&img, "alt"), url, "{page_path}: alt text is the URL");
        seen += 1;
    }
    assert!(seen >= 8);
}

#[test]
fn landing_page_carries_the_survey_form_and_sends_the_tag_with_the_answer() {
    let site = site();
    let out = example();
    let mut pages = 0;
    for loc in &site.settings.locations {
        for svc in site.default_lang_services().filter(|s| s.survey.is_some()) {
            let survey = svc.survey.as_ref().unwrap();
            let path = format!("/q/{}/{}/", loc.tag, svc.slug);
            let doc = html(&out.join(&path[1..]).join("index.html"));
            let h1: Vec<String> = doc.select(&sel("h1")).map(|e| e.text().collect()).collect();
            assert_eq!(
                h1,
                std::slice::from_ref(&svc.meta.title),
                "{path}: the service name"
            );
            // The survey alone: none of the service page's sections.
            assert_eq!(doc.select(&sel("#documents, #faq, #fee")).count(), 0);
            assert_eq!(
                doc.select(&sel("meta[name=robots][content=noindex]"))
                    .count(),
                1
            );

            let form = doc
                .select(&sel("section#survey form.survey[method=post]"))
                .next()
                .unwrap_or_else(|| panic!("{path}: no survey form"));
            assert_eq!(attr(&form, "action"), "/api/answers");
            let hidden: BTreeMap<&str, &str> = form
                .select(&sel("input[type=hidden]"))
                .map(|e| (attr(&e, "name"), attr(&e, "value")))
                .collect();
            assert_eq!(hidden["source"], loc.tag, "{path}: source is the tag");
            assert_eq!(hidden["service"], svc.slug);
            assert_eq!(hidden["survey"], survey.id);
            assert_eq!(hidden["version"], survey.version.to_string());
            assert_eq!(hidden["lang"], "ru");
            assert_eq!(hidden["return_to"], path, "{path}: comes back here");
            assert_eq!(form.select(&sel("input[name=website]")).count(), 1);

            // Fill the form as a visitor would: the best rating, the first choice, a comment.
            let mut fields: Vec<(String, String)> = vec![];
            for q in &survey.questions {
                let inputs: Vec<ElementRef> =
                    form.select(&sel(&format!("[name=\"{}\"]", q.id))).collect();
                assert!(!inputs.is_empty(), "{path}: a field for question {}", q.id);
                let value = match q.kind {
                    QuestionKind::Rating => {
                        let values: Vec<&str> = inputs.iter().map(|e| attr(e, "value")).collect();
                        assert_eq!(values, ["1", "2", "3", "4", "5"], "{path}: {}", q.id);
                        "5".to_owned()
                    }
                    QuestionKind::Choice => attr(&inputs[0], "value").to_owned(),
                    QuestionKind::Text => {
                        assert_eq!(inputs[0].value().name(), "textarea");
                        "Всё понятно, спасибо.".to_owned()
                    }
                };
                fields.push((q.id.clone(), value));
            }
            // What the collector makes of the post: a valid answer marked with the tag.
            let answer = Answer {
                client_id: "qr-landing-test-0001".into(),
                service: hidden["service"].into(),
                survey: hidden["survey"].into(),
                version: hidden["version"].parse().unwrap(),
                source: hidden["source"].into(),
                lang: hidden["lang"].into(),
                answers: survey
                    .answers_from_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .unwrap(),
            };
            survey.validate(&answer).expect("the filled form is valid");
            assert_eq!(answer.source, loc.tag);

            // The widget gets the same source.
            let data = doc
                .select(&sel("section#survey script.survey-data"))
                .next()
                .unwrap()
                .text()
                .collect::<String>();
            let data: serde_json::Value = serde_json::from_str(&data).unwrap();
            assert_eq!(data["source"], loc.tag.as_str());
            assert_eq!(data["service"], svc.slug.as_str());
            pages += 1;
        }
    }
    assert!(pages >= 16, "{pages} landing pages");
}

#[test]
fn posters_show_name_invitation_code_url_and_contacts_and_staff_index_lists_them() {
    let site = site();
    let out = example();
    let invite = "Расскажите, как мы вас обслужили. Это займёт 1 минуту.";
    // The staff index is in the staff handbook, beside the output, not in it (issue 17).
    assert!(!out.join("posters/index.html").exists());
    let handbook = out.with_file_name(format!(
        "{}-handbook",
        out.file_name().unwrap().to_string_lossy()
    ));
    let index = html(&handbook.join("posters.html"));
    let base = &site.settings.base_url;
    let listed: BTreeSet<String> = index
        .select(&sel("main a"))
        .map(|a| {
            attr(&a, "href")
                .strip_prefix(base.as_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    for loc in &site.settings.locations {
        assert!(listed.contains(format!("/posters/{}/", loc.tag).as_str()));
        let sheet = html(&out.join(format!("posters/{}/index.html", loc.tag)));
        let mut sheet_urls = vec![];
        for svc in site.default_lang_services().filter(|s| s.survey.is_some()) {
            let poster_path = format!("/posters/{}/{}/", loc.tag, svc.slug);
            assert!(
                listed.contains(poster_path.as_str()),
                "index lists {poster_path}"
            );
            let landing = format!("{}/q/{}/{}/", site.settings.base_url, loc.tag, svc.slug);
            let short = landing.trim_start_matches("https://");
            let doc = html(&out.join(&poster_path[1..]).join("index.html"));
            let text = |s: &str| -> String {
                doc.select(&sel(s))
                    .flat_map(|e| e.text())
                    .collect::<String>()
            };
            assert_eq!(text("h1"), svc.meta.title);
            assert_eq!(text(".poster-invite"), invite);
            assert_eq!(
                text(".poster-url"),
                short,
                "{poster_path}: URL under the code"
            );
            // The URL comes after the code in reading (and print) order.
            let body = doc.root_element().html();
            assert!(body.find("poster-url").unwrap() > body.find("<svg").unwrap());
            assert!(text(".poster-contacts").contains(&svc.contacts.phone));
            assert!(text(".poster-contacts").contains(&loc.name));
            sheet_urls.push(short.to_owned());
        }
        let on_sheet: Vec<String> = sheet
            .select(&sel(".sheet-card .poster-url"))
            .map(|e| e.text().collect())
            .collect();
        assert_eq!(
            on_sheet, sheet_urls,
            "the sheet of {} lists every service",
            loc.tag
        );
        assert_eq!(
            sheet.select(&sel(".sheet-card .sheet-qr svg")).count(),
            sheet_urls.len()
        );
    }
    // Staff pages are not reachable from the public navigation.
    for page in files_named(out, "index.html") {
        let dir = site_dir(out, &page);
        if dir.starts_with("/posters/") {
            continue;
        }
        let doc = html(&page);
        for a in doc.select(&sel("a[href]")) {
            assert!(
                !attr(&a, "href").contains("/posters"),
                "{dir} links to the posters"
            );
        }
    }
    let robots = std::fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(robots.contains("Disallow: /posters/"));
}

#[test]
fn changing_the_base_url_changes_every_code() {
    let site = site();
    let before = landing_codes(example());
    let after = landing_codes(example_other_base());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, (svg, png)) in &after {
        let url = format!("{OTHER_BASE}{path}");
        assert_eq!(svg, &url);
        assert_eq!(png, &url);
        assert_ne!(svg, &before[path].0);
    }
    for svc in site.services.iter().filter(|s| s.survey.is_some()) {
        let page_path = svc.url_path(&site.settings);
        let svg = std::fs::read_to_string(
            example_other_base()
                .join(page_path.trim_start_matches('/'))
                .join("qr.svg"),
        )
        .unwrap();
        assert_eq!(decode_svg(&svg), format!("{OTHER_BASE}{page_path}#survey"));
    }
}

// ---- the print stylesheet ----

/// A declaration value token that matters for sizes.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Length(f32, String),
    Percent(f32),
    Ident(String),
    Other,
}

/// A style rule with the media it applies to (empty = all).
#[derive(Debug)]
struct Rule {
    media: Vec<String>,
    selector: String,
    decls: Vec<(String, Vec<Value>)>,
}

type CssError = cssparser::ParseError<()>;

fn read_decls<'i>(p: &mut cssparser::Parser<'i>) -> Vec<(String, Vec<Value>)> {
    use cssparser::Token;
    let mut decls = vec![];
    while let Ok(tok) = p.next() {
        let Token::Ident(name) = tok.clone() else {
            continue;
        };
        if !matches!(p.next(), Ok(Token::Colon)) {
            continue;
        }
        let mut values = vec![];
        loop {
            match p.next() {
                Ok(Token::Semicolon) | Err(_) => break,
                Ok(Token::Dimension { value, unit, .. }) => {
                    values.push(Value::Length(*value, unit.to_ascii_lowercase()))
                }
                Ok(Token::Percentage { unit_value, .. }) => {
                    values.push(Value::Percent(unit_value * 100.0))
                }
                Ok(Token::Ident(i)) => values.push(Value::Ident(i.to_ascii_lowercase())),
                Ok(_) => values.push(Value::Other),
            }
        }
        decls.push((name.to_ascii_lowercase(), values));
    }
    decls
}

fn read_rules<'i>(p: &mut cssparser::Parser<'i>, media: &[String], out: &mut Vec<Rule>) {
    use cssparser::Token;
    loop {
        // Comments before a rule are not part of its selector.
        p.skip_whitespace();
        let start = p.position();
        let tok = match p.next() {
            Ok(t) => t.clone(),
            Err(_) => return,
        };
        let mut prelude = vec![];
        if !matches!(tok, Token::CurlyBracketBlock) {
            loop {
                match p.next() {
                    Ok(Token::CurlyBracketBlock) => break,
                    Ok(Token::Ident(i)) => prelude.push(i.to_ascii_lowercase()),
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        }
        match tok {
            Token::AtKeyword(name) if name.eq_ignore_ascii_case("media") => {
                let inner = [media, &prelude[..]].concat();
                let _ = p.parse_nested_block(|p| -> Result<(), CssError> {
                    read_rules(p, &inner, out);
                    Ok(())
                });
            }
            _ => {
                let selector = match tok {
                    Token::AtKeyword(name) => format!("@{name}"),
                    _ => p.slice_from(start).trim_end_matches('{').trim().to_owned(),
                };
                let decls = p
                    .parse_nested_block(|p| -> Result<_, CssError> { Ok(read_decls(p)) })
                    .unwrap_or_default();
                out.push(Rule {
                    media: media.to_vec(),
                    selector,
                    decls,
                });
            }
        }
    }
}

fn parse_css(css: &str) -> Vec<Rule> {
    let mut parser = cssparser::Parser::new(css);
    let mut rules = vec![];
    read_rules(&mut parser, &[], &mut rules);
    rules
}

fn to_cm(v: &Value) -> Option<f32> {
    match v {
        Value::Length(n, unit) => Some(match unit.as_str() {
            "cm" => *n,
            "mm" => n / 10.0,
            "in" => n * 2.54,
            "pt" => n * 2.54 / 72.0,
            "px" => n * 2.54 / 96.0,
            _ => return None,
        }),
        _ => None,
    }
}

/// The last value of `property` for exactly `selector` among rules that apply in print.
fn print_value(rules: &[Rule], selector: &str, property: &str) -> Option<Vec<Value>> {
    rules
        .iter()
        .filter(|r| r.media.is_empty() || r.media.iter().any(|m| m == "print" || m == "all"))
        .filter(|r| r.selector.split(',').any(|s| s.trim() == selector))
        .flat_map(|r| r.decls.iter())
        .filter(|(name, _)| name == property)
        .map(|(_, v)| v.clone())
        .next_back()
}

#[test]
fn print_stylesheet_sizes_the_code_at_four_cm_or_more_on_a4() {
    let out = example();
    let poster = html(&out.join("posters/priemnaya/razreshenie-na-brak/index.html"));
    let href = poster
        .select(&sel("link[rel=stylesheet]"))
        .next()
        .map(|e| attr(&e, "href").to_owned())
        .unwrap();
    let css = std::fs::read_to_string(out.join(href.trim_start_matches('/'))).unwrap();
    let rules = parse_css(&css);

    let page = rules.iter().find(|r| r.selector == "@page").expect("@page");
    let size = &page.decls.iter().find(|(n, _)| n == "size").unwrap().1;
    assert_eq!(size[0], Value::Ident("a4".into()), "@page size: A4");

    // The container sets the size and the SVG fills it.
    let fill = print_value(&rules, ".qr svg", "width").unwrap();
    assert_eq!(fill, [Value::Percent(100.0)]);
    for (selector, min_cm) in [(".poster-qr", 6.0), (".sheet-qr", 4.0)] {
        let width = print_value(&rules, selector, "width").unwrap();
        let cm = to_cm(&width[0]).unwrap_or_else(|| panic!("{selector}: {width:?}"));
        assert!(cm >= min_cm, "{selector} prints {cm} cm wide");
        // A max-width must not shrink it in print.
        if let Some(max) = print_value(&rules, selector, "max-width") {
            assert!(
                max == [Value::Ident("none".into())] || to_cm(&max[0]).is_some_and(|m| m >= cm),
                "{selector}: max-width {max:?}"
            );
        }
    }
    // The same parser sees the screen rules too, so the print ones are not found by accident.
    assert!(
        rules
            .iter()
            .any(|r| r.media.is_empty() && r.selector == ".poster-qr")
    );
}

#[test]
fn a_poster_prints_on_one_a4_page_in_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "this test prints with Debian's chromium: apt-get install chromium"
    );
    let out = example();
    let profile = tempfile::tempdir().unwrap();
    let pdf = profile.path().join("poster.pdf");
    let page = out.join("posters/priemnaya/razreshenie-na-brak/index.html");
    // Opened as a file, the stylesheet link `/css/poster.css` points at the filesystem root;
    // a copy with a relative link keeps the test off the network.
    let html_text = std::fs::read_to_string(&page)
        .unwrap()
        .replace("href=\"/css/poster.css\"", "href=\"poster.css\"");
    let local = profile.path().join("poster.html");
    std::fs::write(&local, html_text).unwrap();
    std::fs::copy(
        out.join("css/poster.css"),
        profile.path().join("poster.css"),
    )
    .unwrap();
    let status = Command::new(chromium)
        // The flags every browser suite uses (tests/chromium.mjs reads the same file).
        .args(serde_json::from_str::<Vec<String>>(include_str!("../chromium-flags.json")).unwrap())
        .arg("--no-pdf-header-footer")
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("p").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", local.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let marker = "/Type /Page";
    let pages = text
        .match_indices(marker)
        .filter(|(i, _)| !text[i + marker.len()..].starts_with('s'))
        .count();
    assert_eq!(pages, 1, "the poster fits one page");
    // A4 is 595.3 × 841.9 points.
    let media = text.find("/MediaBox [").map(|i| &text[i + 11..]).unwrap();
    let nums: Vec<f32> = media
        .split(']')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        (nums[2] - 595.3).abs() < 1.5 && (nums[3] - 841.9).abs() < 1.5,
        "{nums:?}"
    );
}

// ---- settings ----

/// Runs `yasno build` of the site at `root` into `out`, with `extra` arguments.
fn yasno_build(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// The minimal fixture site with `extra` appended to its settings, built; returns the site
/// folder, the output folder and the command's result.
fn build_minimal_with(extra: &str) -> (tempfile::TempDir, PathBuf, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/minimal"), dir.path());
    let settings = dir.path().join("content/site.toml");
    let mut text = std::fs::read_to_string(&settings).unwrap();
    text.push_str(extra);
    std::fs::write(&settings, text).unwrap();
    let out = dir.path().join("public");
    let o = yasno_build(dir.path(), &out, &[]);
    (dir, out, o)
}

#[test]
fn settings_choose_error_correction_and_a_wider_quiet_zone() {
    let (_dir, out, o) = build_minimal_with("\n[qr]\nec_level = \"h\"\nquiet_zone = 6\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pngs = files_named(&out.join("q"), "qr.png");
    assert!(!pngs.is_empty());
    for png_path in pngs {
        let bytes = std::fs::read(&png_path).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes[..]))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        let grids = img.detect_grids();
        let (meta, text) = grids[0].decode().unwrap();
        assert_eq!(
            text,
            format!("https://test.example{}", site_dir(&out, &png_path))
        );
        // rqrr reports the format bits: M=0, L=1, H=2, Q=3.
        assert_eq!(meta.ecc_level, 2, "{}: EC level H", png_path.display());
        // The light border is the quiet zone: 6 modules of PNG_SCALE pixels.
        let first_dark_col = (0..w)
            .find(|&x| (0..h).any(|y| buf[y * w + x] < 128))
            .unwrap();
        let first_dark_row = (0..h)
            .find(|&y| (0..w).any(|x| buf[y * w + x] < 128))
            .unwrap();
        let zone = 6 * yasno::render::qr_pages::PNG_SCALE as usize;
        assert_eq!((first_dark_col, first_dark_row), (zone, zone));
        // Light background, dark modules: the corner pixel is white.
        assert_eq!(buf[0], 255);
    }
}

#[test]
fn a_quiet_zone_below_four_modules_is_refused_with_file_and_line() {
    let (_dir, out, o) = build_minimal_with("\n[qr]\nquiet_zone = 2\n");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("site.toml"), "{err}");
    assert!(err.contains("quiet_zone"), "{err}");
    assert!(err.contains("at least 4"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.join("q").exists(), "nothing written");
}

#[test]
fn a_location_tagged_web_or_a_repeated_tag_is_refused() {
    for (tag, why) in [("web", "web"), ("priemnaya", "twice")] {
        let extra = format!("\n[[locations]]\ntag = \"{tag}\"\nname = \"Второе место\"\n");
        let (_dir, _out, o) = build_minimal_with(&extra);
        assert!(!o.status.success(), "tag {tag} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("site.toml") && err.contains(why), "{err}");
    }
}

// ---- the cache of encoded codes ----

/// Every file of the site under `dir` by relative path (not yasno's marker, which names the
/// build that wrote the folder).
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != yasno::output::MARKER)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn a_warm_qr_cache_changes_no_file_and_follows_a_new_base_url() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    let build = |name: &str, extra: &[&str]| -> PathBuf {
        let out = dir.path().join(name);
        let o = yasno_build(dir.path(), &out, extra);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let cache = yasno::qr::cache_path(dir.path());
    let cold = read_tree(&build("cold", &[]));
    assert!(cache.is_file(), "the first build leaves a cache");
    let warm = read_tree(&build("warm", &[]));
    assert_eq!(
        cold.keys().collect::<Vec<_>>(),
        warm.keys().collect::<Vec<_>>()
    );
    assert!(cold == warm, "a warm cache changes no byte of any file");

    // The cache holds codes of the old base URL: each code must follow the new one anyway.
    let other = build("other", &["--base-url", OTHER_BASE]);
    let codes = landing_codes(&other);
    assert!(!codes.is_empty());
    for (path, (svg, png)) in &codes {
        assert_eq!(svg, &format!("{OTHER_BASE}{path}"));
        assert_eq!(png, &format!("{OTHER_BASE}{path}"));
    }
    let page_codes: Vec<PathBuf> = files_named(&other.join("services"), "qr.svg");
    assert!(!page_codes.is_empty());
    for svg in page_codes {
        let page = site_dir(&other, &svg);
        let text = decode_svg(&std::fs::read_to_string(&svg).unwrap());
        assert_eq!(text, format!("{OTHER_BASE}{page}#survey"));
    }

    // A damaged cache costs time, not the build, and changes nothing.
    std::fs::write(&cache, b"yasno-qr-cache 1\nnot really").unwrap();
    let damaged = read_tree(&build("damaged", &[]));
    assert!(cold == damaged, "a damaged cache is ignored");
    assert!(
        yasno::qr::QrCache::from_bytes(&std::fs::read(&cache).unwrap()).is_some(),
        "and replaced by a good one"
    );
}

/// The `viewBox` size of an SVG code, in modules with the quiet zone.
fn svg_size(svg: &Path) -> u32 {
    let text = std::fs::read_to_string(svg).unwrap();
    let at = text.find("viewBox=\"0 0 ").unwrap() + "viewBox=\"0 0 ".len();
    text[at..].split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn codes_kept_between_builds_into_one_folder_follow_the_url_and_the_settings() {
    // A service page's code is not drawn again when its URL and the settings are unchanged
    // (the build keeps the file): each change must still reach every code.
    let (dir, out, o) = build_minimal_with("");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let settings = dir.path().join("content/site.toml");
    let plain = std::fs::read_to_string(&settings).unwrap();
    let svg = out.join("services/inherits/qr.svg");
    let first = svg_size(&svg);
    let build = |extra: &[&str]| {
        let o = yasno_build(dir.path(), &out, extra);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let decoded = || decode_svg(&std::fs::read_to_string(&svg).unwrap());
    std::fs::write(&settings, format!("{plain}\n[qr]\nquiet_zone = 6\n")).unwrap();
    build(&[]);
    assert_eq!(svg_size(&svg), first + 4, "two more modules on each side");
    std::fs::write(&settings, &plain).unwrap();
    build(&[]);
    assert_eq!(svg_size(&svg), first);
    build(&[]);
    assert_eq!(decoded(), "https://test.example/services/inherits/#survey");
    build(&["--base-url", OTHER_BASE]);
    assert_eq!(decoded(), format!("{OTHER_BASE}/services/inherits/#survey"));
}

/// The example site with `razdelnoe-prozhivanie.md` renamed to `otdelnoe-prozhivanie.md`,
/// its old slug kept as an alias; built into `out`.
fn renamed_site(aliases: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    copy_dir(&repo().join("themes"), &dir.path().join("themes"));
    let services = dir.path().join("content/services");
    let old = std::fs::read_to_string(services.join("razdelnoe-prozhivanie.md")).unwrap();
    std::fs::remove_file(services.join("razdelnoe-prozhivanie.md")).unwrap();
    let renamed = old.replacen("+++\n", &format!("+++\naliases = {aliases}\n"), 1);
    std::fs::write(services.join("otdelnoe-prozhivanie.md"), renamed).unwrap();
    let out = dir.path().join("public");
    let o = yasno_build(dir.path(), &out, &[]);
    (dir, o)
}

#[test]
fn a_renamed_service_keeps_its_old_page_and_every_printed_qr_address() {
    let (dir, o) = renamed_site("[\"razdelnoe-prozhivanie\"]");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("public");
    let base = site().settings.base_url;
    let mut redirects = vec![(
        "services/razdelnoe-prozhivanie/index.html".to_owned(),
        "/services/otdelnoe-prozhivanie/".to_owned(),
    )];
    for l in &site().settings.locations {
        redirects.push((
            format!("q/{}/razdelnoe-prozhivanie/index.html", l.tag),
            format!("/q/{}/otdelnoe-prozhivanie/", l.tag),
        ));
    }
    for (from, to) in &redirects {
        let page = html(&out.join(from));
        let refresh = page
            .select(&sel("meta[http-equiv=refresh]"))
            .next()
            .unwrap_or_else(|| panic!("{from} has no refresh"));
        assert_eq!(
            attr(&refresh, "content"),
            format!("0; url={base}{to}"),
            "{from}"
        );
        let canonical = page.select(&sel("link[rel=canonical]")).next().unwrap();
        assert_eq!(attr(&canonical, "href"), format!("{base}{to}"));
        // The target is a real page of this build.
        let target = out.join(to.trim_start_matches('/')).join("index.html");
        assert!(target.is_file(), "{to} is not built");
    }
    // The new landing pages' codes carry the new address; the old printed ones still lead here.
    let codes = landing_codes(&out);
    assert!(
        codes.keys().any(|k| k.contains("otdelnoe-prozhivanie")),
        "{codes:?}"
    );
}

#[test]
fn an_alias_that_another_service_owns_is_refused() {
    let (_dir, o) = renamed_site("[\"gazeta\"]");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error[duplicate-slug]") && err.contains("gazeta"),
        "{err}"
    );
    let (_dir, o) = renamed_site("[\"Старое Имя\"]");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error[invalid-slug]"), "{err}");
    assert!(err.contains("otdelnoe-prozhivanie.md:2:"), "{err}");
}

#[test]
fn renaming_a_service_without_an_alias_warns_that_printed_posters_lead_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    copy_dir(&repo().join("themes"), &dir.path().join("themes"));
    let out = dir.path().join("public");
    assert!(yasno_build(dir.path(), &out, &[]).status.success());
    let services = dir.path().join("content/services");
    let text = std::fs::read_to_string(services.join("razdelnoe-prozhivanie.md")).unwrap();
    std::fs::remove_file(services.join("razdelnoe-prozhivanie.md")).unwrap();
    std::fs::write(services.join("otdelnoe-prozhivanie.md"), &text).unwrap();
    let o = yasno_build(dir.path(), &out, &["--verbose"]);
    assert!(o.status.success(), "a warning does not stop the build");
    let err = String::from_utf8_lossy(&o.stderr);
    let lost: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("warning[lost-qr]"))
        .collect();
    assert_eq!(lost.len(), site().settings.locations.len(), "{err}");
    for l in &site().settings.locations {
        assert!(
            err.contains(&format!("/q/{}/razdelnoe-prozhivanie/", l.tag)),
            "{err}"
        );
    }
    assert!(
        err.contains("aliases = [\"razdelnoe-prozhivanie\"]"),
        "{err}"
    );

    // With the alias, the old addresses are built again and nothing is lost.
    let aliased = text.replacen("+++\n", "+++\naliases = [\"razdelnoe-prozhivanie\"]\n", 1);
    std::fs::write(services.join("otdelnoe-prozhivanie.md"), aliased).unwrap();
    let o = yasno_build(dir.path(), &out, &["--verbose"]);
    assert!(o.status.success());
    assert!(!String::from_utf8_lossy(&o.stderr).contains("lost-qr"));
}
