//! Jira Service Management Assets Cloud as a target, over its REST API
//! (`…/jsm/assets/workspace/{workspaceId}/v1`), with HTTP Basic `ASSETS_EMAIL:ASSETS_API_TOKEN`.
//!
//! - The schema is read, never changed: a mapping that names an object type or attribute the
//!   schema lacks is refused at plan time, with the names it has.
//! - The objects of each section's type are loaded with AQL (`objectTypeId = …`, paged until
//!   `isLast`); objects of types that are only referenced are looked up in batches
//!   (`"Name" IN (…)`), never one request a value.
//! - User attributes take Atlassian account ids: emails are looked up once each through the
//!   site's user search.
//! - Writes run with bounded concurrency; a create whose answer was lost is looked up by its
//!   key before it is sent again, so nothing is created twice.

mod schema;
mod snapshot;
mod users;
mod write;

pub use schema::{CloudSchema, CloudType};

use crate::apply::{Target, TargetError, Writes};
use crate::http::{shown, Auth, BaseUrl, Client, Env, HttpError, MissingVariable, Settings};
use crate::lang::Program;
use crate::plan::model::{ObjectId, Snapshot};
use crate::plan::SectionInput;
use secrecy::SecretString;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error(transparent)]
    MissingVariable(#[from] MissingVariable),
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("{url}: {message}")]
    Shape { url: String, message: String },
    /// The mapping does not fit the Assets schema.
    #[error("{0}")]
    Schema(String),
}

impl CloudError {
    fn shape(url: &reqwest::Url, message: &str) -> CloudError {
        CloudError::Shape {
            url: shown(url),
            message: message.to_string(),
        }
    }

    pub fn help(&self) -> String {
        match self {
            CloudError::MissingVariable(m) => m.help(),
            CloudError::Http(e) => e.help().to_string(),
            CloudError::Shape { .. } => {
                "check that `--target` is the Assets REST base, `…/jsm/assets/workspace/<id>/v1`"
                    .to_string()
            }
            CloudError::Schema(_) => {
                "mend the mapping, or add the object type or attribute in Assets first".to_string()
            }
        }
    }
}

/// An id as Assets writes it: a string of digits (some answers give a number).
fn id_of(value: Option<&Value>, url: &reqwest::Url) -> Result<String, CloudError> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(CloudError::shape(url, "an id is missing")),
    }
}

fn object_id(text: &str, url: &reqwest::Url) -> Result<ObjectId, CloudError> {
    text.parse()
        .map_err(|_| CloudError::shape(url, &format!("object id `{text}` is not a number")))
}

/// How the Cloud target runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests a minute at most (Assets allows about 1,000); 0: no budget.
    pub per_minute: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 8,
            per_minute: 1000,
        }
    }
}

pub struct Cloud {
    assets: Client,
    /// The Jira site, for the user search.
    site: Client,
    runtime: tokio::runtime::Runtime,
    concurrency: usize,
    schema: CloudSchema,
    /// Object keys of the objects loaded or created, by id: a reference is written as the
    /// referenced object's key.
    keys: Mutex<HashMap<ObjectId, String>>,
    /// Key attribute of each section's type.
    key_attributes: HashMap<String, String>,
    /// Emails in user attributes that no Atlassian account has.
    unknown_users: Vec<String>,
}

