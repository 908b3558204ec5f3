//! Choosing a code's mask fast.
//!
//! The `qrcode` crate scores each of the eight masks on a canvas of one enum per module and
//! allocates a boxed closure per module for the finder-pattern rule: ~0.5 ms per code, which
//! was 5.5 s of CPU for a cold build of 10,000 services. Here the same four rules, exactly as
//! the crate computes them (so the chosen mask, and every module, stay the crate's), run on
//! rows of bits: a row of up to 64 modules is one `u64` (up to 128, one `u128`), and the
//! column rules run on the transposed rows. The crate still makes the data and
//! error-correction codewords and draws the function patterns; codes wider than 128 modules
//! (versions 28-40, over ~1,000 bytes at level M) keep the crate's own search.

use std::ops::{BitAnd, BitOr, BitXor, Not, Shl, Shr};

use qrcode::Version;
use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::types::Color;

use super::encode::Modules;

/// Widest code whose rows fit in one `u128`.
pub(super) const MAX_WIDTH: usize = 128;

/// Number of masks of a (non-micro) QR code.
pub(super) const MASKS: usize = 8;

/// Whether mask `m` (the crate's `MaskPattern` numbering, ISO/IEC 18004 table 10) inverts
/// module (x, y).
// Written as the standard's table writes them, so they can be checked against it.
#[allow(clippy::manual_is_multiple_of)]
const fn mask_bit(m: usize, x: usize, y: usize) -> bool {
    match m {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (y / 2 + x / 3) % 2 == 0,
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3) % 2 == 0,
        _ => ((x + y) % 2 + (x * y) % 3) % 2 == 0,
    }
}

/// Every mask repeats every 12 rows and every 12 columns, so a table of 12 lines per mask
/// covers any line: `[m][y % 12]` holds row y's bits (bit x = column x); with `transposed`,
/// `[m][x % 12]` holds column x's bits (bit y = row y).
const fn mask_lines(transposed: bool) -> [[u128; 12]; MASKS] {
    let mut t = [[0u128; 12]; MASKS];
    let mut m = 0;
    while m < MASKS {
        let mut line = 0;
        while line < 12 {
            let mut i = 0;
            while i < MAX_WIDTH {
                let (x, y) = if transposed { (line, i) } else { (i, line) };
                if mask_bit(m, x, y) {
                    t[m][line] |= 1 << i;
                }
                i += 1;
            }
            line += 1;
        }
        m += 1;
    }
    t
}

static ROW_MASKS: [[u128; 12]; MASKS] = mask_lines(false);
static COLUMN_MASKS: [[u128; 12]; MASKS] = mask_lines(true);

/// The 15-bit format information by `(ec_level ^ 1) << 3 | mask` (ISO/IEC 18004 table C.1,
/// as in the crate).
const FORMAT_INFOS: [u16; 32] = [
    0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0, 0x77c4, 0x72f3, 0x7daa, 0x789d,
    0x662f, 0x6318, 0x6c41, 0x6976, 0x1689, 0x13be, 0x1ce7, 0x19d0, 0x0762, 0x0255, 0x0d0c, 0x083b,
    0x355f, 0x3068, 0x3f31, 0x3a06, 0x24b4, 0x2183, 0x2eda, 0x2bed,
];

/// Where the format information goes, most significant bit first, as `(x, y)`; negative
/// values count from the far edge. Two copies: around the top-left finder, and split
/// between the other two.
const FORMAT_COORDS: [[(i32, i32); 15]; 2] = [
    [
        (0, 8),
        (1, 8),
        (2, 8),
        (3, 8),
        (4, 8),
        (5, 8),
        (7, 8),
        (8, 8),
        (8, 7),
        (8, 5),
        (8, 4),
        (8, 3),
        (8, 2),
        (8, 1),
        (8, 0),
    ],
    [
        (8, -1),
        (8, -2),
        (8, -3),
        (8, -4),
        (8, -5),
        (8, -6),
        (8, -7),
        (-8, 8),
        (-7, 8),
        (-6, 8),
        (-5, 8),
        (-4, 8),
        (-3, 8),
        (-2, 8),
        (-1, 8),
    ],
];

