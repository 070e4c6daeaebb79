//! The HTTP client every provider and target shares: one origin, its credential, bounded
//! concurrency, retries with exponential backoff and jitter, and the services' rate limits.
//!
//! - Connection errors, timeouts, broken bodies and 5xx answers are retried with backoff.
//! - A 429 waits as long as the response says (`Retry-After`, `X-Rate-Limit-Reset`).
//! - When `X-Rate-Limit-Remaining` runs low, later requests wait for the window to turn.
//! - A request for a URL on another origin is refused before anything is sent.
//! - A 401 with a renewable access token renews it once.
//!
//! Secrets never reach logs or messages: they are kept as `SecretString`, header values are
//! marked sensitive, and URLs are shown without user information.

pub mod auth;
pub mod env;
pub mod limits;
pub mod url;

pub use self::auth::{Auth, TokenSource};
pub use self::env::{required, Env, MissingVariable, ProcessEnv};
pub use self::url::{shown, BaseUrl, Origin};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A base URL or setting that cannot be used.
    #[error("{message}")]
    Config { message: String },
    #[error(
        "refused to request {url}: it is not on {origin}, the origin the credential belongs to"
    )]
    Refused { url: String, origin: String },
    #[error("cannot reach {url}: {message}")]
    Transport {
        url: String,
        message: String,
        /// Worth another attempt (a timeout, a refused or broken connection).
        transient: bool,
    },
    #[error("{url} answered {status}{summary}")]
    Status {
        url: String,
        status: StatusCode,
        /// The service's own explanation, from its error body, led by `: `.
        summary: String,
        /// How long the service asked to wait (429).
        #[source]
        wait: Option<WaitHint>,
    },
    #[error("{url} sent a response that cannot be read: {message}")]
    Body { url: String, message: String },
}

/// The wait a 429 asked for, carried inside [`HttpError::Status`].
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("asked to wait {0:?}")]
pub struct WaitHint(pub Duration);

impl HttpError {
    pub(crate) fn transport(url: &Url, e: reqwest::Error) -> HttpError {
        // A body cut off half way shows as a decode error: worth another attempt like any broken
        // connection.
        let transient =
            e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode();
        // reqwest's message carries the URL; ours is shown without user information.
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        HttpError::Transport {
            url: shown(url),
            message,
            transient,
        }
    }

    pub(crate) fn status(url: &Url, status: StatusCode, body: &[u8]) -> HttpError {
        HttpError::Status {
            url: shown(url),
            status,
            summary: summary(body),
            wait: None,
        }
    }

    /// How long a 429 asked to wait.
    pub fn wait_hint(&self) -> Option<Duration> {
        match self {
            HttpError::Status { wait, .. } => wait.map(|w| w.0),
            _ => None,
        }
    }

    /// Worth trying again: connection trouble, timeouts, 5xx and 429.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Transport { transient, .. } => *transient,
            HttpError::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }

    pub fn status_code(&self) -> Option<StatusCode> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What the person running the tool can do about it.
    pub fn help(&self) -> &'static str {
        match self {
            HttpError::Config { .. } => "mend the setting and run again",
            HttpError::Refused { .. } => {
                "a response pointed outside the configured service; check the base URL and `config:data_source`"
            }
            HttpError::Transport { .. } => {
                "check the URL and the network; the request was retried with backoff before giving up"
            }
            HttpError::Status { status, .. } if *status == StatusCode::UNAUTHORIZED => {
                "the credential was refused: check the token in the environment and that it has not expired"
            }
            HttpError::Status { status, .. } if *status == StatusCode::FORBIDDEN => {
                "the credential lacks the permission for this request"
            }
            HttpError::Status { status, .. } if status.is_client_error() => {
                "check `config:data_source`, `search`, `filter` and `page_size` in the mapping"
            }
            HttpError::Status { .. } => "the service kept failing; try again later",
            HttpError::Body { .. } => "check that the URL is the service's API",
        }
    }
}

/// The service's explanation of an error: the fields Okta (`errorSummary`), PingOne
/// (`message`, `details[].message`), SCIM (`detail`) and Atlassian (`errorMessages`) use, or the
/// start of the body.
fn summary(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            field("errorSummary")
                .or_else(|| field("detail"))
                .or_else(|| field("message"))
                .or_else(|| field("error_description"))
                .or_else(|| {
                    v.get("errorMessages").and_then(|m| m.as_array()).map(|m| {
                        m.iter()
                            .filter_map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                })
                .unwrap_or_default()
        }
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    let text: String = text.chars().take(300).collect();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// How hard to try.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Attempts of one request, the first included.
    pub attempts: usize,
    /// The first backoff delay; each next one doubles, with jitter, up to `max_delay`.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// For one attempt, connection to the whole body.
    pub timeout: Duration,
    /// Requests a minute at most; 0: no budget.
    pub per_minute: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 4,
            attempts: 6,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            per_minute: 0,
        }
    }
}

