//! Generic JSON REST sources: `SOURCE_URL` (or `--provider-url`) with a bearer `SOURCE_TOKEN`
//! or HTTP Basic `SOURCE_USER` + `SOURCE_PASSWORD`; records as the response array or at
//! `config:records`; pages by `Link: rel="next"` or a HAL `_links.next.href`.

use super::pages::RecordsAt;
use super::{base_url, pass_on, Env, ProviderError, Sink};
use crate::http::{Auth, Client, MissingVariable, Settings};
use crate::lang::program::SectionConfig;
use secrecy::SecretString;
use std::collections::HashMap;

/// The client for SCIM and generic REST sources, which share their settings.
pub(super) fn client(
    env: &dyn Env,
    provider_url: Option<&str>,
    settings: Settings,
) -> Result<Client, ProviderError> {
    let base = base_url(env, provider_url, "SOURCE_URL")?;
    let auth = match (
        env.var("SOURCE_TOKEN"),
        env.var("SOURCE_USER"),
        env.var("SOURCE_PASSWORD"),
    ) {
        (Some(token), _, _) => Auth::Bearer(SecretString::from(token)),
        (None, Some(user), Some(password)) => Auth::Basic {
            user,
            password: SecretString::from(password),
        },
        (None, Some(_), None) => return Err(MissingVariable("SOURCE_PASSWORD").into()),
        (None, None, _) => return Err(MissingVariable("SOURCE_TOKEN").into()),
    };
    Ok(Client::new(base, auth, settings)?)
}

pub(super) async fn records(
    client: &Client,
    config: &SectionConfig,
    sink: &Sink,
) -> Result<bool, ProviderError> {
    let first = client
        .base()
        .join(config.data_source.as_deref().unwrap_or_default())?;
    pass_on(
        client,
        first,
        RecordsAt::Root,
        config,
        &HashMap::new(),
        sink,
    )
    .await
}
