//! Local stand-ins for the identity providers' REST APIs, for driving `assetsync fetch` end to end
//! without a network: Okta's Management API (`okta`), PingOne's Platform API and its token
//! endpoint (`pingone`), a SCIM 2.0 service provider (`scim`) and a plain JSON API with `Link` or
//! HAL paging (`rest`).
//!
//! Each emulator is an axum server on `127.0.0.1:0`, on a thread of its own with its own tokio
//! runtime, so that synchronous tests can spawn the binary and wait for it. It serves one
//! [`Directory`] (generated, deterministic), logs every request with the status it answered,
//! and injects the [`Faults`] it was given (rate limits, server errors, dropped connections,
//! next links to another origin, expiring tokens).
//!
//! The shapes follow the providers' documentation: Okta's `Link` headers, `after` cursors,
//! `X-Rate-Limit-*` headers and error objects; PingOne's `_embedded`/`_links`/`count`/`size`
//! pages and `{id, code, message}` errors; RFC 7644's `ListResponse` and error schema.
//!
//! Included with `#[path]` from tests and benches, so nothing here names the assetsync library.

// Each test binary and bench uses a different part of this module.
#![allow(dead_code, unused_imports)]

pub mod data;
pub mod faults;
pub mod okta;
pub mod pingone;
pub mod rest;
pub mod scim;

pub use data::{Directory, Lists};
pub use faults::Faults;
pub use okta::okta;
pub use pingone::{pingone, PingOneEmulator};
pub use rest::{rest, RestAuth};
pub use scim::scim;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One request as the emulator saw it, with the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The raw query string, without `?` (still percent-encoded).
    pub query: String,
    pub status: u16,
    pub authorization: Option<String>,
    /// The response started with `status` and its body was cut off half way.
    pub dropped: bool,
}

