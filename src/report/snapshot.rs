//! Snapshots of a 2-D field: colour-map PNGs (viridis, fixed vmin/vmax like matplotlib's
//! `imshow(vmin=…, vmax=…)`) and an animated GIF of them.

use crate::error::{Error, Result};
use crate::lesson::Frame;
use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, ImageEncoder, RgbImage, RgbaImage};
use std::io::Cursor;

/// Pixels per grid cell along each side, so small grids are still visible.
fn scale(frame: &Frame) -> usize {
    (512 / frame.width.max(frame.height).max(1)).clamp(1, 4)
}

/// The frame as an RGB image: value `vmin` gets viridis' first colour, `vmax` its last;
/// values outside are clamped.
pub fn render(frame: &Frame) -> RgbImage {
    let k = scale(frame);
    let (w, h) = (frame.width * k, frame.height * k);
    let span = frame.vmax - frame.vmin;
    RgbImage::from_fn(w as u32, h as u32, |x, y| {
        let v = frame.values[(y as usize / k) * frame.width + x as usize / k];
        let t = if span > 0.0 {
            ((v - frame.vmin) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let t = if t.is_nan() { 0.0 } else { t };
        let c = colorous::VIRIDIS.eval_continuous(t);
        image::Rgb([c.r, c.g, c.b])
    })
}

/// Encodes a frame as PNG bytes.
pub fn png(frame: &Frame) -> Result<Vec<u8>> {
    let img = render(frame);
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Encode {
            path: "frame.png".into(),
            message: e.to_string(),
        })?;
    Ok(out)
}

/// Encodes frames as an endlessly looping animated GIF, `delay_ms` per frame.
pub fn gif(frames: &[Frame], delay_ms: u32) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = GifEncoder::new_with_speed(&mut out, 10);
        let encode_err = |e: image::ImageError| Error::Encode {
            path: "animation.gif".into(),
            message: e.to_string(),
        };
        enc.set_repeat(Repeat::Infinite).map_err(encode_err)?;
        for f in frames {
            let rgba: RgbaImage = image::DynamicImage::ImageRgb8(render(f)).to_rgba8();
            let frame =
                image::Frame::from_parts(rgba, 0, 0, Delay::from_numer_denom_ms(delay_ms, 1));
            enc.encode_frame(frame).map_err(encode_err)?;
        }
    }
    Ok(out.into_inner())
}
