//! A SCIM 2.0 service provider (RFC 7643 resources, RFC 7644 protocol) under `/scim/v2`.
//!
//! - `GET /scim/v2/Users` and `GET /scim/v2/Groups`: a `ListResponse` with `totalResults`,
//!   `startIndex`, `itemsPerPage` and `Resources`; `startIndex` is 1-based (below 1 reads as 1),
//!   `count` defaults to [`DEFAULT_COUNT`] and is capped at [`MAX_COUNT`]. `filter` takes `eq`
//!   terms joined by `and` on `userName`, `active`, `externalId`, `emails.value`,
//!   `name.familyName`, `name.givenName`, `groups.value` and `groups.display`; anything else
//!   is a 400 with `scimType: invalidFilter`.
//! - `GET /scim/v2/Users/{id}`.
//! - Users are core `User` resources whose `groups` attribute lists their groups (`value`,
//!   `$ref`, `display`) in the order the groups are listed.
//! - Bearer authentication; errors use the `urn:ietf:params:scim:api:messages:2.0:Error` schema
//!   with `status` as a string, and a 429 carries `Retry-After`.

use super::data::Directory;
use super::faults::Faults;
use super::{parse_filter, Emulator, Literal, Provider, Reply, Req};
use serde_json::{json, Value};
use std::sync::Arc;

pub const DEFAULT_COUNT: usize = 100;
pub const MAX_COUNT: usize = 1000;
pub const BASE: &str = "/scim/v2";
const CONTENT_TYPE: &str = "application/scim+json";
const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM service provider serving `dir` (by uuid) to `Bearer <token>`.
pub fn scim(dir: &Directory, token: &str, faults: Faults) -> Emulator {
    super::start(
        Box::new(Scim {
            dir: Arc::new(dir.clone()),
            token: token.to_string(),
        }),
        faults,
    )
}

struct Scim {
    dir: Arc<Directory>,
    token: String,
}

fn error(status: u16, scim_type: Option<&str>, detail: &str) -> Reply {
    let mut body = json!({ "schemas": [ERROR], "detail": detail, "status": status.to_string() });
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    Reply::typed(status, CONTENT_TYPE, &body)
}

impl Scim {
    fn list(&self, req: &Req, total: usize, resource: impl Fn(usize) -> Value) -> Reply {
        let start = req
            .param("startIndex")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1) as usize;
        let count = req
            .param("count")
            .and_then(|c| c.parse::<i64>().ok())
            .map(|c| c.max(0) as usize)
            .unwrap_or(DEFAULT_COUNT)
            .min(MAX_COUNT);
        let from = (start - 1).min(total);
        let to = (from + count).min(total);
        let resources: Vec<Value> = (from..to).map(resource).collect();
        Reply::typed(
            200,
            CONTENT_TYPE,
            &json!({
                "schemas": [LIST_RESPONSE],
                "totalResults": total,
                "startIndex": start,
                "itemsPerPage": resources.len(),
                "Resources": resources
            }),
        )
    }

    fn users(&self, req: &Req) -> Reply {
        let terms = match req.param("filter").map(parse_filter) {
            None => Vec::new(),
            Some(Ok(terms))
                if terms
                    .iter()
                    .all(|(a, _)| FILTERABLE.iter().any(|f| f.eq_ignore_ascii_case(a))) =>
            {
                terms
            }
            Some(_) => return error(400, Some("invalidFilter"), "The filter is not supported."),
        };
        let matching: Vec<usize> = (0..self.dir.users.len())
            .filter(|&i| terms.iter().all(|(a, lit)| self.user_matches(i, a, lit)))
            .collect();
        self.list(req, matching.len(), |p| {
            user_json(&self.dir, matching[p], &req.origin)
        })
    }

    fn user_matches(&self, i: usize, attribute: &str, literal: &Literal) -> bool {
        let u = &self.dir.users[i];
        // SCIM compares attribute names without case, and `eq` on most strings too
        // (RFC 7643 `caseExact: false`).
        let text = |s: &str| matches!(literal, Literal::Str(v) if v.eq_ignore_ascii_case(s));
        match attribute.to_ascii_lowercase().as_str() {
            "username" => text(&u.login),
            "active" => *literal == Literal::Bool(u.active()),
            "externalid" => text(&u.id),
            "emails.value" => text(&u.email),
            "name.familyname" => text(&u.last_name),
            "name.givenname" => text(&u.first_name),
            "groups.value" => u.groups.iter().any(|&g| text(&self.dir.groups[g].uuid)),
            "groups.display" => u.groups.iter().any(|&g| text(&self.dir.groups[g].name)),
            _ => false,
        }
    }
}

