//! Encoding a URL into modules: the costly part of a code.

use qrcode::{Color, QrCode};

use super::{EcLevel, QrError};

/// The modules of one encoded QR code, row by row, and the code's width in modules.
///
/// Encoding is the costly part of a code (the `qrcode` crate scores all eight masks and keeps
/// the best, as ISO/IEC 18004 asks); drawing SVG or PNG from the modules is cheap. Modules are
/// what [`super::QrCache`] keeps between builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub(super) width: usize,
    /// Dark modules as bits, row by row (bit `k % 8` of byte `k / 8` is module `k`), the
    /// cache file's layout: an eighth of the memory of one `Color` per module, which
    /// mattered with 10,000 codes held twice during a build.
    pub(super) packed: Vec<u8>,
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
    pub(super) fn is_dark(&self, k: usize) -> bool {
        self.packed[k / 8] >> (k % 8) & 1 == 1
    }

    /// One colour per module, row by row, as the `qrcode` renderer takes them.
    pub(super) fn colors(&self) -> Vec<Color> {
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
