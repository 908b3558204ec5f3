//! Unit tests of the QR module: every code decodes to its URL, options are enforced.

use super::*;
use qrcode::QrCode;
use rayon::prelude::*;

const URL: &str = "https://yasno.example/q/sadovaya/opeka/";

/// A greyscale image in memory, as the decoder and the quiet-zone checks see it.
struct Gray {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Gray {
    fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }

    /// Decodes the only QR code in the image; returns its text and rqrr's raw EC bits.
    fn decode(&self) -> (String, u16) {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(self.width, self.height, |x, y| {
                self.at(x, y)
            });
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "expected exactly one QR code in the image");
        let (meta, text) = grids[0].decode().expect("the QR code decodes");
        (text, meta.ecc_level)
    }

    /// Width of the light border on each side: left, top, right, bottom, in pixels.
    fn light_border(&self) -> [usize; 4] {
        let dark = |x: usize, y: usize| self.at(x, y) < 128;
        let col_dark = |x: usize| (0..self.height).any(|y| dark(x, y));
        let row_dark = |y: usize| (0..self.width).any(|x| dark(x, y));
        let left = (0..self.width).find(|&x| col_dark(x)).unwrap();
        let right = (0..self.width).rev().find(|&x| col_dark(x)).unwrap();
        let top = (0..self.height).find(|&y| row_dark(y)).unwrap();
        let bottom = (0..self.height).rev().find(|&y| row_dark(y)).unwrap();
        [left, top, self.width - 1 - right, self.height - 1 - bottom]
    }
}

fn decode_png(bytes: &[u8]) -> Gray {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    Gray {
        width: info.width as usize,
        height: info.height as usize,
        pixels: buf,
    }
}

/// Rasterises an SVG with `px_per_module` pixels per viewBox unit (one module).
fn rasterise_svg(svg: &str, px_per_module: f32) -> Gray {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
    let size = tree.size();
    let w = (size.width() * px_per_module).round() as u32;
    let h = (size.height() * px_per_module).round() as u32;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(px_per_module, px_per_module),
        &mut pixmap.as_mut(),
    );
    // The SVG paints its own light background, so every pixel is opaque; take green as grey.
    let pixels = pixmap.pixels().iter().map(|p| p.green()).collect();
    Gray {
        width: w as usize,
        height: h as usize,
        pixels,
    }
}

/// rqrr reports the two EC bits of the format information: M=0, L=1, H=2, Q=3.
fn rqrr_ec(level: EcLevel) -> u16 {
    match level {
        EcLevel::M => 0,
        EcLevel::H => 2,
        EcLevel::Q => 3,
    }
}

fn modules_for(url: &str, level: EcLevel) -> u32 {
    QrCode::with_error_correction_level(url, level.to_qrcode())
        .unwrap()
        .width() as u32
}

#[test]
fn svg_decodes_to_exactly_the_url_at_every_ec_level() {
    for level in [EcLevel::M, EcLevel::Q, EcLevel::H] {
        let opts = QrOptions {
            ec_level: level,
            ..QrOptions::default()
        };
        let svg = svg(URL, &opts).unwrap();
        let (text, ec) = rasterise_svg(&svg, 8.0).decode();
        assert_eq!(text, URL);
        assert_eq!(ec, rqrr_ec(level), "EC level {level:?}");
    }
}

#[test]
fn png_decodes_to_exactly_the_url_at_every_ec_level() {
    for level in [EcLevel::M, EcLevel::Q, EcLevel::H] {
        let opts = QrOptions {
            ec_level: level,
            quiet_zone: 4,
        };
        let (text, ec) = decode_png(&png(URL, &opts, 6).unwrap()).decode();
        assert_eq!(text, URL);
        assert_eq!(ec, rqrr_ec(level), "EC level {level:?}");
    }
}

#[test]
fn svg_and_png_together_equal_each_alone() {
    let opts = QrOptions::default();
    let (s, p) = svg_and_png(URL, &opts, 3).unwrap();
    assert_eq!(s, svg(URL, &opts).unwrap());
    assert_eq!(p, png(URL, &opts, 3).unwrap());
    assert_eq!(decode_png(&p).decode().0, URL);
}

