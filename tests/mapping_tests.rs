//! `assetsync test`: the snapshot tests admins keep of their mappings, run as an admin runs them
//! in a folder holding `users.map` and `users.tests/<case>/`.

#[path = "support/cli.rs"]
mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use support::Dir;

const USERS_MAP: &str = "\
Users:
key:id=WorkerID
map:profile.email=Email
map:profile.department=Department
";

/// Okta's user list sample, each user given a department as Okta's profile has it.
fn okta_users(departments: &[&str]) -> Vec<Value> {
    let text = std::fs::read_to_string("fixtures/okta/users.json").unwrap();
    let mut users: Vec<Value> = serde_json::from_str(&text).unwrap();
    for (user, department) in users.iter_mut().zip(departments) {
        user["profile"]["department"] = json!(department);
    }
    users
}

fn source(users: &[Value]) -> String {
    serde_json::to_string_pretty(users).unwrap()
}

/// Every file under `dir` with its bytes, to show what a run changed.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// A folder with `users.map` and one case, `first`, accepted by `--update`.
fn accepted_case() -> Dir {
    let dir = Dir::new(&[("users.map", USERS_MAP)]);
    dir.write(
        "users.tests/first/source.json",
        source(&okta_users(&["Sales", "IT", "IT"])).as_bytes(),
    );
    dir.run(&["test", "users.map", "--update"]).expect(0);
    dir
}

fn json_report(dir: &Dir, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["test", "users.map", "--format", "json"];
    all.extend_from_slice(args);
    let run = dir.run(&all);
    (run.code(), run.json())
}

#[test]
fn a_new_case_is_reported_new_and_nothing_is_written_without_update() {
    let dir = Dir::new(&[("users.map", USERS_MAP)]);
    dir.write(
        "users.tests/first/source.json",
        source(&okta_users(&["Sales", "IT", "IT"])).as_bytes(),
    );
    let before = files(dir.path());
    let run = dir.run(&["test", "users.map"]).expect(1);
    assert!(
        run.stdout()
            .starts_with("new     users.tests/first (no expectations yet)\n"),
        "{}",
        run.stdout()
    );
    assert!(run
        .stdout()
        .contains("1 case: 0 pass, 0 fail, 1 new, 0 updated"));
    assert_eq!(
        files(dir.path()),
        before,
        "a case is read-only without --update"
    );

    let (code, report) = json_report(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["cases"][0]["status"], "new");
    assert_eq!(
        report["totals"],
        json!({"pass":0,"fail":0,"new":1,"updated":0})
    );
}

#[test]
fn update_writes_what_eval_and_plan_print_then_the_case_passes_and_update_is_stable() {
    let dir = accepted_case();
    let images = dir.read("users.tests/first/images.jsonl");
    let eval = dir
        .run(&[
            "eval",
            "users.map",
            "--source",
            "users.tests/first/source.json",
        ])
        .expect(0);
    assert_eq!(String::from_utf8(images).unwrap(), eval.stdout());
    let plan: Value = serde_json::from_slice(&dir.read("users.tests/first/plan.json")).unwrap();
    let planned = dir
        .run(&[
            "plan",
            "users.map",
            "--source",
            "users.tests/first/source.json",
            "--store",
            "never-made.db",
            "--format",
            "json",
        ])
        .expect(0);
    assert_eq!(plan, planned.json());
    assert!(!dir.path().join("never-made.db").exists());

    let after_update = files(dir.path());
    let run = dir.run(&["test", "users.map"]).expect(0);
    assert_eq!(
        run.stdout(),
        "pass    users.tests/first\n\n1 case: 1 pass, 0 fail, 0 new, 0 updated\n"
    );
    // A second --update finds nothing to write.
    let run = dir.run(&["test", "users.map", "--update"]).expect(0);
    assert!(run.stdout().starts_with("pass "), "{}", run.stdout());
    assert_eq!(files(dir.path()), after_update);
}

