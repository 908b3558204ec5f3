//! QR codes that lead office visitors from a poster to a survey (issue 6, source section 3.3).
//!
//! This module owns turning one URL into a QR code image, as SVG (for print: it scales without
//! loss) and as PNG (for places that cannot show SVG). It is pure: no files, no site model.
//!
//! Invariants, whatever the options:
//! - dark modules on a light background (`#000` on `#fff`), the contrast scanners expect;
//! - a quiet zone of at least [`MIN_QUIET_ZONE`] modules around the code, as ISO/IEC 18004 asks;
//! - the SVG's `viewBox` is measured in modules and the root has no `width`/`height`, so CSS
//!   decides the printed size (the posters print it 6 cm wide);
//! - the SVG carries `role="img"` and a `<title>` with the URL, so a screen reader names it.
//!
//! The encoding and the layout of modules come from the `qrcode` crate; this module writes the
//! SVG path from the modules itself (runs of dark modules per row), supplies a greyscale canvas
//! to the crate's renderer for the bitmap, and encodes the bitmap with `png`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use qrcode::render::{Canvas, Pixel, Renderer};
use qrcode::{Color, QrCode};
use serde::{Deserialize, Serialize};

/// The smallest quiet zone (in modules) that ISO/IEC 18004 allows for a QR code.
pub const MIN_QUIET_ZONE: u32 = 4;

/// The largest PNG scale (pixels per module) accepted: a version-40 code at this scale is about
/// 11,000 px wide, already far more than any print needs, and keeps memory bounded.
pub const MAX_PNG_SCALE: u32 = 64;

/// How much of a QR code may be damaged (dirt, a crease, glare) and still decode.
///
/// Written in settings as `"m"`, `"q"` or `"h"`. Low (`L`) is not offered: a poster on an
/// office wall gets dirty and scratched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EcLevel {
    /// About 15 % of the code may be lost; the default, a good balance of size and robustness.
    #[default]
    M,
    /// About 25 % may be lost.
    Q,
    /// About 30 % may be lost; the densest code.
    H,
}

impl EcLevel {
    fn to_qrcode(self) -> qrcode::EcLevel {
        match self {
            EcLevel::M => qrcode::EcLevel::M,
            EcLevel::Q => qrcode::EcLevel::Q,
            EcLevel::H => qrcode::EcLevel::H,
        }
    }
}

/// How QR codes are made; read from the site settings (`[qr]` in `content/site.toml`).
///
/// Deserialising rejects a quiet zone below [`MIN_QUIET_ZONE`]; [`svg`] and [`png`] check it
/// again, so a value built in code cannot slip through either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawQrOptions")]
pub struct QrOptions {
    /// Error correction level; `M` unless the settings say otherwise.
    pub ec_level: EcLevel,
    /// Width of the light border around the code, in modules; at least [`MIN_QUIET_ZONE`].
    pub quiet_zone: u32,
}

impl Default for QrOptions {
    fn default() -> Self {
        QrOptions {
            ec_level: EcLevel::M,
            quiet_zone: MIN_QUIET_ZONE,
        }
    }
}

impl QrOptions {
    /// Checks the invariants that the type cannot express.
    pub fn validate(&self) -> Result<(), QrError> {
        if self.quiet_zone < MIN_QUIET_ZONE {
            return Err(QrError::QuietZoneTooSmall {
                given: self.quiet_zone,
            });
        }
        Ok(())
    }
}

/// The shape of `[qr]` as written, before validation.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawQrOptions {
    ec_level: EcLevel,
    quiet_zone: u32,
}

impl Default for RawQrOptions {
    fn default() -> Self {
        let d = QrOptions::default();
        RawQrOptions {
            ec_level: d.ec_level,
            quiet_zone: d.quiet_zone,
        }
    }
}

impl TryFrom<RawQrOptions> for QrOptions {
    type Error = QrError;

