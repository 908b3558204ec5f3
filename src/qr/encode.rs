//! Encoding a URL into modules: the costly part of a code.

use qrcode::Color;
use qrcode::canvas::Canvas;

use super::{EcLevel, QrError, mask};

/// The modules of one encoded QR code, row by row, and the code's width in modules.
///
/// Encoding is the costly part of a code (all eight masks are scored and the best kept, as
/// ISO/IEC 18004 asks); drawing SVG or PNG from the modules is cheaper still. Modules are
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
    /// Encodes `url` at `ec_level`, choosing the mask as the `qrcode` crate does (the same
    /// modules as `QrCode::with_error_correction_level`), but scoring the masks on rows of
    /// bits (see [`super::mask`]).
    pub fn encode(url: &str, ec_level: EcLevel) -> Result<Modules, QrError> {
        Modules::encode_with_mask(url, ec_level, None)
    }

    /// Like [`Modules::encode`], but with mask `forced` (0-7) when given: the tests draw a
    /// code under every mask to show that each decodes.
    pub(super) fn encode_with_mask(
        url: &str,
        ec_level: EcLevel,
        forced: Option<usize>,
    ) -> Result<Modules, QrError> {
        let error = |source| QrError::Encode {
            url: url.to_owned(),
            len: url.len(),
            source,
        };
        let level = ec_level.to_qrcode();
        let bits = qrcode::bits::encode_auto(url.as_bytes(), level).map_err(error)?;
        let version = bits.version();
        let (data, ec) =
            qrcode::ec::construct_codewords(&bits.into_bytes(), version, level).map_err(error)?;
        let mut canvas = Canvas::new(version, level);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);
        if let Some(modules) = mask::best_masked(&canvas, version, level as usize, forced) {
            return Ok(modules);
        }
        // Wider than a u128 row: the crate's own search (or mask).
        let canvas = match forced {
            Some(m) => {
                let mut c = canvas;
                c.apply_mask(mask::pattern(m));
                c
            }
            None => canvas.apply_best_mask(),
        };
        Ok(Modules {
            width: usize::try_from(version.width()).unwrap_or_default(),
            packed: pack(&canvas.into_colors()),
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
pub(super) fn pack(colors: &[Color]) -> Vec<u8> {
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
