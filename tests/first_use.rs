//! What a new user meets first: which records feed which section, what `apply` says when it
//! does not write, two runs on one store, Ctrl-C, a closed pipe, a store in a missing
//! directory, and the forms of the commercial importers' mappings. Each test drives the binary
//! in its own directory.

use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/cli.rs"]
mod support;
use support::{bin, Dir, Run};

const GROUPS_USERS: &str =
    "Groups:\nkey:id=GroupID\nmap:profile.name=Name\nconfig:records=_embedded.groups\n\n\
Users:\nkey:id=WorkerID\nmap:profile.email=Email\n";

/// An Okta-shaped page that holds groups and users side by side.
const DOCUMENT: &str = r#"{"_embedded": {
  "groups": [{"id": "00g1", "profile": {"name": "Everyone"}}, {"id": "00g2", "profile": {"name": "Sales"}}],
  "users": [{"id": "00u1", "profile": {"email": "amina@example.com"}}]}}"#;

const USERS_ARRAY: &str = r#"[{"id": "00u1", "profile": {"email": "amina@example.com"}},
 {"id": "00u2", "profile": {"email": "luc@example.com"}}]"#;

fn keys(run: &Run) -> Vec<String> {
    run.images()
        .iter()
        .map(|i| i["key"]["value"].as_str().unwrap().to_string())
        .collect()
}

fn dump(dir: &Dir) -> Value {
    dir.run(&["store", "dump"]).expect(0).json()
}

// -------------------------------------------------------------- 1. one source per section

