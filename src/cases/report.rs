//! What `assetsync test` says: a line per case with its differences and totals for people, one
//! JSON document for scripts, JUnit XML for CI systems.

use super::compare::Difference;
use console::Style;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every expectation holds.
    Pass,
    /// An expectation does not hold, or the case could not be run.
    Fail,
    /// The case has no expectations yet.
    New,
    /// `--update` wrote expectations that differed or were missing.
    Updated,
}

/// Why a case failed other than by a difference: the mapping's diagnostics, a malformed source,
/// a `store.json` that does not describe a store, a mapping that does not fit it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The file at fault.
    pub file: String,
    pub message: String,
}

/// One entry of `failures`: a difference or a problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Failure {
    Difference(Difference),
    Problem(Problem),
}

impl Failure {
    fn text(&self) -> String {
        match self {
            Failure::Difference(d) => format!("{}: {}", d.file, d.message),
            Failure::Problem(p) => p.message.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub mapping: String,
    pub case: String,
    /// The case folder, for people to open.
    #[serde(skip)]
    pub dir: String,
    pub status: Status,
    pub failures: Vec<Failure>,
    /// The expectations `--update` wrote.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub new: usize,
    pub updated: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: Vec<CaseReport>,
    pub totals: Totals,
}

impl Report {
    pub fn new(cases: Vec<CaseReport>) -> Report {
        let mut totals = Totals::default();
        for c in &cases {
            match c.status {
                Status::Pass => totals.pass += 1,
                Status::Fail => totals.fail += 1,
                Status::New => totals.new += 1,
                Status::Updated => totals.updated += 1,
            }
        }
        Report { cases, totals }
    }

    /// No case failed and none is waiting for its expectations.
    pub fn passed(&self) -> bool {
        self.totals.fail == 0 && self.totals.new == 0
    }

    pub fn human(&self, colour: bool) -> String {
        let style = |s: Style| s.force_styling(colour);
        let (green, red, yellow, dim) = (
            style(Style::new().green()),
            style(Style::new().red().bold()),
            style(Style::new().yellow()),
            style(Style::new().dim()),
        );
        let mut out = String::new();
        for c in &self.cases {
            let (word, st) = match c.status {
                Status::Pass => ("pass", &green),
                Status::Fail => ("FAIL", &red),
                Status::New => ("new", &yellow),
                Status::Updated => ("updated", &yellow),
            };
            let note = match c.status {
                Status::New => " (no expectations yet)".to_string(),
                Status::Updated => format!(" (wrote {})", c.written.join(", ")),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{} {}{}",
                st.apply_to(format!("{word:<7}")),
                c.dir,
                dim.apply_to(note)
            );
            for f in &c.failures {
                for line in f.text().lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
        let t = &self.totals;
        let _ = writeln!(
            out,
            "\n{} case{}: {} pass, {} fail, {} new, {} updated",
            self.cases.len(),
            if self.cases.len() == 1 { "" } else { "s" },
            t.pass,
            t.fail,
            t.new,
            t.updated
        );
        if t.fail > 0 || t.new > 0 {
            let _ = writeln!(
                out,
                "{}",
                dim.apply_to(
                    "review what differs; `assetsync test --update <MAPPING>` accepts it as the expectation"
                )
            );
        }
        out
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// JUnit XML: a suite per mapping, a test case per case folder. A `new` case is a failure,
    /// as the exit code has it.
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failing = |c: &CaseReport| matches!(c.status, Status::Fail | Status::New);
        let _ = writeln!(
            out,
            "<testsuites name=\"assetsync test\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            self.cases.len(),
            self.cases.iter().filter(|c| failing(c)).count()
        );
        let mut mappings: Vec<&str> = Vec::new();
        for c in &self.cases {
            if !mappings.contains(&c.mapping.as_str()) {
                mappings.push(&c.mapping);
            }
        }
        for mapping in mappings {
            let cases: Vec<&CaseReport> =
                self.cases.iter().filter(|c| c.mapping == mapping).collect();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
                xml(mapping),
                cases.len(),
                cases.iter().filter(|c| failing(c)).count()
            );
            for c in cases {
                let open = format!(
                    "    <testcase name=\"{}\" classname=\"{}\"",
                    xml(&c.case),
                    xml(mapping)
                );
                match c.status {
                    Status::Pass => {
                        let _ = writeln!(out, "{open}/>");
                    }
                    Status::Updated => {
                        let _ = writeln!(
                            out,
                            "{open}>\n      <system-out>updated: {}</system-out>\n    </testcase>",
                            xml(&c.written.join(", "))
                        );
                    }
                    Status::New => {
                        let _ = writeln!(
                            out,
                            "{open}>\n      <failure type=\"new\" message=\"no expectations yet: run assetsync test --update to write them\"/>\n    </testcase>"
                        );
                    }
                    Status::Fail => {
                        let body: Vec<String> = c.failures.iter().map(Failure::text).collect();
                        let first = body.first().cloned().unwrap_or_default();
                        let message = match body.len() {
                            1 => first,
                            n => format!("{first} (and {} more)", n - 1),
                        };
                        let _ = writeln!(
                            out,
                            "{open}>\n      <failure type=\"fail\" message=\"{}\">{}</failure>\n    </testcase>",
                            xml(&message),
                            xml(&body.join("\n"))
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// Text for XML content and attribute values. Characters XML 1.0 cannot hold at all (most
/// control characters) become U+FFFD, so that a record's stray control byte never makes the
/// report unreadable to a CI system.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_text_is_escaped_and_forbidden_characters_replaced() {
        assert_eq!(
            xml("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
