//! `PROTOLITH_TIMING=1`: per-phase wall times on stderr, for performance work,
//! each with the process's resident memory at its end where Linux says it.

/// Marks the end of each phase; prints nothing unless `PROTOLITH_TIMING` is set.
pub struct PhaseClock {
    on: bool,
    last: std::time::Instant,
}

impl Default for PhaseClock {
    fn default() -> Self {
        Self::new()
    }
}

impl PhaseClock {
    pub fn new() -> Self {
        PhaseClock {
            on: std::env::var_os("PROTOLITH_TIMING").is_some(),
            last: std::time::Instant::now(),
        }
    }

    /// Prints `timing: {text}` (a count, not a time).
    pub fn note(&self, text: &str) {
        if self.on {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("timing: {text}");
            }
        }
    }

    pub fn mark(&mut self, phase: &str) {
        if self.on {
            let now = std::time::Instant::now();
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "timing: {phase}: {:.0} ms{}",
                    (now - self.last).as_secs_f64() * 1000.0,
                    resident()
                        .map(|kb| format!(" (rss {} MB)", kb / 1024))
                        .unwrap_or_default()
                );
            }
            self.last = now;
        }
    }
}

/// The process's resident set in KB (`VmRSS`), on Linux.
fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
