//! Listing a provider's records page by page: where the records sit in a response, and how the
//! next page is found — a `Link: <…>; rel="next"` header, a HAL `_links.next.href`, or SCIM's
//! 1-based `startIndex`/`count` with `totalResults`.

use super::ProviderError;
use crate::http::{shown, Client, Response};
use crate::lang::program::DotPath;
use reqwest::Url;
use serde_json::Value;

/// Where the array of records is inside a response.
#[derive(Debug, Clone)]
pub enum RecordsAt {
    /// The response is the array.
    Root,
    Path(DotPath),
    /// The one array inside `_embedded` (PingOne: `_embedded.users`, `_embedded.groups`).
    Embedded,
}

#[derive(Debug, Clone, Copy)]
pub enum Paging {
    /// A `Link` header with `rel="next"`, else a HAL `_links.next.href` in the body.
    Links,
    /// SCIM 2.0: `startIndex` from 1, `count` a page.
    Scim { count: u32 },
}

/// The pages of one listing, fetched one after the other.
pub struct Pages<'c> {
    client: &'c Client,
    next: Option<Url>,
    records: RecordsAt,
    paging: Paging,
    max_pages: Option<u32>,
    fetched: u32,
    /// SCIM: the index of the next record to ask for.
    start_index: u64,
}

impl<'c> Pages<'c> {
    pub fn new(
        client: &'c Client,
        mut first: Url,
        records: RecordsAt,
        paging: Paging,
        max_pages: Option<u32>,
    ) -> Pages<'c> {
        if let Paging::Scim { count } = paging {
            set_query(&mut first, "startIndex", "1");
            set_query(&mut first, "count", &count.to_string());
        }
        Pages {
            client,
            next: Some(first),
            records,
            paging,
            max_pages,
            fetched: 0,
            start_index: 1,
        }
    }

    /// The next page's records; `None` after the last page (or after `max_pages`).
    pub async fn next(&mut self) -> Result<Option<Vec<Value>>, ProviderError> {
        if self.max_pages.is_some_and(|max| self.fetched >= max) {
            return Ok(None);
        }
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let response = self.client.get(&url).await?;
        self.fetched += 1;
        let mut body = response.json()?;
        self.next = self.next_url(&response, &body)?;
        let records = take_records(&mut body, &self.records).ok_or_else(|| {
            ProviderError::Records {
                url: shown(&url),
                message: match &self.records {
                    RecordsAt::Root => "the response is not an array of records; set `config:records` to where the records are".to_string(),
                    RecordsAt::Path(p) => format!("the response has no array of records at `{}`", dotted(p)),
                    RecordsAt::Embedded => "the response has no array of records under `_embedded`; set `config:records`".to_string(),
                },
            }
        })?;
        // A page with no records ends the listing even if it links to another.
        if records.is_empty() {
            self.next = None;
        }
        if let (Paging::Scim { .. }, Some(next)) = (self.paging, &mut self.next) {
            self.start_index += records.len() as u64;
            set_query(next, "startIndex", &self.start_index.to_string());
        }
        Ok(Some(records))
    }

    /// Every remaining record.
    pub async fn all(mut self) -> Result<Vec<Value>, ProviderError> {
        let mut all = Vec::new();
        while let Some(mut page) = self.next().await? {
            all.append(&mut page);
        }
        Ok(all)
    }

    /// Whether the listing went to its last page (false when `max_pages` cut it short).
    pub fn complete(&self) -> bool {
        self.next.is_none()
    }

    fn next_url(&self, response: &Response, body: &Value) -> Result<Option<Url>, ProviderError> {
        let link = match self.paging {
            Paging::Links => next_link(response).or_else(|| {
                body.pointer("/_links/next/href")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }),
            Paging::Scim { .. } => {
                let total = body.get("totalResults").and_then(Value::as_u64);
                let returned = body
                    .get("Resources")
                    .and_then(Value::as_array)
                    .map_or(0, |r| r.len() as u64);
                let after = self.start_index + returned;
                return Ok(match total {
                    Some(total) if after <= total && returned > 0 => Some(response.url.clone()),
                    _ => None,
                });
            }
        };
        let Some(link) = link else { return Ok(None) };
        // Relative links are read against the page that gave them.
        let url = response
            .url
            .join(&link)
            .map_err(|e| ProviderError::Records {
                url: shown(&response.url),
                message: format!("its next-page link `{link}` is not a URL ({e})"),
            })?;
        self.client.check(&url)?;
        // A page that links to itself would be listed forever.
        if url == response.url {
            return Err(ProviderError::Records {
                url: shown(&url),
                message: "its next-page link points back at the same page".to_string(),
            });
        }
        Ok(Some(url))
    }
}