/// A line of modules as bits: `u64` for codes up to 64 modules wide (versions 1-11, which
/// every address a site makes fits in), where each step costs half of `u128`'s.
trait Line:
    Copy
    + PartialEq
    + BitAnd<Output = Self>
    + BitOr<Output = Self>
    + BitXor<Output = Self>
    + Not<Output = Self>
    + Shl<usize, Output = Self>
    + Shr<usize, Output = Self>
{
    const ZERO: Self;
    const BITS: usize;
    /// 1 at bit 0 when `b`.
    fn bit(b: bool) -> Self;
    /// The low bits of a mask table's line.
    fn of(wide: u128) -> Self;
    fn ones(self) -> u32;
}

macro_rules! line {
    ($t:ty) => {
        impl Line for $t {
            const ZERO: Self = 0;
            const BITS: usize = <$t>::BITS as usize;
            fn bit(b: bool) -> Self {
                Self::from(b)
            }
            fn of(wide: u128) -> Self {
                // Truncation is the point: a narrower code uses the table's low bits.
                wide as Self
            }
            fn ones(self) -> u32 {
                self.count_ones()
            }
        }
    };
}
line!(u64);
line!(u128);

/// One orientation of an unmasked code: function modules (fixed), data modules (masked).
struct Lines<W> {
    /// Dark function modules (format information still light: it depends on the mask).
    fixed: Vec<W>,
    /// Dark data modules before masking.
    data: Vec<W>,
    /// Modules that the mask applies to (not function modules).
    free: Vec<W>,
}

impl<W: Line> Lines<W> {
    fn new(width: usize) -> Lines<W> {
        Lines {
            fixed: vec![W::ZERO; width],
            data: vec![W::ZERO; width],
            free: vec![W::ZERO; width],
        }
    }

    /// The lines under mask `m` at `ec`, format information drawn; with `transposed`, the
    /// lines are columns.
    fn masked(&self, (m, ec): (usize, usize), transposed: bool, out: &mut Vec<W>) {
        let table = if transposed {
            &COLUMN_MASKS
        } else {
            &ROW_MASKS
        };
        out.clear();
        out.extend(
            (0..self.fixed.len())
                .map(|i| self.fixed[i] | ((self.data[i] ^ W::of(table[m][i % 12])) & self.free[i])),
        );
        let width = self.fixed.len();
        for (x, y) in format_dark(width, ec, m) {
            let (line, bit) = if transposed { (x, y) } else { (y, x) };
            out[line] = out[line] | W::bit(true) << bit;
        }
    }
}

/// The dark format modules of mask `m` at `ec` (crate numbering: L=0, M=1, Q=2, H=3), as
/// `(x, y)`. An iterator, not a list: it is drawn twice for each of the eight masks of
/// every code, and a list per mask cost more than the drawing.
fn format_dark(width: usize, ec: usize, m: usize) -> impl Iterator<Item = (usize, usize)> {
    let info = FORMAT_INFOS[(ec ^ 1) << 3 | m];
    let at = move |v: i32| if v < 0 { width as i32 + v } else { v } as usize;
    FORMAT_COORDS
        .iter()
        .flat_map(|copy| copy.iter().enumerate())
        .filter(move |(i, _)| info >> (14 - i) & 1 == 1)
        .map(move |(_, &(x, y))| (at(x), at(y)))
}

/// Penalty points of one line (a row, or a column) for runs of five or more modules of one
/// colour (rule 1: `length - 2` each) and for finder-like `#.###.#` with four light modules
/// on either side (rule 3: 40 each; outside the code counts as light).
fn line_penalty<W: Line>(b: W, full: W) -> u32 {
    let mut score = 0;
    for x in [b, !b & full] {
        let five = x & x >> 1 & x >> 2 & x >> 3 & x >> 4;
        // A run of L ≥ 5 leaves L - 4 bits in `five`, starting once: L - 2 points.
        score += five.ones() + 2 * (five & !(five << 1)).ones();
    }
    let finder = b & !(b >> 1) & b >> 2 & b >> 3 & b >> 4 & !(b >> 5) & b >> 6;
    if finder != W::ZERO {
        let dark_before = b << 1 | b << 2 | b << 3 | b << 4;
        let dark_after = b >> 7 | b >> 8 | b >> 9 | b >> 10;
        score += 40 * (finder & !(dark_before & dark_after)).ones();
    }
    score
}

