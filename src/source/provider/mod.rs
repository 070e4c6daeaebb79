//! Identity providers as sources: Okta, PingOne, SCIM 2.0 and generic JSON REST.
//!
//! A provider lists a section's records page by page (`config:data_source`, `search`, `filter`,
//! `page_size`, `max_pages`), adds the related lists of `config:section` to each, and hands them
//! on as JSON Lines through [`Stream`], a [`std::io::Read`] — so `fetch` copies it to a file and
//! `plan`/`apply` read it like a source file, record by record, while later pages are still
//! being fetched.
//!
//! Credentials come from the environment only. The requests run on a small tokio runtime the
//! provider owns; the reader side blocks on a bounded channel, so memory holds a few pages at
//! most.

mod okta;
pub mod pages;
mod pingone;
mod rest;
mod scim;

use crate::http::{BaseUrl, Client, HttpError, MissingVariable, Settings};
pub use crate::http::{Env, ProcessEnv};
use crate::lang::program::SectionConfig;
use pages::{Pages, Paging, RecordsAt};
use serde_json::Value;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Listings run at once while the related lists are gathered; the client bounds the requests.
const AT_ONCE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Okta,
    #[value(name = "pingone")]
    PingOne,
    Scim,
    Rest,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Okta => "Okta",
            Kind::PingOne => "PingOne",
            Kind::Scim => "SCIM",
            Kind::Rest => "REST",
        }
    }

    /// The related lists (`config:section`) the provider can add.
    fn lists(self) -> &'static [&'static str] {
        match self {
            Kind::Okta => &["roles", "groups", "apps"],
            Kind::PingOne | Kind::Scim => &["groups"],
            Kind::Rest => &[],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    MissingVariable(#[from] MissingVariable),
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("{url}: {message}")]
    Records { url: String, message: String },
    #[error("{0}")]
    Unsupported(String),
    /// Nobody reads the records any more: the listing ends quietly.
    #[error("the records are no longer read")]
    Stopped,
}

impl ProviderError {
    pub fn help(&self) -> String {
        match self {
            ProviderError::MissingVariable(missing) => missing.help(),
            ProviderError::Http(e) => e.help().to_string(),
            ProviderError::Records { .. } => {
                "check `config:data_source` and `config:records` in the mapping".to_string()
            }
            ProviderError::Unsupported(_) => "mend the mapping's `config:` lines".to_string(),
            ProviderError::Stopped => "see the error before this one".to_string(),
        }
    }
}

pub(crate) fn required(env: &dyn Env, name: &'static str) -> Result<String, ProviderError> {
    Ok(crate::http::required(env, name)?)
}

/// The base URL: `--provider-url`, else the variable.
pub(crate) fn base_url(
    env: &dyn Env,
    provider_url: Option<&str>,
    variable: &'static str,
) -> Result<BaseUrl, ProviderError> {
    Ok(match provider_url {
        Some(url) => BaseUrl::parse(url, "--provider-url")?,
        None => BaseUrl::parse(&required(env, variable)?, variable)?,
    })
}

/// A connected provider: its client and the runtime its requests run on.
pub struct Provider {
    inner: Arc<Inner>,
    runtime: tokio::runtime::Runtime,
}

struct Inner {
    kind: Kind,
    client: Client,
    /// PingOne: the path under the API root that holds the environment.
    prefix: String,
}

impl Provider {
    /// Reads the provider's settings and credentials from `env`. Nothing is sent yet.
    pub fn connect(
        kind: Kind,
        provider_url: Option<&str>,
        env: &dyn Env,
    ) -> Result<Provider, ProviderError> {
        let settings = Settings::default();
        let (client, prefix) = match kind {
            Kind::Okta => (okta::client(env, provider_url, settings)?, String::new()),
            Kind::PingOne => pingone::client(env, provider_url, settings)?,
            Kind::Scim | Kind::Rest => (rest::client(env, provider_url, settings)?, String::new()),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("assetsync-http")
            .enable_all()
            .build()
            .map_err(|e| HttpError::Config {
                message: format!("cannot start the HTTP runtime: {e}"),
            })?;
        Ok(Provider {
            inner: Arc::new(Inner {
                kind,
                client,
                prefix,
            }),
            runtime,
        })
    }

    pub fn kind(&self) -> Kind {
        self.inner.kind
    }

    /// Requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.inner.client.requests()
    }

    /// Checks a section's `config:` against what the provider can do, before any request.
    pub fn check(&self, config: &SectionConfig) -> Result<(), ProviderError> {
        let kind = self.inner.kind;
        if let Some(list) = config
            .section
            .iter()
            .find(|l| !kind.lists().contains(&l.as_str()))
        {
            let can = match kind.lists() {
                [] => "adds no related lists".to_string(),
                lists => format!("adds only {}", lists.join(", ")),
            };
            return Err(ProviderError::Unsupported(format!(
                "`config:section={list}`: {} {can}",
                kind.name()
            )));
        }
        let unsupported = match kind {
            Kind::Okta => config.filter.as_ref().map(|_| ("filter", "search")),
            Kind::PingOne | Kind::Scim => config.search.as_ref().map(|_| ("search", "filter")),
            Kind::Rest => config
                .search
                .as_ref()
                .map(|_| ("search", "data_source"))
                .or(config.filter.as_ref().map(|_| ("filter", "data_source"))),
        };
        if let Some((name, instead)) = unsupported {
            return Err(ProviderError::Unsupported(format!(
                "`config:{name}` is not used by {}; use `config:{instead}`",
                kind.name()
            )));
        }
        if kind == Kind::Rest && config.page_size.is_some() {
            return Err(ProviderError::Unsupported(
                "`config:page_size` is not known to a generic REST source: put the page size in `config:data_source`'s query".to_string(),
            ));
        }
        Ok(())
    }

    /// Starts listing a section's records; they arrive as JSON Lines through the stream.
    pub fn stream(&self, config: &SectionConfig) -> Stream {
        let (tx, rx) = mpsc::channel(8);
        let complete = Arc::new(AtomicBool::new(false));
        let inner = self.inner.clone();
        let config = config.clone();
        let done = complete.clone();
        self.runtime.spawn(async move {
            let sink = Sink { tx: tx.clone() };
            let result = match inner.kind {
                Kind::Okta => okta::records(&inner.client, &config, &sink).await,
                Kind::PingOne => {
                    pingone::records(&inner.client, &inner.prefix, &config, &sink).await
                }
                Kind::Scim => scim::records(&inner.client, &config, &sink).await,
                Kind::Rest => rest::records(&inner.client, &config, &sink).await,
            };
            match result {
                Ok(whole) => done.store(whole, Ordering::Release),
                // The reader may be gone already; then nobody needs the error.
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                }
            }
        });
        Stream {
            rx,
            chunk: Vec::new(),
            at: 0,
            complete,
            error: None,
        }
    }
}

