//! A sweep's measurements: one variant timed at several values of one parameter, each
//! point checked against the reference there (made by the `sweep` command, shown by
//! [`report::sweep`](crate::report::sweep)).

use crate::lesson::Transfer;
use crate::measure::Row;
use crate::timing::load::Load;

/// One point of a sweep: the parameter's value and the variant's measurement there.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Point {
    /// The value, as given.
    pub value: String,
    /// The measurement, checked against the reference at this value.
    pub row: Row,
    /// What a unit of work moves at this value, where it is a transfer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
    /// Workers at this value, where a parameter sets them ([`crate::lesson::Problem::workers`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// Parallel efficiency against the first point, where the sweep changes the workers:
    /// this point's rate over the first one's, divided by its workers over the first
    /// one's. The same formula is strong scaling's T₁/(p·Tₚ) on a fixed problem and weak
    /// scaling's T₁/Tₚ on one that grows with the workers, since the rate counts units
    /// of work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
}

/// A variant measured across the values of one parameter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sweep {
    /// Lesson name.
    pub lesson: &'static str,
    /// The variant.
    pub variant: String,
    /// The parameter swept.
    pub param: String,
    /// The other parameters, as given.
    pub params: Vec<String>,
    /// Unit of work, plural.
    pub unit: &'static str,
    /// The reference every point is checked against.
    pub reference: &'static str,
    /// The points, in the order given.
    pub points: Vec<Point>,
    /// What other processes used during the whole sweep, where it could be read.
    pub load: Option<Load>,
    /// Values of the parameter the problem marks on the chart (cache sizes).
    pub marks: Vec<crate::lesson::Mark>,
}

impl Point {
    /// Seconds per unit of work (the median time where there are no units): what the
    /// points are compared by, since a point may run fewer steps than another.
    pub fn cost(&self) -> f64 {
        self.row
            .units_per_second
            .map_or(self.row.seconds, |u| 1.0 / u)
    }
    /// Where a unit is a transfer: seconds one transfer takes (a round trip's half).
    pub fn latency(&self) -> Option<f64> {
        self.transfer.map(|t| self.cost() / t.transfers)
    }
    /// Where a unit is a transfer: the amount moved per second, in the transfer's unit.
    pub fn throughput(&self) -> Option<f64> {
        self.transfer.map(|t| t.amount / self.cost())
    }
}

impl Sweep {
    /// Fills in each point's efficiency against the first, where the points' workers
    /// differ.
    pub fn set_efficiency(&mut self) {
        let Some(first) = self.points.first() else {
            return;
        };
        let (w0, r0) = (first.workers, first.row.units_per_second);
        if self.points.iter().all(|p| p.workers == w0) {
            return;
        }
        for p in &mut self.points {
            p.efficiency = match (w0, p.workers, r0, p.row.units_per_second) {
                (Some(w0), Some(w), Some(r0), Some(r)) if w > 0 && r0 > 0.0 => {
                    Some(r / r0 * w0 as f64 / w as f64)
                }
                _ => None,
            };
        }
    }
    /// The unit of what a transfer moves, where the points are transfers.
    pub fn transfer_unit(&self) -> Option<&'static str> {
        self.points.iter().find_map(|p| p.transfer.map(|t| t.unit))
    }
    /// The point that did a unit of work in the shortest time.
    pub fn fastest(&self) -> Option<&Point> {
        self.points
            .iter()
            .filter(|p| p.cost().is_finite())
            .min_by(|a, b| a.cost().total_cmp(&b.cost()))
    }
}