    fn try_from(raw: RawQrOptions) -> Result<Self, QrError> {
        let opts = QrOptions {
            ec_level: raw.ec_level,
            quiet_zone: raw.quiet_zone,
        };
        opts.validate()?;
        Ok(opts)
    }
}

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The quiet zone is narrower than the standard allows; scanners then miss the code.
    #[error(
        "поле quiet_zone: {given} — мало, нужно не меньше {MIN_QUIET_ZONE} модулей, иначе телефон не найдёт код / quiet_zone is {given} modules, but at least {MIN_QUIET_ZONE} are needed for phones to find the code; set `quiet_zone = {MIN_QUIET_ZONE}` or more under [qr] in site.toml"
    )]
    QuietZoneTooSmall {
        /// The value that was given.
        given: u32,
    },
    /// The URL does not fit into a QR code at this error correction level.
    #[error(
        "адрес «{url}» ({len} байт) не помещается в QR-код: сократите base_url или адрес страницы либо выберите ec_level = \"m\" / cannot put `{url}` ({len} bytes) into a QR code ({source}); shorten base_url or the page path, or choose a lower ec_level"
    )]
    Encode {
        /// The URL that was to be encoded.
        url: String,
        /// Its length in bytes.
        len: usize,
        /// What the `qrcode` crate reported.
        source: qrcode::types::QrError,
    },
    /// The PNG scale is outside `1..=MAX_PNG_SCALE`.
    #[error(
        "масштаб PNG {given} вне пределов 1–{MAX_PNG_SCALE} / png scale {given} is out of range; use 1 to {MAX_PNG_SCALE} pixels per module"
    )]
    PngScale {
        /// The value that was given.
        given: u32,
    },
    /// The PNG encoder failed (it writes to memory, so this means a bug or no memory).
    #[error("не удалось записать PNG / cannot encode the QR code as PNG: {0}")]
    Png(#[from] png::EncodingError),
}

/// The modules of one encoded QR code, row by row, and the code's width in modules.
///
/// Encoding is the costly part of a code (the `qrcode` crate scores all eight masks and keeps
/// the best, as ISO/IEC 18004 asks); drawing SVG or PNG from the modules is cheap. Modules are
/// what [`QrCache`] keeps between builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    width: usize,
    /// Dark modules as bits, row by row (bit `k % 8` of byte `k / 8` is module `k`), the
    /// cache file's layout: an eighth of the memory of one `Color` per module, which
    /// mattered with 10,000 codes held twice during a build.
    packed: Vec<u8>,
}

impl Modules {
    /// Encodes `url` at `ec_level`; the encoder chooses the mask.
    pub fn encode(url: &str, ec_level: EcLevel) -> Result<Modules, QrError> {
        let code = QrCode::with_error_correction_level(url.as_bytes(), ec_level.to_qrcode())
            .map_err(|source| QrError::Encode {
                url: url.to_owned(),
                len: url.len(),
                source,
            })?;
        Ok(Modules {
            width: code.width(),
            packed: pack(&code.into_colors()),
        })
    }

    /// Whether module `k` (row by row) is dark.
    fn is_dark(&self, k: usize) -> bool {
        self.packed[k / 8] >> (k % 8) & 1 == 1
    }

    /// One colour per module, row by row, as the `qrcode` renderer takes them.
    fn colors(&self) -> Vec<Color> {
        (0..self.width * self.width)
            .map(|k| {
                if self.is_dark(k) {
                    Color::Dark
                } else {
                    Color::Light
                }
            })
            .collect()
    }

    /// Width (and height) of the code in modules, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The code as a standalone SVG document (see [`svg`]); `url` is its title.
    pub fn svg(&self, url: &str, opts: &QrOptions) -> Result<String, QrError> {
        opts.validate()?;
        Ok(svg_of(self, url, opts))
    }

    /// The code as a greyscale PNG with `scale` pixels per module (see [`png`]).
    pub fn png(&self, opts: &QrOptions, scale: u32) -> Result<Vec<u8>, QrError> {
        opts.validate()?;
        check_scale(scale)?;
        png_of(self, opts, scale)
    }
}

