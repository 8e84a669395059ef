//! Snapshots of a 2-D field: colour-map PNGs (viridis, fixed vmin/vmax like matplotlib's
//! `imshow(vmin=…, vmax=…)`) and an animated GIF of them, encoded with the `png` and `gif`
//! crates (the codecs alone: an image-processing library would cost a minute of the first
//! build for two file formats).

use crate::error::{Error, Result};
use crate::lesson::Frame;

/// Pixels per grid cell along each side, so small grids are still visible.
fn scale(frame: &Frame) -> usize {
    (512 / frame.width.max(frame.height).max(1)).clamp(1, 4)
}

/// An 8-bit RGB picture, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// Pixels across.
    pub width: usize,
    /// Pixels down.
    pub height: usize,
    /// `width * height` pixels of three bytes (red, green, blue), row by row.
    pub rgb: Vec<u8>,
}

impl Picture {
    /// The colour of the pixel at column `x`, row `y`.
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = 3 * (y * self.width + x);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

/// The frame as a picture: value `vmin` gets viridis' first colour, `vmax` its last;
/// values outside are clamped.
pub fn render(frame: &Frame) -> Picture {
    let k = scale(frame);
    let (width, height) = (frame.width * k, frame.height * k);
    let span = frame.vmax - frame.vmin;
    let mut rgb = Vec::with_capacity(3 * width * height);
    for y in 0..height {
        for x in 0..width {
            let v = frame.values[(y / k) * frame.width + x / k];
            let t = if span > 0.0 {
                ((v - frame.vmin) / span).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let t = if t.is_nan() { 0.0 } else { t };
            let c = colorous::VIRIDIS.eval_continuous(t);
            rgb.extend([c.r, c.g, c.b]);
        }
    }
    Picture { width, height, rgb }
}

fn encode_error(path: &str) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |e| Error::Encode {
        path: path.into(),
        message: e.to_string(),
    }
}

/// Encodes a frame as PNG bytes.
pub fn png(frame: &Frame) -> Result<Vec<u8>> {
    let pic = render(frame);
    let err = encode_error("frame.png");
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pic.width as u32, pic.height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| err(&e))?;
        writer.write_image_data(&pic.rgb).map_err(|e| err(&e))?;
        writer.finish().map_err(|e| err(&e))?;
    }
    Ok(out)
}

/// Encodes frames as an endlessly looping animated GIF, `delay_ms` per frame (GIF counts
/// delays in hundredths of a second).
pub fn gif(frames: &[Frame], delay_ms: u32) -> Result<Vec<u8>> {
    let err = encode_error("animation.gif");
    let pictures: Vec<Picture> = frames.iter().map(render).collect();
    let (width, height) = pictures.first().map_or((1, 1), |p| (p.width, p.height));
    let side = |n: usize| u16::try_from(n).map_err(|_| err(&format!("{n} pixels is too large")));
    let (w, h) = (side(width)?, side(height)?);
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w, h, &[]).map_err(|e| err(&e))?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(|e| err(&e))?;
        for p in &pictures {
            let mut frame = gif::Frame::from_rgb_speed(side(p.width)?, side(p.height)?, &p.rgb, 10);
            frame.delay = u16::try_from(delay_ms.div_ceil(10)).unwrap_or(u16::MAX);
            enc.write_frame(&frame).map_err(|e| err(&e))?;
        }
    }
    Ok(out)
}
