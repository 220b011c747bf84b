//! PNG charts, rendered in Rust from the SVG (`resvg`: `usvg` parses, `tiny-skia` rasterises,
//! `fontdb` finds the fonts): no system library beyond the fonts themselves. The Japanese font is
//! looked up among the machine's fonts by the names of [`FONT`] (Noto Sans CJK JP, Hiragino, Yu
//! Gothic, Meiryo); without one, rendering is an error that says what to install, never a PNG
//! with empty boxes for the Japanese text.
//!
//! Size and resolution: a chart is 680 SVG pixels wide, standing for the 160 mm text
//! width of an A4 page. At `dpi` dots per inch the PNG is `160 mm × dpi` wide, and its `pHYs`
//! chunk records the resolution, so that Word or PowerPoint places it 160 mm wide with its text at
//! 9 pt or more.

use super::draw::A4_WIDTH;
use super::FONT;
use crate::error::{Error, Result};
use std::sync::{Arc, OnceLock};

/// The text width of an A4 page that a chart's width stands for, in millimetres.
pub const TEXT_WIDTH_MM: f64 = 160.0;

/// The default resolution of PNG charts (print quality).
pub const DEFAULT_DPI: f64 = 300.0;

/// The most dots per inch accepted (a 160 mm chart at 1200 dpi is 7,560 pixels wide).
pub const MAX_DPI: f64 = 1200.0;

fn fonts() -> &'static Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        Arc::new(db)
    })
}

/// The first family of [`FONT`] installed on this machine (the Japanese font the PNGs use).
pub fn japanese_font() -> Option<String> {
    let db = fonts();
    FONT.split(',')
        .map(str::trim)
        .filter(|f| *f != "sans-serif")
        .find(|want| {
            db.faces()
                .any(|face| face.families.iter().any(|(name, _)| name == want))
        })
        .map(String::from)
}

/// Check a `--dpi` value: finite, from 30 to [`MAX_DPI`].
pub fn check_dpi(dpi: f64) -> Result<f64> {
    if dpi.is_finite() && (30.0..=MAX_DPI).contains(&dpi) {
        Ok(dpi)
    } else {
        Err(Error::Invalid(format!(
            "--dpi {dpi}: expected a resolution from 30 to {MAX_DPI} dots per inch"
        )))
    }
}

/// Render `svg` (a chart of this module) as PNG at `dpi`.
pub fn svg_to_png(svg: &str, dpi: f64) -> Result<Vec<u8>> {
    let dpi = check_dpi(dpi)?;
    let family = japanese_font().ok_or_else(|| {
        Error::Invalid(format!(
            "no Japanese font for the PNG charts: expected one of {FONT} (on Debian or Ubuntu: apt-get install fonts-noto-cjk); the SVG charts need none"
        ))
    })?;
    let render_error = |message: String| Error::Render {
        what: "PNG chart".into(),
        message,
    };
    let opt = resvg::usvg::Options {
        fontdb: fonts().clone(),
        font_family: family,
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &opt).map_err(|e| render_error(e.to_string()))?;
    let size = tree.size();
    // Pixels of the PNG per SVG pixel: the chart's width is the text width at `dpi`.
    let scale = (TEXT_WIDTH_MM / 25.4 * dpi / A4_WIDTH as f64) as f32;
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| render_error(format!("cannot make a {w} × {h} image")))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let png = pixmap
        .encode_png()
        .map_err(|e| render_error(e.to_string()))?;
    Ok(with_resolution(&png, dpi))
}

/// CRC-32 (ISO 3309, as PNG uses) of `bytes`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `png` with a `pHYs` chunk of `dpi` (in pixels per metre) after its header chunk.
fn with_resolution(png: &[u8], dpi: f64) -> Vec<u8> {
    // Signature (8 bytes), then IHDR: length (4), type (4), 13 bytes of data, CRC (4).
    const AFTER_IHDR: usize = 8 + 4 + 4 + 13 + 4;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return png.to_vec();
    }
    let ppm = (dpi / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&ppm.to_be_bytes());
    chunk.extend_from_slice(&ppm.to_be_bytes());
    chunk.push(1); // unit: metre
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(&png[..AFTER_IHDR]);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[AFTER_IHDR..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_iend_is_the_known_one() {
        // Every PNG ends with IEND and the CRC AE 42 60 82.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn dpi_is_bounded() {
        assert!(check_dpi(300.0).is_ok());
        assert!(check_dpi(0.0).is_err());
        assert!(check_dpi(f64::NAN).is_err());
        assert!(check_dpi(1e6).is_err());
    }
}
