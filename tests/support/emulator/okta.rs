//! Okta's Management API, the read-only part a directory import uses.
//!
//! - `GET /api/v1/users` (`search` and `filter`: `<attr> eq "<value>"` joined by `and`, on
//!   `status`, `id` and the profile's string attributes; anything else is a 400 E0000031),
//!   `GET /api/v1/users/{id}`, `…/{id}/roles` (an array, not paged), `…/{id}/groups` and
//!   `…/{id}/appLinks` (arrays: the per-user way of finding the lists, which a good client
//!   avoids),
//! - `GET /api/v1/groups`, `GET /api/v1/groups/{id}/users`,
//! - `GET /api/v1/apps`, `GET /api/v1/apps/{id}/users` (app users; `expand=user` embeds the user),
//! - `GET /api/v1/iam/assignees/users` (the users holding admin roles; paged by
//!   `_links.next.href` in the body),
//! - `GET /api/v1/devices` (`expand=user` or `expand=userSummary` embeds the owners).
//!
//! Lists are paged with `limit` ([`DEFAULT_LIMIT`]; at most [`USERS_MAX_LIMIT`] for users and
//! devices, [`MAX_LIMIT`] elsewhere) and an opaque `after` cursor. Each page has a `Link` header
//! with `rel="self"` and, when there is more, a second one with `rel="next"`: absolute URLs that
//! keep the other query parameters. Every response carries the `X-Rate-Limit-*` headers.
//! Authorization is `SSWS <token>` or `Bearer <token>`.

use super::data::{Directory, Role};
use super::faults::Faults;
use super::{parse_filter, Emulator, Literal, Provider, Reply, Req};
use serde_json::{json, Value};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub const DEFAULT_LIMIT: usize = 200;
/// Okta caps pages of users (and devices) at 200.
pub const USERS_MAX_LIMIT: usize = 200;
pub const MAX_LIMIT: usize = 1000;
pub const ORG_ID: &str = "00o1abcdEFGHijkl2345";
const USER_TYPE: &str = "oty2di92xFgQTiKEJ1d6";

/// The page size the emulator uses for a request to `endpoint` (as [`super::endpoint`] writes
/// it) that asked for `limit`.
pub fn effective_limit(endpoint: &str, limit: Option<&str>) -> usize {
    let max = match endpoint {
        "/api/v1/users" | "/api/v1/devices" => USERS_MAX_LIMIT,
        _ => MAX_LIMIT,
    };
    limit
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|&l| l > 0)
        .unwrap_or(DEFAULT_LIMIT)
        .min(max)
}

/// An Okta org serving `dir`, accepting `token` as `SSWS` or `Bearer`.
pub fn okta(dir: &Directory, token: &str, faults: Faults) -> Emulator {
    let provider = Okta {
        dir: Arc::new(dir.clone()),
        token: token.to_string(),
        next_origin: faults.next_origin.clone(),
        errors: AtomicUsize::new(0),
    };
    super::start(Box::new(provider), faults)
}

struct Okta {
    dir: Arc<Directory>,
    token: String,
    next_origin: Option<String>,
    errors: AtomicUsize,
}

/// Okta's error object.
pub fn error(code: &str, summary: &str, error_id: usize) -> Value {
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": format!("oae{error_id:017}"),
        "errorCauses": []
    })
}

impl Okta {
    fn error(&self, status: u16, code: &str, summary: &str) -> Reply {
        let n = self.errors.fetch_add(1, Ordering::Relaxed);
        Reply::json(status, &error(code, summary, n))
    }

