//! `assetsync sandbox`: the embedded store served as a local Assets Cloud REST API.
//!
//! Admins rehearse an import against it before pointing the tool at Assets; tests and benchmarks
//! use it as the target of the Assets REST client. It answers the endpoints an import uses, in
//! Atlassian's shapes (recorded in `fixtures/assets-cloud/`), and writes through the same code as
//! an embedded apply, so that an import through the sandbox leaves the store as an embedded
//! import of the same data does.
//!
//! Any `Authorization: Basic` header is accepted. Faults (latency, rate limits, server errors)
//! are drawn per request from a seeded generator; a faulted request changes nothing. Every
//! request can be logged, one JSON line each.

mod faults;
mod routes;
mod shapes;

use crate::store::Store;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use faults::{Fault, Faults};
use serde_json::{json, Value};
use shapes::Shapes;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The workspace the sandbox answers for (Assets Cloud puts one in every path).
pub const WORKSPACE_ID: &str = "sandbox";
/// Where the Assets endpoints are, below the server's origin.
pub const BASE_PATH: &str = "/jsm/assets/workspace/sandbox/v1";

/// Request bodies larger than this are refused (413).
const BODY_LIMIT: usize = 16 << 20;

#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// Added to every answer.
    pub latency: Duration,
    /// Fraction of requests answered 429.
    pub rate_limit: f64,
    /// Fraction of requests answered 500 or 503.
    pub error_rate: f64,
    pub seed: u64,
    /// One JSON line per request.
    pub log: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot write the request log {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
    #[error("cannot announce the address: {0}")]
    Announce(std::io::Error),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// When the sandbox started: the creation and update time of everything it shows (the store
/// keeps no times).
pub struct Clock {
    /// `2025-01-31T09:30:00.000Z`
    pub iso: String,
    /// Milliseconds since the epoch.
    pub millis: i64,
}

impl Clock {
    fn at(time: SystemTime) -> Clock {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        Clock {
            iso: iso(since, chrono::SecondsFormat::Millis),
            millis: i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
        }
    }
}

fn iso(since_epoch: Duration, format: chrono::SecondsFormat) -> String {
    let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, since_epoch.subsec_nanos())
        .map(|t| t.to_rfc3339_opts(format, true))
        .unwrap_or_default()
}

/// Serves `store` until the process is interrupted (Ctrl-C) or terminated, then returns.
/// `announce` is given the base URL of the Assets endpoints once the port is open.
pub fn run(
    store: Store,
    options: Options,
    announce: impl FnOnce(&str) -> std::io::Result<()>,
) -> Result<(), SandboxError> {
    let log = match &options.log {
        Some(path) => Some(Mutex::new(std::fs::File::create(path).map_err(
            |source| SandboxError::Log {
                path: path.clone(),
                source,
            },
        )?)),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(SandboxError::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| SandboxError::Listen {
                addr: options.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Listen {
                addr: options.listen,
                source,
            })?;
        let origin = format!("http://{addr}");
        let sandbox = Arc::new(Sandbox {
            base: format!("{origin}{BASE_PATH}"),
            origin,
            store: Arc::new(Mutex::new(store)),
            clock: Clock::at(SystemTime::now()),
            faults: Faults::new(options.rate_limit, options.error_rate, options.seed),
            latency: options.latency,
            log,
            log_failed: AtomicBool::new(false),
        });
        let shutdown = interrupted();
        announce(&sandbox.base).map_err(SandboxError::Announce)?;
        let app = Router::new().fallback(entry).with_state(sandbox);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(SandboxError::Serve)
    })
}

pub struct Sandbox {
    origin: String,
    base: String,
    store: Arc<Mutex<Store>>,
    clock: Clock,
    faults: Faults,
    latency: Duration,
    log: Option<Mutex<std::fs::File>>,
    log_failed: AtomicBool,
}

impl Sandbox {
    /// Runs `work` on the store off the async workers (SQLite blocks), with the store's object
    /// types as they are before it.
    async fn with_store(
        self: &Arc<Self>,
        work: impl FnOnce(&mut Store, &Shapes<'_>) -> Reply + Send + 'static,
    ) -> Reply {
        let sandbox = Arc::clone(self);
        let done = tokio::task::spawn_blocking(move || {
            // A panic elsewhere must not keep the store from every later request; SQLite rolls
            // back what a broken transaction left.
            let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
            let types = match store.object_types() {
                Ok(types) => types,
                Err(e) => {
                    return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
                }
            };
            let shapes = Shapes {
                origin: &sandbox.origin,
                base: &sandbox.base,
                clock: &sandbox.clock,
                types: &types,
            };
            work(&mut store, &shapes)
        })
        .await;
        done.unwrap_or_else(|e| {
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the request failed: {e}"),
            )
        })
    }