fn encode(url: &str, opts: &QrOptions) -> Result<Modules, QrError> {
    opts.validate()?;
    Modules::encode(url, opts.ec_level)
}

/// Renders `url` as a standalone SVG document: dark on light, sized by CSS.
///
/// The root element has `viewBox="0 0 N N"` with `N` the code's width in modules including the
/// quiet zone, `role="img"`, and a `<title>` holding the URL.
pub fn svg(url: &str, opts: &QrOptions) -> Result<String, QrError> {
    Ok(svg_of(&encode(url, opts)?, url, opts))
}

/// Renders `url` as a greyscale PNG with `scale` pixels per module (quiet zone included).
pub fn png(url: &str, opts: &QrOptions, scale: u32) -> Result<Vec<u8>, QrError> {
    check_scale(scale)?;
    png_of(&encode(url, opts)?, opts, scale)
}

/// Both images of one URL, encoding it once: choosing the mask is most of the cost of an SVG.
pub fn svg_and_png(url: &str, opts: &QrOptions, scale: u32) -> Result<(String, Vec<u8>), QrError> {
    check_scale(scale)?;
    let code = encode(url, opts)?;
    Ok((svg_of(&code, url, opts), png_of(&code, opts, scale)?))
}

/// Names the SVG a URL's code gets with given options, without drawing it: a hash of the URL
/// and of how this yasno draws with these options (the SVG of a fixed URL, drawn once). A
/// build keeps an SVG whose name did not change instead of drawing it again; any change to
/// the options or to the drawing changes every name.
#[derive(Debug, Clone, Copy)]
pub struct SvgNames {
    drawing: u128,
}

impl SvgNames {
    /// Draws the fixed URL with `opts`.
    pub fn new(opts: &QrOptions) -> Result<SvgNames, QrError> {
        let probe = "https://example.org/services/probe/#survey";
        Ok(SvgNames {
            drawing: xxhash_rust::xxh3::xxh3_128(svg(probe, opts)?.as_bytes()),
        })
    }

    /// The name of `url`'s SVG (never 0).
    pub fn of(&self, url: &str) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&self.drawing.to_le_bytes());
        h.update(url.as_bytes());
        h.digest128().max(1)
    }
}

fn check_scale(scale: u32) -> Result<(), QrError> {
    if (1..=MAX_PNG_SCALE).contains(&scale) {
        Ok(())
    } else {
        Err(QrError::PngScale { given: scale })
    }
}

