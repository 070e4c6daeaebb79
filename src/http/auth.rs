//! Credentials and how they go on a request. Secrets are held as [`SecretString`], so they never
//! show in `Debug` output, and are only put on requests the client has checked are for its own
//! origin.

use super::url::{shown, BaseUrl};
use super::HttpError;
use reqwest::{RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

pub enum Auth {
    /// Okta's API tokens: `Authorization: SSWS <token>`.
    Ssws(SecretString),
    Bearer(SecretString),
    Basic {
        user: String,
        password: SecretString,
    },
    /// An OAuth 2 client-credentials token, fetched and renewed as needed.
    ClientCredentials(TokenSource),
}

/// What a request was sent with, so that a 401 renews only the token it was refused with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TokenGeneration(u64);

impl Auth {
    /// Adds the credential to `request`, fetching an access token first where one is needed.
    pub(super) async fn add(
        &self,
        request: RequestBuilder,
        http: &reqwest::Client,
    ) -> Result<(RequestBuilder, Option<TokenGeneration>), HttpError> {
        Ok(match self {
            Auth::Ssws(token) => (
                request.header(
                    reqwest::header::AUTHORIZATION,
                    sensitive(&format!("SSWS {}", token.expose_secret()))?,
                ),
                None,
            ),
            Auth::Bearer(token) => (request.bearer_auth(token.expose_secret()), None),
            Auth::Basic { user, password } => (
                request.basic_auth(user, Some(password.expose_secret())),
                None,
            ),
            Auth::ClientCredentials(source) => {
                let (token, generation) = source.token(http).await?;
                (request.bearer_auth(token.expose_secret()), Some(generation))
            }
        })
    }

    /// After a 401: drops the access token the request was sent with, so the next attempt
    /// fetches a new one. Returns whether a renewal can help.
    pub(super) async fn refused(&self, generation: Option<TokenGeneration>) -> bool {
        match (self, generation) {
            (Auth::ClientCredentials(source), Some(generation)) => {
                source.forget(generation).await;
                true
            }
            _ => false,
        }
    }
}

/// Marks a header value as sensitive, so that HTTP libraries do not log it.
fn sensitive(value: &str) -> Result<reqwest::header::HeaderValue, HttpError> {
    let mut v = reqwest::header::HeaderValue::from_str(value).map_err(|_| HttpError::Config {
        message: "the API token holds characters that cannot go in an HTTP header".to_string(),
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// The token endpoint of an OAuth 2 client-credentials grant, with the client's id and
/// secret sent by HTTP Basic (`client_secret_basic`).
pub struct TokenSource {
    endpoint: BaseUrl,
    client_id: String,
    client_secret: SecretString,
    current: Mutex<Current>,
}

#[derive(Default)]
struct Current {
    token: Option<(SecretString, Instant)>,
    generation: u64,
}

/// Tokens are renewed this long before they expire, so none runs out in flight.
const EARLY: Duration = Duration::from_secs(30);

impl TokenSource {
    pub fn new(endpoint: BaseUrl, client_id: String, client_secret: SecretString) -> TokenSource {
        TokenSource {
            endpoint,
            client_id,
            client_secret,
            current: Mutex::new(Current::default()),
        }
    }

    async fn token(
        &self,
        http: &reqwest::Client,
    ) -> Result<(SecretString, TokenGeneration), HttpError> {
        let mut current = self.current.lock().await;
        if let Some((token, expires)) = &current.token {
            if Instant::now() < *expires {
                return Ok((token.clone(), TokenGeneration(current.generation)));
            }
        }
        let (token, lifetime) = self.fetch(http).await?;
        current.generation += 1;
        let expires = Instant::now() + lifetime.saturating_sub(EARLY).max(Duration::from_secs(1));
        current.token = Some((token.clone(), expires));
        Ok((token, TokenGeneration(current.generation)))
    }

    async fn forget(&self, generation: TokenGeneration) {
        let mut current = self.current.lock().await;
        if current.generation == generation.0 {
            current.token = None;
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<(SecretString, Duration), HttpError> {
        let url = self.endpoint.url().clone();
        tracing::debug!(url = %shown(&url), "requesting an access token");
        let response = http
            .post(url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| HttpError::transport(&url, e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| HttpError::transport(&url, e))?;
        if status != StatusCode::OK {
            return Err(HttpError::status(&url, status, &body));
        }
        #[derive(serde::Deserialize)]
        struct Granted {
            access_token: SecretString,
            expires_in: Option<u64>,
        }
        let granted: Granted = serde_json::from_slice(&body).map_err(|e| HttpError::Body {
            url: shown(&url),
            message: format!("the token response has no access token ({e})"),
        })?;
        Ok((
            granted.access_token,
            Duration::from_secs(granted.expires_in.unwrap_or(3600)),
        ))
    }
}
