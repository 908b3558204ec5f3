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

mod cache;
mod draw;
mod encode;
mod mask;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use cache::{QrCache, cache_path};
use draw::{png_of, svg_of};
pub use encode::Modules;

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
