//! Drawing modules as SVG (runs of dark modules per row) and as greyscale PNG.

use qrcode::render::{Canvas, Pixel, Renderer};

use super::{Modules, QrError, QrOptions, check_scale};

impl Modules {
    /// The code as a standalone SVG document (see [`super::svg`]); `url` is its title.
    pub fn svg(&self, url: &str, opts: &QrOptions) -> Result<String, QrError> {
        opts.validate()?;
        Ok(svg_of(self, url, opts))
    }

    /// The code as a greyscale PNG with `scale` pixels per module (see [`super::png`]).
    pub fn png(&self, opts: &QrOptions, scale: u32) -> Result<Vec<u8>, QrError> {
        opts.validate()?;
        check_scale(scale)?;
        png_of(self, opts, scale)
    }
}

pub(super) fn svg_of(code: &Modules, url: &str, opts: &QrOptions) -> String {
    let size = code.width as u32 + 2 * opts.quiet_zone;
    let mut n = itoa::Buffer::new();
    let mut svg = String::with_capacity(4096 + url.len());
    svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#);
    let size = n.format(size).to_owned();
    for part in [&size, " ", &size] {
        svg.push_str(part);
    }
    svg.push_str(r#"" role="img" shape-rendering="crispEdges"><title>"#);
    // The crate's one HTML escaper (as in Markdown); writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut svg, url);
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

pub(super) fn png_of(code: &Modules, opts: &QrOptions, scale: u32) -> Result<Vec<u8>, QrError> {
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