#[test]
fn non_ascii_urls_round_trip() {
    let url = "https://ясно.example/q/садовая/опека/?a=1&b=<2>";
    let opts = QrOptions::default();
    assert_eq!(
        rasterise_svg(&svg(url, &opts).unwrap(), 8.0).decode().0,
        url
    );
    assert_eq!(decode_png(&png(url, &opts, 4).unwrap()).decode().0, url);
}

#[test]
fn quiet_zone_is_measured_on_pixels() {
    for quiet_zone in [4, 6] {
        let opts = QrOptions {
            ec_level: EcLevel::M,
            quiet_zone,
        };
        let scale = 5;
        let png_img = decode_png(&png(URL, &opts, scale).unwrap());
        let modules = modules_for(URL, EcLevel::M);
        assert_eq!(png_img.width as u32, (modules + 2 * quiet_zone) * scale);
        // Finder patterns touch every edge of the symbol, so the border is exactly the zone.
        let expected = (quiet_zone * scale) as usize;
        assert_eq!(
            png_img.light_border(),
            [expected; 4],
            "png, zone {quiet_zone}"
        );

        let svg_img = rasterise_svg(&svg(URL, &opts).unwrap(), 5.0);
        assert_eq!(
            svg_img.light_border(),
            [expected; 4],
            "svg, zone {quiet_zone}"
        );
    }
}

