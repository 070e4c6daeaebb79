//! PingOne: the token endpoint of the auth host and the users and groups of the Platform API.
//! Two listeners, as the real service has two hosts (`auth.pingone.<region>` and
//! `api.pingone.<region>`).
//!
//! - Auth: `POST /{envId}/as/token`, `grant_type=client_credentials`, the client authenticated
//!   by HTTP Basic or by `client_id`/`client_secret` form fields. Each call issues a new token.
//! - API: `GET /v1/environments/{envId}/users` and `…/groups`, paged with `limit` (at most and
//!   by default [`MAX_LIMIT`]) and an opaque `cursor`; records under `_embedded.users` or
//!   `_embedded.groups`, `_links.self.href`, `_links.next.href` when there is more, `count`
//!   (all matching) and `size` (this page). `filter` takes `eq` terms joined by `and` on
//!   `memberOfGroups[id eq "…"]`, `enabled`, `population.id`, `username`, `email`, `id`,
//!   `name.given` and `name.family`; anything else is a 400 `INVALID_FILTER`.
//! - A request whose bearer token was never issued, has expired (`Faults::expires_in`) or has
//!   been used up (`Faults::token_valid_for_requests`) gets a 401 `ACCESS_FAILED`.
//!
//! The faults apply to the API listener; the auth listener is well-behaved.

use super::data::Directory;
use super::faults::Faults;
use super::{now_ms, parse_filter, Emulator, Literal, Provider, Reply, Req};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const MAX_LIMIT: usize = 200;
const CURSOR_KEY: u64 = 0x5EED_CAFE_F00D_0001;

/// The two listeners of a PingOne environment.
pub struct PingOneEmulator {
    /// Serves `/v1/environments/{envId}/…`: what `PINGONE_API_URL` points at.
    pub api: Emulator,
    /// Serves `/{envId}/as/token`: what `PINGONE_AUTH_URL` points at.
    pub auth: Emulator,
    pub env_id: String,
    tokens: Arc<Tokens>,
}

impl PingOneEmulator {
    /// Every access token issued so far, oldest first.
    pub fn issued_tokens(&self) -> Vec<String> {
        let tokens = self.tokens.issued.lock().unwrap();
        tokens.iter().map(|t| t.value.clone()).collect()
    }

    /// The path of the token endpoint, for counting requests to it.
    pub fn token_path(&self) -> String {
        format!("/{}/as/token", self.env_id)
    }
}

/// A PingOne environment `env_id` serving `dir` (users and groups by their uuids), whose worker
/// app is `client_id`/`client_secret`.
pub fn pingone(
    dir: &Directory,
    env_id: &str,
    client_id: &str,
    client_secret: &str,
    faults: Faults,
) -> PingOneEmulator {
    let tokens = Arc::new(Tokens {
        issued: Mutex::new(Vec::new()),
        valid_for_requests: faults.token_valid_for_requests,
        expires_in: faults.expires_in.unwrap_or(3600),
    });
    let auth = super::start(
        Box::new(Auth {
            env_id: env_id.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            tokens: tokens.clone(),
        }),
        Faults::default(),
    );
    let api = super::start(
        Box::new(Api {
            dir: Arc::new(dir.clone()),
            env_id: env_id.to_string(),
            tokens: tokens.clone(),
            next_origin: faults.next_origin.clone(),
            errors: AtomicUsize::new(0),
        }),
        faults,
    );
    PingOneEmulator {
        api,
        auth,
        env_id: env_id.to_string(),
        tokens,
    }
}

struct Token {
    value: String,
    issued_ms: u64,
    used: usize,
}

struct Tokens {
    issued: Mutex<Vec<Token>>,
    valid_for_requests: Option<usize>,
    expires_in: u64,
}