const FILTERABLE: &[&str] = &[
    "userName",
    "active",
    "externalId",
    "emails.value",
    "name.familyName",
    "name.givenName",
    "groups.value",
    "groups.display",
];

impl Provider for Scim {
    fn handle(&self, req: &Req) -> Reply {
        if !super::has_credentials(req.authorization(), "Bearer", &self.token) {
            return error(401, None, "Authentication failed.")
                .header("www-authenticate", "Bearer realm=\"scim\"");
        }
        if req.method != "GET" {
            return error(405, None, "The method is not supported.");
        }
        let segments = req.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            ["scim", "v2", "Users"] => self.users(req),
            ["scim", "v2", "Users", id] => {
                match self.dir.user(id).filter(|&i| self.dir.users[i].uuid == *id) {
                    Some(i) => {
                        Reply::typed(200, CONTENT_TYPE, &user_json(&self.dir, i, &req.origin))
                    }
                    None => error(404, None, &format!("Resource {id} not found")),
                }
            }
            ["scim", "v2", "Groups"] => {
                if req.param("filter").is_some() {
                    return error(400, Some("invalidFilter"), "The filter is not supported.");
                }
                self.list(req, self.dir.groups.len(), |g| {
                    group_json(&self.dir, g, &req.origin)
                })
            }
            _ => error(404, None, &format!("{} not found", req.path)),
        }
    }

    fn too_many_requests(&self, _req: &Req, reset: u64) -> Reply {
        error(429, None, "Too many requests.")
            .header("retry-after", super::faults::retry_after(reset).to_string())
    }

    fn server_error(&self, _req: &Req) -> Reply {
        error(500, None, "Internal server error.")
    }
}

/// User `i` as `GET /scim/v2/Users` lists it on `origin`.
pub fn user_json(dir: &Directory, i: usize, origin: &str) -> Value {
    let u = &dir.users[i];
    let groups: Vec<Value> = u
        .groups
        .iter()
        .map(|&g| {
            let group = &dir.groups[g];
            json!({
                "value": group.uuid,
                "$ref": format!("{origin}{BASE}/Groups/{}", group.uuid),
                "display": group.name
            })
        })
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": u.uuid,
        "externalId": u.id,
        "userName": u.login,
        "name": {
            "formatted": format!("{} {}", u.first_name, u.last_name),
            "familyName": u.last_name,
            "givenName": u.first_name
        },
        "displayName": format!("{} {}", u.first_name, u.last_name),
        "title": u.title,
        "emails": [{ "value": u.email, "type": "work", "primary": true }],
        "active": u.active(),
        "groups": groups,
        "meta": {
            "resourceType": "User",
            "created": u.created,
            "lastModified": u.last_updated,
            "location": format!("{origin}{BASE}/Users/{}", u.uuid),
            "version": format!("W/\"{}\"", &u.id[3..11])
        }
    })
}

/// Group `g` as `GET /scim/v2/Groups` lists it on `origin`.
pub fn group_json(dir: &Directory, g: usize, origin: &str) -> Value {
    let group = &dir.groups[g];
    let members: Vec<Value> = group
        .members
        .iter()
        .map(|&i| {
            let u = &dir.users[i];
            json!({
                "value": u.uuid,
                "$ref": format!("{origin}{BASE}/Users/{}", u.uuid),
                "display": format!("{} {}", u.first_name, u.last_name)
            })
        })
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": group.uuid,
        "displayName": group.name,
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": group.created,
            "lastModified": group.last_updated,
            "location": format!("{origin}{BASE}/Groups/{}", group.uuid)
        }
    })
}
