//! PingOne: an access token from the client-credentials grant at
//! `<auth root>/<environment>/as/token` (renewed before it expires, and once on a 401), the API at
//! `<api root>/v1/environments/<environment>/…`, records under `_embedded.<resource>`, pages by
//! `_links.next.href`, `filter` and `limit` as query parameters.
//!
//! `config:section=groups` lists the groups once and each group's members once
//! (`/users?filter=memberOfGroups[id eq "…"]`), and gives each user its groups' `name`s in the
//! order PingOne lists the groups.

use super::pages::{default_query, Pages, Paging, RecordsAt};
use super::{pass_on, push_unique, required, Env, Lists, ProviderError, Sink, AT_ONCE};
use crate::http::{Auth, BaseUrl, Client, MissingVariable, Settings, TokenSource};
use crate::lang::program::SectionConfig;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use secrecy::SecretString;
use serde_json::Value;
use std::collections::HashMap;

const USERS: &str = "/users";
const GROUPS_PAGE: &str = "1000";

/// The client for the API and the path of the environment under its root.
pub(super) fn client(
    env: &dyn Env,
    provider_url: Option<&str>,
    settings: Settings,
) -> Result<(Client, String), ProviderError> {
    let environment = required(env, "PINGONE_ENVIRONMENT_ID")?;
    if !environment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(crate::http::HttpError::Config {
            message: "PINGONE_ENVIRONMENT_ID: not an environment id (letters, digits and `-`)"
                .to_string(),
        }
        .into());
    }
    let region = env.var("PINGONE_REGION");
    let root = |variable: &'static str, host: &str| -> Result<BaseUrl, ProviderError> {
        match (env.var(variable), &region) {
            (Some(url), _) => Ok(BaseUrl::parse(&url, variable)?),
            (None, Some(region))
                if region
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.') =>
            {
                Ok(BaseUrl::parse(
                    &format!("https://{host}.pingone.{region}"),
                    "PINGONE_REGION",
                )?)
            }
            (None, Some(_)) => Err(crate::http::HttpError::Config {
                message: "PINGONE_REGION: not a region such as `com`, `eu`, `ca` or `asia`"
                    .to_string(),
            }
            .into()),
            (None, None) => Err(MissingVariable("PINGONE_REGION").into()),
        }
    };
    let api = match provider_url {
        Some(url) => BaseUrl::parse(url, "--provider-url")?,
        None => root("PINGONE_API_URL", "api")?,
    };
    let auth = root("PINGONE_AUTH_URL", "auth")?;
    let client_id = required(env, "PINGONE_CLIENT_ID")?;
    let secret = SecretString::from(required(env, "PINGONE_CLIENT_SECRET")?);
    let token_url = auth.join(&format!("/{environment}/as/token"))?;
    let endpoint = BaseUrl::parse(token_url.as_str(), "PINGONE_AUTH_URL")?;
    let source = TokenSource::new(endpoint, client_id, secret);
    let client = Client::new(api, Auth::ClientCredentials(source), settings)?;
    Ok((client, format!("/v1/environments/{environment}")))
}

pub(super) async fn records(
    client: &Client,
    prefix: &str,
    config: &SectionConfig,
    sink: &Sink,
) -> Result<bool, ProviderError> {
    let lists = if config.section.is_empty() {
        HashMap::new()
    } else {
        groups(client, prefix).await?
    };
    let data_source = config.data_source.as_deref().unwrap_or(USERS);
    let mut first = if data_source.starts_with("http") {
        client.base().join(data_source)?
    } else {
        client.base().join(&format!("{prefix}{data_source}"))?
    };
    if let Some(size) = config.page_size {
        default_query(&mut first, "limit", &size.to_string());
    }
    if let Some(filter) = &config.filter {
        default_query(&mut first, "filter", filter);
    }
    pass_on(client, first, RecordsAt::Embedded, config, &lists, sink).await
}

fn text<'v>(record: &'v Value, key: &str) -> Option<&'v str> {
    record.get(key).and_then(Value::as_str)
}

/// Every user's group names, by user id.
async fn groups(client: &Client, prefix: &str) -> Result<HashMap<String, Lists>, ProviderError> {
    let mut url = client.base().join(&format!("{prefix}/groups"))?;
    url.query_pairs_mut().append_pair("limit", GROUPS_PAGE);
    let groups = Pages::new(client, url, RecordsAt::Embedded, Paging::Links, None)
        .all()
        .await?;
    let named: Vec<(&str, &str)> = groups
        .iter()
        .filter_map(|g| Some((text(g, "id")?, text(g, "name")?)))
        .collect();
    // The futures are made first: a closure inside the stream's type would not be `Send`
    // for every lifetime, which the runtime needs.
    let mut listings = Vec::with_capacity(named.len());
    for (id, _) in &named {
        let mut url = client.base().join(&format!("{prefix}/users"))?;
        url.query_pairs_mut()
            .append_pair("filter", &format!("memberOfGroups[id eq \"{id}\"]"))
            .append_pair("limit", GROUPS_PAGE);
        listings.push(Pages::new(client, url, RecordsAt::Embedded, Paging::Links, None).all());
    }
    let members: Vec<Vec<Value>> = stream::iter(listings)
        .buffered(AT_ONCE)
        .try_collect()
        .await?;
    let mut lists: HashMap<String, Lists> = HashMap::new();
    for ((_, name), users) in named.iter().zip(members) {
        for user in &users {
            if let Some(id) = text(user, "id") {
                push_unique(&mut lists.entry(id.to_string()).or_default().groups, name);
            }
        }
    }
    Ok(lists)
}