/// The `rel="next"` target of a `Link` header, as written.
fn next_link(response: &Response) -> Option<String> {
    response
        .headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| parse_link_header::parse_with_rel(v).ok())
        .find_map(|mut links| links.remove("next"))
        .map(|link| link.raw_uri)
}

fn take_records(body: &mut Value, at: &RecordsAt) -> Option<Vec<Value>> {
    // A PingOne page past the last record may come without `_embedded`: an empty page.
    if matches!(at, RecordsAt::Embedded) && body.get("_embedded").is_none() {
        return Some(Vec::new());
    }
    let found = match at {
        RecordsAt::Root => Some(body),
        RecordsAt::Path(path) => path.0.iter().try_fold(body, |v, s| match v {
            Value::Object(m) => m.get_mut(&*s.name),
            Value::Array(a) => s.index.and_then(|i| a.get_mut(i)),
            _ => None,
        }),
        RecordsAt::Embedded => body
            .get_mut("_embedded")
            .and_then(Value::as_object_mut)
            .and_then(|m| m.values_mut().find(|v| v.is_array())),
    };
    match found {
        Some(Value::Array(records)) => Some(std::mem::take(records)),
        _ => None,
    }
}

fn dotted(path: &DotPath) -> String {
    path.0
        .iter()
        .map(|s| &*s.name)
        .collect::<Vec<_>>()
        .join(".")
}

/// Sets a query parameter, replacing any value it had.
pub fn set_query(url: &mut Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear();
    for (k, v) in &kept {
        pairs.append_pair(k, v);
    }
    pairs.append_pair(name, value);
}

/// Sets a query parameter unless the URL (from `data_source`) already sets it.
pub fn default_query(url: &mut Url, name: &str, value: &str) {
    if !url.query_pairs().any(|(k, _)| k == name) {
        url.query_pairs_mut().append_pair(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_query_replaces_and_keeps_the_others() {
        let mut url = Url::parse("https://x/Users?filter=a%20eq%201&startIndex=1&count=5").unwrap();
        set_query(&mut url, "startIndex", "6");
        assert_eq!(
            url.as_str(),
            "https://x/Users?filter=a+eq+1&count=5&startIndex=6"
        );
        default_query(&mut url, "count", "100");
        assert!(url.as_str().ends_with("count=5&startIndex=6"));
    }

    #[test]
    fn records_are_found_where_the_provider_puts_them() {
        let mut body = serde_json::json!({"_embedded": {"users": [1, 2]}, "_links": {}});
        assert_eq!(
            take_records(&mut body, &RecordsAt::Embedded).unwrap().len(),
            2
        );
        let mut body = serde_json::json!({"Resources": [1], "totalResults": 1});
        let at = RecordsAt::Path(DotPath::parse("Resources", '.'));
        assert_eq!(take_records(&mut body, &at).unwrap().len(), 1);
        let mut body = serde_json::json!({"count": 0, "size": 0});
        assert_eq!(
            take_records(&mut body, &RecordsAt::Embedded).unwrap().len(),
            0
        );
        let mut body = serde_json::json!({"x": 1});
        assert!(take_records(&mut body, &RecordsAt::Root).is_none());
    }
}
