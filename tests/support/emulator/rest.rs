//! A plain JSON API with people in it, paged the two common ways:
//!
//! - `GET /people?page=&per_page=` → `{"data": […]}`, paged by a `Link` header in GitHub's
//!   form: one header, comma-separated, with `first`, `prev`, `next` and `last` (1-based
//!   `page`, `per_page` by default [`PER_PAGE`], at most [`MAX_PER_PAGE`]);
//! - `GET /hal/people?page=&size=` → HAL as Spring Data REST writes it:
//!   `{"_embedded": {"people": […]}, "_links": {"self", "next"…}, "page": {…}}` (0-based
//!   `page`, `size` by default [`HAL_SIZE`]).
//!
//! Authentication is a bearer token or HTTP Basic, whichever the emulator was made with;
//! a 429 carries `Retry-After`.

use super::data::Directory;
use super::faults::Faults;
use super::{Emulator, Provider, Reply, Req};
use serde_json::{json, Value};
use std::sync::Arc;

pub const PER_PAGE: usize = 25;
pub const MAX_PER_PAGE: usize = 100;
pub const HAL_SIZE: usize = 20;

/// What the API accepts.
#[derive(Debug, Clone)]
pub enum RestAuth {
    Bearer(String),
    /// user, password
    Basic(String, String),
}

/// The page size a request (as logged) to `/people` or `/hal/people` was served with.
pub fn effective_page_size(logged: &super::Logged) -> usize {
    let (name, default) = if logged.path.starts_with("/hal/") {
        ("size", HAL_SIZE)
    } else {
        ("per_page", PER_PAGE)
    };
    logged
        .param(name)
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
        .min(MAX_PER_PAGE)
}

pub fn rest(dir: &Directory, auth: RestAuth, faults: Faults) -> Emulator {
    super::start(
        Box::new(Rest {
            dir: Arc::new(dir.clone()),
            auth,
            next_origin: faults.next_origin.clone(),
        }),
        faults,
    )
}

struct Rest {
    dir: Arc<Directory>,
    auth: RestAuth,
    next_origin: Option<String>,
}

impl Rest {
    fn authorized(&self, req: &Req) -> bool {
        match &self.auth {
            RestAuth::Bearer(token) => super::has_credentials(req.authorization(), "Bearer", token),
            RestAuth::Basic(user, password) => super::has_credentials(
                req.authorization(),
                "Basic",
                super::basic(user, password).trim_start_matches("Basic "),
            ),
        }
    }

    fn people(&self, req: &Req) -> Reply {
        let total = self.dir.users.len();
        let per_page = req.page_size("per_page", PER_PAGE, MAX_PER_PAGE);
        let page = req
            .param("page")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let last = super::pages(total, per_page);
        let from = ((page - 1) * per_page).min(total);
        let to = (from + per_page).min(total);
        let data: Vec<Value> = (from..to).map(|i| person_json(&self.dir, i)).collect();
        let origin = self.next_origin.as_deref().unwrap_or(&req.origin);
        let link = |origin: &str, page: usize, rel: &str| {
            let url = req.url_with(origin, "page", &page.to_string());
            let url = with_param(&url, "per_page", per_page);
            format!("<{url}>; rel=\"{rel}\"")
        };
        let mut links = vec![link(&req.origin, 1, "first")];
        if page > 1 {
            links.push(link(&req.origin, (page - 1).min(last), "prev"));
        }
        if page < last {
            links.push(link(origin, page + 1, "next"));
        }
        links.push(link(&req.origin, last, "last"));
        Reply::json(200, &json!({ "data": data })).header("link", links.join(", "))
    }

    fn hal_people(&self, req: &Req) -> Reply {
        let total = self.dir.users.len();
        let size = req.page_size("size", HAL_SIZE, MAX_PER_PAGE);
        let page = req
            .param("page")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(0);
        let pages = total.div_ceil(size);
        let from = (page * size).min(total);
        let to = (from + size).min(total);
        let people: Vec<Value> = (from..to).map(|i| person_json(&self.dir, i)).collect();
        let mut links = json!({ "self": { "href": req.self_url() } });
        if page + 1 < pages {
            let origin = self.next_origin.as_deref().unwrap_or(&req.origin);
            let url = req.url_with(origin, "page", &(page + 1).to_string());
            links["next"] = json!({ "href": with_param(&url, "size", size) });
        }
        Reply::typed(
            200,
            "application/hal+json",
            &json!({
                "_embedded": { "people": people },
                "_links": links,
                "page": { "size": size, "totalElements": total, "totalPages": pages, "number": page }
            }),
        )
    }
}

/// `url` with `name=value` appended unless it has that parameter already.
fn with_param(url: &str, name: &str, value: usize) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    if super::parse_query(query).iter().any(|(k, _)| k == name) {
        url.to_string()
    } else if query.is_empty() {
        format!("{url}?{name}={value}")
    } else {
        format!("{url}&{name}={value}")
    }
}

impl Provider for Rest {
    fn handle(&self, req: &Req) -> Reply {
        if !self.authorized(req) {
            let challenge = match self.auth {
                RestAuth::Bearer(_) => "Bearer realm=\"people\"",
                RestAuth::Basic(..) => "Basic realm=\"people\"",
            };
            return Reply::json(
                401,
                &json!({ "error": "unauthorized", "message": "Missing or wrong credentials." }),
            )
            .header("www-authenticate", challenge);
        }
        match (req.method.as_str(), req.path.trim_end_matches('/')) {
            ("GET", "/people") => self.people(req),
            ("GET", "/hal/people") => self.hal_people(req),
            _ => Reply::json(
                404,
                &json!({ "error": "not_found", "message": format!("No route for {} {}", req.method, req.path) }),
            ),
        }
    }

    fn too_many_requests(&self, _req: &Req, reset: u64) -> Reply {
        Reply::json(
            429,
            &json!({ "error": "rate_limited", "message": "Slow down." }),
        )
        .header("retry-after", super::faults::retry_after(reset).to_string())
    }

    fn server_error(&self, _req: &Req) -> Reply {
        Reply::json(
            500,
            &json!({ "error": "internal_error", "message": "Something went wrong." }),
        )
    }
}

/// User `i` as a person of this API.
pub fn person_json(dir: &Directory, i: usize) -> Value {
    let u = &dir.users[i];
    let manager = (i > 0).then(|| {
        let m = &dir.users[(i - 1) / 4];
        json!({ "id": m.id, "email": m.email })
    });
    json!({
        "id": u.id,
        "employeeNumber": u.employee_number,
        "firstName": u.first_name,
        "lastName": u.last_name,
        "email": u.email,
        "department": u.department,
        "title": u.title,
        "active": u.active(),
        "manager": manager,
        "location": { "city": u.city, "country": u.country_code }
    })
}
