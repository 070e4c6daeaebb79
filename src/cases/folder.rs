//! The case folders of a mapping: `X.map` has its cases in the sub-folders of `X.tests/` beside
//! it, each with its records (`source.json`, `source.jsonl`, or `source.<Section>.json(l)` per
//! section), optionally the store's prior state (`store.json`), and the expectations
//! (`images.jsonl`, `plan.json`).

use std::path::{Path, PathBuf};

pub const STORE: &str = "store.json";

/// One case folder.
#[derive(Debug, Clone)]
pub struct Case {
    /// The folder's name.
    pub name: String,
    pub dir: PathBuf,
    /// The record files: `None` for the one without a section name.
    pub sources: Vec<(Option<String>, PathBuf)>,
}

impl Case {
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The folder of a mapping's cases: `users.map` → `users.tests`.
pub fn cases_dir(mapping: &Path) -> PathBuf {
    let stem = mapping
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    mapping.with_file_name(format!("{stem}.tests"))
}

/// The cases of a mapping, by name. A mapping without cases, or a case without records, is
/// refused with what to add.
pub fn cases(mapping: &Path) -> Result<Vec<Case>, String> {
    let dir = cases_dir(mapping);
    let how = format!(
        "make a folder {}/<case>/ holding the records as source.json (or source.jsonl)",
        dir.display()
    );
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{}: no cases: {how}", mapping.display()))
        }
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut cases = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        // Hidden folders are an editor's or a tool's, not cases.
        if name.starts_with('.') {
            continue;
        }
        let sources = sources(&path)?;
        cases.push(Case {
            name,
            dir: path,
            sources,
        });
    }
    if cases.is_empty() {
        return Err(format!(
            "{}: no cases in {}: {how}",
            mapping.display(),
            dir.display()
        ));
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// The record files of a case folder, each once.
fn sources(dir: &Path) -> Result<Vec<(Option<String>, PathBuf)>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut found: Vec<(Option<String>, PathBuf)> = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix("source") else {
            continue;
        };
        let Some(stem) = rest
            .strip_suffix(".jsonl")
            .or_else(|| rest.strip_suffix(".json"))
        else {
            continue;
        };
        let section = match stem {
            "" => None,
            s => match s.strip_prefix('.') {
                Some(section) if !section.is_empty() => Some(section.to_string()),
                _ => continue,
            },
        };
        if let Some((_, other)) = found.iter().find(|(s, _)| *s == section) {
            return Err(format!(
                "{}: both {} and {} hold records{}; keep one",
                dir.display(),
                other.file_name().unwrap_or_default().to_string_lossy(),
                file,
                section
                    .map(|s| format!(" of section `{s}`"))
                    .unwrap_or_default()
            ));
        }
        found.push((section, entry.path()));
    }
    if found.is_empty() {
        return Err(format!(
            "{}: no records: add source.json or source.jsonl (source.<Section>.json for each section of a mapping with several)",
            dir.display()
        ));
    }
    found.sort();
    Ok(found)
}
