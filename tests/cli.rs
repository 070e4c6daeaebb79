//! The command-line contract: exit codes, the JSON that
//! `check --format json` and `eval` print, the source formats `eval` reads, and what `fmt` does
//! to files. Each test works in its own temporary directory and passes relative paths, as a user
//! in that directory would.

use serde_json::{json, Value};

#[path = "support/cli.rs"]
mod support;
use support::Dir;

const USERS: &str = "Users:\nkey:id=WorkerID\nmap:profile.email=User\nmap:name=Name\n";
const RECORDS: &str = r#"[{"id": "00u1", "name": "Amina", "profile": {"email": "amina@example.com"}},
 {"id": "00u2", "name": "Luc"}]"#;

fn keys(images: &[Value]) -> Vec<&str> {
    images
        .iter()
        .map(|i| i["key"]["value"].as_str().unwrap())
        .collect()
}

// ------------------------------------------------------------------------------------ check

#[test]
fn check_exits_0_for_a_valid_mapping_and_says_ok() {
    let dir = Dir::new(&[("users.map", USERS)]);
    let run = dir.run(&["check", "users.map"]).expect(0);
    assert_eq!(run.stdout(), "users.map: ok\n");
    assert_eq!(run.stderr(), "");
}

#[test]
fn check_exits_1_for_errors_and_reports_them_all() {
    let dir = Dir::new(&[(
        "users.map",
        "Users:\nkey:id=WorkerID\nmpa:profile.email=User\nmap:profile.firstName=\n",
    )]);
    let run = dir.run(&["check", "users.map"]).expect(1);
    let out = run.stdout();
    assert!(out.contains("M002"), "{out}");
    assert!(out.contains("M004"), "{out}");
    assert!(out.contains("users.map:3:1"), "{out}");
    assert!(out.contains("did you mean `map`?"), "{out}");
    assert!(out.ends_with("users.map: 2 errors, 0 warnings\n"), "{out}");
}

#[test]
fn check_exits_0_for_warnings_only() {
    let dir = Dir::new(&[(
        "users.map",
        "Users:\nkey:id=WorkerID\nmap:profile.email=Email\nmap:profile.secondEmail=Email\n",
    )]);
    let run = dir.run(&["check", "users.map"]).expect(0);
    assert!(run.stdout().contains("M029"), "{}", run.stdout());
    assert!(run.stdout().ends_with("users.map: 0 errors, 1 warning\n"));
}

