//! Rate limits and server errors on demand, drawn per request from a seeded generator, so that a
//! rehearsal or a test sees the same faults for the same seed and the same order of requests.

use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 Too Many Requests.
    RateLimited,
    /// 500 or 503.
    Failed(u16),
}

pub struct Faults {
    rate_limit: f64,
    error_rate: f64,
    rng: Mutex<XorShift>,
}

impl Faults {
    /// `rate_limit` and `error_rate` are fractions of all requests; together they are at most
    /// every request.
    pub fn new(rate_limit: f64, error_rate: f64, seed: u64) -> Faults {
        Faults {
            rate_limit: rate_limit.clamp(0.0, 1.0),
            error_rate: error_rate.clamp(0.0, 1.0),
            rng: Mutex::new(XorShift::new(seed)),
        }
    }

    /// The fault of the next request, if it gets one.
    pub fn draw(&self) -> Option<Fault> {
        if self.rate_limit <= 0.0 && self.error_rate <= 0.0 {
            return None;
        }
        let (u, pick) = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            (rng.unit(), rng.next_u64())
        };
        // One draw decides between the two, so that each keeps its own fraction of all requests.
        if u < self.rate_limit {
            Some(Fault::RateLimited)
        } else if u < self.rate_limit + self.error_rate {
            Some(Fault::Failed(if pick & 1 == 0 { 500 } else { 503 }))
        } else {
            None
        }
    }
}

/// xorshift64: small, fast and good enough to spread faults; not for anything secret.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // splitmix64 of the seed: neighbouring seeds start far apart, and never at zero (where
        // xorshift would stay).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift(if z == 0 { 0x9E37_79B9_7F4A_7C15 } else { z })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(faults: &Faults, n: usize) -> (usize, usize, usize) {
        let (mut limited, mut e500, mut e503) = (0, 0, 0);
        for _ in 0..n {
            match faults.draw() {
                Some(Fault::RateLimited) => limited += 1,
                Some(Fault::Failed(500)) => e500 += 1,
                Some(Fault::Failed(_)) => e503 += 1,
                None => {}
            }
        }
        (limited, e500, e503)
    }

    #[test]
    fn each_fault_takes_its_fraction_of_all_requests() {
        let (limited, e500, e503) = counts(&Faults::new(0.2, 0.3, 7), 20_000);
        assert!((3_600..4_400).contains(&limited), "{limited}");
        assert!((5_400..6_600).contains(&(e500 + e503)), "{e500} + {e503}");
        assert!(e500 > 2_000 && e503 > 2_000, "{e500} / {e503}");
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let a: Vec<_> = (0..100)
            .map({
                let f = Faults::new(0.3, 0.3, 7);
                move |_| f.draw()
            })
            .collect();
        let b: Vec<_> = (0..100)
            .map({
                let f = Faults::new(0.3, 0.3, 7);
                move |_| f.draw()
            })
            .collect();
        let c: Vec<_> = (0..100)
            .map({
                let f = Faults::new(0.3, 0.3, 8);
                move |_| f.draw()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(counts(&Faults::new(0.0, 0.0, 7), 1_000), (0, 0, 0));
    }
}