impl Tokens {
    fn issue(&self) -> String {
        let mut issued = self.issued.lock().unwrap();
        let n = issued.len() + 1;
        let now = now_ms();
        // Shaped like the JWTs PingOne issues; what matters is that each one is new.
        let claims = format!(
            r#"{{"client_id":"emulated","iat":{},"jti":"{n:08}-{:x}"}}"#,
            now / 1000,
            now.wrapping_mul(0x9E37_79B9) ^ n as u64
        );
        let value = format!(
            "eyJhbGciOiJSUzI1NiIsImtpZCI6ImRlZmF1bHQifQ.{}.c2lnbmF0dXJl{n:04}",
            super::base64(claims.as_bytes()).trim_end_matches('=')
        );
        issued.push(Token {
            value: value.clone(),
            issued_ms: now,
            used: 0,
        });
        value
    }

    /// Counts one API request made with `value`; false if the token is not (or no longer) good.
    fn spend(&self, value: &str) -> bool {
        let mut issued = self.issued.lock().unwrap();
        let Some(token) = issued.iter_mut().find(|t| t.value == value) else {
            return false;
        };
        if now_ms().saturating_sub(token.issued_ms) >= self.expires_in * 1000 {
            return false;
        }
        if self.valid_for_requests.is_some_and(|k| token.used >= k) {
            return false;
        }
        token.used += 1;
        true
    }
}

fn error_id(n: usize) -> String {
    format!("{n:08x}-0f16-4062-815a-e0a92f4a2143")
}

struct Auth {
    env_id: String,
    client_id: String,
    client_secret: String,
    tokens: Arc<Tokens>,
}

impl Provider for Auth {
    fn handle(&self, req: &Req) -> Reply {
        let segments = req.segments();
        if segments.len() != 3
            || segments[0] != self.env_id
            || segments[1] != "as"
            || segments[2] != "token"
        {
            return Reply::json(
                404,
                &json!({"id": error_id(req.n), "code": "NOT_FOUND", "message": "The requested resource was not found."}),
            );
        }
        if req.method != "POST" {
            return Reply::json(
                405,
                &json!({"id": error_id(req.n), "code": "METHOD_NOT_ALLOWED", "message": "The method is not allowed."}),
            );
        }
        let form = super::parse_query(&String::from_utf8_lossy(&req.body));
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let by_basic = super::has_credentials(
            req.authorization(),
            "Basic",
            super::basic(&self.client_id, &self.client_secret).trim_start_matches("Basic "),
        );
        let by_post = field("client_id") == Some(self.client_id.as_str())
            && field("client_secret") == Some(self.client_secret.as_str());
        if !(by_basic || by_post) {
            return Reply::json(
                401,
                &json!({
                    "error": "invalid_client",
                    "error_description": "Request denied: Invalid client credentials"
                }),
            )
            .header("www-authenticate", "Basic realm=\"PingOne\"");
        }
        if field("grant_type") != Some("client_credentials") {
            return Reply::json(
                400,
                &json!({
                    "error": "unsupported_grant_type",
                    "error_description": "Request denied: the grant type is not allowed for this client"
                }),
            );
        }
        Reply::json(
            200,
            &json!({
                "access_token": self.tokens.issue(),
                "token_type": "Bearer",
                "expires_in": self.tokens.expires_in,
                "scope": "p1:read:user p1:read:group"
            }),
        )
        .header("cache-control", "no-store")
    }

    fn too_many_requests(&self, req: &Req, reset: u64) -> Reply {
        Reply::json(
            429,
            &json!({"id": error_id(req.n), "code": "REQUEST_LIMITED", "message": "The request could not be completed. Too many requests."}),
        )
        .header("retry-after", super::faults::retry_after(reset).to_string())
    }

    fn server_error(&self, req: &Req) -> Reply {
        Reply::json(
            500,
            &json!({"id": error_id(req.n), "code": "UNEXPECTED_SERVER_ERROR", "message": "The request could not be completed. An unexpected error occurred."}),
        )
    }
}

struct Api {
    dir: Arc<Directory>,
    env_id: String,
    tokens: Arc<Tokens>,
    next_origin: Option<String>,
    errors: AtomicUsize,
}

