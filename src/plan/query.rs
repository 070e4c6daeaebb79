//! The AQL subset that references use, read back from the text the evaluator rendered.
//!
//! A query is a conjunction of terms; an `IN` term stands for one query per listed value. So a
//! query reads as a list of [`Atom`]s, each a conjunction of `attribute = value` pairs, and each
//! atom must match at most one object.

use crate::lang::ast::{AqlOp, AqlValue};
use crate::lang::parser::parse_aql;

/// `attribute = value AND …`: the attributes and values one referenced object must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    pub terms: Vec<(String, String)>,
}

impl Atom {
    /// How the atom reads in messages: `Name = "x" AND Region = "EU"`.
    pub fn aql(&self) -> String {
        let mut out = String::new();
        for (i, (attribute, value)) in self.terms.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            out.push_str(&crate::lang::aql::attribute(attribute));
            out.push_str(" = ");
            crate::lang::aql::quote_into(&mut out, value);
        }
        out
    }
}

/// Reads a rendered reference query into its atoms.
pub fn atoms(aql: &str) -> Result<Vec<Atom>, String> {
    let mut diagnostics = Vec::new();
    let parsed = parse_aql(aql, 0, &mut diagnostics).ok_or_else(|| {
        diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_else(|| "not a reference query".to_string())
    })?;
    let mut rows: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for term in parsed.terms {
        let values: Vec<String> = term
            .values
            .into_iter()
            .map(AqlValue::into_constant)
            .collect::<Option<_>>()
            .ok_or("the query still has a placeholder")?;
        let attribute = term.attribute.value;
        rows = match term.op {
            AqlOp::Eq => {
                let [value] = values.as_slice() else {
                    return Err("`=` takes one value".to_string());
                };
                for row in &mut rows {
                    row.push((attribute.clone(), value.clone()));
                }
                rows
            }
            AqlOp::In => rows
                .iter()
                .flat_map(|row| {
                    values.iter().map(|v| {
                        let mut r = row.clone();
                        r.push((attribute.clone(), v.clone()));
                        r
                    })
                })
                .collect(),
        };
    }
    Ok(rows.into_iter().map(|terms| Atom { terms }).collect())
}

/// AQL's `=` compares text without regard to case; values are folded once, then compared.
pub fn fold(text: &str) -> String {
    if text
        .bytes()
        .all(|b| !b.is_ascii_uppercase() && b.is_ascii())
    {
        text.to_string()
    } else {
        text.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::aql::quote;

    fn pairs(atom: &Atom) -> Vec<(&str, &str)> {
        atom.terms
            .iter()
            .map(|(a, v)| (a.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn an_escaped_value_reads_back_as_one_value() {
        let value = r#"Sales "EMEA" \ OR Name="x""#;
        let atoms = atoms(&format!("Name = {}", quote(value))).unwrap();
        assert_eq!(atoms.len(), 1);
        assert_eq!(pairs(&atoms[0]), vec![("Name", value)]);
    }

    #[test]
    fn in_gives_one_atom_per_value_and_and_joins_terms() {
        let atoms = atoms(r#""Group Name" IN ("a", "b") AND Region = "EU""#).unwrap();
        assert_eq!(atoms.len(), 2);
        assert_eq!(
            pairs(&atoms[0]),
            vec![("Group Name", "a"), ("Region", "EU")]
        );
        assert_eq!(
            pairs(&atoms[1]),
            vec![("Group Name", "b"), ("Region", "EU")]
        );
        assert_eq!(atoms[1].aql(), r#""Group Name" = "b" AND Region = "EU""#);
    }

    #[test]
    fn folding_ignores_case_in_any_script() {
        assert_eq!(fold("Sales"), fold("SALES"));
        assert_eq!(fold("ÄRZTE"), fold("ärzte"));
        assert_ne!(fold("a"), fold("b"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(atoms("Name = ").is_err());
        assert!(atoms("").is_err());
    }
}