fn svg_of(code: &Modules, url: &str, opts: &QrOptions) -> String {
    let size = code.width as u32 + 2 * opts.quiet_zone;
    let mut n = itoa::Buffer::new();
    let mut svg = String::with_capacity(4096 + url.len());
    svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#);
    let size = n.format(size).to_owned();
    for part in [&size, " ", &size] {
        svg.push_str(part);
    }
    svg.push_str(r#"" role="img" shape-rendering="crispEdges"><title>"#);
    let mut title = Vec::with_capacity(url.len());
    // Writing to a Vec cannot fail.
    let _ = tera::escape_html(url, &mut title);
    svg.push_str(std::str::from_utf8(&title).unwrap_or_default());
    svg.push_str(r#"</title><rect width=""#);
    for part in [&size, r#"" height=""#, &size] {
        svg.push_str(part);
    }
    svg.push_str(r##"" fill="#fff"/><path fill="#000" d=""##);
    push_dark_runs(&mut svg, code, opts.quiet_zone);
    svg.push_str("\"/></svg>\n");
    svg
}

/// Appends the dark modules to an SVG path: each run of dark modules in a row is one
/// rectangle, `M{left} {top}h{width}v1h-{width}z`, shifted by the quiet zone. That makes the
/// SVG about three times smaller than a square per module; the numbers are written with
/// `itoa`, as a build draws one code per service and location and formatting was most of it.
fn push_dark_runs(path: &mut String, code: &Modules, quiet: u32) {
    let w = code.width;
    let mut n = itoa::Buffer::new();
    for y in 0..w {
        let mut x = 0;
        while x < w {
            if !code.is_dark(y * w + x) {
                x += 1;
                continue;
            }
            let left = x;
            while x < w && code.is_dark(y * w + x) {
                x += 1;
            }
            path.push('M');
            path.push_str(n.format(left as u32 + quiet));
            path.push(' ');
            path.push_str(n.format(y as u32 + quiet));
            let run = n.format(x - left);
            path.push('h');
            path.push_str(run);
            path.push_str("v1h-");
            path.push_str(run);
            path.push('z');
        }
    }
}

fn png_of(code: &Modules, opts: &QrOptions, scale: u32) -> Result<Vec<u8>, QrError> {
    let bitmap = Renderer::<LumaPixel>::new(&code.colors(), code.width, opts.quiet_zone)
        .module_dimensions(scale, scale)
        .build();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, bitmap.size, bitmap.size);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    // Long runs of equal bytes compress well even at the fastest setting, which is several
    // times quicker than the default (a build makes one PNG per service and location).
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&bitmap.pixels)?;
    writer.finish()?;
    Ok(out)
}

/// Where a site keeps its QR cache: `<root>/.yasno-cache/qr.bin`.
pub fn cache_path(root: &Path) -> PathBuf {
    crate::cache::path(root, "qr.bin")
}

/// Encoded codes by URL and error correction level, kept between builds so that a URL that
/// did not change is not encoded again (encoding is most of the cost of a code).
///
/// The cache holds only what the encoder produced, never options of the drawing (quiet zone,
/// PNG scale), so a changed setting redraws from the same modules and a changed URL or level
/// simply misses. A file that is missing, damaged, of another format, or made by an encoder
/// that now chooses differently (checked by encoding one entry again) loads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QrCache {
    /// One map per [`EcLevel`], in the order M, Q, H.
    levels: [HashMap<String, Modules>; 3],
}

/// First bytes of a cache file; the digit is the format version.
const CACHE_MAGIC: &[u8] = b"yasno-qr-cache 1\n";

fn level_index(level: EcLevel) -> usize {
    match level {
        EcLevel::M => 0,
        EcLevel::Q => 1,
        EcLevel::H => 2,
    }
}

const LEVELS: [EcLevel; 3] = [EcLevel::M, EcLevel::Q, EcLevel::H];

