//! Base URLs and the one origin a client may talk to.
//!
//! A token belongs to one host. Every URL a client requests — the first page, each next link,
//! an absolute `data_source` — is checked against the origin of the base URL it was configured
//! with before anything is sent, so a redirecting or hostile response cannot make the tool send
//! a credential elsewhere.

use super::HttpError;
use reqwest::Url;
use std::net::IpAddr;

/// A base URL checked for use with credentials: `https://`, or `http://` to a loopback address
/// (for local emulators and the sandbox), and no user name or password inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// `what` names where the text came from (a variable or a flag), for the message.
    pub fn parse(text: &str, what: &str) -> Result<BaseUrl, HttpError> {
        let bad = |message: String| HttpError::Config {
            message: format!("{what}: {message}"),
        };
        let url = Url::parse(text.trim()).map_err(|e| bad(format!("not a URL ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "the URL holds a user name or password; give credentials in their environment variables instead".to_string(),
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(bad(format!(
                "`{}` is plain http; use https (plain http is allowed only for loopback addresses)",
                shown(&url)
            )))
            }
            other => return Err(bad(format!("`{other}:` URLs are not supported; use https"))),
        }
        if url.host().is_none() {
            return Err(bad("the URL has no host".to_string()));
        }
        let mut url = url;
        url.set_query(None);
        url.set_fragment(None);
        Ok(BaseUrl(url))
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    pub fn origin(&self) -> Origin {
        Origin(self.0.origin())
    }

    /// The URL of `path` (with its query) under this base: `https://x/scim/v2` + `/Users?count=5`
    /// is `https://x/scim/v2/Users?count=5`. An absolute URL is taken as it is; whether it may
    /// be requested is the client's check.
    pub fn join(&self, path: &str) -> Result<Url, HttpError> {
        if path.starts_with("https://") || path.starts_with("http://") {
            return Url::parse(path).map_err(|e| HttpError::Config {
                message: format!("`{path}` is not a URL ({e})"),
            });
        }
        let base = self.0.as_str().trim_end_matches('/');
        let path = if path.is_empty() || path.starts_with('/') || path.starts_with('?') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        Url::parse(&format!("{base}{path}")).map_err(|e| HttpError::Config {
            message: format!(
                "`{path}` does not make a URL under {} ({e})",
                shown(&self.0)
            ),
        })
    }
}

/// Scheme, host and port: what must match for a request to carry the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(url::Origin);

impl Origin {
    pub fn of(url: &Url) -> Origin {
        Origin(url.origin())
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.ascii_serialization())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A URL as it may be shown in messages and logs: without user name and password.
pub fn shown(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_loopback() {
        assert!(BaseUrl::parse("http://127.0.0.1:8080", "X").is_ok());
        assert!(BaseUrl::parse("http://localhost:8080/scim/v2", "X").is_ok());
        assert!(BaseUrl::parse("http://[::1]:1", "X").is_ok());
        let e = BaseUrl::parse("http://example.com", "OKTA_ORG_URL").unwrap_err();
        assert!(e.to_string().starts_with("OKTA_ORG_URL: "), "{e}");
        assert!(e.to_string().contains("plain http"), "{e}");
        assert!(BaseUrl::parse("ftp://example.com", "X").is_err());
        assert!(BaseUrl::parse("https://u:p@example.com", "X").is_err());
    }

    #[test]
    fn paths_join_under_the_base_path() {
        let base = BaseUrl::parse("https://x.example/scim/v2/", "X").unwrap();
        assert_eq!(
            base.join("/Users?count=5").unwrap().as_str(),
            "https://x.example/scim/v2/Users?count=5"
        );
        assert_eq!(
            base.join("Groups").unwrap().as_str(),
            "https://x.example/scim/v2/Groups"
        );
        let okta = BaseUrl::parse("https://acme.okta.com", "X").unwrap();
        assert_eq!(
            okta.join("/api/v1/devices?limit=200&expand=userSummary")
                .unwrap()
                .as_str(),
            "https://acme.okta.com/api/v1/devices?limit=200&expand=userSummary"
        );
        assert_eq!(
            okta.join("https://evil.example/x").unwrap().as_str(),
            "https://evil.example/x"
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Origin::of(&Url::parse("https://acme.okta.com/api/v1/users").unwrap());
        let b = Origin::of(&Url::parse("https://acme.okta.com:443/x?y").unwrap());
        let c = Origin::of(&Url::parse("https://acme.okta.com.evil.example/").unwrap());
        let d = Origin::of(&Url::parse("http://acme.okta.com/").unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(a.to_string(), "https://acme.okta.com");
    }
}
