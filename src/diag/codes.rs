//! The registry of diagnostic codes.
//!
//! A code names one kind of problem for good: scripts and admins search for it, so a code is
//! never renumbered or reused. Retired codes stay in the table with `retired: true`.

use std::fmt;

macro_rules! codes {
    ($($variant:ident = $code:literal, $title:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant),* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in diagnostics, e.g. `M004`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// A one-line title of the problem.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }
        }
    };
}

codes! {
    // Lines and sections (compile time).
    UnrecognisedLine = "M001", "line is neither a section header nor a `prefix:` entry";
    UnknownPrefix = "M002", "unknown line prefix";
    MissingEquals = "M003", "missing `=` between source and attribute";
    EmptyAttribute = "M004", "empty attribute name";
    EmptySource = "M005", "empty source";
    UnknownConfig = "M006", "unknown config name";
    InvalidConfigValue = "M007", "invalid config value";
    DuplicateKey = "M008", "a second `key:` in one section";
    MissingKey = "M009", "section has no `key:`";
    DuplicateSection = "M010", "section header repeated";
    // Sources.
    SourceSyntax = "M011", "source expression cannot be read";
    UnknownFunction = "M012", "unknown function";
    WrongArity = "M013", "wrong number of arguments";
    InvalidJsonPath = "M014", "invalid JSONPath";
    InvalidCompatFilter = "M015", "invalid compatibility filter form";
    ReferenceSyntax = "M016", "reference query cannot be read";
    UnknownOption = "M017", "unknown option after `|`";
    ConditionSyntax = "M018", "filter condition cannot be read";
    DependencyCycle = "M019", "sections reference each other in a cycle";
    UnterminatedPlaceholder = "M020", "unterminated `${`";
    UnbalancedQuote = "M021", "unterminated quoted text";
    UnbalancedBracket = "M022", "unbalanced parenthesis or bracket";
    LiteralArgumentExpected = "M023", "argument must be a quoted literal";
    InvalidDateFormat = "M024", "invalid date format";
    NotUtf8 = "M025", "mapping file is not UTF-8 text";
    DuplicateConfig = "M026", "config name set twice in one section";
    EmptyOptionValue = "M027", "option without a value";
    KeyWithPipe = "M028", "a key cannot be a reference or take options";
    DuplicateAttribute = "M029", "attribute written by several lines of one section";
    // Target schema (compile time, with `--schema`).
    UnknownObjectType = "M030", "object type not in the schema";
    UnknownAttribute = "M031", "attribute not in the schema";
    NotAReference = "M032", "reference on an attribute that is not a reference";
    TooManyValues = "M033", "several values for a single-valued attribute";
    NestingTooDeep = "M034", "expression nested too deeply";
    LineTooLong = "M035", "line too long";
    EmptyMapping = "M036", "mapping has no sections";
    // Records (evaluation time): the record is skipped, the run goes on.
    NotAScalar = "M101", "object or array where a single value is needed";
    MissingKeyValue = "M102", "record has no key value";
    SeveralKeyValues = "M103", "record has several key values";
    MismatchedValueCounts = "M104", "placeholders give different numbers of values";
    UnparsableDate = "M105", "value is not an ISO-8601 date";
    JsonPathResult = "M106", "JSONPath gives no node list";
    // Records (plan time): the attribute or record is left as the target has it.
    DuplicateRecordKey = "M107", "two records give the same key";
    AmbiguousReference = "M108", "reference matches several objects";
    UnmatchedReference = "M109", "reference matches no object";
    ValueType = "M110", "value does not fit the attribute's type";
    TooManyRecordValues = "M111", "several values for a single-valued attribute (record)";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "code {s} is used twice");
            assert_eq!(s.len(), 4, "{s}");
            assert!(
                s.starts_with('M') && s[1..].chars().all(|c| c.is_ascii_digit()),
                "{s}"
            );
            assert!(!code.title().is_empty());
        }
    }

    #[test]
    fn the_language_docs_list_every_code() {
        let docs = include_str!("../../docs/language.md");
        for code in Code::ALL {
            assert!(
                docs.contains(&format!("| {} |", code.as_str())),
                "docs/language.md does not list {code}"
            );
        }
    }
}
