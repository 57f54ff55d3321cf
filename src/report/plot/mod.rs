//! Plots (PNG and SVG), drawn with plotters and an embedded font so that no system fonts are
//! needed: the helpers every plot shares (the font, the PNG encoder, the `both!` macro that
//! draws one plot into both files, axis labels and time units).

use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const W: u32 = 960;
const H: u32 = 540;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded file is a valid TrueType font; a failure would only leave text undrawn.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Writes an RGB image as PNG, compressed fast (plots are flat colours; the files stay small).
fn write_png(path: &Path, rgb: &[u8]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: cannot write: {e}", path.display());
    let f = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(f), W, H);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(png::FilterType::Sub);
    let mut w = enc.write_header().map_err(|e| err(&e))?;
    w.write_image_data(rgb).map_err(|e| err(&e))?;
    w.finish().map_err(|e| err(&e))
}

/// Draws a plot into `<dir>/<stem>.png` and `<dir>/<stem>.svg`; returns the files written.
macro_rules! both {
    ($dir:expr, $stem:expr, $draw:ident ( $($arg:expr),* )) => {{
        use $crate::report::plot::{H, W, register_font, write_png};
        register_font();
        let png = $dir.join(format!("{}.png", $stem));
        let svg = $dir.join(format!("{}.svg", $stem));
        // The two renderings are independent: draw them at once.
        let (a, b) = rayon::join(
            || -> Result<(), String> {
                let mut buf = vec![0u8; (W * H * 3) as usize];
                {
                    let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
                    $draw(&root, $($arg),*).map_err(|e| format!("{}: cannot draw: {e}", png.display()))?;
                    root.present().map_err(|e| format!("{}: cannot draw: {e}", png.display()))?;
                }
                write_png(&png, &buf)
            },
            || -> Result<(), String> {
                let root = SVGBackend::new(&svg, (W, H)).into_drawing_area();
                $draw(&root, $($arg),*).map_err(|e| format!("{}: cannot draw: {e}", svg.display()))?;
                root.present().map_err(|e| format!("{}: cannot write: {e}", svg.display()))
            },
        );
        a.and(b)?;
        Ok(vec![png, svg])
    }};
}

// After `both!`, which they use.
pub mod alarms;
pub mod boxes;
pub mod labels;
pub mod run;
pub mod service_map;
pub mod state_diagram;
pub mod survival;
pub mod sweep;
pub mod trace;
pub mod tune;

/// A latency CDF's chart: log-scaled latency against the fraction of requests.
type CdfChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, plotters::coord::types::RangedCoordf64>>;

/// The axes of a latency CDF on `root`: latency in ms over `lo..hi` (log scale) against the
/// fraction of requests, captioned `caption` at `size` points.
fn cdf_axes<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, plotters::coord::Shift>,
    caption: String,
    size: u32,
    lo: f64,
    hi: f64,
) -> Result<CdfChart<'a, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", size))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("fraction of requests ≤ latency")
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    Ok(chart)
}

/// A CDF's points as a staircase (each value holds until the next).
fn steps(cdf: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(cdf.len() * 2);
    let mut prev = 0.0;
    for &(x, y) in cdf {
        pts.push((x, prev));
        pts.push((x, y));
        prev = y;
    }
    pts
}

/// An axis label without needless decimals: `120`, `2.5`, `0.25`.
fn tidy(v: f64) -> String {
    let a = v.abs();
    if a >= 10.0 || v == v.round() {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A readable unit for an axis spanning `t_end` seconds.
fn time_unit(t_end: f64) -> (&'static str, f64) {
    if t_end >= 2.0 * 86400.0 {
        ("days", 86400.0)
    } else if t_end >= 3.0 * 3600.0 {
        ("hours", 3600.0)
    } else if t_end >= 3.0 * 60.0 {
        ("minutes", 60.0)
    } else {
        ("seconds", 1.0)
    }
}