    fn not_found(&self, what: &str, id: &str) -> Reply {
        self.error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {id} ({what})"),
        )
    }

    /// The positions of one page out of `total`, whose cursors are `cursor(position)`, and the
    /// `Link` headers for it; or the 400 for a cursor that is not one of them.
    fn page<'a>(
        &self,
        req: &Req,
        total: usize,
        max: usize,
        cursor: impl Fn(usize) -> &'a str,
    ) -> Result<(Range<usize>, Option<String>), Reply> {
        let limit = req.page_size("limit", DEFAULT_LIMIT, max);
        let start = match req.param("after") {
            None => 0,
            Some(after) => match (0..total).find(|&p| cursor(p) == after) {
                Some(p) => p + 1,
                None => {
                    return Err(self.error(
                        400,
                        "E0000001",
                        "Api validation failed: after is not a valid cursor",
                    ))
                }
            },
        };
        let end = (start + limit).min(total);
        let next = (end < total).then(|| {
            let origin = self.next_origin.as_deref().unwrap_or(&req.origin);
            req.url_with(origin, "after", cursor(end - 1))
        });
        Ok((start..end, next))
    }

    /// `body` with Okta's `Link` headers: one for `self`, one for `next` when there is more.
    fn linked(req: &Req, body: Value, next: Option<String>) -> Reply {
        let mut reply =
            Reply::json(200, &body).header("link", format!("<{}>; rel=\"self\"", req.self_url()));
        if let Some(next) = next {
            reply = reply.header("link", format!("<{next}>; rel=\"next\""));
        }
        reply
    }

    fn users(&self, req: &Req) -> Reply {
        let mut terms = Vec::new();
        for name in ["search", "filter"] {
            if let Some(expr) = req.param(name) {
                let supported = parse_filter(expr).ok().filter(|t| {
                    t.iter().all(|(attr, lit)| {
                        SEARCHABLE.contains(&attr.as_str()) && matches!(lit, Literal::Str(_))
                    })
                });
                match supported {
                    Some(t) => terms.extend(t),
                    None => return self.error(400, "E0000031", "Invalid search criteria."),
                }
            }
        }
        let matching: Vec<usize> = (0..self.dir.users.len())
            .filter(|&i| {
                terms.iter().all(|(attr, lit)| {
                    matches!(lit, Literal::Str(v) if user_attribute(&self.dir, i, attr).as_deref() == Some(v.as_str()))
                })
            })
            .collect();
        match self.page(req, matching.len(), USERS_MAX_LIMIT, |p| {
            self.dir.users[matching[p]].id.as_str()
        }) {
            Ok((range, next)) => {
                let body = Value::Array(
                    matching[range]
                        .iter()
                        .map(|&i| user_json(&self.dir, i, &req.origin))
                        .collect(),
                );
                Self::linked(req, body, next)
            }
            Err(reply) => reply,
        }
    }

    fn groups(&self, req: &Req) -> Reply {
        let q = req.param("q").unwrap_or("");
        let matching: Vec<usize> = (0..self.dir.groups.len())
            .filter(|&g| self.dir.groups[g].name.starts_with(q))
            .collect();
        match self.page(req, matching.len(), MAX_LIMIT, |p| {
            self.dir.groups[matching[p]].id.as_str()
        }) {
            Ok((range, next)) => {
                let body = Value::Array(
                    matching[range]
                        .iter()
                        .map(|&g| group_json(&self.dir, g, &req.origin))
                        .collect(),
                );
                Self::linked(req, body, next)
            }
            Err(reply) => reply,
        }
    }

    fn members(&self, req: &Req, group_id: &str) -> Reply {
        let Some(g) = self.dir.groups.iter().position(|g| g.id == group_id) else {
            return self.not_found("UserGroup", group_id);
        };
        let members = &self.dir.groups[g].members;
        match self.page(req, members.len(), MAX_LIMIT, |p| {
            self.dir.users[members[p]].id.as_str()
        }) {
            Ok((range, next)) => {
                let body = Value::Array(
                    members[range]
                        .iter()
                        .map(|&i| user_json(&self.dir, i, &req.origin))
                        .collect(),
                );
                Self::linked(req, body, next)
            }
            Err(reply) => reply,
        }
    }

    fn apps(&self, req: &Req) -> Reply {
        match self.page(req, self.dir.apps.len(), MAX_LIMIT, |p| {
            self.dir.apps[p].id.as_str()
        }) {
            Ok((range, next)) => {
                let body =
                    Value::Array(range.map(|a| app_json(&self.dir, a, &req.origin)).collect());
                Self::linked(req, body, next)
            }
            Err(reply) => reply,
        }
    }

    fn app_users(&self, req: &Req, app_id: &str) -> Reply {
        let Some(a) = self.dir.app(app_id) else {
            return self.not_found("AppInstance", app_id);
        };
        let users = &self.dir.apps[a].users;
        let expand = req.param("expand") == Some("user");
        match self.page(req, users.len(), MAX_LIMIT, |p| {
            self.dir.users[users[p]].id.as_str()
        }) {
            Ok((range, next)) => {
                let body = Value::Array(
                    users[range]
                        .iter()
                        .map(|&i| {
                            let mut v = app_user_json(&self.dir, a, i, &req.origin);
                            if expand {
                                v["_embedded"] =
                                    json!({ "user": user_json(&self.dir, i, &req.origin) });
                            }
                            v
                        })
                        .collect(),
                );
                Self::linked(req, body, next)
            }
            Err(reply) => reply,
        }
    }

    fn assignees(&self, req: &Req) -> Reply {
        let admins = self.dir.admins();
        match self.page(req, admins.len(), MAX_LIMIT, |p| {
            self.dir.users[admins[p]].id.as_str()
        }) {
            Ok((range, next)) => {
                let value: Vec<Value> = admins[range]
                    .iter()
                    .map(|&i| {
                        let id = &self.dir.users[i].id;
                        json!({
                            "id": id,
                            "orn": format!("orn:okta:directory:{ORG_ID}:users:{id}"),
                            "_links": {"self": {"href": format!("{}/api/v1/users/{id}", req.origin)}}
                        })
                    })
                    .collect();
                let links = match next {
                    Some(href) => json!({ "next": { "href": href } }),
                    None => json!({}),
                };
                Reply::json(200, &json!({ "value": value, "_links": links }))
            }
            Err(reply) => reply,
        }
    }

    fn roles(&self, req: &Req, i: usize) -> Reply {
        let user = &self.dir.users[i];
        let roles: Vec<Value> = user
            .roles
            .iter()
            .map(|r| role_json(&self.dir, i, r, &req.origin))
            .collect();
        Reply::json(200, &Value::Array(roles))
    }

    fn user_groups(&self, req: &Req, i: usize) -> Reply {
        let groups: Vec<Value> = self.dir.users[i]
            .groups
            .iter()
            .map(|&g| group_json(&self.dir, g, &req.origin))
            .collect();
        Reply::json(200, &Value::Array(groups))
    }

    fn app_links(&self, req: &Req, i: usize) -> Reply {
        let user = &self.dir.users[i];
        let links: Vec<Value> = user
            .apps
            .iter()
            .enumerate()
            .map(|(k, &(a, _))| {
                let app = &self.dir.apps[a];
                json!({
                    "id": format!("00ub{}", &app.id[4..]),
                    "label": app.label,
                    "linkUrl": format!("{}/home/{}/{}/{}", req.origin, app.name, app.id, 40 + k),
                    "logoUrl": format!("{}/img/logos/{}.png", req.origin, app.name),
                    "appName": app.name,
                    "appInstanceId": app.id,
                    "appAssignmentId": format!("0ua{}", &user.id[3..]),
                    "credentialsSetup": false,
                    "hidden": false,
                    "sortOrder": k
                })
            })
            .collect();
        Reply::json(200, &Value::Array(links))
    }

    fn devices(&self, req: &Req) -> Reply {
        let expand = req.param("expand").unwrap_or("").to_string();
        match self.page(req, self.dir.devices.len(), USERS_MAX_LIMIT, |p| {
            self.dir.devices[p].id.as_str()
        }) {
            Ok((range, next)) => {
                let body = Value::Array(
                    range
                        .map(|d| device_json(&self.dir, d, &req.origin, &expand))
                        .collect(),
                );
                Self::linked(req, body, next)
            }
            Err(reply) => reply,
        }
    }
}