impl Logged {
    /// The decoded value of a query parameter (the first, if it is repeated).
    pub fn param(&self, name: &str) -> Option<String> {
        parse_query(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The path with the ids in it replaced by `{id}`: `/api/v1/groups/{id}/users`.
    pub fn endpoint(&self) -> String {
        endpoint(&self.path)
    }
}

/// `path` with every segment that follows a collection name replaced by `{id}`.
pub fn endpoint(path: &str) -> String {
    const COLLECTIONS: &[&str] = &[
        "users",
        "groups",
        "apps",
        "devices",
        "environments",
        "Users",
        "Groups",
        "people",
    ];
    let mut out = Vec::new();
    let mut previous = "";
    for segment in path.split('/') {
        if COLLECTIONS.contains(&previous) && !segment.is_empty() {
            out.push("{id}");
        } else {
            out.push(segment);
        }
        previous = segment;
    }
    out.join("/")
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    log: Arc<Mutex<Vec<(usize, Logged)>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Emulator {
    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Logged> {
        let mut log = self.log.lock().unwrap().clone();
        log.sort_by_key(|(n, _)| *n);
        log.into_iter().map(|(_, l)| l).collect()
    }

    /// How many requests had a path starting with `path_prefix`.
    pub fn count(&self, path_prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|l| l.path.starts_with(path_prefix))
            .count()
    }

    /// How many requests went to `endpoint` (as [`Logged::endpoint`] writes it).
    pub fn count_endpoint(&self, endpoint: &str) -> usize {
        self.requests()
            .iter()
            .filter(|l| l.endpoint() == endpoint)
            .count()
    }

    /// How many requests were answered with `status`.
    pub fn count_status(&self, status: u16) -> usize {
        self.requests()
            .iter()
            .filter(|l| l.status == status)
            .count()
    }

    /// Requests per endpoint.
    pub fn by_endpoint(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for l in self.requests() {
            *counts.entry(l.endpoint()).or_insert(0) += 1;
        }
        counts
    }

    /// Forgets the requests logged so far (request numbers for faults keep counting).
    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A request, read whole, as a provider sees it.
pub(crate) struct Req {
    /// 1-based arrival number on this emulator.
    pub n: usize,
    pub method: String,
    pub path: String,
    pub query: String,
    pub params: Vec<(String, String)>,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
    /// This emulator's own origin, `http://127.0.0.1:PORT`.
    pub origin: String,
}

impl Req {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn authorization(&self) -> Option<&str> {
        self.header("authorization")
    }

    /// The path split into its segments, without the empty one before the first `/` and
    /// without a trailing empty one.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(|s| percent_decode(s, false))
            .collect()
    }

    /// The `limit`-style parameter `name`: `default` when absent, zero or not a number; at most
    /// `max`.
    pub fn page_size(&self, name: &str, default: usize, max: usize) -> usize {
        self.param(name)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default)
            .min(max)
    }

    /// The URL of this request on `origin`, with the query parameter `name` set to `value`
    /// (replaced where it was, appended otherwise) and every other parameter kept.
    pub fn url_with(&self, origin: &str, name: &str, value: &str) -> String {
        let mut params = self.params.clone();
        match params.iter_mut().find(|(k, _)| k == name) {
            Some(p) => p.1 = value.to_string(),
            None => params.push((name.to_string(), value.to_string())),
        }
        format!("{origin}{}?{}", self.path, build_query(&params))
    }

    /// The URL of this request as it was asked, on this emulator's origin.
    pub fn self_url(&self) -> String {
        if self.query.is_empty() {
            format!("{}{}", self.origin, self.path)
        } else {
            format!("{}{}?{}", self.origin, self.path, self.query)
        }
    }
}

/// A response, before faults and headers common to a provider are added.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::typed(status, "application/json", value)
    }

    pub fn typed(status: u16, content_type: &str, value: &serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: serde_json::to_vec(value).unwrap(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// What an emulator serves. `handle` answers requests that no fault intercepted; the other
/// methods give the provider's own shape to the faults.
pub(crate) trait Provider: Send + Sync + 'static {
    fn handle(&self, req: &Req) -> Reply;
    /// A 429. `reset` is the epoch second at which the caller may go on.
    fn too_many_requests(&self, req: &Req, reset: u64) -> Reply;
    fn server_error(&self, req: &Req) -> Reply;
    /// Whether every response carries `X-Rate-Limit-*` (Okta does; the others only do when a
    /// rate limit is configured).
    fn always_rate_headers(&self) -> bool {
        false
    }
}

struct Server {
    provider: Box<dyn Provider>,
    faults: faults::FaultState,
    counter: AtomicUsize,
    log: Arc<Mutex<Vec<(usize, Logged)>>>,
    origin: String,
}

/// Starts `provider` on a loopback port.
pub(crate) fn start(provider: Box<dyn Provider>, faults: Faults) -> Emulator {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let server = Arc::new(Server {
        faults: faults::FaultState::new(faults, provider.always_rate_headers()),
        provider,
        counter: AtomicUsize::new(0),
        log: log.clone(),
        origin: origin.clone(),
    });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(format!("emulator {origin}"))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = Router::new().fallback(entry).with_state(server);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await;
            });
        })
        .unwrap();
    Emulator {
        url: origin,
        log,
        shutdown: Some(tx),
    }
}

async fn entry(State(server): State<Arc<Server>>, request: axum::extract::Request) -> Response {
    let n = server.counter.fetch_add(1, Ordering::SeqCst) + 1;
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let query = parts.uri.query().unwrap_or("").to_string();
    let req = Req {
        n,
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        params: parse_query(&query),
        query,
        headers: parts.headers,
        body,
        origin: server.origin.clone(),
    };
    let (reply, dropped) = server.faults.answer(n, &req, server.provider.as_ref());
    server.log.lock().unwrap().push((
        n,
        Logged {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            status: reply.status,
            authorization: req.authorization().map(str::to_string),
            dropped,
        },
    ));
    respond(reply, dropped)
}

