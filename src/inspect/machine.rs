//! The machine a measurement was taken on, for every table and report: a speed figure
//! means nothing without it.

use std::fmt;

/// CPU, cores and memory of this machine.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Machine {
    /// CPU model name as the OS reports it.
    pub cpu: String,
    /// Logical CPUs (what rayon uses by default).
    pub logical_cores: usize,
    /// Physical cores, where the OS tells.
    pub physical_cores: Option<usize>,
    /// Total memory in bytes.
    pub memory_bytes: u64,
    /// Operating system and version.
    pub os: String,
}

impl Machine {
    /// Reads this machine.
    pub fn this() -> Machine {
        use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};
        let sys = System::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(CpuRefreshKind::nothing())
                .with_memory(MemoryRefreshKind::nothing().with_ram()),
        )
        .ok();
        let cpu = sys
            .as_ref()
            .and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_string()))
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "unknown CPU".to_string());
        Machine {
            cpu,
            logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            physical_cores: System::physical_core_count().ok(),
            memory_bytes: sys.as_ref().map_or(0, |s| s.total_memory()),
            os: System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_string()),
        }
    }
}

/// Bytes of memory available to a new allocation now, as the OS estimates it.
pub fn available_memory() -> u64 {
    use sysinfo::{MemoryRefreshKind, RefreshKind, System};
    System::new_with_specifics(
        RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram()),
    )
    .map_or(u64::MAX, |s| s.available_memory())
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {} logical cores", self.cpu, self.logical_cores)?;
        if let Some(p) = self.physical_cores {
            write!(f, " ({p} physical)")?;
        }
        write!(
            f,
            ", {:.1} GiB, {}",
            self.memory_bytes as f64 / (1u64 << 30) as f64,
            self.os
        )
    }
}