#[test]
fn svg_is_dark_on_light_accessible_and_sized_by_css() {
    let url = "https://yasno.example/q/a/b/?x=1&y=2";
    let svg = svg(url, &QrOptions::default()).unwrap();
    let n = modules_for(url, EcLevel::M) + 2 * MIN_QUIET_ZONE;
    assert!(
        svg.starts_with("<svg "),
        "no XML prolog, so it can be inlined: {svg}"
    );
    assert!(svg.contains(&format!(r#"viewBox="0 0 {n} {n}""#)));
    assert!(svg.contains(r#"role="img""#));
    assert!(svg.contains("<title>https://yasno.example/q/a/b/?x=1&amp;y=2</title>"));
    assert!(svg.contains(r##"fill="#fff""##) && svg.contains(r##"fill="#000""##));
    let root = &svg[..svg.find('>').unwrap()];
    assert!(
        !root.contains("width=") && !root.contains("height="),
        "{root}"
    );

    // Dark on light on pixels too: the corner is light, the finder pattern corner dark.
    let img = rasterise_svg(&svg, 4.0);
    let q = (MIN_QUIET_ZONE * 4) as usize;
    assert_eq!(img.at(0, 0), 255);
    assert_eq!(img.at(q + 1, q + 1), 0);
}

#[test]
fn quiet_zone_below_four_is_refused() {
    let opts = QrOptions {
        ec_level: EcLevel::M,
        quiet_zone: 3,
    };
    let err = svg(URL, &opts).unwrap_err();
    assert!(matches!(err, QrError::QuietZoneTooSmall { given: 3 }));
    assert!(err.to_string().contains("quiet_zone = 4"), "{err}");
    assert!(matches!(
        png(URL, &opts, 4),
        Err(QrError::QuietZoneTooSmall { given: 3 })
    ));
}

#[test]
fn settings_parse_lowercase_levels_and_enforce_the_quiet_zone() {
    let opts: QrOptions = toml::from_str(r#"ec_level = "h""#).unwrap();
    assert_eq!(
        opts,
        QrOptions {
            ec_level: EcLevel::H,
            quiet_zone: 4
        }
    );
    let opts: QrOptions = toml::from_str("ec_level = \"q\"\nquiet_zone = 8").unwrap();
    assert_eq!((opts.ec_level, opts.quiet_zone), (EcLevel::Q, 8));
    assert_eq!(
        toml::from_str::<QrOptions>("").unwrap(),
        QrOptions::default()
    );

    let err = toml::from_str::<QrOptions>("quiet_zone = 2").unwrap_err();
    assert!(err.to_string().contains("at least 4"), "{err}");
    let err = toml::from_str::<QrOptions>(r#"ec_level = "l""#).unwrap_err();
    assert!(err.to_string().contains("`m`, `q`"), "{err}");
    let err = toml::from_str::<QrOptions>("quietzone = 4").unwrap_err();
    assert!(err.to_string().contains("quiet_zone"), "{err}");
}

#[test]
fn png_scale_is_bounded() {
    let opts = QrOptions::default();
    assert!(matches!(
        png(URL, &opts, 0),
        Err(QrError::PngScale { given: 0 })
    ));
    assert!(matches!(
        png(URL, &opts, MAX_PNG_SCALE + 1),
        Err(QrError::PngScale { .. })
    ));
}

#[test]
fn cache_round_trips_and_draws_the_same_images() {
    let mut cache = QrCache::new();
    let other = "https://yasno.example/services/opeka/#survey";
    for (url, level) in [(URL, EcLevel::M), (URL, EcLevel::H), (other, EcLevel::Q)] {
        cache.insert(url.to_owned(), level, Modules::encode(url, level).unwrap());
    }
    let bytes = cache.to_bytes();
    let back = QrCache::from_bytes(&bytes).expect("a cache it wrote reads back");
    assert_eq!(back, cache);
    assert_eq!(back.len(), 3);
    assert_eq!(back.to_bytes(), bytes, "equal caches give equal bytes");

    let opts = QrOptions::default();
    let (modules, encoded) = back.get_or_encode(URL, &opts).unwrap();
    assert!(!encoded, "a cached URL is not encoded again");
    assert_eq!(modules.svg(URL, &opts).unwrap(), svg(URL, &opts).unwrap());
    assert_eq!(modules.png(&opts, 3).unwrap(), png(URL, &opts, 3).unwrap());
    let (_, encoded) = back.get_or_encode("https://new.example/", &opts).unwrap();
    assert!(encoded, "a URL not in the cache is encoded");
    assert!(
        back.get(other, EcLevel::M).is_none(),
        "the level is part of the key"
    );
}

#[test]
fn damaged_or_foreign_cache_files_read_as_nothing() {
    let mut cache = QrCache::new();
    cache.insert(
        URL.into(),
        EcLevel::M,
        Modules::encode(URL, EcLevel::M).unwrap(),
    );
    let bytes = cache.to_bytes();
    assert!(QrCache::from_bytes(b"").is_none());
    assert!(QrCache::from_bytes(b"{\"not\": \"a cache\"}").is_none());
    assert!(QrCache::from_bytes(&bytes[..bytes.len() - 1]).is_none());
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert!(
        QrCache::from_bytes(&flipped).is_none(),
        "the checksum catches it"
    );

    // Modules that the encoder would not make for the URL (another encoder's choice, or a
    // forged file with a valid checksum) are refused, never drawn.
    let mut forged = QrCache::new();
    let wrong = Modules::encode("https://elsewhere.example/", EcLevel::M).unwrap();
    forged.insert(URL.into(), EcLevel::M, wrong);
    assert!(QrCache::from_bytes(&forged.to_bytes()).is_none());

    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(dir.path());
    assert!(
        QrCache::load(&path).is_empty(),
        "a missing file is an empty cache"
    );
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"garbage").unwrap();
    assert!(QrCache::load(&path).is_empty());
    cache.save(&path).unwrap();
    assert_eq!(QrCache::load(&path), cache);
}

#[test]
fn too_long_url_is_a_clear_error() {
    let url = format!("https://yasno.example/{}", "x".repeat(3000));
    let opts = QrOptions {
        ec_level: EcLevel::H,
        quiet_zone: 4,
    };
    let err = svg(&url, &opts).unwrap_err();
    assert!(matches!(err, QrError::Encode { len, .. } if len == url.len()));
    assert!(err.to_string().contains("shorten base_url"), "{err}");
}

/// URLs of every length a site makes and beyond: short, typical, long paths, non-ASCII, and
/// past 128 modules (where the crate's own mask search is kept).
fn sample_urls() -> Vec<String> {
    let mut urls: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "https://yasno.example/q/ofis-{i}/usluga-{}/",
                i * 7919 % 1000
            )
        })
        .collect();
    urls.push("https://ясно.example/q/садовая/опека/?a=1&b=<2>".into());
    urls.push(format!(
        "https://yasno.example/services/{}/#survey",
        "dlinnyy-adres-".repeat(12)
    ));
    urls.push(format!("https://yasno.example/{}", "x".repeat(1200)));
    urls
}

/// The modules the `qrcode` crate itself makes for `url`.
fn crate_modules(url: &str, level: EcLevel) -> Modules {
    let code = QrCode::with_error_correction_level(url, level.to_qrcode()).unwrap();
    Modules {
        width: code.width(),
        packed: encode::pack(&code.into_colors()),
    }
}

#[test]
fn fast_mask_choice_makes_exactly_the_crates_modules_and_uses_every_mask() {
    let mut chosen = [0usize; mask::MASKS];
    let mut widths = std::collections::BTreeSet::new();
    for url in sample_urls() {
        for level in [EcLevel::M, EcLevel::Q, EcLevel::H] {
            let fast = Modules::encode(&url, level).unwrap();
            assert_eq!(fast, crate_modules(&url, level), "{url} at {level:?}");
            widths.insert(fast.width);
            if fast.width <= mask::MAX_WIDTH {
                let m = (0..mask::MASKS)
                    .find(|&m| Modules::encode_with_mask(&url, level, Some(m)).unwrap() == fast)
                    .expect("the code is one of its eight masked forms");
                chosen[m] += 1;
            }
        }
    }
    assert!(chosen.iter().all(|&n| n > 0), "masks chosen: {chosen:?}");
    // Both line types (up to 64 modules, up to 128) and the crate's own search (wider).
    let some = |r: std::ops::RangeInclusive<usize>| widths.iter().any(|w| r.contains(w));
    assert!(
        some(21..=64) && some(65..=128) && some(129..=177),
        "{widths:?}"
    );
}

/// Decodes a PNG with `zbarimg` (zbar-tools; `tests/qr/setup.sh` installs it): the bytes
/// of the only code in it, as they are (`-Sbinary`: zbar's charset guess would mangle
/// UTF-8). One run per image, as zbar writes binary results without separators.
fn zbar_decode(png: &[u8]) -> String {
    let file = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    std::fs::write(file.path(), png).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw", "--nodbus", "-Sbinary"])
        .arg(file.path())
        .output()
        .expect("zbarimg runs (apt-get install zbar-tools, or bash tests/qr/setup.sh)");
    assert!(out.status.success(), "zbarimg found no code: {out:?}");
    String::from_utf8(out.stdout).expect("the code holds UTF-8")
}

#[test]
fn codes_under_every_mask_decode_with_rqrr_and_zbar() {
    let long = format!(
        "https://yasno.example/services/{}/#survey",
        "dlinnyy-adres-".repeat(12)
    );
    let wide = format!("https://yasno.example/{}", "x".repeat(1200));
    let mut cases: Vec<(String, EcLevel, Option<usize>)> = Vec::new();
    // Every mask on every URL, the levels taking turns (decoding in the dev profile is slow).
    let levels = [EcLevel::M, EcLevel::Q, EcLevel::H];
    for (i, url) in [
        URL,
        "https://ясно.example/q/садовая/опека/?a=1&b=<2>",
        &long,
    ]
    .into_iter()
    .enumerate()
    {
        cases.extend((0..mask::MASKS).map(|m| (url.to_owned(), levels[(i + m) % 3], Some(m))));
    }
    // Past 128 modules: the crate's own choice, and one forced mask on that path.
    cases.push((wide.clone(), EcLevel::M, None));
    cases.push((wide, EcLevel::M, Some(5)));
    let opts = QrOptions::default();
    cases.par_iter().for_each(|(url, level, mask)| {
        let modules = Modules::encode_with_mask(url, *level, *mask).unwrap();
        let png = modules.png(&opts, 3).unwrap();
        let (text, ec) = decode_png(&png).decode();
        assert_eq!((&text, ec), (url, rqrr_ec(*level)), "rqrr, mask {mask:?}");
        assert_eq!(&zbar_decode(&png), url, "zbar, {level:?}, mask {mask:?}");
    });
}