/// A 64-bit FNV-1a hash: a checksum of the cache file's body, stable across builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl QrCache {
    /// An empty cache.
    pub fn new() -> QrCache {
        QrCache::default()
    }

    /// The modules of `url` at `level`, when cached.
    pub fn get(&self, url: &str, level: EcLevel) -> Option<&Modules> {
        self.levels[level_index(level)].get(url)
    }

    /// Stores the modules of `url` at `level`.
    pub fn insert(&mut self, url: String, level: EcLevel, modules: Modules) {
        self.levels[level_index(level)].insert(url, modules);
    }

    /// The modules of `url` at `opts.ec_level`: from the cache, or encoded now. The second
    /// value tells whether the code was encoded (a miss).
    pub fn get_or_encode(&self, url: &str, opts: &QrOptions) -> Result<(Modules, bool), QrError> {
        opts.validate()?;
        match self.get(url, opts.ec_level) {
            Some(m) => Ok((m.clone(), false)),
            None => Ok((Modules::encode(url, opts.ec_level)?, true)),
        }
    }

    /// Number of cached codes.
    pub fn len(&self) -> usize {
        self.levels.iter().map(HashMap::len).sum()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cache as a compact binary file: a header with a checksum, then per code its
    /// level, URL, width and modules packed eight to a byte, sorted so equal caches give
    /// equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for (i, map) in self.levels.iter().enumerate() {
            let mut urls: Vec<&String> = map.keys().collect();
            urls.sort();
            for url in urls {
                let m = &map[url];
                body.push(i as u8);
                body.extend_from_slice(&(url.len() as u32).to_le_bytes());
                body.extend_from_slice(url.as_bytes());
                body.extend_from_slice(&(m.width as u16).to_le_bytes());
                body.extend_from_slice(&m.packed);
            }
        }
        let mut out = Vec::with_capacity(CACHE_MAGIC.len() + 8 + body.len());
        out.extend_from_slice(CACHE_MAGIC);
        out.extend_from_slice(&fnv1a(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Reads a cache written by [`QrCache::to_bytes`]; `None` when the bytes are not one
    /// (truncated, damaged, another format) or when the encoder now makes another code for
    /// the first entry (a changed `qrcode` crate), so stale codes are never drawn.
    pub fn from_bytes(bytes: &[u8]) -> Option<QrCache> {
        let rest = bytes.strip_prefix(CACHE_MAGIC)?;
        let (sum, body) = rest.split_at_checked(8)?;
        if u64::from_le_bytes(sum.try_into().ok()?) != fnv1a(body) {
            return None;
        }
        let mut r = body;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = r.split_at_checked(n)?;
            r = tail;
            Some(head)
        };
        let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let mut cache = QrCache::new();
        let mut first: Option<(String, EcLevel)> = None;
        for _ in 0..count {
            let level = *LEVELS.get(usize::from(take(1)?[0]))?;
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            let url = std::str::from_utf8(take(len)?).ok()?.to_owned();
            let width = usize::from(u16::from_le_bytes(take(2)?.try_into().ok()?));
            // Versions 1 to 40: 21 to 177 modules, in steps of four.
            if !(21..=177).contains(&width) || (width - 21) % 4 != 0 {
                return None;
            }
            let n = width * width;
            let packed = take(n.div_ceil(8))?.to_vec();
            first.get_or_insert_with(|| (url.clone(), level));
            cache.insert(url, level, Modules { width, packed });
        }
        if !r.is_empty() {
            return None;
        }
        if let Some((url, level)) = first {
            let again = Modules::encode(&url, level).ok()?;
            if cache.get(&url, level) != Some(&again) {
                return None;
            }
        }
        Some(cache)
    }

    /// Reads the cache file at `path`; an empty cache when it is missing or unusable (a bad
    /// cache only costs time, never a build).
    pub fn load(path: &Path) -> QrCache {
        std::fs::read(path)
            .ok()
            .and_then(|b| QrCache::from_bytes(&b))
            .unwrap_or_default()
    }

    /// Writes the cache (see [`crate::cache::save`]); a failure only costs time next build, so
    /// it is returned, not fatal.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::cache::save(path, &self.to_bytes())
    }
}

/// Packs colours eight to a byte, the first in the lowest bit.
fn pack(colors: &[Color]) -> Vec<u8> {
    colors
        .chunks(8)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .fold(0u8, |b, (k, c)| b | (u8::from(*c == Color::Dark) << k))
        })
        .collect()
}

/// Marker pixel type for the greyscale bitmap canvas (0 = dark, 255 = light).
#[derive(Clone, Copy)]
struct LumaPixel;

/// A square 8-bit greyscale bitmap, row by row.
struct Bitmap {
    size: u32,
    pixels: Vec<u8>,
}

impl Pixel for LumaPixel {
    type Image = Bitmap;
    type Canvas = Bitmap;

    fn default_color(_: qrcode::Color) -> Self {
        LumaPixel
    }
}

impl Canvas for Bitmap {
    type Pixel = LumaPixel;
    type Image = Bitmap;

    fn new(width: u32, height: u32, _dark: LumaPixel, _light: LumaPixel) -> Self {
        Bitmap {
            size: width,
            pixels: vec![u8::MAX; width as usize * height as usize],
        }
    }

    fn draw_dark_pixel(&mut self, x: u32, y: u32) {
        self.pixels[y as usize * self.size as usize + x as usize] = 0;
    }

    fn draw_dark_rect(&mut self, left: u32, top: u32, width: u32, height: u32) {
        let stride = self.size as usize;
        for y in top as usize..(top + height) as usize {
            let row = y * stride;
            self.pixels[row + left as usize..row + (left + width) as usize].fill(0);
        }
    }

    fn into_image(self) -> Bitmap {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
