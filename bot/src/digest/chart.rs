//! The small PNG chart that comes with each digest.
//!
//! Drawn with `plotters` into an RGB buffer (its bitmap backend only: no fonts, no system
//! libraries) and encoded with `png`. The chart carries no text: the digest's message says
//! what it shows and its scale, in the reader's language, so no font is needed and nothing
//! in the picture needs translating. Horizontal grid lines divide the scale in quarters.

use plotters::prelude::*;

/// Default size: small enough for a chat preview, wide enough for 14 days.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 240;

/// Series colours (colour-blind safe: blue and orange).
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
const GRID: RGBColor = RGBColor(225, 225, 225);
const AXIS: RGBColor = RGBColor(110, 110, 110);
const THRESHOLD: RGBColor = RGBColor(213, 94, 0);

/// One data series over the chart's slots (days, or accounts).
#[derive(Clone, Debug, PartialEq)]
pub enum Series {
    /// A line through the values; `None` leaves a gap.
    Line { values: Vec<Option<f64>>, color: RGBColor },
    /// One bar per slot.
    Bars { values: Vec<f64>, color: RGBColor },
}

impl Series {
    fn len(&self) -> usize {
        match self {
            Series::Line { values, .. } => values.len(),
            Series::Bars { values, .. } => values.len(),
        }
    }
    fn max(&self) -> f64 {
        let it: Box<dyn Iterator<Item = f64>> = match self {
            Series::Line { values, .. } => Box::new(values.iter().flatten().copied()),
            Series::Bars { values, .. } => Box::new(values.iter().copied()),
        };
        it.filter(|v| v.is_finite()).fold(0.0, f64::max)
    }
}

/// What to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub series: Vec<Series>,
    /// A dashed horizontal line (e.g. the at-risk score threshold).
    pub threshold: Option<f64>,
    /// The top of the scale; computed from the data when `None`.
    pub y_max: Option<f64>,
}

impl Chart {
    pub fn new(series: Vec<Series>) -> Self {
        Self { width: WIDTH, height: HEIGHT, series, threshold: None, y_max: None }
    }

    /// The top of the scale: the given one, or the data's maximum rounded up to 1, 2 or 5
    /// times a power of ten (at least 1).
    pub fn scale_top(&self) -> f64 {
        if let Some(top) = self.y_max.filter(|t| t.is_finite() && *t > 0.0) {
            return top;
        }
        let max = self.series.iter().map(Series::max).fold(self.threshold.unwrap_or(0.0), f64::max);
        nice_ceiling(max)
    }
}

/// The smallest of 1, 2, 5 × 10^k that is at least `v` (and at least 1).
pub fn nice_ceiling(v: f64) -> f64 {
    if !v.is_finite() || v <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|c| *c >= v).unwrap_or(10.0 * power)
}

/// Why a chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Draws `chart` and returns it as PNG bytes.
pub fn render_png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (chart.width.max(16), chart.height.max(16));
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    draw(chart, &mut rgb, (w, h)).map_err(ChartError::Draw)?;
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

fn draw(chart: &Chart, rgb: &mut [u8], size: (u32, u32)) -> Result<(), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let root = BitMapBackend::with_buffer(rgb, size).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let slots = chart.series.iter().map(Series::len).max().unwrap_or(0).max(1);
    let (left, right) = (-0.5, slots as f64 - 0.5);
    let top = chart.scale_top();
    let mut c = ChartBuilder::on(&root)
        .margin(14)
        .build_cartesian_2d(left..right, 0.0..top)
        .map_err(|x| e(&x))?;
    for i in 1..=4 {
        let y = top * f64::from(i) / 4.0;
        c.draw_series(LineSeries::new([(left, y), (right, y)], GRID.stroke_width(1))).map_err(|x| e(&x))?;
    }
    for s in &chart.series {
        if let Series::Bars { values, color } = s {
            let bars = values.iter().enumerate().filter(|(_, v)| v.is_finite() && **v > 0.0).map(|(i, v)| {
                let x = i as f64;
                Rectangle::new([(x - 0.32, 0.0), (x + 0.32, v.min(top))], color.filled())
            });
            c.draw_series(bars).map_err(|x| e(&x))?;
        }
    }
    if let Some(t) = chart.threshold.filter(|t| t.is_finite() && *t >= 0.0) {
        // Dashed: short segments a quarter slot long.
        let steps = (slots * 4) as i32;
        for k in (0..steps).step_by(2) {
            let x0 = left + f64::from(k) * 0.25;
            c.draw_series(LineSeries::new([(x0, t), (x0 + 0.25, t)], THRESHOLD.stroke_width(2))).map_err(|x| e(&x))?;
        }
    }
    for s in &chart.series {
        if let Series::Line { values, color } = s {
            // Consecutive known values are joined; a gap breaks the line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut runs = Vec::new();
            for (i, v) in values.iter().enumerate() {
                match v.filter(|v| v.is_finite()) {
                    Some(v) => run.push((i as f64, v.min(top))),
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            if !run.is_empty() {
                runs.push(run);
            }
            for run in runs {
                c.draw_series(run.iter().map(|p| Circle::new(*p, 3, color.filled()))).map_err(|x| e(&x))?;
                c.draw_series(LineSeries::new(run, color.stroke_width(2))).map_err(|x| e(&x))?;
            }
        }
    }
    c.draw_series(LineSeries::new([(left, 0.0), (right, 0.0)], AXIS.stroke_width(1))).map_err(|x| e(&x))?;
    c.draw_series(LineSeries::new([(left, 0.0), (left, top)], AXIS.stroke_width(1))).map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("a PNG frame");
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn renders_a_png_of_the_expected_size() {
        let chart = Chart::new(vec![
            Series::Line { values: vec![Some(10.0), Some(20.0), None, Some(5.0)], color: BLUE },
            Series::Line { values: vec![Some(30.0), Some(45.0), None, Some(12.0)], color: ORANGE },
        ]);
        assert_eq!(chart.scale_top(), 50.0);
        let bytes = render_png(&chart).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let (info, pixels) = decode(&bytes);
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        // Something was drawn in each series' colour.
        let has = |c: RGBColor| pixels.chunks(3).any(|p| p == [c.0, c.1, c.2]);
        assert!(has(BLUE) && has(ORANGE));
        assert!(pixels.chunks(3).filter(|p| *p == [255, 255, 255]).count() > pixels.len() / 6, "mostly white");
    }

    #[test]
    fn bars_threshold_and_empty_charts_render() {
        let mut chart = Chart::new(vec![Series::Bars { values: vec![42.0, 55.0, 0.0], color: BLUE }]);
        chart.threshold = Some(60.0);
        chart.y_max = Some(100.0);
        chart.width = 320;
        chart.height = 160;
        let (info, _) = decode(&render_png(&chart).unwrap());
        assert_eq!((info.width, info.height), (320, 160));
        let empty = Chart::new(vec![]);
        assert_eq!(empty.scale_top(), 1.0);
        let (info, _) = decode(&render_png(&empty).unwrap());
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
    }

    #[test]
    fn nice_scale_tops() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(17.0), 20.0);
        assert_eq!(nice_ceiling(20.0), 20.0);
        assert_eq!(nice_ceiling(51.0), 100.0);
        assert_eq!(nice_ceiling(720.0), 1000.0);
    }
}