impl Provider for Okta {
    fn handle(&self, req: &Req) -> Reply {
        let auth = req.authorization();
        if !(super::has_credentials(auth, "SSWS", &self.token)
            || super::has_credentials(auth, "Bearer", &self.token))
        {
            return self.error(401, "E0000011", "Invalid token provided");
        }
        if req.method != "GET" {
            return self.error(
                405,
                "E0000022",
                "The endpoint does not support the provided HTTP method",
            );
        }
        let segments = req.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let user = |id: &str| self.dir.user(id).filter(|&i| self.dir.users[i].id == id);
        match segments.as_slice() {
            ["api", "v1", "users"] => self.users(req),
            ["api", "v1", "users", id, rest @ ..] => match (user(id), rest) {
                (None, _) => self.not_found("User", id),
                (Some(i), []) => Reply::json(200, &user_json(&self.dir, i, &req.origin)),
                (Some(i), ["roles"]) => self.roles(req, i),
                (Some(i), ["groups"]) => self.user_groups(req, i),
                (Some(i), ["appLinks"]) => self.app_links(req, i),
                _ => self.not_found("Resource", &req.path),
            },
            ["api", "v1", "groups"] => self.groups(req),
            ["api", "v1", "groups", id, "users"] => self.members(req, id),
            ["api", "v1", "apps"] => self.apps(req),
            ["api", "v1", "apps", id, "users"] => self.app_users(req, id),
            ["api", "v1", "iam", "assignees", "users"] => self.assignees(req),
            ["api", "v1", "devices"] => self.devices(req),
            _ => self.not_found("Resource", &req.path),
        }
    }

