//! Rate limits as services announce them: how long a 429 asks to wait, and when to slow down
//! before the limit is reached.
//!
//! Okta sends `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (epoch
//! seconds) on every response; Atlassian sends `Retry-After` (seconds) and `X-RateLimit-Reset`
//! (an ISO 8601 time) on a 429. Both spellings are read.

use reqwest::header::HeaderMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// The longest a single wait may be; a service asking for more is waited on in steps of this,
/// each counted as an attempt.
pub const LONGEST_WAIT: Duration = Duration::from_secs(120);

fn header<'h>(headers: &'h HeaderMap, names: &[&str]) -> Option<&'h str> {
    names
        .iter()
        .find_map(|n| headers.get(*n))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// When the current rate-limit window ends, from the reset header: epoch seconds (Okta) or an
/// ISO 8601 time (Atlassian).
fn reset_at(headers: &HeaderMap) -> Option<SystemTime> {
    let text = header(headers, &["x-rate-limit-reset", "x-ratelimit-reset"])?;
    if let Ok(secs) = text.parse::<u64>() {
        return Some(UNIX_EPOCH + Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    let millis = u64::try_from(at.timestamp_millis()).ok()?;
    Some(UNIX_EPOCH + Duration::from_millis(millis))
}

fn until(at: SystemTime) -> Duration {
    at.duration_since(SystemTime::now()).unwrap_or_default()
}

/// How long a 429 asks the client to wait: `Retry-After` seconds, or until the reset time.
/// `None` when it says neither; the backoff then decides.
pub fn wait_hint(headers: &HeaderMap) -> Option<Duration> {
    let wait = match header(headers, &["retry-after"]).and_then(|v| v.parse::<f64>().ok()) {
        Some(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        _ => until(reset_at(headers)?),
    };
    // A reset in epoch seconds is rounded down by the server; a little slack avoids arriving
    // just before the window turns.
    Some((wait + Duration::from_millis(100)).min(LONGEST_WAIT))
}

/// Shared by all requests of a client: when the service says few requests remain in the
/// window, later requests wait for the window to turn instead of running into 429s.
pub struct Pace {
    /// Requests that may be in flight at once: the headroom kept below the limit.
    headroom: u64,
    resume_at: Mutex<Option<Instant>>,
}

impl Pace {
    pub fn new(concurrency: usize) -> Pace {
        Pace {
            headroom: concurrency as u64,
            resume_at: Mutex::new(None),
        }
    }

    /// Reads a response's rate-limit headers.
    pub fn observe(&self, headers: &HeaderMap) {
        let remaining = header(
            headers,
            &["x-rate-limit-remaining", "x-ratelimit-remaining"],
        )
        .and_then(|v| v.parse::<u64>().ok());
        let Some(remaining) = remaining else { return };
        if remaining > self.headroom {
            return;
        }
        let Some(reset) = reset_at(headers) else {
            return;
        };
        let wait = (until(reset) + Duration::from_millis(100)).min(LONGEST_WAIT);
        let at = Instant::now() + wait;
        let mut resume = self.resume_at.lock().unwrap_or_else(|e| e.into_inner());
        if resume.is_none_or(|r| r < at) {
            tracing::debug!(
                remaining,
                wait_ms = wait.as_millis() as u64,
                "few requests left in the rate-limit window; pausing"
            );
            *resume = Some(at);
        }
    }

    /// Waits while the service asked to slow down.
    pub async fn wait(&self) {
        let at = *self.resume_at.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = at {
            if at > Instant::now() {
                tokio::time::sleep_until(at).await;
            }
        }
    }
}

/// A request budget: at most `per_minute` requests a minute, spaced evenly, with a burst of
/// a few seconds' worth allowed after a quiet spell. Assets Cloud allows about 1,000 requests a
/// minute; keeping below it costs less than waiting out 429s.
pub struct Budget {
    /// Time between two requests at the budget's rate.
    spacing: Duration,
    /// How far ahead of the steady pace requests may run.
    burst: Duration,
    next: Mutex<Instant>,
}

impl Budget {
    pub fn new(per_minute: u32) -> Option<Budget> {
        if per_minute == 0 {
            return None;
        }
        let spacing = Duration::from_secs(60) / per_minute;
        let burst = spacing * (per_minute / 60).clamp(1, 50);
        let now = Instant::now();
        Some(Budget {
            spacing,
            burst,
            next: Mutex::new(now.checked_sub(burst).unwrap_or(now)),
        })
    }

    /// Waits for this request's turn.
    pub async fn take(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            // Unused turns from a quiet spell are kept only up to the burst.
            let start = (*next).max(now.checked_sub(self.burst).unwrap_or(now));
            *next = start + self.spacing;
            start
        };
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn epoch_in(secs: u64) -> String {
        (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + secs)
            .to_string()
    }

    #[test]
    fn retry_after_seconds_win() {
        let h = headers(&[
            ("retry-after", "2".into()),
            ("x-rate-limit-reset", epoch_in(30)),
        ]);
        assert_eq!(wait_hint(&h), Some(Duration::from_millis(2100)));
    }

    #[test]
    fn okta_reset_epoch_seconds_give_the_wait() {
        let wait = wait_hint(&headers(&[("x-rate-limit-reset", epoch_in(3))])).unwrap();
        assert!(wait > Duration::from_millis(1900) && wait <= Duration::from_millis(3100));
    }

    #[test]
    fn atlassian_reset_time_gives_the_wait() {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 5;
        let at = chrono::DateTime::from_timestamp(secs as i64, 0).unwrap();
        let h = headers(&[("x-ratelimit-reset", at.to_rfc3339())]);
        let wait = wait_hint(&h).unwrap();
        assert!(wait > Duration::from_secs(4) && wait <= Duration::from_millis(5100));
    }

    #[test]
    fn no_hint_and_past_resets_do_not_wait_long() {
        assert_eq!(wait_hint(&HeaderMap::new()), None);
        let h = headers(&[("x-rate-limit-reset", "1000".into())]);
        assert_eq!(wait_hint(&h), Some(Duration::from_millis(100)));
        let h = headers(&[("retry-after", "99999".into())]);
        assert_eq!(wait_hint(&h), Some(LONGEST_WAIT));
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_budget_spaces_requests_after_its_burst() {
        assert!(Budget::new(0).is_none());
        let budget = Budget::new(600).unwrap(); // one each 100 ms, a burst of 10
        let start = Instant::now();
        for _ in 0..30 {
            budget.take().await;
        }
        let spent = start.elapsed();
        // 30 requests: 10 from the burst, 20 at the pace.
        assert!(
            spent >= Duration::from_millis(1900) && spent <= Duration::from_millis(2100),
            "{spent:?}"
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn pace_pauses_only_when_few_requests_remain() {
        let pace = Pace::new(4);
        pace.observe(&headers(&[
            ("x-rate-limit-remaining", "50".into()),
            ("x-rate-limit-reset", epoch_in(10)),
        ]));
        let start = Instant::now();
        pace.wait().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pace.observe(&headers(&[
            ("x-rate-limit-remaining", "3".into()),
            ("x-rate-limit-reset", epoch_in(2)),
        ]));
        pace.wait().await;
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }
}