/// The crate's total penalty of a masked code, less the constant 720 points that its own
/// finder patterns always score (which cannot change the choice).
fn penalty<W: Line>(rows: &[W], columns: &[W], width: usize) -> u32 {
    let full = if width == W::BITS {
        !W::ZERO
    } else {
        !(!W::ZERO << width)
    };
    let lines: u32 = rows
        .iter()
        .chain(columns)
        .map(|&b| line_penalty(b, full))
        .sum();
    // Rule 2: each 2×2 block of one colour, overlapping, 3 points.
    let blocks: u32 = rows
        .windows(2)
        .map(|pair| {
            let same_below = !(pair[0] ^ pair[1]);
            let same_right = !(pair[0] ^ pair[0] >> 1);
            (same_below & same_below >> 1 & same_right & full >> 1).ones()
        })
        .sum();
    // Rule 4 as the crate computes it: dark share in half-percent steps, off 50 %.
    let dark: usize = rows.iter().map(|r| r.ones() as usize).sum();
    let ratio = dark * 200 / (width * width);
    lines + 3 * blocks + ratio.abs_diff(100) as u32
}

/// Masks the code on `canvas` (function patterns and data drawn, not yet masked) with the
/// mask of lowest penalty, the first on a tie as the crate does, or with `forced`. `None`
/// when the code is wider than [`MAX_WIDTH`] or not a normal QR code.
pub(super) fn best_masked(
    canvas: &Canvas,
    version: Version,
    ec: usize,
    forced: Option<usize>,
) -> Option<Modules> {
    let width = match version {
        Version::Normal(_) => usize::try_from(version.width()).ok()?,
        Version::Micro(_) => return None,
    };
    match width {
        0..=64 => Some(masked_in::<u64>(canvas, width, ec, forced)),
        65..=MAX_WIDTH => Some(masked_in::<u128>(canvas, width, ec, forced)),
        _ => None,
    }
}

/// [`best_masked`] on lines of `W`, which hold `width` bits.
fn masked_in<W: Line>(canvas: &Canvas, width: usize, ec: usize, forced: Option<usize>) -> Modules {
    let mut rows = Lines::<W>::new(width);
    let mut columns = Lines::<W>::new(width);
    for y in 0..width {
        for x in 0..width {
            let (fixed, data, free) = match canvas.get(x as i16, y as i16) {
                Module::Masked(c) => (c == Color::Dark, false, false),
                Module::Unmasked(c) => (false, c == Color::Dark, true),
                // An empty module masks like a light data module.
                Module::Empty => (false, false, true),
            };
            for (lines, line, bit) in [(&mut rows, y, x), (&mut columns, x, y)] {
                lines.fixed[line] = lines.fixed[line] | W::bit(fixed) << bit;
                lines.data[line] = lines.data[line] | W::bit(data) << bit;
                lines.free[line] = lines.free[line] | W::bit(free) << bit;
            }
        }
    }
    let (mut r, mut c) = (Vec::with_capacity(width), Vec::with_capacity(width));
    let mut best: Option<(u32, usize)> = None;
    let candidates = match forced {
        Some(m) => m..m + 1,
        None => 0..MASKS,
    };
    for m in candidates {
        rows.masked((m, ec), false, &mut r);
        columns.masked((m, ec), true, &mut c);
        let score = penalty(&r, &c, width);
        if best.is_none_or(|(s, _)| score < s) {
            best = Some((score, m));
        }
    }
    let (_, m) = best.expect("at least one mask");
    rows.masked((m, ec), false, &mut r);
    let mut packed = vec![0u8; (width * width).div_ceil(8)];
    for (y, &row) in r.iter().enumerate() {
        for x in 0..width {
            if (row >> x & W::bit(true)).ones() == 1 {
                let k = y * width + x;
                packed[k / 8] |= 1 << (k % 8);
            }
        }
    }
    Modules { width, packed }
}

/// The crate's mask `m` (0-7).
pub(super) fn pattern(m: usize) -> MaskPattern {
    [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ][m % MASKS]
}