    fn too_many_requests(&self, _req: &Req, _reset: u64) -> Reply {
        self.error(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    fn server_error(&self, _req: &Req) -> Reply {
        self.error(500, "E0000009", "Internal Server Error")
    }

    fn always_rate_headers(&self) -> bool {
        true
    }
}

/// The attributes `search` and `filter` may name.
const SEARCHABLE: &[&str] = &[
    "id",
    "status",
    "profile.firstName",
    "profile.lastName",
    "profile.login",
    "profile.email",
    "profile.department",
    "profile.title",
    "profile.city",
    "profile.countryCode",
    "profile.employeeNumber",
];

/// The value of `attribute` (one of [`SEARCHABLE`]) for user `i`.
fn user_attribute(dir: &Directory, i: usize, attribute: &str) -> Option<String> {
    let u = dir.users.get(i)?;
    Some(match attribute {
        "id" => u.id.clone(),
        "status" => u.status.to_string(),
        "profile.firstName" => u.first_name.clone(),
        "profile.lastName" => u.last_name.clone(),
        "profile.login" => u.login.clone(),
        "profile.email" => u.email.clone(),
        "profile.department" => u.department.to_string(),
        "profile.title" => u.title.to_string(),
        "profile.city" => u.city.to_string(),
        "profile.countryCode" => u.country_code.to_string(),
        "profile.employeeNumber" => u.employee_number.clone(),
        _ => return None,
    })
}

/// User `i` as `GET /api/v1/users` returns it on `origin`.
pub fn user_json(dir: &Directory, i: usize, origin: &str) -> Value {
    let u = &dir.users[i];
    let staged = u.status == "STAGED";
    json!({
        "id": u.id,
        "status": u.status,
        "created": u.created,
        "activated": if staged { Value::Null } else { json!(u.created) },
        "statusChanged": if staged { Value::Null } else { json!(u.last_updated) },
        "lastLogin": u.last_login,
        "lastUpdated": u.last_updated,
        "passwordChanged": if staged { Value::Null } else { json!(u.created) },
        "type": { "id": USER_TYPE },
        "profile": {
            "firstName": u.first_name,
            "lastName": u.last_name,
            "mobilePhone": null,
            "secondEmail": null,
            "login": u.login,
            "email": u.email,
            "department": u.department,
            "title": u.title,
            "city": u.city,
            "countryCode": u.country_code,
            "employeeNumber": u.employee_number
        },
        "credentials": {
            "password": {},
            "emails": [{ "value": u.email, "status": "VERIFIED", "type": "PRIMARY" }],
            "provider": { "type": "OKTA", "name": "OKTA" }
        },
        "_links": { "self": { "href": format!("{origin}/api/v1/users/{}", u.id) } }
    })
}

/// Group `g` as `GET /api/v1/groups` returns it on `origin`.
pub fn group_json(dir: &Directory, g: usize, origin: &str) -> Value {
    let group = &dir.groups[g];
    json!({
        "id": group.id,
        "created": group.created,
        "lastUpdated": group.last_updated,
        "lastMembershipUpdated": group.last_updated,
        "objectClass": ["okta:user_group"],
        "type": "OKTA_GROUP",
        "profile": { "name": group.name, "description": group.description },
        "_links": {
            "logo": [
                { "name": "medium", "href": format!("{origin}/img/logos/groups/okta-medium.png"), "type": "image/png" },
                { "name": "large", "href": format!("{origin}/img/logos/groups/okta-large.png"), "type": "image/png" }
            ],
            "users": { "href": format!("{origin}/api/v1/groups/{}/users", group.id) },
            "apps": { "href": format!("{origin}/api/v1/groups/{}/apps", group.id) }
        }
    })
}

/// App `a` as `GET /api/v1/apps` returns it on `origin`.
pub fn app_json(dir: &Directory, a: usize, origin: &str) -> Value {
    let app = &dir.apps[a];
    json!({
        "id": app.id,
        "name": app.name,
        "label": app.label,
        "status": "ACTIVE",
        "lastUpdated": app.created,
        "created": app.created,
        "accessibility": { "selfService": false, "errorRedirectUrl": null },
        "visibility": {
            "autoSubmitToolbar": false,
            "hide": { "iOS": false, "web": false },
            "appLinks": { "login": true }
        },
        "features": [],
        "signOnMode": app.sign_on_mode,
        "credentials": {
            "scheme": "EDIT_USERNAME_AND_PASSWORD",
            "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" }
        },
        "settings": { "app": {} },
        "_links": {
            "appLinks": [{
                "href": format!("{origin}/home/{}/{}/1438", app.name, app.id),
                "name": "login",
                "type": "text/html"
            }],
            "users": { "href": format!("{origin}/api/v1/apps/{}/users", app.id) },
            "groups": { "href": format!("{origin}/api/v1/apps/{}/groups", app.id) }
        }
    })
}

/// User `i`'s assignment to app `a`, as `GET /api/v1/apps/{id}/users` returns it.
pub fn app_user_json(dir: &Directory, a: usize, i: usize, origin: &str) -> Value {
    let app = &dir.apps[a];
    let u = &dir.users[i];
    let scope = u
        .apps
        .iter()
        .find(|(x, _)| *x == a)
        .map(|(_, s)| s.as_str())
        .unwrap_or("USER");
    let mut links = json!({
        "app": { "href": format!("{origin}/api/v1/apps/{}", app.id) },
        "user": { "href": format!("{origin}/api/v1/users/{}", u.id) }
    });
    if scope == "GROUP" {
        if let Some(&g) = u.groups.first() {
            links["group"] = json!({
                "name": dir.groups[g].name,
                "href": format!("{origin}/api/v1/groups/{}", dir.groups[g].id)
            });
        }
    }
    json!({
        "id": u.id,
        "externalId": null,
        "created": app.created,
        "lastUpdated": u.last_updated,
        "scope": scope,
        "status": "PROVISIONED",
        "statusChanged": u.last_updated,
        "passwordChanged": null,
        "syncState": "DISABLED",
        "credentials": { "userName": u.login },
        "profile": {},
        "_links": links
    })
}

/// One role assignment of user `i`, as `GET /api/v1/users/{id}/roles` returns it.
pub fn role_json(dir: &Directory, i: usize, role: &Role, origin: &str) -> Value {
    let u = &dir.users[i];
    let assignee = if role.assignment_type == "GROUP" {
        let g = u.groups.first().map(|&g| dir.groups[g].id.as_str());
        format!(
            "{origin}/api/v1/groups/{}",
            g.unwrap_or("00g0000000000000000")
        )
    } else {
        format!("{origin}/api/v1/users/{}", u.id)
    };
    json!({
        "id": role.id,
        "label": role.label,
        "type": role.kind,
        "status": "ACTIVE",
        "created": role.created,
        "lastUpdated": role.created,
        "assignmentType": role.assignment_type,
        "_links": { "assignee": { "href": assignee } }
    })
}

/// Device `d` as `GET /api/v1/devices?expand=<expand>` returns it.
pub fn device_json(dir: &Directory, d: usize, origin: &str, expand: &str) -> Value {
    let device = &dir.devices[d];
    let href = format!("{origin}/api/v1/devices/{}", device.id);
    let mut v = json!({
        "id": device.id,
        "status": device.status,
        "created": device.created,
        "lastUpdated": device.created,
        "profile": {
            "displayName": device.display_name,
            "platform": device.platform,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "osVersion": device.os_version,
            "serialNumber": device.serial_number,
            "registered": true,
            "secureHardwarePresent": device.platform != "WINDOWS",
            "diskEncryptionType": if device.platform == "WINDOWS" { "ALL_INTERNAL_VOLUMES" } else { "USER" }
        },
        "resourceType": "UDDevice",
        "resourceDisplayName": { "value": device.display_name, "sensitive": false },
        "resourceAlternateId": null,
        "resourceId": device.id,
        "_links": {
            "activate": { "href": format!("{href}/lifecycle/activate"), "hints": { "allow": ["POST"] } },
            "self": { "href": href, "hints": { "allow": ["GET", "PATCH", "PUT"] } },
            "users": { "href": format!("{href}/users"), "hints": { "allow": ["GET"] } }
        }
    });
    if expand == "user" || expand == "userSummary" {
        let users: Vec<Value> = device
            .owner
            .iter()
            .map(|&i| {
                let u = &dir.users[i];
                let user = if expand == "user" {
                    user_json(dir, i, origin)
                } else {
                    json!({
                        "id": u.id,
                        "realmId": u.id,
                        "profile": {
                            "firstName": u.first_name,
                            "lastName": u.last_name,
                            "login": u.login,
                            "email": u.email
                        },
                        "_links": { "self": { "href": format!("{origin}/api/v1/users/{}", u.id) } }
                    })
                };
                json!({
                    "managementStatus": device.management_status,
                    "created": device.enrolled,
                    "screenLockType": device.screen_lock_type,
                    "user": user
                })
            })
            .collect();
        v["_embedded"] = json!({ "users": users });
    }
    v
}
