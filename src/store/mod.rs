//! The embedded Assets store: object types, attributes, objects and their values in SQLite.
//!
//! Every apply is one transaction, so a crash or a kill leaves the store as it was before the
//! apply or as it is after it. Reading (`plan`, `store dump`) never changes what the store holds
//! and never creates the file; it only lets SQLite roll back the transaction of a killed apply.

mod aql;
mod dump;
pub mod lock;
mod objects;
mod read;
mod restore;
mod write;

pub use dump::{Dump, DumpObject, DumpType};
pub use objects::{
    scalar_from_text, AttributeEntry, AttributeInput, EntryValue, LinkedObject, ObjectEntry,
    ObjectError, ObjectPage, SeedReport, TypeEntry, SYSTEM_ATTRIBUTES,
};

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// The store's layout version (`PRAGMA user_version`).
const VERSION: i64 = 1;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS object_types (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL UNIQUE,
    next_number INTEGER NOT NULL DEFAULT 1,
    key_attribute TEXT
);
CREATE TABLE IF NOT EXISTS attributes (
    id INTEGER PRIMARY KEY,
    object_type_id INTEGER NOT NULL REFERENCES object_types(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    type TEXT NOT NULL,
    reference_type_id INTEGER REFERENCES object_types(id),
    min_cardinality INTEGER NOT NULL DEFAULT 0,
    max_cardinality INTEGER,
    is_unique INTEGER NOT NULL DEFAULT 0,
    is_label INTEGER NOT NULL DEFAULT 0,
    UNIQUE (object_type_id, name)
);
CREATE TABLE IF NOT EXISTS objects (
    id INTEGER PRIMARY KEY,
    object_type_id INTEGER NOT NULL REFERENCES object_types(id),
    object_key TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (object_type_id);
CREATE TABLE IF NOT EXISTS object_values (
    object_id INTEGER NOT NULL,
    attribute_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    value TEXT,
    reference_id INTEGER,
    PRIMARY KEY (object_id, attribute_id, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS object_values_by_reference
    ON object_values (reference_id) WHERE reference_id IS NOT NULL;
";

/// How a value is kept (`object_values.kind`).
mod kind {
    pub const TEXT: i64 = 0;
    pub const NUMBER: i64 = 1;
    pub const BOOL: i64 = 2;
    pub const REFERENCE: i64 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no store at {0}: run `assetsync apply` first, or name the store with `--store`")]
    Missing(PathBuf),
    #[error("{path} is not an assetsync store ({reason}); name another file with `--store`")]
    NotAStore { path: PathBuf, reason: String },
    #[error("the store {path} is in use by another run (waited {waited} s); run again when it has finished, or wait longer with `--store-wait <SECONDS>`")]
    Busy { path: PathBuf, waited: u64 },
    #[error(
        "no directory {dir} for the store {path}: create it, or name another store with `--store`"
    )]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("cannot open the store {path}: {}", open_help(error))]
    Open {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A dump read back (`store.json`) that does not describe a store.
    #[error("{path}: {message}")]
    Dump { path: PathBuf, message: String },
    #[error("store {path}: {}", sql_help(source))]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An open store.
pub struct Store {
    path: PathBuf,
    conn: Option<Connection>,
}

impl Store {
    /// Opens the store for reading. A missing file reads as an empty store and is not created.
    pub fn open_read(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Ok(Store {
                path: path.to_path_buf(),
                conn: None,
            });
        }
        // Opened for writing but never written through (`query_only`): an apply that was killed
        // mid-transaction leaves a journal, and SQLite must be able to roll it back before
        // anything can be read — a read-only handle would fail on such a store.
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .and_then(|_| conn.pragma_update(None, "query_only", true))
            .map_err(|e| sql(path, e))?;
        let store = Store {
            path: path.to_path_buf(),
            conn: Some(conn),
        };
        store.check()?;
        Ok(store)
    }

    /// Opens the store for writing, creating the file when there is none. The tables are made
    /// by the first write, inside its transaction.
    pub fn open_write(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|e| sql(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| sql(path, e))?;
        let store = Store {
            path: path.to_path_buf(),
            conn: Some(conn),
        };
        store.check()?;
        Ok(store)
    }

    /// Whether the file exists (and so holds a store).
    pub fn exists(&self) -> bool {
        self.conn.is_some()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses files that are not stores of this layout.
    fn check(&self) -> Result<(), StoreError> {
        let Some(conn) = &self.conn else {
            return Ok(());
        };
        let not_a_store = |reason: String| StoreError::NotAStore {
            path: self.path.clone(),
            reason,
        };
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| not_a_store(e.to_string()))?;
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| not_a_store(e.to_string()))?;
        match version {
            0 if tables == 0 => Ok(()),
            VERSION => Ok(()),
            0 => Err(not_a_store("a SQLite database with other tables".into())),
            v => Err(not_a_store(format!(
                "layout version {v}; this assetsync reads version {VERSION}"
            ))),
        }
    }

    fn has_tables(&self) -> Result<bool, StoreError> {
        let Some(conn) = &self.conn else {
            return Ok(false);
        };
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'object_types'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(|e| sql(&self.path, e))
    }
}

fn open_help(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!("{error}; the store and its directory must be writable by this user (SQLite writes a journal beside the store)")
        }
        _ => error.to_string(),
    }
}

/// SQLite's words, with what to do where they would mislead: "readonly database" is said of a
/// store whose directory cannot be written, too.
pub(crate) fn sql_help(error: &rusqlite::Error) -> String {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ReadOnly) => format!(
            "{error}: the store file or its directory cannot be written by this user (SQLite writes a journal beside the store); check their permissions"
        ),
        Some(rusqlite::ErrorCode::CannotOpen) => format!(
            "{error}: check that the store's directory exists and can be written"
        ),
        _ => error.to_string(),
    }
}

fn sql(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sql {
        path: path.to_path_buf(),
        source,
    }
}

/// The key prefix of a new object type: its initial and the next consonants, in capitals
/// (`Users` → `USR`, `Groups` → `GRP`), made unique among `taken`.
fn prefix(name: &str, taken: &[String]) -> String {
    let letters: Vec<char> = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut base: String = letters.first().map(|c| c.to_string()).unwrap_or_default();
    for &c in letters.iter().skip(1) {
        if base.len() == 3 {
            break;
        }
        if !"AEIOU".contains(c) {
            base.push(c);
        }
    }
    for &c in letters.iter().skip(1) {
        if base.len() >= 3 {
            break;
        }
        base.push(c);
    }
    if base.is_empty() {
        base = "OBJ".to_string();
    }
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|p| !taken.contains(p))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::{prefix, sql_help};

    #[test]
    fn a_read_only_store_is_explained_as_permissions_not_as_a_read_only_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (a)")
            .unwrap();
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let e = conn.execute_batch("INSERT INTO t VALUES (1)").unwrap_err();
        let text = sql_help(&e);
        assert!(
            text.contains("cannot be written by this user") && text.contains("directory"),
            "{text}"
        );
    }

    #[test]
    fn prefixes_read_like_the_type_and_never_repeat() {
        assert_eq!(prefix("Users", &[]), "USR");
        assert_eq!(prefix("Groups", &[]), "GRP");
        assert_eq!(prefix("Apps", &[]), "APP");
        assert_eq!(prefix("Roles", &[]), "RLS");
        assert_eq!(prefix("Io", &[]), "IO");
        assert_eq!(prefix("Ärzte", &[]), "RZT");
        assert_eq!(prefix("日本", &[]), "OBJ");
        assert_eq!(prefix("Users", &["USR".to_string()]), "USR2");
    }
}