/// Where a provider's listing puts its records: each page becomes one chunk of JSON Lines.
pub(crate) struct Sink {
    tx: mpsc::Sender<Result<Vec<u8>, ProviderError>>,
}

impl Sink {
    pub(crate) async fn page(&self, records: &[Value]) -> Result<(), ProviderError> {
        let mut chunk = Vec::with_capacity(records.len() * 512);
        for record in records {
            serde_json::to_writer(&mut chunk, record).expect("a JSON value always serializes");
            chunk.push(b'\n');
        }
        // A reader that stopped early (an error elsewhere) ends the listing too.
        self.tx
            .send(Ok(chunk))
            .await
            .map_err(|_| ProviderError::Stopped)
    }
}

/// A provider's records as JSON Lines, read while they are fetched.
pub struct Stream {
    rx: mpsc::Receiver<Result<Vec<u8>, ProviderError>>,
    chunk: Vec<u8>,
    at: usize,
    complete: Arc<AtomicBool>,
    error: Option<ProviderError>,
}

impl Stream {
    /// After the stream has been read to its end: whether every page was listed (false when
    /// `max_pages` cut the listing short).
    pub fn complete(&self) -> bool {
        self.complete.load(Ordering::Acquire)
    }

    /// The provider error that ended the stream, if one did.
    pub fn take_error(&mut self) -> Option<ProviderError> {
        self.error.take()
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Some(Err(e)) => {
                    let message = e.to_string();
                    self.error = Some(e);
                    return Err(std::io::Error::other(message));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Lists a section's records from `first` and hands each page on, with the related lists
/// added; returns whether the listing went to its end.
pub(crate) async fn pass_on(
    client: &Client,
    first: reqwest::Url,
    records_at: RecordsAt,
    config: &SectionConfig,
    lists: &std::collections::HashMap<String, Lists>,
    sink: &Sink,
) -> Result<bool, ProviderError> {
    let at = config.records.clone().map_or(records_at, RecordsAt::Path);
    let mut pages = Pages::new(client, first, at, Paging::Links, config.max_pages);
    while let Some(mut records) = pages.next().await? {
        if !config.section.is_empty() {
            for record in &mut records {
                add_lists(record, &config.section, lists);
            }
        }
        sink.page(&records).await?;
    }
    Ok(pages.complete())
}

/// Adds a name to a related list unless it is there already.
pub(crate) fn push_unique(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// Adds the related lists to a record, an empty array where the record has none.
pub(crate) fn add_lists(
    record: &mut Value,
    wanted: &[String],
    lists: &std::collections::HashMap<String, Lists>,
) {
    let id = record.get("id").and_then(Value::as_str).unwrap_or_default();
    let found = lists.get(id);
    if let Value::Object(map) = record {
        for name in wanted {
            let names = found.map(|l| l.get(name)).unwrap_or_default();
            map.insert(
                name.clone(),
                Value::Array(names.iter().cloned().map(Value::String).collect()),
            );
        }
    }
}

/// One user's related lists, by list name.
#[derive(Debug, Default, Clone)]
pub struct Lists {
    pub roles: Vec<String>,
    pub groups: Vec<String>,
    pub apps: Vec<String>,
}

impl Lists {
    fn get(&self, name: &str) -> &[String] {
        match name {
            "roles" => &self.roles,
            "groups" => &self.groups,
            "apps" => &self.apps,
            _ => &[],
        }
    }
}
