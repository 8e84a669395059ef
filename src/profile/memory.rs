//! A run's memory, as memory_profiler's `mprof run` + `mprof plot` show it: the live heap
//! sampled on a timeline by a watcher thread, the peak, the bytes and allocations made,
//! all from the tracking allocator (exact, where mprof samples the resident set size).

use crate::error::{Error, Result};
use crate::profile::alloc;
use crate::timing::{format_seconds, format_si};
use plotters::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// What a run did to the heap.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Memory {
    /// Whether the tracking allocator was installed; without it every number is zero.
    pub tracked: bool,
    /// Bytes live when the run started.
    pub start: i64,
    /// The most bytes live at once during the run.
    pub peak: i64,
    /// Bytes live when it ended.
    pub end: i64,
    /// Bytes allocated during the run.
    pub allocated: u64,
    /// Allocations made during the run.
    pub allocations: u64,
    /// Seconds the run took.
    pub seconds: f64,
    /// `(seconds since the start, live bytes)`, sampled every interval, with the first and
    /// last points at the run's start and end.
    pub timeline: Vec<(f64, i64)>,
}

/// Runs `f` while a watcher thread samples the live heap every `interval`.
pub fn record<R>(interval: Duration, f: impl FnOnce() -> R) -> (R, Memory) {
    let tracked = alloc::installed();
    alloc::reset_peak();
    let before = alloc::counters();
    let stop = AtomicBool::new(false);
    let t0 = Instant::now();
    let (result, mut timeline) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut points = vec![(0.0, before.live)];
            while !stop.load(Relaxed) {
                std::thread::sleep(interval);
                points.push((t0.elapsed().as_secs_f64(), alloc::live()));
            }
            points
        });
        let result = f();
        stop.store(true, Relaxed);
        (result, watcher.join().unwrap_or_default())
    });
    let seconds = t0.elapsed().as_secs_f64();
    let after = alloc::counters();
    timeline.retain(|p| p.0 < seconds);
    timeline.push((seconds, after.live));
    let memory = Memory {
        tracked,
        start: before.live,
        peak: after.peak.max(before.live),
        end: after.live,
        allocated: after.allocated - before.allocated,
        allocations: after.allocations - before.allocations,
        seconds,
        timeline,
    };
    (result, memory)
}

fn bytes(b: i64) -> String {
    let sign = if b < 0 { "-" } else { "" };
    format!("{sign}{}B", format_si(b.unsigned_abs() as f64))
}

impl Memory {
    /// A few lines: peak, totals, what stayed live.
    pub fn summary(&self) -> String {
        if !self.tracked {
            return "memory: the tracking allocator is not installed in this binary \
                    (perflab::tracking_allocator!()), so there is nothing to report\n"
                .to_string();
        }
        format!(
            "peak heap     {} ({} above the {} live at the start)\n\
             allocated     {} in {} allocations over {}\n\
             live at end   {}\n",
            bytes(self.peak),
            bytes(self.peak - self.start),
            bytes(self.start),
            bytes(self.allocated as i64),
            self.allocations,
            format_seconds(self.seconds),
            bytes(self.end),
        )
    }

    /// The timeline as an SVG line plot (`mprof plot`'s picture), live MiB against seconds,
    /// with the peak as a dashed line; every figure on it is in MiB, and the legend sits in
    /// the headroom above the peak, where no curve runs.
    pub fn plot_svg(&self, title: &str) -> Result<String> {
        let mut svg = String::new();
        {
            let mib = |b: i64| b as f64 / (1024.0 * 1024.0);
            let t_max = self.seconds.max(1e-6);
            // Headroom above the peak for the legend (two rows, under a quarter of the plot).
            let y_max = mib(self.peak).max(mib(self.start)).max(1e-3) * 1.35;
            let root = SVGBackend::with_string(&mut svg, (800, 450)).into_drawing_area();
            let plot = |root: &DrawingArea<SVGBackend, _>| -> std::result::Result<(), String> {
                root.fill(&WHITE).map_err(|e| e.to_string())?;
                let mut chart = ChartBuilder::on(root)
                    .caption(title, ("sans-serif", 20))
                    .margin(12)
                    .x_label_area_size(40)
                    .y_label_area_size(60)
                    .build_cartesian_2d(0.0..t_max, 0.0..y_max)
                    .map_err(|e| e.to_string())?;
                chart
                    .configure_mesh()
                    .x_desc("time (s)")
                    .y_desc("live heap (MiB)")
                    .draw()
                    .map_err(|e| e.to_string())?;
                let live = BLUE.stroke_width(2);
                chart
                    .draw_series(LineSeries::new(
                        self.timeline.iter().map(|&(t, b)| (t, mib(b))),
                        live,
                    ))
                    .map_err(|e| e.to_string())?
                    .label(format!("live heap (end {:.2} MiB)", mib(self.end)))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], live));
                let peak = RED.stroke_width(1);
                chart
                    .draw_series(DashedLineSeries::new(
                        [(0.0, mib(self.peak)), (t_max, mib(self.peak))],
                        6,
                        4,
                        peak,
                    ))
                    .map_err(|e| e.to_string())?
                    .label(format!("peak {:.2} MiB", mib(self.peak)))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], peak));
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .border_style(BLACK)
                    .background_style(WHITE)
                    .draw()
                    .map_err(|e| e.to_string())?;
                root.present().map_err(|e| e.to_string())
            };
            plot(&root).map_err(|e| Error::Profiler {
                what: "draw the memory plot",
                message: e,
            })?;
        }
        Ok(svg)
    }
}

#[cfg(test)]
mod tests {
    use super::Memory;

    #[test]
    fn the_plot_speaks_mib_throughout_and_its_legend_names_both_lines() {
        let mib = 1024 * 1024;
        let m = Memory {
            tracked: true,
            start: 0,
            peak: 3 * mib,
            end: mib,
            allocated: 5 * mib as u64,
            allocations: 3,
            seconds: 1.0,
            timeline: vec![(0.0, 0), (0.5, 3 * mib), (1.0, mib)],
        };
        let svg = m.plot_svg("test").unwrap();
        assert!(svg.contains("live heap (MiB)"), "the axis");
        assert!(svg.contains("peak 3.00 MiB"), "the peak's legend");
        assert!(
            svg.contains("live heap (end 1.00 MiB)"),
            "the curve's legend"
        );
        assert!(!svg.contains(" MB"), "decimal megabytes beside MiB");
        // The peak line is dashed: drawn as several short segments, not one.
        assert!(svg.matches("stroke=\"#FF0000\"").count() > 3, "{svg}");
    }
}
