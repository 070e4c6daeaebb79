//! The clock the benches measure with: wall time (criterion's default), or, with
//! `ASSETSYNC_BENCH_CLOCK=cpu`, the CPU time of the benchmarking thread.
//!
//! On a machine shared with other work, wall time counts the time the thread spends waiting for a
//! core; CPU time does not, so it stays close to what an idle machine would show. The two are
//! reported under different group names (`<group>` and `<group>-cpu`), so that criterion never
//! compares a run on one clock with a baseline on the other.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::Criterion;
use std::time::Duration;

/// The suffix of the group names measured in CPU time.
pub const CPU_SUFFIX: &str = "-cpu";

/// Runs `bench` with a `Criterion` configured from the command line, on the clock the
/// environment asks for; `bench` gets the suffix to put on its group names.
pub fn run(
    bench: fn(&mut Criterion<WallTime>, &str),
    bench_cpu: fn(&mut Criterion<CpuTime>, &str),
) {
    match std::env::var("ASSETSYNC_BENCH_CLOCK").as_deref() {
        Ok("cpu") => {
            let mut c = Criterion::default()
                .with_measurement(CpuTime(WallTime))
                .configure_from_args();
            bench_cpu(&mut c, CPU_SUFFIX);
            c.final_summary();
        }
        Ok("wall") | Err(std::env::VarError::NotPresent) => {
            let mut c = Criterion::default().configure_from_args();
            bench(&mut c, "");
            c.final_summary();
        }
        Ok(other) => panic!("ASSETSYNC_BENCH_CLOCK is `{other}`; use `wall` (default) or `cpu`"),
        Err(e) => panic!("ASSETSYNC_BENCH_CLOCK: {e}"),
    }
}

/// CPU time of the calling thread. Criterion runs the measured routine on the thread that
/// calls `start` and `end`; the time of any other thread the routine starts is not counted, so
/// only single-threaded routines can be measured with it.
pub struct CpuTime(WallTime);

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }

    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    /// Values are nanoseconds, as with wall time, so its formatting (times and throughput) fits.
    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    panic!("ASSETSYNC_BENCH_CLOCK=cpu needs a Unix thread CPU clock; use the default wall clock")
}
