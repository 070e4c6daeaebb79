//! Import runs, snapshot-tested: each directory under `tests/imports/` holds a mapping, source
//! files and runs `1.args`, `2.args`, … (one argument a line, after `<MAPPING>`). Each run is
//! planned (`plan --format json`), applied, and the store dumped; the snapshots beside the case
//! hold what each printed and the store after it. Every successful apply is applied a second
//! time, which must change nothing and leave the store file byte for byte as it was.
//!
//! The malformed-source and killed-apply tests below check the all-or-nothing promise directly.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");

fn assetsync(dir: &Path, args: &[String]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn lines(bytes: &[u8], store: &Path) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .replace(&store.display().to_string(), "<store>")
        .lines()
        .map(str::to_string)
        .collect()
}

fn read_store(store: &Path) -> Option<Vec<u8>> {
    std::fs::read(store).ok()
}

fn dump(dir: &Path, store: &Path) -> Value {
    let out = assetsync(
        dir,
        &[
            "store".into(),
            "dump".into(),
            "--store".into(),
            store.display().to_string(),
        ],
    );
    if !store.exists() {
        return Value::Null;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the dump is JSON")
}

fn runs(case: &Path) -> Vec<(String, Vec<String>)> {
    let mut runs: Vec<(usize, PathBuf)> = std::fs::read_dir(case)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let n = path
                .file_name()?
                .to_str()?
                .strip_suffix(".args")?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect();
    runs.sort();
    runs.into_iter()
        .map(|(n, path)| {
            let args = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            (n.to_string(), args)
        })
        .collect()
}

fn run_case(case: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("assets.db");
    let with = |command: &str, args: &[String]| -> Vec<String> {
        let mut all = vec![command.to_string(), "mapping.map".to_string()];
        all.extend(args.iter().cloned());
        all.push("--store".into());
        all.push(store.display().to_string());
        all
    };
    let runs = runs(case);
    assert!(!runs.is_empty(), "{} has no runs", case.display());
    for (n, args) in runs {
        let mut plan_args = with("plan", &args);
        plan_args.extend(["--format".to_string(), "json".to_string()]);
        let plan = assetsync(case, &plan_args);
        let plan_json: Value = serde_json::from_slice(&plan.stdout).unwrap_or(Value::Null);

        let before = read_store(&store);
        let apply = assetsync(case, &with("apply", &args));
        let after = read_store(&store);
        let applied = apply.status.code();

        let run = json!({
            "args": args,
            "plan": {
                "exit": plan.status.code(),
                "stderr": lines(&plan.stderr, &store),
                "json": plan_json,
            },
            "apply": {
                "exit": applied,
                "stdout": lines(&apply.stdout, &store),
                "stderr": lines(&apply.stderr, &store),
                "store_changed": before != after,
            },
        });
        insta::assert_json_snapshot!(format!("{n}-run"), run);
        insta::assert_json_snapshot!(format!("{n}-dump"), dump(case, &store));

        // What apply refused or could not read wrote nothing; what it carried out, it does not
        // do again.
        if applied == Some(0) || (applied == Some(1) && before != after) {
            let again = assetsync(case, &with("apply", &args));
            let summary = String::from_utf8_lossy(&again.stdout);
            let total = summary.lines().last().unwrap_or_default();
            assert!(
                total.contains(" 0 create, 0 update,") && total.contains(" 0 delete, 0 mark,"),
                "{}: run {n} applied twice changed something: {summary}",
                case.display()
            );
            assert_eq!(
                read_store(&store),
                after,
                "{}: run {n} applied twice wrote to the store",
                case.display()
            );
        } else {
            assert_eq!(
                before,
                after,
                "{}: run {n} failed but wrote to the store",
                case.display()
            );
        }
    }
}

#[test]
fn import_runs_match_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/imports");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("mapping.map").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "import cases: {cases:?}");
    for case in cases {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&case);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| run_case(&case));
    }
}

// ------------------------------------------------------------------------------ crashes

/// Users in the shape of the Okta users API with the related lists, `n` of them.
fn users(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let user = json!({
            "id": format!("00u{i:08}"),
            "status": if i % 7 == 0 { "SUSPENDED" } else { "ACTIVE" },
            "profile": {
                "firstName": format!("First{i}"),
                "lastName": format!("Last \"{i}\""),
                "email": format!("user{i}@example.com"),
            },
            "roles": [format!("Role {}", i % 3)],
            "groups": [format!("Group {}", i % 40), format!("Group {}", (i + 7) % 40)],
            "apps": [format!("App {}", i % 11)],
        });
        out.push_str(&user.to_string());
        out.push('\n');
    }
    out
}