#[test]
fn one_source_does_not_feed_a_section_that_names_no_records_path() {
    let dir = Dir::new(&[("both.map", GROUPS_USERS), ("users.json", USERS_ARRAY)]);
    // Users names no `records` path: the one file cannot be told apart for it.
    let run = dir
        .run(&["plan", "both.map", "--source", "users.json"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("give `--source <Section>=<FILE>` for each of: `Users`"),
        "{}",
        run.stderr()
    );
    assert!(!dir.path().join("assets.db").exists());
}

#[test]
fn one_document_feeds_every_section_at_its_own_records_path() {
    let map = "Groups:\nkey:id=GroupID\nmap:profile.name=Name\nconfig:records=_embedded.groups\n\n\
Users:\nkey:id=WorkerID\nmap:profile.email=Email\nconfig:records=_embedded.users\n";
    let dir = Dir::new(&[("both.map", map), ("page.json", DOCUMENT)]);
    let run = dir
        .run(&["eval", "both.map", "--source", "page.json"])
        .expect(0);
    assert_eq!(keys(&run), ["00g1", "00g2", "00u1"]);
}

#[test]
fn an_array_source_reads_the_records_path_in_each_element_or_says_which_has_none() {
    let map = "Users:\nkey:id=WorkerID\nmap:profile.email=Email\nconfig:records=_embedded.user\n";
    let pages = r#"[{"_embedded": {"user": [{"id": "00u1"}, {"id": "00u2"}]}},
 {"_embedded": {"user": {"id": "00u3"}}}]"#;
    let dir = Dir::new(&[
        ("rec.map", map),
        ("pages.json", pages),
        ("users.json", USERS_ARRAY),
    ]);
    let run = dir
        .run(&["eval", "rec.map", "--source", "pages.json"])
        .expect(0);
    assert_eq!(keys(&run), ["00u1", "00u2", "00u3"]);

    // A plain array of users has no `_embedded.user` in its elements: not 2 images, an error.
    let run = dir
        .run(&["eval", "rec.map", "--source", "users.json"])
        .expect(1);
    assert_eq!(run.stdout(), "");
    assert!(
        run.stderr()
            .contains("element 1 of the array: no array of records at `_embedded.user`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn json_lines_documents_hold_their_records_at_the_path() {
    let map = "Users:\nkey:id=WorkerID\nconfig:records=data\n";
    let lines = "{\"data\": [{\"id\": \"1\"}, {\"id\": \"2\"}]}\n{\"data\": [{\"id\": \"3\"}]}\n{\"id\": \"4\"}\n";
    let good: String = lines.lines().take(2).map(|l| format!("{l}\n")).collect();
    let dir = Dir::new(&[
        ("rec.map", map),
        ("pages.jsonl", lines),
        ("good.jsonl", &good),
    ]);
    let run = dir
        .run(&["eval", "rec.map", "--source", "good.jsonl"])
        .expect(0);
    assert_eq!(keys(&run), ["1", "2", "3"]);
    // A line that is a record, not a document with records at `data`, is refused.
    let run = dir
        .run(&["eval", "rec.map", "--source", "pages.jsonl"])
        .expect(1);
    assert!(
        run.stderr()
            .contains("pages.jsonl:3:1: no array of records at `data` in this line"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_unknown_section_in_source_names_the_sections_there_are() {
    let dir = Dir::new(&[("both.map", GROUPS_USERS), ("x.json", USERS_ARRAY)]);
    let run = dir
        .run(&["plan", "both.map", "--source", "Groupz=x.json"])
        .expect(2);
    assert!(
        run.stderr().contains(
            "`--source Groupz=x.json`: the mapping has no section `Groupz`; did you mean `Groups`?"
        ),
        "{}",
        run.stderr()
    );
}

// --------------------------------------------------------- 3. two applies on one store

/// The store's file lock, as another run would hold it.
fn hold_store(dir: &Dir) -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.path().join("assets.db"))
        .unwrap();
    file.lock().unwrap();
    file
}

#[test]
fn two_applies_at_once_follow_each_other_and_the_second_changes_nothing() {
    let dir = Dir::new(&[("users.map", USERS_MAP), ("users.json", USERS_ARRAY)]);
    for round in 0..4 {
        let _ = std::fs::remove_file(dir.path().join("assets.db"));
        let spawn = || {
            Command::new(bin())
                .args(["apply", "users.map", "--source", "users.json"])
                .current_dir(dir.path())
                .env("NO_COLOR", "1")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let runs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        for out in &runs {
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // One of them created the two users, the other found them there.
        let mut totals: Vec<String> = runs
            .iter()
            .map(|o| {
                let text = String::from_utf8_lossy(&o.stdout).to_string();
                text.lines().last().unwrap().to_string()
            })
            .collect();
        totals.sort();
        assert_eq!(
            totals,
            [
                "total  0 create, 0 update, 2 unchanged, 0 delete, 0 mark, 0 errors",
                "total  2 create, 0 update, 0 unchanged, 0 delete, 0 mark, 0 errors",
            ],
            "round {round}"
        );
        assert_eq!(dump(&dir)["objects"].as_array().unwrap().len(), 2);
    }
}

const USERS_MAP: &str = "Users:\nkey:id=WorkerID\nmap:profile.email=Email\n";

#[test]
fn a_run_waits_for_the_store_and_then_plans_against_it() {
    let dir = Dir::new(&[("users.map", USERS_MAP), ("users.json", USERS_ARRAY)]);
    let held = hold_store(&dir);
    let mut child = Command::new(bin())
        .args(["apply", "users.map", "--source", "users.json"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "it waits");
    drop(held);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("waiting for the store assets.db: another run is using it"),
        "{stderr}"
    );
    assert_eq!(dump(&dir)["objects"].as_array().unwrap().len(), 2);
}

#[test]
fn a_run_that_waits_too_long_for_the_store_stops_with_exit_2() {
    let dir = Dir::new(&[("users.map", USERS_MAP), ("users.json", USERS_ARRAY)]);
    let _held = hold_store(&dir);
    let started = Instant::now();
    let run = dir
        .run(&[
            "apply",
            "users.map",
            "--source",
            "users.json",
            "--store-wait",
            "1",
        ])
        .expect(2);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        run.stderr()
            .contains("the store assets.db is in use by another run (waited 1 s)"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("SQL"), "{}", run.stderr());
}

// ----------------------------------------------------------- 4. a refused apply says so

const GUARDED: &str = "Users:\nkey:id=WorkerID\nmap:profile.email=Email\nconfig:missing=delete\nconfig:missing_limit=0\n";

#[test]
fn a_refused_apply_says_so_on_stdout_and_in_json() {
    let dir = Dir::new(&[
        ("users.map", GUARDED),
        ("users.json", USERS_ARRAY),
        (
            "fewer.json",
            r#"[{"id": "00u1", "profile": {"email": "amina@example.com"}}]"#,
        ),
    ]);
    let run = dir
        .run(&[
            "apply",
            "users.map",
            "--source",
            "users.json",
            "--format",
            "json",
        ])
        .expect(0);
    let report = run.json();
    assert_eq!(report["written"], json!(true));
    assert!(report.get("reason").is_none());
    assert_eq!(
        report["total"],
        json!({"create": 2, "update": 0, "unchanged": 0, "delete": 0, "mark": 0, "errors": 0})
    );

    let before = dir.read("assets.db");
    let run = dir
        .run(&["apply", "users.map", "--source", "fewer.json"])
        .expect(1);
    assert!(
        run.stdout()
            .starts_with("refused: nothing was written. The plan was:\n"),
        "{}",
        run.stdout()
    );
    let run = dir
        .run(&[
            "apply",
            "users.map",
            "--source",
            "fewer.json",
            "--format",
            "json",
        ])
        .expect(1);
    let report = run.json();
    assert_eq!(report["written"], json!(false));
    assert!(report["reason"]
        .as_str()
        .unwrap()
        .contains("more objects than `missing_limit` allows in `Users`"));
    assert_eq!(report["sections"][0]["summary"]["delete"], json!(1));
    assert_eq!(dir.read("assets.db"), before);
}

// ----------------------------------------------------------------- 5. Ctrl-C in apply

#[cfg(unix)]
#[test]
fn ctrl_c_during_apply_writes_nothing_says_so_and_exits_130() {
    let records: Vec<Value> = (0..200_000)
        .map(|i| json!({"id": format!("u{i:06}"), "profile": {"email": format!("user{i}@example.com")}}))
        .collect();
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    let dir = Dir::new(&[("users.map", USERS_MAP), ("users.jsonl", &lines)]);
    let mut child = Command::new(bin())
        .args(["apply", "users.map", "--source", "users.jsonl"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The signal is sent once the run has begun its transaction (SQLite's journal exists).
    let journal = dir.path().join("assets.db-journal");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal.exists() && Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(journal.exists(), "the apply started writing");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("interrupted: nothing was written to the store assets.db"),
        "{stderr}"
    );
    assert!(stderr.contains("run the same command again"), "{stderr}");
    assert!(
        stdout.starts_with("interrupted after 0 write(s)"),
        "{stdout}"
    );
    // The run created the store file and wrote nothing into it: it is gone again.
    assert!(!dir.path().join("assets.db").exists());
    dir.run(&["store", "dump"]).expect(2);
}

// ---------------------------------------------------------------- 9. an empty mapping

#[test]
fn an_empty_mapping_is_an_error_not_a_quiet_no_op() {
    let dir = Dir::new(&[("empty.map", "# to do\n"), ("users.json", USERS_ARRAY)]);
    let run = dir.run(&["check", "empty.map"]).expect(1);
    assert!(run.stdout().contains("M036"), "{}", run.stdout());
    dir.run(&[
        "apply",
        "empty.map",
        "--source",
        "users.json",
        "--object-type",
        "Users",
    ])
    .expect(1);
    assert!(!dir.path().join("assets.db").exists());
}

// -------------------------------------------------------------------- 11. a closed pipe

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_eval_and_store_dump_quietly() {
    let lines: String = (0..50_000)
        .map(|i| {
            format!("{{\"id\": \"u{i}\", \"profile\": {{\"email\": \"u{i}@example.com\"}}}}\n")
        })
        .collect();
    let dir = Dir::new(&[("users.map", USERS_MAP), ("users.jsonl", &lines)]);
    dir.run(&["apply", "users.map", "--source", "users.jsonl"])
        .expect(0);
    for command in ["eval users.map --source users.jsonl", "store dump"] {
        // `head` reads one line and goes away long before the command has written its output.
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("set -o pipefail; '{}' {command} | head -1", bin()))
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{command}: {stderr}");
        assert_eq!(stderr, "", "{command}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    }
}

// ------------------------------------------------------------ 12. a store in no directory

#[test]
fn a_store_in_a_missing_directory_is_named_by_plan_and_apply() {
    let dir = Dir::new(&[("users.map", USERS_MAP), ("users.json", USERS_ARRAY)]);
    for command in ["plan", "apply"] {
        let run = dir
            .run(&[
                command,
                "users.map",
                "--source",
                "users.json",
                "--store",
                "nodir/x.db",
            ])
            .expect(2);
        assert!(
            run.stderr()
                .contains("no directory nodir for the store nodir/x.db: create it"),
            "{command}: {}",
            run.stderr()
        );
        assert!(
            !run.stdout().contains("apply creates it"),
            "{}",
            run.stdout()
        );
    }
}

// ---------------------------------------------------------- 6–8. the importers' forms

#[test]
fn the_importers_compat_forms_work_unchanged() {
    let map = "Workers:\nkey:associateOID=WorkerID\n\
map:jsonpath__customFieldGroup.stringFields.*.stringValue__where__customFieldGroup.stringFields.*.nameCode.codeValue_eq_Windows Login=Windows ID\n\
map:sizeMegabytes_where_storage/device_eq_any=Disk\n\
config:data_source=api/v1/workers\n";
    let record = r#"[{"associateOID": "G1",
  "customFieldGroup": {"stringFields": [
    {"nameCode": {"codeValue": "Badge"}, "stringValue": "B-1"},
    {"nameCode": {"codeValue": "Windows Login"}, "stringValue": "jdoe"}]},
  "storage": [{"sizeMegabytes": 10}, {"device": "/dev/sda", "sizeMegabytes": 500000},
              {"device": "/dev/sdb", "sizeMegabytes": 1000}]}]"#;
    let dir = Dir::new(&[("adp.map", map), ("workers.json", record)]);
    dir.run(&["check", "adp.map"]).expect(0);
    let run = dir
        .run(&["eval", "adp.map", "--source", "workers.json"])
        .expect(0);
    let image = &run.images()[0];
    assert_eq!(image["attributes"]["Windows ID"], json!(["jdoe"]));
    // The first element of `storage` that has a `device`.
    assert_eq!(image["attributes"]["Disk"], json!([500000]));
}

#[test]
fn a_data_source_without_a_leading_slash_is_the_same_path() {
    let program = |source: &str| {
        let text = format!("Groups:\nkey:id=GroupID\nconfig:data_source={source}\n");
        let compiled = assetsync::lang::compile(&text, None);
        compiled.program.expect("compiles").sections[0]
            .config
            .data_source
            .clone()
    };
    assert_eq!(program("api/v1/groups"), Some("/api/v1/groups".to_string()));
    assert_eq!(
        program("/api/v1/groups"),
        Some("/api/v1/groups".to_string())
    );
    assert_eq!(
        program("https://acme.okta.com/api/v1/groups"),
        Some("https://acme.okta.com/api/v1/groups".to_string())
    );
    let compiled = assetsync::lang::compile(
        "Groups:\nkey:id=GroupID\nconfig:data_source=ftp://x/y\n",
        None,
    );
    assert!(compiled.program.is_none());
}