impl Api {
    fn error(&self, status: u16, code: &str, message: &str) -> Reply {
        let n = self.errors.fetch_add(1, Ordering::Relaxed);
        Reply::json(
            status,
            &json!({ "id": error_id(n), "code": code, "message": message }),
        )
    }

    /// One page out of `total` and its `_links`, or the 400 for a bad cursor.
    fn page(&self, req: &Req, total: usize) -> Result<(std::ops::Range<usize>, Value), Reply> {
        let limit = req.page_size("limit", MAX_LIMIT, MAX_LIMIT);
        let start = match req.param("cursor") {
            None => 0,
            Some(c) => match u64::from_str_radix(c, 16) {
                Ok(v) if ((v ^ CURSOR_KEY) as usize) <= total => (v ^ CURSOR_KEY) as usize,
                _ => {
                    return Err(self.error(
                        400,
                        "INVALID_REQUEST",
                        "The request could not be completed. The cursor is invalid.",
                    ))
                }
            },
        };
        let end = (start + limit).min(total);
        let mut links = json!({ "self": { "href": req.self_url() } });
        if end < total {
            let origin = self.next_origin.as_deref().unwrap_or(&req.origin);
            let cursor = format!("{:016x}", end as u64 ^ CURSOR_KEY);
            links["next"] = json!({ "href": req.url_with(origin, "cursor", &cursor) });
        }
        Ok((start..end, links))
    }

    fn users(&self, req: &Req) -> Reply {
        let terms = match req.param("filter").map(parse_filter) {
            None => Vec::new(),
            Some(Ok(terms)) if terms.iter().all(|(a, _)| FILTERABLE.contains(&a.as_str())) => terms,
            Some(_) => {
                return self.error(
                    400,
                    "INVALID_FILTER",
                    "The request could not be completed. The filter is not supported.",
                )
            }
        };
        let matching: Vec<usize> = (0..self.dir.users.len())
            .filter(|&i| terms.iter().all(|(a, lit)| self.user_matches(i, a, lit)))
            .collect();
        match self.page(req, matching.len()) {
            Ok((range, links)) => {
                let users: Vec<Value> = matching[range]
                    .iter()
                    .map(|&i| user_json(&self.dir, i, &req.origin, &self.env_id))
                    .collect();
                Reply::json(
                    200,
                    &json!({
                        "_links": links,
                        "_embedded": { "users": users },
                        "count": matching.len(),
                        "size": users.len()
                    }),
                )
            }
            Err(reply) => reply,
        }
    }

    fn user_matches(&self, i: usize, attribute: &str, literal: &Literal) -> bool {
        let u = &self.dir.users[i];
        let text = |s: &str| matches!(literal, Literal::Str(v) if v == s);
        match attribute {
            "memberOfGroups.id" => u.groups.iter().any(|&g| text(&self.dir.groups[g].uuid)),
            "enabled" => *literal == Literal::Bool(u.active()),
            "population.id" => text(&self.dir.populations[u.population].0),
            "username" => text(&u.login),
            "email" => text(&u.email),
            "id" => text(&u.uuid),
            "name.given" => text(&u.first_name),
            "name.family" => text(&u.last_name),
            _ => false,
        }
    }

    fn groups(&self, req: &Req) -> Reply {
        if req.param("filter").is_some() {
            return self.error(
                400,
                "INVALID_FILTER",
                "The request could not be completed. The filter is not supported.",
            );
        }
        match self.page(req, self.dir.groups.len()) {
            Ok((range, links)) => {
                let groups: Vec<Value> = range
                    .map(|g| group_json(&self.dir, g, &req.origin, &self.env_id))
                    .collect();
                Reply::json(
                    200,
                    &json!({
                        "_links": links,
                        "_embedded": { "groups": groups },
                        "count": self.dir.groups.len(),
                        "size": groups.len()
                    }),
                )
            }
            Err(reply) => reply,
        }
    }
}

