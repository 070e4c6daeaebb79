//! User attributes: Assets stores Atlassian account ids, sources give emails. Each distinct
//! email is looked up once through the site's user search
//! (`GET /rest/api/3/user/search?query=<email>`).

use super::schema::CloudSchema;
use super::CloudError;
use crate::eval::Scalar;
use crate::http::Client;
use crate::plan::model::AttributeType;
use crate::plan::SectionInput;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Replaces the emails in user attributes by account ids. Returns the emails no user has;
/// their values are left out.
pub async fn resolve(
    site: &Client,
    schema: &CloudSchema,
    inputs: &mut [SectionInput<'_>],
    concurrency: usize,
) -> Result<Vec<String>, CloudError> {
    let user_attributes = |input: &SectionInput<'_>| -> Vec<String> {
        let section = input.section;
        let name = section.object_type.as_deref().unwrap_or(&section.name);
        schema
            .by_name(name)
            .map(|t| {
                t.attributes
                    .iter()
                    .filter(|a| !a.system && a.def.kind == AttributeType::User)
                    .map(|a| a.def.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut emails = BTreeSet::new();
    for input in inputs.iter() {
        for attribute in user_attributes(input) {
            for (_, image) in &input.images {
                for v in image
                    .attributes
                    .get(attribute.as_str())
                    .into_iter()
                    .flatten()
                {
                    emails.insert(v.text().into_owned());
                }
            }
        }
    }
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(String, Option<String>)> =
        stream::iter(emails.into_iter().map(|email| async move {
            Ok::<_, CloudError>((email.clone(), account(site, &email).await?))
        }))
        .buffered(concurrency)
        .try_collect()
        .await?;
    let accounts: HashMap<String, Option<String>> = found.into_iter().collect();
    let mut unknown = BTreeSet::new();
    for input in inputs.iter_mut() {
        for attribute in user_attributes(input) {
            for (_, image) in &mut input.images {
                if let Some(values) = image.attributes.get_mut(attribute.as_str()) {
                    values.retain_mut(|v| match accounts.get(v.text().as_ref()) {
                        Some(Some(id)) => {
                            *v = Scalar::Text(id.clone());
                            true
                        }
                        _ => {
                            unknown.insert(v.text().into_owned());
                            false
                        }
                    });
                }
            }
        }
    }
    Ok(unknown.into_iter().collect())
}

/// The account id of the user with this email, if the site has one.
async fn account(site: &Client, email: &str) -> Result<Option<String>, CloudError> {
    let mut url = site.base().join("/rest/api/3/user/search")?;
    url.query_pairs_mut().append_pair("query", email);
    let users = site.get(&url).await?.json()?;
    let users = users.as_array().map(Vec::as_slice).unwrap_or_default();
    let exact = users.iter().find(|u| {
        u.get("emailAddress")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    });
    // Sites that hide emails answer without `emailAddress`: one match is taken as the user.
    let user = exact.or(match users {
        [only] => Some(only),
        _ => None,
    });
    Ok(user
        .and_then(|u| u.get("accountId"))
        .and_then(Value::as_str)
        .map(str::to_string))
}