/// A response that was read whole.
pub struct Response {
    pub url: Url,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Response {
    pub fn json(&self) -> Result<serde_json::Value, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::Body {
            url: shown(&self.url),
            message: format!("not JSON ({e})"),
        })
    }
}

pub struct Client {
    http: reqwest::Client,
    base: BaseUrl,
    origin: Origin,
    auth: Auth,
    settings: Settings,
    permits: Semaphore,
    pace: limits::Pace,
    budget: Option<limits::Budget>,
    sent: AtomicUsize,
}

impl Client {
    pub fn new(base: BaseUrl, auth: Auth, settings: Settings) -> Result<Client, HttpError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("assetsync/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(15))
            // Redirects would leave the origin check behind; a redirect is reported instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HttpError::Config {
                message: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(Client {
            http,
            origin: base.origin(),
            base,
            auth,
            permits: Semaphore::new(settings.concurrency.max(1)),
            pace: limits::Pace::new(settings.concurrency.max(1)),
            budget: limits::Budget::new(settings.per_minute),
            settings,
            sent: AtomicUsize::new(0),
        })
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Refuses a URL that is not on the client's origin.
    pub fn check(&self, url: &Url) -> Result<(), HttpError> {
        if Origin::of(url) == self.origin {
            Ok(())
        } else {
            Err(HttpError::Refused {
                url: shown(url),
                origin: self.origin.to_string(),
            })
        }
    }

    pub async fn get(&self, url: &Url) -> Result<Response, HttpError> {
        self.send(Method::GET, url, None).await
    }

    fn backoff_builder(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.settings.min_delay)
            .with_max_delay(self.settings.max_delay)
            .with_max_times(self.settings.attempts.saturating_sub(1))
            .with_jitter()
    }

    /// The delays between attempts: exponential with jitter, as many as the settings allow.
    pub fn backoff(&self) -> impl Iterator<Item = Duration> {
        use backon::BackoffBuilder;
        self.backoff_builder().build()
    }

    /// Sends a request once, without retries: for a caller that must check something before
    /// trying again (a create whose answer was lost may have happened).
    pub async fn send_once(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, HttpError> {
        self.check(url)?;
        self.attempt(method, url, body).await.map_err(|(e, _)| e)
    }

    /// Sends a request, retrying what is worth retrying; a non-2xx answer is an error.
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, HttpError> {
        self.check(url)?;
        let mut renewed = false;
        loop {
            let attempt = || self.attempt(method.clone(), url, body);
            let result = attempt
                .retry(self.backoff_builder())
                .sleep(tokio::time::sleep)
                .when(|(e, _)| e.is_transient())
                .adjust(|(e, _), backoff| match e {
                    HttpError::Status {
                        wait: Some(hint), ..
                    } => backoff.map(|_| hint.0),
                    _ => backoff,
                })
                .notify(|(e, _), wait| {
                    tracing::info!("{e}; trying again in {:.1} s", wait.as_secs_f64())
                })
                .await;
            match result {
                Ok(response) => return Ok(response),
                Err((e, generation)) => {
                    if e.status_code() == Some(StatusCode::UNAUTHORIZED)
                        && !renewed
                        && self.auth.refused(generation).await
                    {
                        tracing::info!("the access token was refused; renewing it");
                        renewed = true;
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// One attempt. The error carries the token generation the request was sent with.
    async fn attempt(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, (HttpError, Option<auth::TokenGeneration>)> {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        // After the permit: a request that waited for one must still see a pause that began
        // meanwhile.
        self.pace.wait().await;
        if let Some(budget) = &self.budget {
            budget.take().await;
        }
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let (request, generation) = self
            .auth
            .add(request, &self.http)
            .await
            .map_err(|e| (e, None))?;
        let started = std::time::Instant::now();
        self.sent.fetch_add(1, Ordering::Relaxed);
        let response = request
            .send()
            .await
            .map_err(|e| (HttpError::transport(url, e), generation))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.pace.observe(&headers);
        let body = response
            .bytes()
            .await
            .map_err(|e| (HttpError::transport(url, e), generation))?;
        tracing::debug!(
            "{method} {} -> {} ({} ms, {} bytes)",
            shown(url),
            status.as_u16(),
            started.elapsed().as_millis(),
            body.len()
        );
        if status.is_success() {
            return Ok(Response {
                url: url.clone(),
                status,
                headers,
                body,
            });
        }
        let mut error = HttpError::status(url, status, &body);
        if status == StatusCode::TOO_MANY_REQUESTS {
            if let HttpError::Status { wait, .. } = &mut error {
                *wait = limits::wait_hint(&headers).map(WaitHint);
            }
        }
        Err((error, generation))
    }
}