const MAPPING: &str = "Users:
key:id=WorkerID
map:profile.email=User
map:profile.firstName=First Name
map:profile.lastName=Last Name
map:status=Status
map:roles=Roles|Name=${roles}
map:groups=Groups|Name=${groups}
map:apps=Apps|Name=${apps}
";

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_malformed_source_leaves_the_store_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("users.map"), MAPPING).unwrap();
    std::fs::write(d.join("good.jsonl"), users(50)).unwrap();
    let out = assetsync(d, &args(&["apply", "users.map", "--source", "good.jsonl"]));
    assert_eq!(out.status.code(), Some(0));
    let before = std::fs::read(d.join("assets.db")).unwrap();

    // Valid, changed records first; the break comes late in the file.
    let mut bad = users(60).replace("First1", "Changed1");
    bad.push_str("{\"id\": \"00u99999999\", \"profile\": {\"email\": \n");
    std::fs::write(d.join("bad.jsonl"), bad).unwrap();
    let out = assetsync(d, &args(&["apply", "users.map", "--source", "bad.jsonl"]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.jsonl:61:"), "{stderr}");
    assert_eq!(std::fs::read(d.join("assets.db")).unwrap(), before);
}

/// Starts `apply users.map --source <source>` and kills it after `delay_ms` (or lets it end, if it
/// ends first).
fn apply_killed_after(dir: &Path, source: &str, store: &str, delay_ms: u64) {
    let mut child = Command::new(BIN)
        .args(["apply", "users.map", "--source", source, "--store", store])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_killed_apply_leaves_the_store_before_or_after_and_a_rerun_converges() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("users.map"), MAPPING).unwrap();
    std::fs::write(d.join("users.jsonl"), users(4000)).unwrap();

    // The store a clean run makes.
    let clean = assetsync(
        d,
        &args(&[
            "apply",
            "users.map",
            "--source",
            "users.jsonl",
            "--store",
            "clean.db",
        ]),
    );
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    let expected = dump(d, &d.join("clean.db"));
    let empty = Value::Null;

    // A first import half-way, and an update half-way, killed at different moments.
    let changed = users(4000).replace("ACTIVE", "DEPROVISIONED");
    std::fs::write(d.join("changed.jsonl"), &changed).unwrap();
    for (i, delay_ms) in [30u64, 120, 300, 700, 1500].into_iter().enumerate() {
        let store = format!("killed-{i}.db");
        apply_killed_after(d, "users.jsonl", &store, delay_ms);
        let after_kill = dump(d, &d.join(&store));
        let objects = |v: &Value| v.get("objects").cloned().unwrap_or(json!([]));
        assert!(
            objects(&after_kill) == json!([]) || after_kill == expected || after_kill == empty,
            "killed after {delay_ms} ms: the store is half-written"
        );
        let rerun = assetsync(
            d,
            &args(&[
                "apply",
                "users.map",
                "--source",
                "users.jsonl",
                "--store",
                &store,
            ]),
        );
        assert_eq!(rerun.status.code(), Some(0), "{rerun:?}");
        assert_eq!(
            dump(d, &d.join(&store)),
            expected,
            "killed after {delay_ms} ms"
        );

        // The same for a run that updates every object.
        apply_killed_after(d, "changed.jsonl", &store, delay_ms);
        let after_kill = dump(d, &d.join(&store));
        let statuses: std::collections::BTreeSet<String> = objects(&after_kill)
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["attributes"]["Status"][0].as_str().map(str::to_string))
            .collect();
        // Either no user was changed yet, or all were: never some.
        assert!(
            !statuses.contains("ACTIVE") || !statuses.contains("DEPROVISIONED"),
            "killed after {delay_ms} ms: the update is half-written: {statuses:?}"
        );
    }
}

// ------------------------------------------------------------------------------ human output

#[test]
fn plan_shows_a_readable_diff_of_exactly_the_edited_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("users.map"), MAPPING).unwrap();
    std::fs::write(d.join("users.jsonl"), users(3)).unwrap();
    let out = assetsync(d, &args(&["apply", "users.map", "--source", "users.jsonl"]));
    assert_eq!(out.status.code(), Some(0));

    let edited = users(3)
        .replace("\"First1\"", "\"Primo\"")
        // Group 9 exists already (user 2 is in it): the edit links it, and creates nothing.
        .replace("\"Group 8\"", "\"Group 9\"");
    std::fs::write(d.join("users.jsonl"), edited).unwrap();
    let out = assetsync(d, &args(&["plan", "users.map", "--source", "users.jsonl"]));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "Users (Users)\n  ~ 00u00000001\n      First Name: \"First1\" → \"Primo\"\n      \
         Groups: [Groups \"Group 1\", Groups \"Group 8\"] → [Groups \"Group 1\", Groups \"Group 9\"]\n\n\
         Roles   0 create, 0 update, 3 unchanged, 0 delete, 0 mark, 0 errors\n\
         Groups  0 create, 0 update, 5 unchanged, 0 delete, 0 mark, 0 errors\n\
         Apps    0 create, 0 update, 3 unchanged, 0 delete, 0 mark, 0 errors\n\
         Users   0 create, 1 update, 2 unchanged, 0 delete, 0 mark, 0 errors\n\
         total   0 create, 1 update, 13 unchanged, 0 delete, 0 mark, 0 errors\n"
    );
}

