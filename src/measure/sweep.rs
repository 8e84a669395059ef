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
