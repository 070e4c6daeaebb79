//! SCIM 2.0 (RFC 7644) user directories, such as Atlassian's user provisioning or miniOrange:
//! `SOURCE_URL` is the SCIM base (`…/scim/v2`), records are a ListResponse's `Resources`, paged
//! by 1-based `startIndex` and `count` until `totalResults`; `filter` goes to the server.
//!
//! `config:section=groups` needs no extra request: a SCIM User lists its groups, and each
//! record gets the `display` names of its `groups` (the `value` where a group has no display).

use super::pages::{default_query, Pages, Paging, RecordsAt};
use super::{push_unique, ProviderError, Sink};
use crate::http::Client;
use crate::lang::program::{DotPath, SectionConfig};
use serde_json::Value;

const USERS: &str = "/Users";
/// RFC 7644 leaves the default page to the server; 100 is what most servers allow.
const PAGE: u32 = 100;

pub(super) async fn records(
    client: &Client,
    config: &SectionConfig,
    sink: &Sink,
) -> Result<bool, ProviderError> {
    let mut first = client
        .base()
        .join(config.data_source.as_deref().unwrap_or(USERS))?;
    if let Some(filter) = &config.filter {
        default_query(&mut first, "filter", filter);
    }
    let at = RecordsAt::Path(
        config
            .records
            .clone()
            .unwrap_or_else(|| DotPath::parse("Resources", '.')),
    );
    let count = config.page_size.unwrap_or(PAGE);
    let mut pages = Pages::new(client, first, at, Paging::Scim { count }, config.max_pages);
    let groups = config.section.iter().any(|s| s == "groups");
    while let Some(mut records) = pages.next().await? {
        if groups {
            records.iter_mut().for_each(add_groups);
        }
        sink.page(&records).await?;
    }
    Ok(pages.complete())
}

fn add_groups(record: &mut Value) {
    let mut names = Vec::new();
    if let Some(groups) = record.get("groups").and_then(Value::as_array) {
        for g in groups {
            if let Some(name) = g
                .get("display")
                .or_else(|| g.get("value"))
                .and_then(Value::as_str)
            {
                push_unique(&mut names, name);
            }
        }
    }
    if let Value::Object(map) = record {
        map.insert(
            "groups".to_string(),
            Value::Array(names.into_iter().map(Value::String).collect()),
        );
    }
}