    async fn answer(
        self: &Arc<Self>,
        method: &Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Reply {
        if !authorized(headers) {
            let mut reply = Reply::error(
                StatusCode::UNAUTHORIZED,
                "Send `Authorization: Basic …`; the sandbox accepts any user and API token"
                    .to_string(),
            );
            reply.headers.push((
                header::WWW_AUTHENTICATE,
                "Basic realm=\"assetsync sandbox\"".to_string(),
            ));
            return reply;
        }
        match self.faults.draw() {
            Some(Fault::RateLimited) => {
                let reset = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    + Duration::from_secs(1);
                let mut reply = Reply::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Rate limit exceeded; retry after the time in `Retry-After`".to_string(),
                );
                reply.headers.push((header::RETRY_AFTER, "1".to_string()));
                reply.headers.push((
                    header::HeaderName::from_static("x-ratelimit-reset"),
                    iso(reset, chrono::SecondsFormat::Secs),
                ));
                reply
            }
            Some(Fault::Failed(code)) => Reply::error(
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "The sandbox failed this request on purpose (`--error-rate`); nothing was changed"
                    .to_string(),
            ),
            None => routes::route(self, method, path, query, body).await,
        }
    }

    /// Appends one line to the request log. The log is for counting requests; a write that
    /// fails is told once and does not stop the sandbox.
    fn log(&self, method: &Method, path: &str, query: &str, status: StatusCode, body: &[u8]) {
        let Some(log) = &self.log else { return };
        let parsed: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
        };
        // For AQL the query is what a test looks at (batched `IN (…)` look-ups).
        let body = if path.ends_with("/object/aql") {
            parsed.get("qlQuery").cloned().unwrap_or(Value::Null)
        } else {
            parsed
        };
        let line = json!({
            "method": method.as_str(),
            "path": path,
            "query": query,
            "status": status.as_u16(),
            "body": body,
        });
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = writeln!(file, "{line}") {
            if !self.log_failed.swap(true, Ordering::Relaxed) {
                eprintln!("warning: cannot write the request log: {e}; requests go on unlogged");
            }
        }
    }
}

/// Any Basic credentials will do: the sandbox checks that a client sends them, not who it is.
fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, credentials)| {
            scheme.eq_ignore_ascii_case("basic") && !credentials.trim().is_empty()
        })
}

async fn entry(State(sandbox): State<Arc<Sandbox>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let (reply, body) = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(body) => (
            sandbox
                .answer(&parts.method, &path, &query, &parts.headers, &body)
                .await,
            body,
        ),
        Err(e) => (
            Reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("cannot read the request body: {e}"),
            ),
            Default::default(),
        ),
    };
    // Logged as soon as it is done, before the latency: a client that goes away while it
    // waits for the answer must not hide a write from the log.
    tracing::debug!(
        "sandbox: {} {path} → {}",
        parts.method,
        reply.status.as_u16()
    );
    sandbox.log(&parts.method, &path, &query, reply.status, &body);
    if !sandbox.latency.is_zero() {
        tokio::time::sleep(sandbox.latency).await;
    }
    reply.into_response()
}

/// An answer before it is sent.
pub struct Reply {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    body: Option<Value>,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Atlassian's error body with one message.
    fn error(status: StatusCode, message: String) -> Reply {
        Reply::json(status, shapes::error(&[message], &[]))
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let body = match &self.body {
            Some(v) => Body::from(serde_json::to_vec(v).unwrap_or_default()),
            None => Body::empty(),
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if self.body.is_some() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            );
        }
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        response
    }
}

/// Ctrl-C and `kill` end the sandbox cleanly: it stops taking requests, finishes the ones under
/// way (each a whole transaction) and exits 0. The handlers are in place when this returns, so
/// a signal that comes right after the base URL is printed is not lost.
fn interrupted() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let int = signal(SignalKind::interrupt()).ok();
        let term = signal(SignalKind::terminate()).ok();
        async move {
            match (int, term) {
                (Some(mut int), Some(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