#[test]
fn dumping_a_store_that_does_not_exist_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = assetsync(dir.path(), &args(&["store", "dump", "--store", "none.db"]));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no store at none.db"), "{stderr}");
    assert!(!dir.path().join("none.db").exists());
}

/// A killed apply leaves its transaction's journal beside the store; reading must roll it back
/// and show the store as it was before that apply.
#[test]
fn a_store_with_the_journal_of_a_killed_apply_reads_as_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("users.jsonl"), users(20)).unwrap();
    std::fs::write(d.join("users.map"), MAPPING).unwrap();
    let apply = args(&[
        "apply",
        "users.map",
        "--source",
        "users.jsonl",
        "--store",
        "a.db",
    ]);
    assert!(assetsync(d, &apply).status.success());
    let before = dump(d, &d.join("a.db"));

    // A transaction caught half way: its changes spilled into the file, the journal beside it.
    let conn = rusqlite::Connection::open(d.join("a.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; PRAGMA cache_size=1; BEGIN IMMEDIATE; DELETE FROM objects;",
    )
    .unwrap();
    for i in 0..2000 {
        conn.execute(
            "INSERT INTO object_values VALUES (?1, 1, 0, 0, ?2, NULL)",
            rusqlite::params![100_000 + i, "x".repeat(200)],
        )
        .unwrap();
    }
    assert!(d.join("a.db-journal").exists());
    std::fs::copy(d.join("a.db"), d.join("b.db")).unwrap();
    std::fs::copy(d.join("a.db-journal"), d.join("b.db-journal")).unwrap();
    conn.execute_batch("ROLLBACK").unwrap();

    assert_eq!(dump(d, &d.join("b.db")), before);
    assert!(
        !d.join("b.db-journal").exists(),
        "the journal was rolled back"
    );
}

#[test]
fn a_mapping_that_conflicts_with_the_store_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("users.map"), MAPPING).unwrap();
    std::fs::write(d.join("users.jsonl"), users(3)).unwrap();
    let out = assetsync(d, &args(&["apply", "users.map", "--source", "users.jsonl"]));
    assert_eq!(out.status.code(), Some(0));
    let before = std::fs::read(d.join("assets.db")).unwrap();
    // `Roles` is a reference attribute in the store; this mapping writes plain text to it.
    std::fs::write(
        d.join("plain.map"),
        MAPPING.replace("map:roles=Roles|Name=${roles}", "map:roles=Roles"),
    )
    .unwrap();
    let out = assetsync(d, &args(&["apply", "plain.map", "--source", "users.jsonl"]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plain.map:7:1: error: `Users.Roles` references `Roles` objects in the target; the mapping writes plain values to it"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(d.join("assets.db")).unwrap(), before);
}

/// Plan-time codes that no import with the embedded store can produce today, with the reason.
const UNREACHABLE_IN_IMPORTS: &[(&str, &str)] = &[(
    "M111",
    "the store creates every attribute but the key with any number of values, and the key takes \
     exactly one by construction",
)];

#[test]
fn every_plan_time_code_is_produced_by_some_import_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/imports");
    let mut produced = std::collections::BTreeSet::new();
    for case in std::fs::read_dir(&root).unwrap().filter_map(|e| e.ok()) {
        for snap in std::fs::read_dir(case.path())
            .unwrap()
            .filter_map(|e| e.ok())
        {
            let name = snap.file_name().to_string_lossy().to_string();
            if !name.ends_with("-run.snap") {
                continue;
            }
            let text = std::fs::read_to_string(snap.path()).unwrap();
            let body = text.splitn(3, "---").nth(2).unwrap();
            let run: Value = serde_json::from_str(body).unwrap();
            if let Some(problems) = run["plan"]["json"]["problems"].as_array() {
                for p in problems {
                    produced.insert(p["code"].as_str().unwrap().to_string());
                }
            }
        }
    }
    for code in ["M107", "M108", "M109", "M110", "M111"] {
        let unreachable = UNREACHABLE_IN_IMPORTS.iter().any(|(c, _)| *c == code);
        assert_eq!(
            produced.contains(code),
            !unreachable,
            "{code}: produced by an import case: {}",
            produced.contains(code)
        );
    }
}
