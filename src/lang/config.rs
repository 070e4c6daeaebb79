//! `config:` lines: names checked, values typed.

use super::ast::ConfigEntry;
use super::program::*;
use crate::diag::{did_you_mean, Code, Diagnostic};

/// Every config name (and the alias `max_loops`).
pub const CONFIG_NAMES: &[&str] = &[
    "object_type",
    "data_source",
    "records",
    "section",
    "search",
    "filter",
    "page_size",
    "max_pages",
    "max_loops",
    "references",
    "empty",
    "missing",
    "missing_limit",
];

/// The related lists a provider can add to each record.
pub const SECTION_LISTS: &[&str] = &["roles", "groups", "apps"];

/// Applies one `config:` line to `config` (or to `object_type`). Errors go to `diags`.
pub fn apply(
    entry: &ConfigEntry,
    config: &mut SectionConfig,
    object_type: &mut Option<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let name = entry.name.value.as_str();
    let value = entry.value.value.as_str();
    let invalid = |message: String, help: &str| {
        Diagnostic::error(Code::InvalidConfigValue, entry.value.span, message)
            .with_label("invalid value")
            .with_help(help.to_string())
    };
    if !CONFIG_NAMES.contains(&name) {
        let mut d = Diagnostic::error(
            Code::UnknownConfig,
            entry.name.span,
            format!("unknown config name `{name}`"),
        )
        .with_label("not a config name");
        d.help = Some(
            did_you_mean(name, CONFIG_NAMES.iter().copied())
                .unwrap_or_else(|| format!("the config names are {}", CONFIG_NAMES.join(", "))),
        );
        diags.push(d);
        return;
    }
    if value.is_empty() {
        diags.push(invalid(
            format!("`{name}` needs a value"),
            "write `config:<name>=<value>`",
        ));
        return;
    }
    let result: Result<(), Diagnostic> = match name {
        "object_type" => {
            *object_type = Some(value.to_string());
            Ok(())
        }
        "data_source" => {
            if value.starts_with('/') || value.starts_with("https://") || value.starts_with("http://") {
                config.data_source = Some(value.to_string());
                Ok(())
            } else if value.contains("://") {
                Err(invalid(
                    format!("`{value}` is not a provider path"),
                    "give a path on the provider, e.g. `/api/v1/groups`, or an `https://` URL on the provider's own host",
                ))
            } else {
                // The commercial importers' docs write paths without the leading slash
                // (`api/v1/groups`): the same path on the provider.
                config.data_source = Some(format!("/{value}"));
                Ok(())
            }
        }
        "records" => {
            config.records = Some(DotPath::parse(value, '.'));
            if value.split('.').any(str::is_empty) {
                Err(invalid(format!("`{value}` is not a dot path"), "e.g. `_embedded.users` or `Resources`"))
            } else {
                Ok(())
            }
        }
        "section" => {
            let mut lists: Vec<String> = Vec::new();
            let mut bad = None;
            for item in value.split(',').map(str::trim) {
                if !SECTION_LISTS.contains(&item) {
                    bad.get_or_insert(item.to_string());
                } else if !lists.iter().any(|l| l == item) {
                    lists.push(item.to_string());
                }
            }
            config.section = lists;
            match bad {
                None => Ok(()),
                Some(item) => {
                    let hint = did_you_mean(&item, SECTION_LISTS.iter().copied())
                        .unwrap_or_else(|| "the lists are roles, groups and apps".to_string());
                    Err(invalid(format!("unknown related list `{item}`"), &hint))
                }
            }
        }
        "search" => {
            config.search = Some(value.to_string());
            Ok(())
        }
        "filter" => {
            config.filter = Some(value.to_string());
            Ok(())
        }
        "page_size" | "max_pages" | "max_loops" => match value.parse::<u32>() {
            Ok(n) if n > 0 => {
                if name == "page_size" {
                    config.page_size = Some(n);
                } else {
                    config.max_pages = Some(n);
                }
                Ok(())
            }
            _ => Err(invalid(format!("`{name}` must be a whole number above 0, found `{value}`"), "e.g. `200`")),
        },
        "references" => match value {
            "create" => {
                config.references = ReferencePolicy::Create;
                Ok(())
            }
            "lookup" => {
                config.references = ReferencePolicy::Lookup;
                Ok(())
            }
            _ => Err(invalid(format!("`references` is `create` or `lookup`, found `{value}`"), &choice(value, &["create", "lookup"]))),
        },
        "empty" => match value {
            "keep" => {
                config.empty = EmptyPolicy::Keep;
                Ok(())
            }
            "clear" => {
                config.empty = EmptyPolicy::Clear;
                Ok(())
            }
            _ => Err(invalid(format!("`empty` is `keep` or `clear`, found `{value}`"), &choice(value, &["keep", "clear"]))),
        },
        "missing" => parse_missing(value).map(|m| config.missing = m).map_err(|help| {
            invalid(format!("`missing` is `keep`, `delete` or `set:<Attribute>=<value>`, found `{value}`"), &help)
        }),
        _ => parse_limit(value).map(|l| config.missing_limit = l).ok_or_else(|| {
            invalid(
                format!("`missing_limit` is a percentage or a count, found `{value}`"),
                "e.g. `10%` or `25`",
            )
        }),
    };
    if let Err(d) = result {
        diags.push(d);
    }
}

fn choice(value: &str, options: &[&str]) -> String {
    did_you_mean(value, options.iter().copied())
        .unwrap_or_else(|| format!("use one of: {}", options.join(", ")))
}

fn parse_missing(value: &str) -> Result<MissingPolicy, String> {
    match value {
        "keep" => Ok(MissingPolicy::Keep),
        "delete" => Ok(MissingPolicy::Delete),
        _ => match value
            .strip_prefix("set:")
            .and_then(|rest| rest.split_once('='))
        {
            Some((attribute, v)) if !attribute.trim().is_empty() => Ok(MissingPolicy::Set {
                attribute: attribute.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(did_you_mean(value, ["keep", "delete"]).unwrap_or_else(|| {
                "e.g. `set:Status=Inactive` marks the objects the source no longer has".to_string()
            })),
        },
    }
}

fn parse_limit(value: &str) -> Option<Limit> {
    match value.strip_suffix('%') {
        Some(p) => p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p))
            .map(Limit::Percent),
        None => value.parse::<u64>().ok().map(Limit::Count),
    }
}