#[test]
fn check_checks_every_file_it_can_read_and_exits_2_for_a_missing_one() {
    let dir = Dir::new(&[
        ("users.map", USERS),
        ("bad.map", "Users:\nkey:id=WorkerID\nmap:lowr(name)=Name\n"),
    ]);
    let run = dir
        .run(&["check", "users.map", "missing.map", "bad.map"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("error: cannot read mapping missing.map"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .ends_with("error: 1 of 3 mapping(s) could not be read\n"),
        "{}",
        run.stderr()
    );
    // The files that could be read are checked, the one after the missing one too.
    let out = run.stdout();
    assert!(out.contains("M012"), "{out}");
    assert!(
        out.ends_with(
            "users.map: ok\nbad.map: 1 error, 0 warnings\nmissing.map: not checked (cannot be read)\n"
        ),
        "{out}"
    );

    let run = dir
        .run(&["check", "users.map", "missing.map", "--format", "json"])
        .expect(2);
    let files = run.json()["files"].clone();
    assert_eq!(files[0], json!({"path": "users.map", "diagnostics": []}));
    assert_eq!(files[1]["path"], "missing.map");
    assert!(files[1]["error"].as_str().unwrap().contains("missing.map"));
}

#[test]
fn check_exits_2_for_a_missing_or_bad_schema() {
    let dir = Dir::new(&[
        ("users.map", USERS),
        ("not-json.json", "objectTypes: []\n"),
        ("wrong-shape.json", "{\"objectTypes\": 3}\n"),
    ]);
    let run = dir
        .run(&["check", "users.map", "--schema", "missing.json"])
        .expect(2);
    assert!(run.stderr().contains("missing.json"), "{}", run.stderr());

    let run = dir
        .run(&["check", "users.map", "--schema", "not-json.json"])
        .expect(2);
    assert!(
        run.stderr().contains("not-json.json:1:1: not a schema"),
        "{}",
        run.stderr()
    );

    let run = dir
        .run(&["check", "users.map", "--schema", "wrong-shape.json"])
        .expect(2);
    assert!(
        run.stderr().contains("wrong-shape.json:1:17: not a schema"),
        "{}",
        run.stderr()
    );
}

#[test]
fn check_with_a_schema_reports_unknown_names() {
    let schema = json!({"objectTypes": [{"id": 1, "name": "Users", "attributes": [
        {"id": 10, "name": "WorkerID", "type": 0, "defaultType": {"id": 0, "name": "Text"}},
        {"id": 11, "name": "User", "type": 0, "defaultType": {"id": 8, "name": "Email"}},
        {"id": 12, "name": "Name", "type": 0, "defaultType": {"id": 0, "name": "Text"}}
    ]}]});
    let dir = Dir::new(&[
        ("users.map", USERS),
        ("typo.map", "Users:\nkey:id=WorkerID\nmap:name=Nmae\n"),
        ("schema.json", &schema.to_string()),
    ]);
    dir.run(&["check", "users.map", "--schema", "schema.json"])
        .expect(0);
    let run = dir
        .run(&[
            "check",
            "typo.map",
            "--schema",
            "schema.json",
            "--format",
            "json",
        ])
        .expect(1);
    let d = &run.json()["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "M031");
    assert_eq!(d["help"], "did you mean `Name`?");
}

#[test]
fn check_json_has_the_documented_shape() {
    let dir = Dir::new(&[(
        "users.map",
        "Users:\nkey:id=WorkerID\nmpa:profile.email=User\n",
    )]);
    let run = dir
        .run(&["check", "users.map", "--format", "json"])
        .expect(1);
    // The exact text: field names, their order and the position fields are part of the contract.
    assert_eq!(
        run.stdout(),
        concat!(
            r#"{"files":[{"path":"users.map","diagnostics":["#,
            r#"{"severity":"error","code":"M002","message":"unknown line prefix `mpa:`","#,
            r#""line":3,"column":1,"end_line":3,"end_column":4,"help":"did you mean `map`?"}]}]}"#,
            "\n"
        )
    );
    assert_eq!(run.stderr(), "");
}

#[test]
fn check_json_lists_every_file_in_order_with_its_diagnostics() {
    let dir = Dir::new(&[
        ("a.map", USERS),
        (
            "b.map",
            "Users:\nkey:id=WorkerID\nmap:profile.email=Email\nmap:profile.secondEmail=Email\nmap:lowr(x)=Y\n",
        ),
    ]);
    let run = dir
        .run(&["check", "a.map", "b.map", "--format", "json"])
        .expect(1);
    let report = run.json();
    let object = report.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["files"]);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0], json!({"path": "a.map", "diagnostics": []}));
    assert_eq!(files[1]["path"], "b.map");
    let diagnostics = files[1]["diagnostics"].as_array().unwrap();
    let summary: Vec<(&str, &str, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("warning", "M029", 4, 25), ("error", "M012", 5, 5)]
    );
    for d in diagnostics {
        let mut names: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "code",
                "column",
                "end_column",
                "end_line",
                "help",
                "line",
                "message",
                "severity"
            ]
        );
        assert!(!d["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn check_json_for_a_valid_file_exits_0() {
    let dir = Dir::new(&[("users.map", USERS)]);
    let run = dir
        .run(&["check", "users.map", "--format", "json"])
        .expect(0);
    assert_eq!(
        run.stdout(),
        "{\"files\":[{\"path\":\"users.map\",\"diagnostics\":[]}]}\n"
    );
}

// ------------------------------------------------------------------------------------- eval

#[test]
fn eval_prints_one_documented_image_per_record() {
    let dir = Dir::new(&[
        (
            "users.map",
            "Users:\nkey:id=WorkerID\nmap:profile.firstName=First Name\nmap:roles=Roles|Name=${roles}\n",
        ),
        (
            "users.json",
            r#"[{"id": "00u1", "profile": {"firstName": "Amina"}, "roles": ["SUPER_ADMIN"]}]"#,
        ),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.json"])
        .expect(0);
    assert_eq!(
        run.stdout(),
        concat!(
            r#"{"section":"Users","object_type":"Users","key":{"attribute":"WorkerID","value":"00u1"},"#,
            r#""attributes":{"First Name":["Amina"],"WorkerID":["00u1"]},"#,
            r#""references":{"Roles":[{"object_type":"Roles","aql":"Name = \"SUPER_ADMIN\""}]},"#,
            r#""errors":[]}"#,
            "\n"
        )
    );
    assert_eq!(run.stderr(), "");
}

#[test]
fn eval_reads_a_json_array() {
    let dir = Dir::new(&[("users.map", USERS), ("users.json", RECORDS)]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.json"])
        .expect(0);
    let images = run.images();
    assert_eq!(keys(&images), ["00u1", "00u2"]);
    assert_eq!(
        images[0]["attributes"]["User"],
        json!(["amina@example.com"])
    );
    assert_eq!(images[1]["attributes"]["User"], json!([]));
}

#[test]
fn eval_reads_standard_input() {
    let dir = Dir::new(&[("users.map", USERS)]);
    let run = dir
        .run_with_stdin(&["eval", "users.map", "--source", "-"], Some(RECORDS))
        .expect(0);
    assert_eq!(keys(&run.images()), ["00u1", "00u2"]);

    // JSON Lines on standard input too.
    let lines = "{\"id\": \"00u3\"}\n{\"id\": \"00u4\"}\n";
    let run = dir
        .run_with_stdin(&["eval", "users.map", "--source", "-"], Some(lines))
        .expect(0);
    assert_eq!(keys(&run.images()), ["00u3", "00u4"]);
}

#[test]
fn eval_reads_the_records_at_the_records_path_of_an_object() {
    let dir = Dir::new(&[
        (
            "users.map",
            "Users:\nkey:id=WorkerID\nmap:name=Name\nconfig:records=_embedded.users\n",
        ),
        (
            "page.json",
            r#"{"_links": {"next": null}, "_embedded": {"users": [{"id": "00u1", "name": "Amina"}, {"id": "00u2", "name": "Luc"}]}}"#,
        ),
        ("elsewhere.json", r#"{"Resources": [{"id": "00u1"}]}"#),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "page.json"])
        .expect(0);
    let images = run.images();
    assert_eq!(keys(&images), ["00u1", "00u2"]);
    assert_eq!(images[1]["attributes"]["Name"], json!(["Luc"]));

    // An object without an array at that path is bad source data.
    let run = dir
        .run(&["eval", "users.map", "--source", "elsewhere.json"])
        .expect(1);
    assert!(
        run.stderr()
            .contains("no array of records at `_embedded.users`"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");
}

#[test]
fn eval_reads_a_lone_object_as_one_record_without_a_records_path() {
    let dir = Dir::new(&[("users.map", USERS), ("one.json", r#"{"id": "00u1"}"#)]);
    let run = dir
        .run(&["eval", "users.map", "--source", "one.json"])
        .expect(0);
    assert_eq!(keys(&run.images()), ["00u1"]);
}

#[test]
fn eval_reads_json_lines() {
    let dir = Dir::new(&[
        ("users.map", USERS),
        (
            "users.jsonl",
            "{\"id\": \"00u1\", \"name\": \"Amina\"}\n{\"id\": \"00u2\", \"name\": \"Luc\"}\n\n{\"id\": \"00u3\"}\n",
        ),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.jsonl"])
        .expect(0);
    let images = run.images();
    assert_eq!(keys(&images), ["00u1", "00u2", "00u3"]);
    assert_eq!(images[0]["attributes"]["Name"], json!(["Amina"]));
}

#[test]
fn eval_reads_an_empty_source_as_no_records() {
    let dir = Dir::new(&[("users.map", USERS), ("empty.json", "")]);
    let run = dir
        .run(&["eval", "users.map", "--source", "empty.json"])
        .expect(0);
    assert_eq!(run.stdout(), "");
}

#[test]
fn eval_of_malformed_json_exits_1_naming_line_and_column() {
    let dir = Dir::new(&[
        ("users.map", USERS),
        (
            "broken.json",
            "[\n  {\"id\": \"00u1\", \"name\": \"Amina\"},\n  {\"id\": \"00u2\", \"name\": }\n]\n",
        ),
        (
            "broken.jsonl",
            "{\"id\": \"00u1\"}\n{\"id\": \"00u2\"}\n{\"id\" \"00u3\"}\n",
        ),
        ("not-objects.jsonl", "{\"id\": \"00u1\"}\n[1, 2]\n"),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "broken.json"])
        .expect(1);
    // The `}` where a value should be is on line 3, column 26.
    assert!(
        run.stderr().starts_with("error: broken.json:3:26: "),
        "{}",
        run.stderr()
    );
    // Images are written in batches; in a file this small the error comes before the first.
    assert_eq!(run.stdout(), "");

    let run = dir
        .run(&["eval", "users.map", "--source", "broken.jsonl"])
        .expect(1);
    assert!(
        run.stderr().starts_with("error: broken.jsonl:3:7: "),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");

    let run = dir
        .run(&["eval", "users.map", "--source", "not-objects.jsonl"])
        .expect(1);
    assert!(
        run.stderr().starts_with(
            "error: not-objects.jsonl:2:1: a JSON Lines source holds one JSON object a line"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn eval_without_an_object_type_exits_2_naming_the_flag() {
    let dir = Dir::new(&[
        ("users.map", "key:id=WorkerID\nmap:name=Name\n"),
        ("users.json", RECORDS),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.json"])
        .expect(2);
    assert!(run.stderr().contains("--object-type"), "{}", run.stderr());
    assert!(
        run.stderr().contains("config:object_type="),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");

    let run = dir
        .run(&[
            "eval",
            "users.map",
            "--source",
            "users.json",
            "--object-type",
            "People",
        ])
        .expect(0);
    let images = run.images();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["object_type"], "People");
    assert_eq!(images[0]["section"], "People");
}

#[test]
fn eval_of_an_unknown_section_exits_2() {
    let dir = Dir::new(&[("users.map", USERS), ("users.json", RECORDS)]);
    let run = dir
        .run(&[
            "eval",
            "users.map",
            "--source",
            "users.json",
            "--section",
            "Userz",
        ])
        .expect(2);
    assert!(run.stderr().contains("`Userz`"), "{}", run.stderr());
    assert!(
        run.stderr().contains("did you mean `Users`?"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");
}

#[test]
fn eval_section_selects_one_section_and_sources_can_be_named_per_section() {
    let dir = Dir::new(&[
        (
            "all.map",
            "Users:\nkey:id=WorkerID\nmap:groups=Groups|Name=${groups}\n\nGroups:\nkey:id=Group ID\nmap:name=Name\n",
        ),
        ("users.json", r#"[{"id": "00u1", "groups": ["Sales"]}]"#),
        ("groups.json", r#"[{"id": "00g1", "name": "Sales"}]"#),
    ]);
    let run = dir
        .run(&[
            "eval",
            "all.map",
            "--source",
            "groups.json",
            "--section",
            "Groups",
        ])
        .expect(0);
    let images = run.images();
    assert_eq!(keys(&images), ["00g1"]);
    assert_eq!(images[0]["section"], "Groups");

    // Both sections, each from its own file, referenced types first.
    let run = dir
        .run(&[
            "eval",
            "all.map",
            "--source",
            "Users=users.json",
            "--source",
            "Groups=groups.json",
        ])
        .expect(0);
    let images = run.images();
    let sections: Vec<&str> = images
        .iter()
        .map(|i| i["section"].as_str().unwrap())
        .collect();
    assert_eq!(sections, ["Groups", "Users"]);

    // A section without a source is a usage error.
    let run = dir
        .run(&["eval", "all.map", "--source", "Users=users.json"])
        .expect(2);
    assert!(run.stderr().contains("Groups"), "{}", run.stderr());
}

#[test]
fn eval_exits_1_when_a_record_fails_but_prints_every_record() {
    let dir = Dir::new(&[
        ("users.map", USERS),
        (
            "users.json",
            r#"[{"id": "00u1", "name": {"first": "Amina"}}, {"id": "00u2", "name": "Luc"}]"#,
        ),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.json"])
        .expect(1);
    let images = run.images();
    assert_eq!(keys(&images), ["00u1", "00u2"]);
    assert_eq!(images[0]["errors"][0]["code"], "M101");
    assert_eq!(images[0]["errors"][0]["line"], 4);
    assert_eq!(images[1]["errors"], json!([]));
    let err = run.stderr();
    assert!(
        err.contains("users.map:4:1: error[M101]: Users record 1 (key 00u1)"),
        "{err}"
    );
    assert!(err.ends_with("1 record(s) had errors\n"), "{err}");
}

#[test]
fn eval_prints_nothing_for_a_record_a_filter_excludes() {
    let dir = Dir::new(&[
        (
            "users.map",
            "Users:\nkey:id=WorkerID\nfilter:status == 'ACTIVE'\n",
        ),
        (
            "users.json",
            r#"[{"id": "00u1", "status": "ACTIVE"}, {"id": "00u2", "status": "SUSPENDED"}]"#,
        ),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.json"])
        .expect(0);
    assert_eq!(keys(&run.images()), ["00u1"]);
}

#[test]
fn eval_of_a_mapping_with_errors_exits_1_and_prints_no_image() {
    let dir = Dir::new(&[
        ("users.map", "Users:\nkey:id=WorkerID\nmpa:name=Name\n"),
        ("users.json", RECORDS),
    ]);
    let run = dir
        .run(&["eval", "users.map", "--source", "users.json"])
        .expect(1);
    assert_eq!(run.stdout(), "");
    assert!(run.stderr().contains("M002"), "{}", run.stderr());
}

#[test]
fn eval_exits_2_for_missing_files_and_flags() {
    let dir = Dir::new(&[("users.map", USERS), ("users.json", RECORDS)]);
    let run = dir
        .run(&["eval", "missing.map", "--source", "users.json"])
        .expect(2);
    assert!(run.stderr().contains("missing.map"), "{}", run.stderr());
    let run = dir
        .run(&["eval", "users.map", "--source", "missing.json"])
        .expect(2);
    assert!(run.stderr().contains("missing.json"), "{}", run.stderr());
    let run = dir.run(&["eval", "users.map"]).expect(2);
    assert!(run.stderr().contains("--source"), "{}", run.stderr());
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = Dir::new(&[]);
    dir.run(&["frobnicate"]).expect(2);
    dir.run(&["check"]).expect(2);
    dir.run(&["check", "--format", "xml", "x.map"]).expect(2);
    let run = dir.run(&["--help"]).expect(0);
    for command in ["check", "eval", "fmt"] {
        assert!(run.stdout().contains(command), "{}", run.stdout());
    }
    dir.run(&["--version"]).expect(0);
}

// -------------------------------------------------------------------------------------- fmt

const MESSY: &str = "# Users\nUsers:\nkey:id = WorkerID  \n\n\n\nmap:profile.email=User\n# Groups\nGroups:\nkey:id=Group ID\nfilter:  status == 'ACTIVE'\nmap:groups=Groups| Name=${groups}\n";
const TIDY: &str = "# Users\nUsers:\nkey:id=WorkerID\n\nmap:profile.email=User\n\n# Groups\nGroups:\nkey:id=Group ID\nfilter:status == 'ACTIVE'\nmap:groups=Groups|Name=${groups}\n";

#[test]
fn fmt_check_exits_1_until_fmt_rewrote_the_file() {
    let dir = Dir::new(&[("users.map", MESSY)]);
    let run = dir.run(&["fmt", "--check", "users.map"]).expect(1);
    assert_eq!(run.stdout(), "users.map: would be reformatted\n");
    assert_eq!(
        dir.read("users.map"),
        MESSY.as_bytes(),
        "--check changes nothing"
    );

    let run = dir.run(&["fmt", "users.map"]).expect(0);
    assert_eq!(run.stdout(), "users.map: formatted\n");
    assert_eq!(String::from_utf8(dir.read("users.map")).unwrap(), TIDY);

    dir.run(&["fmt", "--check", "users.map"]).expect(0);
}

#[test]
fn fmt_twice_changes_nothing() {
    let dir = Dir::new(&[("users.map", MESSY)]);
    dir.run(&["fmt", "users.map"]).expect(0);
    let once = dir.read("users.map");
    let run = dir.run(&["fmt", "users.map"]).expect(0);
    assert_eq!(
        run.stdout(),
        "",
        "an already formatted file is not reported"
    );
    assert_eq!(dir.read("users.map"), once);
}

#[test]
fn fmt_keeps_the_meaning_of_the_mapping() {
    let dir = Dir::new(&[("users.map", MESSY)]);
    let before = assetsync::lang::compile(MESSY, None)
        .program
        .expect("the messy file is valid");
    dir.run(&["fmt", "users.map"]).expect(0);
    let text = String::from_utf8(dir.read("users.map")).unwrap();
    let after = assetsync::lang::compile(&text, None).program.unwrap();
    assert_eq!(
        serde_json::to_value(&before).unwrap(),
        serde_json::to_value(&after).unwrap()
    );
}

#[test]
fn fmt_keeps_crlf_line_ends_and_a_byte_order_mark() {
    let dir = Dir::new(&[]);
    // Already canonical but for its CRLF ends and mark: `--check` passes it.
    let canonical = b"\xEF\xBB\xBFUsers:\r\nkey:id=WorkerID\r\nmap:profile.email=User\r\n";
    dir.write("users.map", canonical);
    dir.run(&["fmt", "--check", "users.map"]).expect(0);
    dir.run(&["fmt", "users.map"]).expect(0);
    assert_eq!(dir.read("users.map"), canonical);

    // Out of layout (a trailing tab, no blank line before a header): fixed, ends kept.
    dir.write(
        "users.map",
        b"\xEF\xBB\xBFUsers:\r\nkey:id=WorkerID\r\nmap:profile.email=User\t\r\nGroups:\r\nkey:id=GroupID\r\n",
    );
    dir.run(&["fmt", "--check", "users.map"]).expect(1);
    dir.run(&["fmt", "users.map"]).expect(0);
    assert_eq!(
        dir.read("users.map"),
        b"\xEF\xBB\xBFUsers:\r\nkey:id=WorkerID\r\nmap:profile.email=User\r\n\r\nGroups:\r\nkey:id=GroupID\r\n"
    );
    dir.run(&["fmt", "--check", "users.map"]).expect(0);

    // A file with LF ends stays LF.
    dir.write("plain.map", b"Users:\nkey:id=WorkerID\t\n");
    dir.run(&["fmt", "plain.map"]).expect(0);
    assert_eq!(dir.read("plain.map"), b"Users:\nkey:id=WorkerID\n");
}

#[test]
fn fmt_leaves_a_file_with_errors_alone() {
    let broken = "Users:\nkey:id = WorkerID\nmpa:name=Name\n";
    let dir = Dir::new(&[("users.map", broken)]);
    let run = dir.run(&["fmt", "users.map"]).expect(1);
    assert!(run.stderr().contains("M002"), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("users.map: not formatted: fix the errors first"),
        "{}",
        run.stderr()
    );
    assert_eq!(dir.read("users.map"), broken.as_bytes());
}

#[test]
fn fmt_exits_2_for_a_missing_file() {
    let dir = Dir::new(&[]);
    let run = dir.run(&["fmt", "missing.map"]).expect(2);
    assert!(run.stderr().contains("missing.map"), "{}", run.stderr());
}
