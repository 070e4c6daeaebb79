//! What can go wrong on the way to a provider, on demand: the faults an emulator injects and
//! its rate-limit window.
//!
//! Request numbers are 1-based over every request one emulator receives, in arrival order,
//! faulted ones included: `rate_limited_at: vec![2]` answers the second request with a 429, and
//! the client's retry of it is request 3 (or later, if other requests were in flight).

use super::{now_ms, Provider, Reply, Req};
use std::sync::Mutex;

/// The faults of one emulator. `Faults::default()` is a well-behaved provider.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// These requests get a 429: Okta's `X-Rate-Limit-*` headers (remaining 0, reset one
    /// second ahead) and error E0000047; elsewhere `Retry-After: 1`.
    pub rate_limited_at: Vec<usize>,
    /// These requests get a 500 with the provider's JSON error body.
    pub server_error_at: Vec<usize>,
    /// These responses start (status and headers sent) and the body breaks off half way.
    pub dropped_at: Vec<usize>,
    /// `(requests, window in ms)`: every response carries `X-Rate-Limit-Limit`, `-Remaining`
    /// and `-Reset` for the current window (windows are aligned on multiples of their length
    /// since the epoch), and a request over the limit gets a 429.
    pub rate_limit: Option<(u32, u64)>,
    /// Next links point at this origin (`http://host:port`) instead of the emulator's own.
    pub next_origin: Option<String>,
    /// PingOne: an access token stops working after this many API requests made with it.
    pub token_valid_for_requests: Option<usize>,
    /// PingOne: `expires_in` of the token response, in seconds (3600 when not given). A token
    /// is refused once that time has passed.
    pub expires_in: Option<u64>,
}

/// Okta reports its limits on every response; without a configured limit the emulator reports
/// one no fetch comes near, so that a client reading the headers never has reason to wait.
const GENEROUS: (u32, u64) = (100_000, 60_000);

pub(crate) struct FaultState {
    faults: Faults,
    limiter: Option<Limiter>,
}

struct Limiter {
    limit: u32,
    window_ms: u64,
    /// (window number, requests counted in it)
    state: Mutex<(u64, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    limit: u32,
    remaining: u32,
    /// Epoch second at which the window ends (rounded up).
    reset: u64,
    over: bool,
}

impl Limiter {
    fn new((limit, window_ms): (u32, u64)) -> Limiter {
        Limiter {
            limit,
            window_ms: window_ms.max(1),
            state: Mutex::new((0, 0)),
        }
    }

    fn take(&self) -> Window {
        let now = now_ms();
        let window = now / self.window_ms;
        let mut state = self.state.lock().unwrap();
        if state.0 != window {
            *state = (window, 0);
        }
        state.1 += 1;
        let used = state.1;
        Window {
            limit: self.limit,
            remaining: self.limit.saturating_sub(used),
            reset: ((window + 1) * self.window_ms).div_ceil(1000),
            over: used > self.limit,
        }
    }
}

impl FaultState {
    pub fn new(faults: Faults, always_rate_headers: bool) -> FaultState {
        let limiter = match faults.rate_limit {
            Some(limit) => Some(Limiter::new(limit)),
            None if always_rate_headers => Some(Limiter::new(GENEROUS)),
            None => None,
        };
        FaultState { faults, limiter }
    }

    /// The reply to request `n`, and whether its body is to be cut off.
    pub fn answer(&self, n: usize, req: &Req, provider: &dyn Provider) -> (Reply, bool) {
        let window = self.limiter.as_ref().map(Limiter::take);
        let (mut reply, headers) = if self.faults.rate_limited_at.contains(&n) {
            let reset = now_ms() / 1000 + 1;
            let headers = window.map(|w| (w.limit, 0, reset));
            (provider.too_many_requests(req, reset), headers)
        } else if let Some(w) = window.filter(|w| w.over) {
            (
                provider.too_many_requests(req, w.reset),
                Some((w.limit, 0, w.reset)),
            )
        } else if self.faults.server_error_at.contains(&n) {
            (
                provider.server_error(req),
                window.map(|w| (w.limit, w.remaining, w.reset)),
            )
        } else {
            (
                provider.handle(req),
                window.map(|w| (w.limit, w.remaining, w.reset)),
            )
        };
        if let Some((limit, remaining, reset)) = headers {
            reply = reply
                .header("x-rate-limit-limit", limit.to_string())
                .header("x-rate-limit-remaining", remaining.to_string())
                .header("x-rate-limit-reset", reset.to_string());
        }
        (reply, self.faults.dropped_at.contains(&n))
    }
}

/// Seconds from now until the epoch second `reset`, at least 1: the `Retry-After` of a 429.
pub(crate) fn retry_after(reset: u64) -> u64 {
    reset.saturating_sub(now_ms() / 1000).max(1)
}
