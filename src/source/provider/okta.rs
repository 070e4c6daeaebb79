//! Okta: `Authorization: SSWS <OKTA_API_TOKEN>` (or a bearer `OKTA_ACCESS_TOKEN`), records as a
//! JSON array, pages by `Link: rel="next"` with `limit`.
//!
//! The related lists are joined in memory instead of asked per user (which would be three
//! requests a user): the groups are listed once and each group's members once; the apps once
//! and each app's assigned users once; the users with role assignments once
//! (`/api/v1/iam/assignees/users`) and the roles of each of those. Each list carries names:
//! group `profile.name`, app `label`, role `label`, in the order Okta lists the groups and apps.

use super::pages::{default_query, Pages, Paging, RecordsAt};
use super::{base_url, pass_on, push_unique, Env, Lists, ProviderError, Sink, AT_ONCE};
use crate::http::{Auth, Client, MissingVariable, Settings};
use crate::lang::program::{DotPath, SectionConfig};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::Url;
use secrecy::SecretString;
use serde_json::Value;
use std::collections::HashMap;

const USERS: &str = "/api/v1/users";
/// Okta's largest pages for the listings behind the related lists.
const GROUPS_PAGE: &str = "200";
const MEMBERS_PAGE: &str = "1000";
const APPS_PAGE: &str = "200";
const APP_USERS_PAGE: &str = "500";
const ASSIGNEES_PAGE: &str = "100";

pub(super) fn client(
    env: &dyn Env,
    provider_url: Option<&str>,
    settings: Settings,
) -> Result<Client, ProviderError> {
    let base = base_url(env, provider_url, "OKTA_ORG_URL")?;
    let auth = match (env.var("OKTA_API_TOKEN"), env.var("OKTA_ACCESS_TOKEN")) {
        (Some(token), _) => Auth::Ssws(SecretString::from(token)),
        (None, Some(token)) => Auth::Bearer(SecretString::from(token)),
        (None, None) => return Err(MissingVariable("OKTA_API_TOKEN").into()),
    };
    Ok(Client::new(base, auth, settings)?)
}

pub(super) async fn records(
    client: &Client,
    config: &SectionConfig,
    sink: &Sink,
) -> Result<bool, ProviderError> {
    let lists = if config.section.is_empty() {
        HashMap::new()
    } else {
        lists(client, &config.section).await?
    };
    let mut first = client
        .base()
        .join(config.data_source.as_deref().unwrap_or(USERS))?;
    let page_size = config.page_size.unwrap_or(200).to_string();
    default_query(&mut first, "limit", &page_size);
    if let Some(search) = &config.search {
        default_query(&mut first, "search", search);
    }
    pass_on(client, first, RecordsAt::Root, config, &lists, sink).await
}

fn url(client: &Client, segments: &[&str], limit: &str) -> Result<Url, ProviderError> {
    let mut url = client.base().join("/api/v1")?;
    url.path_segments_mut()
        .map_err(|_| ProviderError::Unsupported("the Okta URL cannot hold a path".to_string()))?
        .pop_if_empty()
        .extend(segments);
    url.query_pairs_mut().append_pair("limit", limit);
    Ok(url)
}

async fn all(client: &Client, url: Url, at: RecordsAt) -> Result<Vec<Value>, ProviderError> {
    Pages::new(client, url, at, Paging::Links, None).all().await
}

fn text<'v>(record: &'v Value, pointer: &str) -> Option<&'v str> {
    record.pointer(pointer).and_then(Value::as_str)
}

/// Lists the `collection` (groups or apps), then the users of each, `AT_ONCE` at a time, and
/// adds each one's name to its users' lists, in the collection's order.
async fn join(
    client: &Client,
    collection: &str,
    page: &str,
    name_at: &str,
    members_page: &str,
    lists: &mut HashMap<String, Lists>,
    list: fn(&mut Lists) -> &mut Vec<String>,
) -> Result<(), ProviderError> {
    let containers = all(client, url(client, &[collection], page)?, RecordsAt::Root).await?;
    let named: Vec<(&str, &str)> = containers
        .iter()
        .filter_map(|c| Some((text(c, "/id")?, text(c, name_at)?)))
        .collect();
    // The futures are made first: a closure inside the stream's type would not be `Send`
    // for every lifetime, which the runtime needs.
    let listings = named
        .iter()
        .map(|(id, _)| url(client, &[collection, id, "users"], members_page))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|url| all(client, url, RecordsAt::Root))
        .collect::<Vec<_>>();
    let memberships: Vec<Vec<Value>> = stream::iter(listings)
        .buffered(AT_ONCE)
        .try_collect()
        .await?;
    for ((_, name), users) in named.iter().zip(memberships) {
        for user in users {
            if let Some(id) = text(&user, "/id") {
                push_unique(list(lists.entry(id.to_string()).or_default()), name);
            }
        }
    }
    Ok(())
}

async fn roles_of(client: &Client, url: Url) -> Result<Vec<Value>, ProviderError> {
    match client.get(&url).await?.json()? {
        Value::Array(roles) => Ok(roles),
        _ => Err(ProviderError::Records {
            url: crate::http::shown(&url),
            message: "the roles are not an array".to_string(),
        }),
    }
}

/// Every user's related lists, by user id.
async fn lists(
    client: &Client,
    wanted: &[String],
) -> Result<HashMap<String, Lists>, ProviderError> {
    let mut lists: HashMap<String, Lists> = HashMap::new();
    let wants = |name: &str| wanted.iter().any(|w| w == name);
    if wants("groups") {
        join(
            client,
            "groups",
            GROUPS_PAGE,
            "/profile/name",
            MEMBERS_PAGE,
            &mut lists,
            |l| &mut l.groups,
        )
        .await?;
    }
    if wants("apps") {
        join(
            client,
            "apps",
            APPS_PAGE,
            "/label",
            APP_USERS_PAGE,
            &mut lists,
            |l| &mut l.apps,
        )
        .await?;
    }
    if wants("roles") {
        let assignees = url(client, &["iam", "assignees", "users"], ASSIGNEES_PAGE)?;
        let admins = all(
            client,
            assignees,
            RecordsAt::Path(DotPath::parse("value", '.')),
        )
        .await?;
        let ids: Vec<&str> = admins.iter().filter_map(|a| text(a, "/id")).collect();
        let requests = ids
            .iter()
            .map(|id| {
                let mut url = url(client, &["users", id, "roles"], "")?;
                // A user's roles come in one response, without paging.
                url.set_query(None);
                Ok(url)
            })
            .collect::<Result<Vec<_>, ProviderError>>()?
            .into_iter()
            .map(|url| roles_of(client, url))
            .collect::<Vec<_>>();
        let roles: Vec<Vec<Value>> = stream::iter(requests)
            .buffered(AT_ONCE)
            .try_collect()
            .await?;
        for (id, roles) in ids.iter().zip(roles) {
            let list = &mut lists.entry(id.to_string()).or_default().roles;
            for role in &roles {
                if let Some(label) = text(role, "/label") {
                    push_unique(list, label);
                }
            }
        }
    }
    Ok(lists)
}