fn respond(reply: Reply, dropped: bool) -> Response {
    let body = if dropped {
        // Half the body, a pause so that the headers and those bytes are on the wire, then an
        // error: hyper gives up on the connection mid-body, as a proxy or load balancer
        // dropping it would.
        let half = Bytes::from(reply.body[..reply.body.len() / 2].to_vec());
        let stream = futures_util::stream::unfold(0u8, move |step| {
            let half = half.clone();
            async move {
                match step {
                    0 => Some((Ok(half), 1)),
                    1 => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Some((
                            Err(std::io::Error::new(
                                std::io::ErrorKind::ConnectionReset,
                                "connection dropped by the emulator",
                            )),
                            2,
                        ))
                    }
                    _ => None,
                }
            }
        });
        Body::from_stream(stream)
    } else {
        Body::from(reply.body)
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (name, value) in reply.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(&value).unwrap(),
        );
    }
    response
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// `a=1&b=x%20y` as decoded pairs, in order (`+` is a space, as in forms).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(pair, true), String::new()),
        })
        .collect()
}

/// Percent-decodes `s`; with `plus_is_space`, `+` decodes to a space.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn build_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Standard base64 with padding, for HTTP Basic credentials.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Basic <base64(user:password)>`.
pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

/// Whether `header` is `<scheme> <credentials>` (the scheme compared without case, as
/// RFC 9110 says).
pub(crate) fn has_credentials(header: Option<&str>, scheme: &str, credentials: &str) -> bool {
    header
        .and_then(|h| h.split_once(' '))
        .is_some_and(|(s, c)| s.eq_ignore_ascii_case(scheme) && c.trim() == credentials)
}

/// A literal on the right of `eq` in a provider's filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Bool(bool),
    Number(f64),
}

/// A conjunction of `<attribute> eq <literal>` terms: the subset of SCIM-style filters (Okta
/// `search`, PingOne and SCIM `filter`) the emulators answer. `a[b eq "x"]` reads as
/// `a.b eq "x"`. Anything else is an error, which each provider answers as it does.
pub(crate) fn parse_filter(text: &str) -> Result<Vec<(String, Literal)>, String> {
    let mut terms = Vec::new();
    let mut rest = text.trim();
    loop {
        let (attribute, after) = take_attribute(rest)?;
        let (op, after) = take_word(after);
        if !op.eq_ignore_ascii_case("eq") {
            return Err(format!("unsupported operator `{op}`"));
        }
        let (literal, mut after) = take_literal(after.trim_start())?;
        let bracketed = attribute.contains('[');
        let attribute = if bracketed {
            after = after
                .trim_start()
                .strip_prefix(']')
                .ok_or("missing `]`")?
                .trim_start();
            attribute.replacen('[', ".", 1)
        } else {
            attribute
        };
        terms.push((attribute, literal));
        let after = after.trim();
        if after.is_empty() {
            return Ok(terms);
        }
        let (word, after) = take_word(after);
        if !word.eq_ignore_ascii_case("and") {
            return Err(format!("unexpected `{word}`"));
        }
        rest = after.trim_start();
    }
}

/// An attribute path, possibly opening a bracket: `profile.department`, `memberOfGroups[id`.
fn take_attribute(s: &str) -> Result<(String, &str), String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_' || c == '$'))
        .unwrap_or(s.len());
    if end == 0 {
        return Err(format!("expected an attribute at `{s}`"));
    }
    let (name, rest) = s.split_at(end);
    if let Some(rest) = rest.strip_prefix('[') {
        let (inner, rest) = take_attribute(rest)?;
        return Ok((format!("{name}[{inner}"), rest));
    }
    Ok((name.to_string(), rest))
}

fn take_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn take_literal(s: &str) -> Result<(Literal, &str), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, escaped)) => value.push(escaped),
                    None => return Err("unterminated string".into()),
                },
                '"' => return Ok((Literal::Str(value), &body[i + 1..])),
                c => value.push(c),
            }
        }
        return Err("unterminated string".into());
    }
    let end = s
        .find(|c: char| c.is_whitespace() || c == ']')
        .unwrap_or(s.len());
    let (word, rest) = s.split_at(end);
    match word {
        "true" => Ok((Literal::Bool(true), rest)),
        "false" => Ok((Literal::Bool(false), rest)),
        _ => word
            .parse::<f64>()
            .map(|n| (Literal::Number(n), rest))
            .map_err(|_| format!("expected a value at `{s}`")),
    }
}

/// `ceil(n / size)`, and one page for an empty list (the provider still answers once).
pub fn pages(n: usize, size: usize) -> usize {
    n.div_ceil(size).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
