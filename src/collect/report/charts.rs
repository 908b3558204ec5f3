//! SVG charts of a report: one dark colour with value labels, so they read without colour.

use plotters::prelude::*;

type ChartResult = Result<(), Box<dyn std::error::Error>>;

/// The drawn chart, marked as an image labelled by its figure caption (`<id>-caption`);
/// nothing (and a warning in the log) when it could not be drawn.
fn finish(drawn: ChartResult, svg: String, id: &str) -> String {
    if let Err(e) = drawn {
        tracing::warn!(error = %e, "chart not drawn");
        return String::new();
    }
    label_svg(svg, id)
}

/// The style of the value written above a bar or a point: centred, text bottom at the anchor.
fn value_label_style(size: u32) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Bottom,
    ))
}

/// Marks the chart as an image labelled by its figure caption (`<id>-caption`).
fn label_svg(svg: String, id: &str) -> String {
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-labelledby=\"{id}-caption\" class=\"chart\" "),
        1,
    )
}

/// A bar chart with the value written above each bar (readable without colour).
pub(super) fn bar_chart(id: &str, bars: &[(String, usize)], x_desc: &str) -> String {
    let mut svg = String::new();
    let draw = |svg: &mut String| -> ChartResult {
        let root = SVGBackend::with_string(svg, (480, 260)).into_drawing_area();
        root.fill(&WHITE)?;
        let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(
                (0..bars.len().saturating_sub(1)).into_segmented(),
                0..max + max / 5 + 1,
            )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc("Ответов / Answers")
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => bars.get(*i).map(|b| b.0.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 14))
            .draw()?;
        chart.draw_series(
            Histogram::vertical(&chart)
                .style(RGBColor(40, 40, 40).filled())
                .margin(14)
                .data(bars.iter().enumerate().map(|(i, b)| (i, b.1))),
        )?;
        let style = value_label_style(14);
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            Text::new(
                b.1.to_string(),
                (SegmentValue::CenterOf(i), b.1),
                style.clone(),
            )
        }))?;
        root.present()?;
        Ok(())
    };
    let drawn = draw(&mut svg);
    finish(drawn, svg, id)
}

/// A line of answers per week with a marker and the value at each point.
pub(super) fn line_chart(id: &str, points: &[(String, usize)]) -> String {
    if points.is_empty() {
        return String::new();
    }
    let mut svg = String::new();
    let draw = |svg: &mut String| -> ChartResult {
        let root = SVGBackend::with_string(svg, (600, 260)).into_drawing_area();
        root.fill(&WHITE)?;
        let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
        let n = points.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..(max as f64 * 1.25 + 1.0))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(14))
            .x_desc("Неделя (с понедельника) / Week starting")
            .y_desc("Ответов / Answers")
            .x_label_formatter(&|x| {
                let i = x.round();
                // Label every week while they fit, else every other week.
                let step = if n > 8 { 2.0 } else { 1.0 };
                if (x - i).abs() < 0.01 && i >= 0.0 && i % step == 0.0 {
                    points
                        .get(i as usize)
                        .map(|p| p.0.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 13))
            .draw()?;
        let dark = RGBColor(40, 40, 40);
        chart.draw_series(LineSeries::new(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, p.1 as f64)),
            dark.stroke_width(2),
        ))?;
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new((i as f64, p.1 as f64), 4, dark.filled())),
        )?;
        let style = value_label_style(13);
        if n <= 20 {
            chart.draw_series(points.iter().enumerate().map(|(i, p)| {
                Text::new(
                    p.1.to_string(),
                    (i as f64, p.1 as f64 + max as f64 * 0.06),
                    style.clone(),
                )
            }))?;
        }
        root.present()?;
        Ok(())
    };
    let drawn = draw(&mut svg);
    finish(drawn, svg, id)
}