#[test]
fn a_changed_attribute_fails_with_its_key_and_attribute() {
    let dir = accepted_case();
    dir.write(
        "users.tests/first/source.json",
        source(&okta_users(&["IT", "IT", "IT"])).as_bytes(),
    );
    let before = files(dir.path());
    let run = dir.run(&["test", "users.map"]).expect(1);
    let out = run.stdout();
    assert!(out.starts_with("FAIL    users.tests/first\n"), "{out}");
    assert!(
        out.contains(
            "    images.jsonl: `00u3ojhmm3cCa3a221d7` `Department`: expected [\"Sales\"], got [\"IT\"]\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("    plan.json: Users `00u3ojhmm3cCa3a221d7` `Department`: expected [] → [\"Sales\"], got [] → [\"IT\"]\n"),
        "{out}"
    );
    assert!(out.contains("1 case: 0 pass, 1 fail, 0 new, 0 updated"));
    assert_eq!(files(dir.path()), before);

    let (code, report) = json_report(&dir, &[]);
    assert_eq!(code, 1);
    let case = &report["cases"][0];
    assert_eq!(case["mapping"], "users.map");
    assert_eq!(case["case"], "first");
    assert_eq!(case["status"], "fail");
    assert_eq!(
        case["failures"][0],
        json!({"file":"images.jsonl","section":"Users","key":"00u3ojhmm3cCa3a221d7",
               "attribute":"Department","expected":["Sales"],"actual":["IT"],
               "message":"`00u3ojhmm3cCa3a221d7` `Department`: expected [\"Sales\"], got [\"IT\"]"})
    );
    assert_eq!(case["failures"].as_array().unwrap().len(), 2);
    assert_eq!(case["failures"][1]["file"], "plan.json");
    assert_eq!(
        case["failures"][1]["expected"],
        json!({"from":[],"to":["Sales"]})
    );

    // Accepting the change, then the case passes.
    let run = dir.run(&["test", "users.map", "--update"]).expect(0);
    assert!(
        run.stdout()
            .starts_with("updated users.tests/first (wrote images.jsonl, plan.json)\n"),
        "{}",
        run.stdout()
    );
    dir.run(&["test", "users.map"]).expect(0);
}

#[test]
fn objects_that_appear_and_vanish_are_named_by_key() {
    let dir = accepted_case();
    let mut users = okta_users(&["Sales", "IT", "IT"]);
    users.remove(1);
    let mut newcomer = users[0].clone();
    newcomer["id"] = json!("00u9newcomer");
    users.push(newcomer);
    dir.write("users.tests/first/source.json", source(&users).as_bytes());
    let (code, report) = json_report(&dir, &[]);
    assert_eq!(code, 1);
    let images: Vec<&Value> = report["cases"][0]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == "images.jsonl")
        .collect();
    let said: Vec<(&str, &str)> = images
        .iter()
        .map(|f| (f["key"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        said,
        [
            (
                "00u3m5wrdPjJYUFb81d6",
                "`00u3m5wrdPjJYUFb81d6`: vanished: expected, but the mapping no longer makes this object"
            ),
            (
                "00u9newcomer",
                "`00u9newcomer`: appeared: the mapping now makes this object, which is not expected"
            ),
        ]
    );
    assert_eq!(images[0]["actual"], Value::Null);
    assert_eq!(images[1]["expected"], Value::Null);
    assert_eq!(images[1]["actual"]["key"]["value"], "00u9newcomer");
}

#[test]
fn a_mapping_with_errors_fails_every_case_with_its_diagnostics_and_update_writes_nothing() {
    let dir = accepted_case();
    dir.write(
        "users.tests/second/source.json",
        source(&okta_users(&["HR"])).as_bytes(),
    );
    dir.write(
        "users.map",
        b"Users:\nkey:id=WorkerID\nmap:lowr(profile.email)=Email\n",
    );
    let before = files(dir.path());
    let run = dir.run(&["test", "users.map", "--update"]).expect(1);
    let out = run.stdout();
    for case in ["first", "second"] {
        assert!(
            out.contains(&format!(
                "FAIL    users.tests/{case}\n    users.map:3:5: error[M012]: unknown function `lowr`\n      help: did you mean `lower`?\n"
            )),
            "{out}"
        );
    }
    assert_eq!(files(dir.path()), before);
    let (_, report) = json_report(&dir, &[]);
    assert_eq!(
        report["cases"][1]["failures"],
        json!([{"file":"users.map","message":"users.map:3:5: error[M012]: unknown function `lowr`\n  help: did you mean `lower`?"}])
    );
}

#[test]
fn a_multi_section_mapping_reads_a_source_per_section() {
    let mapping = "\
Groups:
key:id=GroupID
map:profile.name=Name

Users:
key:id=WorkerID
map:profile.email=Email
";
    let dir = Dir::new(&[("users.map", mapping)]);
    let groups = std::fs::read("fixtures/okta/groups.json").unwrap();
    dir.write("users.tests/both/source.Groups.json", &groups);
    dir.write(
        "users.tests/both/source.Users.jsonl",
        okta_users(&[])
            .iter()
            .map(|u| format!("{u}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    dir.run(&["test", "users.map", "--update"]).expect(0);
    let images: Vec<Value> = String::from_utf8(dir.read("users.tests/both/images.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sections: Vec<&str> = images
        .iter()
        .map(|i| i["section"].as_str().unwrap())
        .collect();
    assert_eq!(sections.iter().filter(|s| **s == "Groups").count(), 2);
    assert_eq!(sections.iter().filter(|s| **s == "Users").count(), 3);
    dir.run(&["test", "users.map"]).expect(0);

    // With several sections, messages name the section.
    let renamed = String::from_utf8(groups)
        .unwrap()
        .replace("West Coast users", "Coastal users");
    dir.write("users.tests/both/source.Groups.json", renamed.as_bytes());
    let run = dir.run(&["test", "users.map"]).expect(1);
    assert!(
        run.stdout().contains(
            "    images.jsonl: Groups `00g1emaKYZTWRYYRRTSK` `Name`: expected [\"West Coast users\"], got [\"Coastal users\"]\n"
        ),
        "{}",
        run.stdout()
    );

    // One source for both sections is refused: neither says where its records are.
    std::fs::remove_file(dir.path().join("users.tests/both/source.Groups.json")).unwrap();
    std::fs::rename(
        dir.path().join("users.tests/both/source.Users.jsonl"),
        dir.path().join("users.tests/both/source.jsonl"),
    )
    .unwrap();
    let run = dir.run(&["test", "users.map"]).expect(2);
    assert!(
        run.stderr().contains("feeds several sections only when each names where its records are (`config:records=`); give a file of its own to each of: `Groups`, `Users`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_plan_case_is_planned_against_its_store_json() {
    let dir = Dir::new(&[("users.map", USERS_MAP)]);
    dir.write(
        "first.json",
        source(&okta_users(&["Sales", "IT", "IT"])).as_bytes(),
    );
    dir.run(&["apply", "users.map", "--source", "first.json"])
        .expect(0);
    let dump = dir.run(&["store", "dump"]).expect(0);
    dir.write("users.tests/moved/store.json", dump.stdout().as_bytes());
    let mut users = okta_users(&["Sales", "HR", "IT"]);
    users.remove(2);
    dir.write("users.tests/moved/source.json", source(&users).as_bytes());
    let store_before = dir.read("assets.db");

    dir.run(&["test", "users.map", "--update"]).expect(0);
    let plan: Value = serde_json::from_slice(&dir.read("users.tests/moved/plan.json")).unwrap();
    assert_eq!(
        plan["sections"][0]["changes"],
        json!([{"action":"update","key":"00u3m5wrdPjJYUFb81d6",
                "attributes":{"Department":{"from":["IT"],"to":["HR"]}}}])
    );
    assert_eq!(
        plan["sections"][0]["summary"],
        json!({"create":0,"update":1,"unchanged":1,"delete":0,"mark":0,"errors":0})
    );
    // The same plan as `plan` makes against the store the dump was taken from, which the test
    // left alone.
    let planned = dir
        .run(&[
            "plan",
            "users.map",
            "--source",
            "users.tests/moved/source.json",
            "--format",
            "json",
        ])
        .expect(0);
    assert_eq!(plan, planned.json());
    assert_eq!(dir.read("assets.db"), store_before);
    dir.run(&["test", "users.map"]).expect(0);

    // An edit of the prior state shows in the plan's differences.
    let mut edited = dump.json();
    for object in edited["objects"].as_array_mut().unwrap() {
        if object["key"] == "00u3m5wrdPjJYUFb81d6" {
            object["attributes"]["Department"] = json!(["HR"]);
        }
    }
    let edited = serde_json::to_string_pretty(&edited).unwrap();
    dir.write("users.tests/moved/store.json", edited.as_bytes());
    let (code, report) = json_report(&dir, &[]);
    assert_eq!(code, 1);
    let failures = report["cases"][0]["failures"].as_array().unwrap();
    assert!(
        failures.iter().any(|f| f["file"] == "plan.json"
            && f["key"] == "00u3m5wrdPjJYUFb81d6"
            && f["message"] == "Users `00u3m5wrdPjJYUFb81d6`: expected to update, the plan no longer changes it"),
        "{failures:?}"
    );
}

#[test]
fn a_store_json_that_is_no_store_fails_its_case_with_where() {
    let dir = accepted_case();
    dir.write(
        "users.tests/first/store.json",
        br#"{"object_types":[{"name":"Users","key_attribute":"WorkerID","attributes":[{"name":"WorkerID","type":"text","unique":true}]}],
"objects":[{"object_type":"Users","attributes":{"WorkerID":["00u1"],"Department":["IT"]}}]}"#,
    );
    let run = dir.run(&["test", "users.map"]).expect(1);
    assert!(
        run.stdout().contains("users.tests/first/store.json: objects[0] (`Users` `00u1`) `Department`: `Users` has no such attribute in `object_types`"),
        "{}",
        run.stdout()
    );
    dir.write("users.tests/first/store.json", b"{\"objects\": [}");
    let run = dir.run(&["test", "users.map"]).expect(1);
    assert!(
        run.stdout()
            .contains("users.tests/first/store.json:1:14: not a store dump: "),
        "{}",
        run.stdout()
    );
}

#[test]
fn junit_output_has_a_test_case_per_case() {
    let dir = accepted_case();
    dir.write(
        "users.tests/changed/source.json",
        source(&okta_users(&["Sales & <Marketing>"])).as_bytes(),
    );
    dir.run(&["test", "users.map", "--update"]).expect(0);
    dir.write(
        "users.tests/changed/source.json",
        source(&okta_users(&["IT"])).as_bytes(),
    );
    dir.write(
        "users.tests/later/source.json",
        source(&okta_users(&["IT"])).as_bytes(),
    );
    let run = dir
        .run(&["test", "users.map", "--format", "junit"])
        .expect(1);
    let xml = run.stdout();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    assert_eq!(root.attribute("failures"), Some("2"));
    let suite = root.children().find(|n| n.is_element()).unwrap();
    assert_eq!(suite.attribute("name"), Some("users.map"));
    let cases: Vec<(String, Option<String>, Option<String>)> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|c| {
            let failure = c.children().find(|n| n.has_tag_name("failure"));
            (
                c.attribute("name").unwrap().to_string(),
                failure
                    .and_then(|f| f.attribute("type"))
                    .map(str::to_string),
                failure
                    .and_then(|f| f.attribute("message"))
                    .map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        cases,
        [
            (
                "changed".to_string(),
                Some("fail".to_string()),
                Some("images.jsonl: `00u3ojhmm3cCa3a221d7` `Department`: expected [\"Sales & <Marketing>\"], got [\"IT\"] (and 1 more)".to_string())
            ),
            ("first".to_string(), None, None),
            (
                "later".to_string(),
                Some("new".to_string()),
                Some("no expectations yet: run assetsync test --update to write them".to_string())
            ),
        ]
    );
}

#[test]
fn usage_errors_exit_2_and_run_nothing() {
    let dir = accepted_case();
    let run = dir.run(&["test", "nope.map"]).expect(2);
    assert!(
        run.stderr().contains("cannot read mapping nope.map"),
        "{}",
        run.stderr()
    );

    dir.write("other.map", USERS_MAP.as_bytes());
    let run = dir.run(&["test", "other.map"]).expect(2);
    assert!(
        run.stderr().contains("other.map: no cases: make a folder other.tests/<case>/ holding the records as source.json (or source.jsonl)"),
        "{}",
        run.stderr()
    );

    std::fs::create_dir_all(dir.path().join("users.tests/empty")).unwrap();
    let run = dir.run(&["test", "users.map"]).expect(2);
    assert!(
        run.stderr()
            .contains("users.tests/empty: no records: add source.json or source.jsonl"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "", "nothing was run");
    std::fs::remove_dir(dir.path().join("users.tests/empty")).unwrap();

    dir.write("users.tests/first/source.Usres.json", b"[]");
    let run = dir.run(&["test", "users.map"]).expect(2);
    assert!(
        run.stderr().contains("users.tests/first/source.Usres.json: the mapping has no section `Usres`; did you mean `Users`?"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_expectation_that_is_not_json_fails_until_update_rewrites_it() {
    let dir = accepted_case();
    dir.write("users.tests/first/images.jsonl", b"{\"section\":\n");
    let run = dir.run(&["test", "users.map"]).expect(1);
    assert!(
        run.stdout()
            .contains("users.tests/first/images.jsonl:1:11: not a JSON image:"),
        "{}",
        run.stdout()
    );
    dir.run(&["test", "users.map", "--update"]).expect(0);
    dir.run(&["test", "users.map"]).expect(0);
}

#[test]
fn the_shipped_mappings_pass_their_cases() {
    let root = env!("CARGO_MANIFEST_DIR");
    let before = files(&Path::new(root).join("fixtures/mappings"));
    let out = std::process::Command::new(support::bin())
        .args([
            "test",
            "fixtures/mappings/okta-users.map",
            "--format",
            "json",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["totals"],
        json!({"pass":2,"fail":0,"new":0,"updated":0}),
        "{report:#}"
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(files(&Path::new(root).join("fixtures/mappings")), before);
}