const FILTERABLE: &[&str] = &[
    "memberOfGroups.id",
    "enabled",
    "population.id",
    "username",
    "email",
    "id",
    "name.given",
    "name.family",
];

impl Provider for Api {
    fn handle(&self, req: &Req) -> Reply {
        let bearer = req
            .authorization()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
            .map(|(_, token)| token.trim());
        if !bearer.is_some_and(|t| self.tokens.spend(t)) {
            return self
                .error(
                    401,
                    "ACCESS_FAILED",
                    "The request could not be completed. The access token is invalid or has expired.",
                )
                .header("www-authenticate", "Bearer error=\"invalid_token\"");
        }
        if req.method != "GET" {
            return self.error(
                405,
                "METHOD_NOT_ALLOWED",
                "The request could not be completed. The method is not allowed.",
            );
        }
        let segments = req.segments();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            ["v1", "environments", env, rest @ ..] if *env == self.env_id => match rest {
                ["users"] => self.users(req),
                ["users", id] => match self.dir.user(id).filter(|&i| self.dir.users[i].uuid == *id)
                {
                    Some(i) => Reply::json(200, &user_json(&self.dir, i, &req.origin, env)),
                    None => self.error(404, "NOT_FOUND", "The requested resource was not found."),
                },
                ["groups"] => self.groups(req),
                _ => self.error(404, "NOT_FOUND", "The requested resource was not found."),
            },
            _ => self.error(404, "NOT_FOUND", "The requested resource was not found."),
        }
    }

    fn too_many_requests(&self, req: &Req, reset: u64) -> Reply {
        Reply::json(
            429,
            &json!({"id": error_id(req.n), "code": "REQUEST_LIMITED", "message": "The request could not be completed. Too many requests."}),
        )
        .header("retry-after", super::faults::retry_after(reset).to_string())
    }

    fn server_error(&self, req: &Req) -> Reply {
        Reply::json(
            500,
            &json!({"id": error_id(req.n), "code": "UNEXPECTED_SERVER_ERROR", "message": "The request could not be completed. An unexpected error occurred."}),
        )
    }
}

/// User `i` as `GET /v1/environments/{envId}/users` returns it on `origin`.
pub fn user_json(dir: &Directory, i: usize, origin: &str, env_id: &str) -> Value {
    let u = &dir.users[i];
    let (population_id, _) = &dir.populations[u.population];
    let base = format!("{origin}/v1/environments/{env_id}");
    json!({
        "_links": {
            "self": { "href": format!("{base}/users/{}", u.uuid) },
            "population": { "href": format!("{base}/populations/{population_id}") },
            "password": { "href": format!("{base}/users/{}/password", u.uuid) }
        },
        "id": u.uuid,
        "environment": { "id": env_id },
        "account": { "canAuthenticate": u.active(), "status": if u.status == "LOCKED_OUT" { "LOCKED" } else { "OK" } },
        "createdAt": u.created,
        "email": u.email,
        "enabled": u.active(),
        "identityProvider": { "type": "PINGONE" },
        "lifecycle": { "status": "ACCOUNT_OK" },
        "mfaEnabled": false,
        "name": { "given": u.first_name, "family": u.last_name },
        "population": { "id": population_id },
        "title": u.title,
        "updatedAt": u.last_updated,
        "username": u.login,
        "verifyStatus": "NOT_INITIATED"
    })
}

/// Group `g` as `GET /v1/environments/{envId}/groups` returns it on `origin`.
pub fn group_json(dir: &Directory, g: usize, origin: &str, env_id: &str) -> Value {
    let group = &dir.groups[g];
    json!({
        "_links": {
            "self": { "href": format!("{origin}/v1/environments/{env_id}/groups/{}", group.uuid) }
        },
        "id": group.uuid,
        "environment": { "id": env_id },
        "name": group.name,
        "description": group.description,
        "createdAt": group.created,
        "updatedAt": group.last_updated
    })
}
