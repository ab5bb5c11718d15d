//! Phase timings on stderr when `AUTHCHECK_TIMINGS=1` (for profiling and `docs/performance.md`):
//! `let _t = timings::phase("parse");` prints how long the phase took when it ends, and the
//! process's peak resident memory so far (where the system tells it).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("AUTHCHECK_TIMINGS").is_some_and(|v| v == "1"))
}

/// Reports a phase measured in pieces (`total` summed over them).
pub fn report(name: &'static str, total: std::time::Duration) {
    if enabled() {
        eprintln!(
            "authcheck timing: {name:>10} {:8.1} ms",
            total.as_secs_f64() * 1e3
        );
    }
}

/// A running phase; reports its duration when dropped.
pub struct Phase {
    name: &'static str,
    start: Option<Instant>,
}

/// Starts timing a phase (nothing is measured unless timings are enabled).
pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        start: enabled().then(Instant::now),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            eprintln!(
                "authcheck timing: {:>10} {:8.1} ms{}",
                self.name,
                start.elapsed().as_secs_f64() * 1e3,
                peak_memory().map_or(String::new(), |kb| format!(" (peak {} MB)", kb / 1024))
            );
        }
    }
}

/// The peak resident memory of the process in KiB (`VmHWM` of `/proc/self/status`).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