impl Cloud {
    /// `target` is the Assets REST base URL, or `cloud` for the one `ASSETS_WORKSPACE_ID`
    /// names. The site (for user look-ups) is `ASSETS_SITE`, or the target's own origin.
    pub fn connect(target: &str, env: &dyn Env, options: &Options) -> Result<Cloud, CloudError> {
        let site_of = |text: String| -> Result<BaseUrl, CloudError> {
            let url = if text.contains("://") {
                text
            } else if text.contains('.') {
                format!("https://{text}")
            } else {
                format!("https://{text}.atlassian.net")
            };
            Ok(BaseUrl::parse(&url, "ASSETS_SITE")?)
        };
        let (base, site) = if target == "cloud" {
            let workspace = crate::http::required(env, "ASSETS_WORKSPACE_ID")?;
            if !workspace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(HttpError::Config {
                    message: "ASSETS_WORKSPACE_ID: not a workspace id (letters, digits and `-`)"
                        .to_string(),
                }
                .into());
            }
            let base = BaseUrl::parse(
                &format!("https://api.atlassian.com/jsm/assets/workspace/{workspace}/v1"),
                "ASSETS_WORKSPACE_ID",
            )?;
            (base, site_of(crate::http::required(env, "ASSETS_SITE")?)?)
        } else {
            let base = BaseUrl::parse(target, "--target")?;
            let site = match env.var("ASSETS_SITE") {
                Some(site) => site_of(site)?,
                None => BaseUrl::parse(&base.origin().to_string(), "--target")?,
            };
            (base, site)
        };
        let email = crate::http::required(env, "ASSETS_EMAIL")?;
        let token = crate::http::required(env, "ASSETS_API_TOKEN")?;
        let auth = |email: &str| Auth::Basic {
            user: email.to_string(),
            password: SecretString::from(token.clone()),
        };
        let settings = Settings {
            concurrency: options.concurrency.max(1),
            per_minute: options.per_minute,
            ..Settings::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("assetsync-assets")
            .enable_all()
            .build()
            .map_err(|e| HttpError::Config {
                message: format!("cannot start the HTTP runtime: {e}"),
            })?;
        Ok(Cloud {
            assets: Client::new(base, auth(&email), settings.clone())?,
            site: Client::new(site, auth(&email), settings)?,
            runtime,
            concurrency: options.concurrency.max(1),
            schema: CloudSchema::default(),
            keys: Mutex::new(HashMap::new()),
            key_attributes: HashMap::new(),
            unknown_users: Vec::new(),
        })
    }

    pub fn base(&self) -> String {
        shown(self.assets.base().url())
    }

    /// Reads the object types the mapping names from Assets (and the types they reference).
    pub fn load_schema(&mut self, names: &[String]) -> Result<&CloudSchema, CloudError> {
        self.schema = self
            .runtime
            .block_on(CloudSchema::load(&self.assets, names))?;
        Ok(&self.schema)
    }

    /// Reads what the target holds for the program: the objects of every section's type, and
    /// the referenced objects the images name. User attributes in the images get account ids
    /// in place of emails. [`Cloud::load_schema`] comes first.
    pub fn snapshot(
        &mut self,
        program: &Program,
        inputs: &mut [SectionInput<'_>],
    ) -> Result<Snapshot, CloudError> {
        let needed = crate::plan::object_types(program);
        self.key_attributes = program
            .ordered()
            .map(|s| {
                let ty = s.object_type.clone().unwrap_or_else(|| s.name.clone());
                (ty, s.key.attribute.clone())
            })
            .collect();
        self.unknown_users = self.runtime.block_on(users::resolve(
            &self.site,
            &self.schema,
            inputs,
            self.concurrency,
        ))?;
        let (snapshot, keys) = self.runtime.block_on(snapshot::load(
            &self.assets,
            &self.schema,
            &self.key_attributes,
            &needed,
            inputs,
            self.concurrency,
        ))?;
        *self.keys.lock().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(snapshot)
    }

    /// Emails of user attributes that no account has; those values were left out.
    pub fn unknown_users(&self) -> &[String] {
        &self.unknown_users
    }

    pub fn schema(&self) -> &CloudSchema {
        &self.schema
    }
}

impl Target for Cloud {
    fn write(
        &mut self,
        writes: &Writes<'_>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(), TargetError> {
        let run = write::Run {
            client: &self.assets,
            schema: &self.schema,
            key_attributes: &self.key_attributes,
            keys: &self.keys,
            concurrency: self.concurrency,
        };
        let stopped = self
            .runtime
            .block_on(run.all(writes, progress))
            .map_err(|(e, written)| {
                TargetError::Failed(format!(
                    "{e}\n  help: {}; {written} object(s) were written before it stopped — run the same command again to finish: it picks up where this run stopped, without duplicates",
                    e.help()
                ))
            })?;
        match stopped {
            None => Ok(()),
            Some(written) => Err(TargetError::Interrupted {
                written,
                message: format!("interrupted: {written} write(s) were carried out in Assets before the run stopped sending; run the same command again to finish: it picks up where this run stopped, without duplicates"),
            }),
        }
    }
}
