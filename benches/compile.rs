//! Compiling a large mapping: 1,000 lines in 10 sections, with every kind of line the language
//! has (dot paths, templates, literals, functions, JSONPath, compatibility filters, references
//! with each AQL form, `arraySeparator`, filters and config), generated the same way every run.
//!
//! `cargo bench --bench compile` (`ASSETSYNC_BENCH_CLOCK=cpu` for CPU time, see `support/clock.rs`)

#[path = "support/clock.rs"]
mod clock;

use criterion::measurement::Measurement;
use criterion::{black_box, Criterion, Throughput};
use std::fmt::Write;

const SECTIONS: usize = 10;
const LINES_PER_SECTION: usize = 100;

/// The map lines, cycled through; `{n}` is replaced by a number unique in the section, so that
/// every attribute name is distinct and paths vary from line to line.
const MAP_LINES: &[&str] = &[
    "map:profile.field{n}=Field {n}",
    "map:profile.address.street{n}=Street {n}",
    "map:credentials.emails.{i}.value=Email {n}",
    "map:groups.profile.name=Group Names {n}",
    "map:\"${profile.firstName} ${profile.lastName} ({n})\"=Display Name {n}",
    "map:'Okta {n}'=Source {n}",
    "map:lower(profile.email)=Lower Email {n}",
    "map:upper(trim(profile.lastName))=Upper Last Name {n}",
    "map:coalesce(profile.department, profile.division, 'Unassigned {n}')=Department {n}",
    "map:concat(profile.firstName, ' ', upper(profile.lastName))=Full Name {n}",
    "map:trim(split(profile.costCenters, ','))=Cost Centers {n}",
    "map:join(credentials.emails.value, '; ')=All Emails {n}",
    "map:first(credentials.emails.value)=First Email {n}",
    "map:replace(profile.mobilePhone, '-', ' ')=Mobile {n}",
    "map:date(created, '%Y-%m-%d')=Start Date {n}",
    "map:date(lastLogin, '%d/%m/%Y %H:%M')=Last Login {n}",
    "map:$.credentials.emails[?@.type=='PRIMARY'].value=Primary Email {n}",
    "map:$['profile']['field{n}']=Bracketed Field {n}",
    "map:$.credentials.emails[?@.status!='VERIFIED' && @.type=='SECONDARY'].value=Unverified {n}",
    "map:values.{i}_where_operatingSystem/name_eq_Uptime=Uptime {n}",
    "map:jsonpath__workAssignments.*.address.cityName__where__workAssignments.*.primaryIndicator_eq_true=Work City {n}",
    "map:groups=Groups {n}|Name=${groups}",
    "map:roles=Roles {n}|\"Role Name\"=${roles} AND Status=\"Active\"",
    "map:apps=Apps {n}|Name IN (${apps})",
    "map:profile.department=Department Ref {n}|Name=${upper(trim(profile.department))}",
    "map:tags=Tags {n}|arraySeparator=~",
];

const FILTER_LINES: &[&str] = &[
    "filter:status != 'DEPROVISIONED'",
    "filter:(profile.userType == 'Employee' or profile.userType == 'Contractor') and not profile.lastName == 'O\\'Brien'",
    "filter:profile.accessLevel >= 2 and profile.accessLevel < 5",
    "filter:not exists(profile.mobilePhone) or profile.lastName in ['Johnson', 'Mclean', 'Zoë']",
    "filter:profile.managerId != null and profile.isServiceAccount == false",
];

const CONFIG_LINES: &[&str] = &[
    "config:data_source=/api/v1/users?limit=200&search=status%20eq%20%22ACTIVE%22",
    "config:records=_embedded.users",
    "config:section=roles,groups,apps",
    "config:search=status eq \"ACTIVE\" and profile.department eq \"Engineering\"",
    "config:page_size=200",
    "config:max_pages=3",
    "config:references=lookup",
    "config:empty=clear",
    "config:missing=set:Status=Inactive",
    "config:missing_limit=5%",
];

fn section_name(s: usize) -> String {
    format!("Users {s}")
}

/// The mapping text: exactly `SECTIONS * LINES_PER_SECTION` lines. Each section but the last
/// references the next one's object type, so the compiler has to order them last to first.
fn mapping() -> String {
    let mut text = String::new();
    for s in 0..SECTIONS {
        let start = text.lines().count();
        writeln!(text, "# Section {s}: Okta users, every kind of line").unwrap();
        writeln!(text, "{}:", section_name(s)).unwrap();
        writeln!(text, "key:id=WorkerID").unwrap();
        for line in FILTER_LINES.iter().chain(CONFIG_LINES) {
            writeln!(text, "{line}").unwrap();
        }
        if s + 1 < SECTIONS {
            writeln!(
                text,
                "map:profile.managerId={}|WorkerID=${{profile.managerId}}",
                section_name(s + 1)
            )
            .unwrap();
        }
        // The rest of the section's lines, less the blank line that ends it.
        let used = text.lines().count() - start;
        for n in 0..LINES_PER_SECTION - used - 1 {
            let template = MAP_LINES[n % MAP_LINES.len()];
            let line = template
                .replace("{n}", &n.to_string())
                .replace("{i}", &(n % 3).to_string());
            writeln!(text, "{line}").unwrap();
        }
        writeln!(text).unwrap();
    }
    text
}

fn bench<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    let text = mapping();
    let lines = text.lines().count();
    assert_eq!(lines, SECTIONS * LINES_PER_SECTION);

    // The bench must measure a successful compile, not an early exit on a broken file.
    let compiled = assetsync::lang::compile(&text, None);
    assert!(
        compiled.diagnostics.is_empty(),
        "the generated mapping has diagnostics: {:#?}",
        compiled.diagnostics
    );
    let program = compiled.program.expect("a program");
    assert_eq!(program.sections.len(), SECTIONS);
    assert_eq!(
        program.order,
        (0..SECTIONS).rev().collect::<Vec<_>>(),
        "each section references the next, so they run last to first"
    );

    let mut group = c.benchmark_group(format!("compile{suffix}"));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("{lines}_lines"), |b| {
        b.iter(|| assetsync::lang::compile(black_box(&text), None))
    });
    group.finish();
}

fn main() {
    clock::run(bench, bench);
}
