//! The Assets Cloud target against Atlassian's own response shapes: a small server replays the
//! documented examples of `fixtures/assets-cloud/` (so the client is not only tested against
//! the sandbox, which is ours), and records what the client sends.

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");
const TOKEN: &str = "assets-api-token-7f3a";
const WORKSPACE: &str = "g2778e1d-939d-581d-c8e2-9d5g59de456b";
const MIA: &str = "5b10a2844c20165700ede21g";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/assets-cloud")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[derive(Default)]
struct Recorded {
    /// Method, path, and the AQL or JSON body.
    requests: Vec<(String, String, Value)>,
    /// Every request carried HTTP Basic credentials.
    all_basic: bool,
    /// Answer the first create with a 500 after making the object, as a lost answer would.
    lose_first_create: bool,
    created: Option<Value>,
}

type Shared = Arc<Mutex<Recorded>>;

fn record(state: &Shared, headers: &HeaderMap, method: &str, path: &str, body: Value) {
    let mut s = state.lock().unwrap();
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    s.all_basic &= basic;
    s.requests
        .push((method.to_string(), path.to_string(), body));
}

/// Employee, the type Office's manager points at: the fixture's Key and Name attributes under
/// other ids.
fn employee_attributes() -> Value {
    let office = fixture("objecttype-attributes.json");
    let mut out = Vec::new();
    for (a, id) in office.as_array().unwrap().iter().zip(["144", "145"]) {
        let mut a = a.clone();
        a["id"] = json!(id);
        a["objectType"]["id"] = json!("24");
        a["objectType"]["name"] = json!("Employee");
        out.push(a);
    }
    Value::Array(out)
}

fn employee_page() -> Value {
    let office = fixture("object-aql.json");
    let mut page = office.clone();
    let mut mia = office["values"][0].clone();
    mia["id"] = json!("89");
    mia["label"] = json!("Mia Krystof");
    mia["objectKey"] = json!("ITSM-89");
    mia["objectType"]["id"] = json!("24");
    mia["objectType"]["name"] = json!("Employee");
    mia["attributes"] = json!([{
        "id": "700", "objectTypeAttributeId": "145", "objectId": "89",
        "objectAttributeValues": [{"value": "Mia Krystof", "searchValue": "Mia Krystof",
            "referencedType": false, "displayValue": "Mia Krystof"}]
    }]);
    page["values"] = json!([mia]);
    page
}

async fn schemas(State(s): State<Shared>, h: HeaderMap) -> Json<Value> {
    record(&s, &h, "GET", "/objectschema/list", Value::Null);
    Json(fixture("objectschema-list.json"))
}

async fn types(State(s): State<Shared>, h: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    record(
        &s,
        &h,
        "GET",
        &format!("/objectschema/{id}/objecttypes/flat"),
        Value::Null,
    );
    match id.as_str() {
        "6" => Json(fixture("objecttypes-flat.json")).into_response(),
        _ => (StatusCode::NOT_FOUND, Json(fixture("error-400.json"))).into_response(),
    }
}

async fn attributes(
    State(s): State<Shared>,
    h: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    record(
        &s,
        &h,
        "GET",
        &format!("/objecttype/{id}/attributes"),
        Value::Null,
    );
    match id.as_str() {
        "23" => Json(fixture("objecttype-attributes.json")).into_response(),
        "24" => Json(employee_attributes()).into_response(),
        _ => (StatusCode::NOT_FOUND, Json(fixture("error-400.json"))).into_response(),
    }
}

async fn aql(
    State(s): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let ql = body["qlQuery"].as_str().unwrap_or_default().to_string();
    record(&s, &h, "POST", "/object/aql", json!(ql));
    assert_eq!(q.get("includeAttributes").map(String::as_str), Some("true"));
    let mut page = fixture("object-aql.json");
    if ql.starts_with("objectTypeId = 24") {
        return Json(employee_page()).into_response();
    }
    if ql == "objectTypeId = 23 AND Name = \"SF\"" {
        let created = s.lock().unwrap().created.clone();
        page["values"] = Value::Array(created.into_iter().collect());
        page["total"] = json!(page["values"].as_array().unwrap().len());
    }
    Json(page).into_response()
}

async fn create(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(&s, &h, "POST", "/object/create", body.clone());
    let mut object = fixture("object.json");
    object["id"] = json!("90");
    object["objectKey"] = json!("ITSM-90");
    object["label"] = json!("SF");
    object["attributes"] = json!([{
        "id": "701", "objectTypeAttributeId": "135", "objectId": "90",
        "objectAttributeValues": [{"value": "SF", "searchValue": "SF",
            "referencedType": false, "displayValue": "SF"}]
    }]);
    let mut st = s.lock().unwrap();
    st.created = Some(object.clone());
    if std::mem::take(&mut st.lose_first_create) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"errorMessages": ["timeout"]})),
        )
            .into_response();
    }
    (StatusCode::CREATED, Json(object)).into_response()
}

async fn users(
    State(s): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let query = q.get("query").cloned().unwrap_or_default();
    record(&s, &h, "GET", "/rest/api/3/user/search", json!(query));
    Json(if query == "mia@example.com" {
        fixture("user-search.json")
    } else {
        json!([])
    })
}

/// The replaying server: its Assets base URL and what it recorded.
struct Replay {
    base: String,
    state: Shared,
    _runtime: tokio::runtime::Runtime,
}

impl Replay {
    fn start(lose_first_create: bool) -> Replay {
        let state: Shared = Arc::new(Mutex::new(Recorded {
            all_basic: true,
            lose_first_create,
            ..Recorded::default()
        }));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let assets = Router::new()
            .route("/objectschema/list", get(schemas))
            .route("/objectschema/{id}/objecttypes/flat", get(types))
            .route("/objecttype/{id}/attributes", get(attributes))
            .route("/object/aql", post(aql))
            .route("/object/create", post(create));
        let app = Router::new()
            .nest(&format!("/jsm/assets/workspace/{WORKSPACE}/v1"), assets)
            .route("/rest/api/3/user/search", get(users))
            .with_state(state.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Replay {
            base: format!("http://127.0.0.1:{port}/jsm/assets/workspace/{WORKSPACE}/v1"),
            state,
            _runtime: runtime,
        }
    }

    fn requests(&self) -> Vec<(String, String, Value)> {
        self.state.lock().unwrap().requests.clone()
    }
}

const MAPPING: &str = "\
Office:
key:name=Name
map:manager=Office manager|Name=${manager}
map:owner=Owner
config:references=lookup
";

const SOURCE: &str = r#"[
 {"name": "NY", "manager": "Mia Krystof", "owner": "mia@example.com"},
 {"name": "SF", "manager": "Mia Krystof", "owner": "mia@example.com"}
]"#;

fn run(dir: &Path, mapping: &str, args: &[&str]) -> Output {
    std::fs::write(dir.join("office.map"), mapping).unwrap();
    std::fs::write(dir.join("offices.json"), SOURCE).unwrap();
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("ASSETS_SITE")
        .env_remove("ASSETS_WORKSPACE_ID")
        .env("ASSETS_EMAIL", "admin@example.com")
        .env("ASSETS_API_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    for stream in [&output.stdout, &output.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(TOKEN),
            "the token was printed"
        );
    }
    output
}

#[test]
fn a_plan_reads_atlassians_documented_shapes() {
    let replay = Replay::start(false);
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "plan",
        "office.map",
        "--source",
        "offices.json",
        "--target",
        &replay.base,
        "--format",
        "json",
        "--verbose",
    ];
    let out = run(dir.path(), MAPPING, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sections = plan["sections"].as_array().unwrap();
    let section = sections
        .iter()
        .find(|s| s["object_type"] == "Office")
        .unwrap();
    // NY is as the documented example holds it: its manager and its owner's account.
    assert_eq!(
        section["summary"],
        json!({"create": 1, "update": 0, "unchanged": 1, "delete": 0, "mark": 0, "errors": 0})
    );
    let changes = section["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["action"], "create");
    assert_eq!(changes[0]["key"], "SF");
    let attributes = &changes[0]["attributes"];
    assert_eq!(attributes["Name"]["to"], json!(["SF"]));
    assert_eq!(
        attributes["Office manager"]["to"],
        json!([{"object_type": "Employee", "label": "Mia Krystof"}])
    );
    assert_eq!(
        attributes["Owner"]["to"],
        json!([MIA]),
        "email → account id"
    );

    let requests = replay.requests();
    let asked: Vec<(&str, &str)> = requests
        .iter()
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        asked,
        [
            ("GET", "/objectschema/list"),
            ("GET", "/objectschema/6/objecttypes/flat"),
            ("GET", "/objecttype/23/attributes"),
            ("GET", "/objecttype/24/attributes"),
            ("GET", "/rest/api/3/user/search"),
            ("POST", "/object/aql"),
            ("POST", "/object/aql"),
        ]
    );
    // The queries run side by side: their order of arrival varies.
    let mut queries: Vec<&str> = requests
        .iter()
        .filter(|(_, p, _)| p == "/object/aql")
        .filter_map(|(_, _, q)| q.as_str())
        .collect();
    queries.sort();
    assert_eq!(queries[0], "objectTypeId = 23", "the section's type, whole");
    assert_eq!(
        queries[1], "objectTypeId = 24 AND Name IN (\"Mia Krystof\")",
        "referenced objects, looked up in one batch"
    );
    assert_eq!(requests[4].2, "mia@example.com", "each email once");
    assert!(replay.state.lock().unwrap().all_basic);
    assert!(stderr.contains("/object/aql"), "--verbose logs requests");
}

#[test]
fn a_create_whose_answer_was_lost_is_looked_up_not_sent_twice() {
    let replay = Replay::start(true);
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "apply",
        "office.map",
        "--source",
        "offices.json",
        "--target",
        &replay.base,
    ];
    let out = run(dir.path(), MAPPING, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 create, 0 update, 1 unchanged"),
        "{stdout}"
    );
    let requests = replay.requests();
    let creates: Vec<&Value> = requests
        .iter()
        .filter(|(_, p, _)| p == "/object/create")
        .map(|(_, _, b)| b)
        .collect();
    assert_eq!(creates.len(), 1, "created once: {requests:#?}");
    let mut sent: Vec<(String, Vec<String>)> = creates[0]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let values = a["objectAttributeValues"].as_array().unwrap();
            (
                a["objectTypeAttributeId"].as_str().unwrap().to_string(),
                values
                    .iter()
                    .map(|v| v["value"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    sent.sort();
    assert_eq!(creates[0]["objectTypeId"], "23");
    assert_eq!(
        sent,
        [
            ("135".to_string(), vec!["SF".to_string()]),
            ("138".to_string(), vec!["ITSM-89".to_string()]),
            ("139".to_string(), vec![MIA.to_string()]),
        ],
        "a reference goes as the object's key, a user as the account id"
    );
    let lookup = requests
        .iter()
        .any(|(_, p, q)| p == "/object/aql" && q == "objectTypeId = 23 AND Name = \"SF\"");
    assert!(
        lookup,
        "the lost create was looked up by its key: {requests:#?}"
    );
}

#[test]
fn names_assets_lacks_are_refused_with_the_names_it_has() {
    let replay = Replay::start(false);
    let dir = tempfile::tempdir().unwrap();
    let mapping = "\
Office:
key:name=Name
map:manager=Office Manager|Name=${manager}
map:city=Citty
";
    let args = [
        "apply",
        "office.map",
        "--source",
        "offices.json",
        "--target",
        &replay.base,
    ];
    let out = run(dir.path(), mapping, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The mapping is compiled against the types read from Assets, as with `--schema`.
    for expected in [
        "`Office` has no attribute `Office Manager`",
        "office.map:3:1",
        "help: did you mean `Office manager`?",
        "`Office` has no attribute `Citty`",
        "help: its attributes are `Name`, `Office manager`, `Owner`",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    let writes = replay
        .requests()
        .iter()
        .filter(|(m, p, _)| m != "GET" && p != "/object/aql")
        .count();
    assert_eq!(writes, 0, "nothing was written");
}

// ------------------------------------------------------------------- through the sandbox

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::Sandbox;

/// Okta-shaped users with their roles, groups and apps (names with quotes, backslashes and
/// unicode among them), one a line.
fn okta_users(n: usize) -> String {
    let groups = [
        "Engineering",
        "Sales \"EMEA\"",
        "Finance \\ Legal",
        "Ventes Québec",
        "R&D",
        "Support (Tier 2)",
    ];
    let mut out = String::new();
    for i in 0..n {
        let user = json!({
            "id": format!("00u{i:06}"),
            "status": if i % 9 == 0 { "SUSPENDED" } else { "ACTIVE" },
            "profile": {
                "firstName": format!("Ann{i}"),
                "lastName": format!("O'Brien {}", i % 13),
                "email": format!("user{i}@example.com"),
            },
            "roles": if i % 10 == 0 { vec!["Help Desk administrator"] } else { vec![] },
            "groups": [groups[i % groups.len()], groups[(i + 2) % groups.len()]],
            "apps": [format!("App {}", i % 7)],
        });
        out.push_str(&user.to_string());
        out.push('\n');
    }
    out
}

fn repo_path(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

fn assetsync(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("ASSETS_EMAIL", "admin@example.com")
        .env("ASSETS_API_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(TOKEN));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn dump(dir: &Path, store: &str) -> Value {
    let out = assetsync(dir, &["store", "dump", "--store", store]);
    serde_json::from_str(&ok(&out)).unwrap()
}

/// The sandbox's request log: method, path after the base, status, AQL or body.
fn log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        // The last line may be half written while the sandbox runs.
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn is_write(request: &Value) -> bool {
    let path = request["path"].as_str().unwrap_or_default();
    matches!(request["method"].as_str(), Some("PUT" | "DELETE")) || path.ends_with("/object/create")
}

fn no_duplicate_keys(dump: &Value) {
    let mut seen = std::collections::HashSet::new();
    for o in dump["objects"].as_array().unwrap() {
        let key = (o["object_type"].to_string(), o["key"].to_string());
        assert!(seen.insert(key.clone()), "{key:?} twice");
    }
}

/// The embedded import of the same records, to compare with.
fn direct(dir: &Path, source: &str) -> Value {
    let mapping = repo_path("fixtures/mappings/okta-users.map");
    ok(&assetsync(
        dir,
        &[
            "apply",
            &mapping,
            "--source",
            source,
            "--store",
            "direct.db",
        ],
    ));
    dump(dir, "direct.db")
}

#[test]
fn an_import_through_the_sandbox_under_faults_matches_the_embedded_import() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("users.jsonl"), okta_users(120)).unwrap();
    let expected = direct(dir, "users.jsonl");
    no_duplicate_keys(&expected);

    let schema = repo_path("fixtures/sandbox/okta-users.schema.json");
    let log_path = dir.join("requests.jsonl");
    let store = dir.join("sandbox.db");
    let mut sandbox = Sandbox::start(
        &store,
        &[
            "--schema",
            &schema,
            "--log",
            log_path.to_str().unwrap(),
            "--error-rate",
            "0.08",
            "--rate-limit",
            "0.02",
            "--seed",
            "11",
        ],
    );
    let mapping = repo_path("fixtures/mappings/okta-users.map");
    let apply = [
        "apply",
        &mapping,
        "--source",
        "users.jsonl",
        "--target",
        &sandbox.base,
    ];
    let first = ok(&assetsync(dir, &apply));
    assert!(first.contains("total   134 create, 0 update"), "{first}");
    let after_first = log(&log_path);
    let faulted = after_first
        .iter()
        .filter(|r| matches!(r["status"].as_u64(), Some(429 | 500 | 503)))
        .count();
    assert!(faulted > 0, "the sandbox injected faults");

    let second = ok(&assetsync(dir, &apply));
    assert!(
        // The roles, groups and apps the users link to count as unchanged too.
        second.contains("total   0 create, 0 update, 134 unchanged, 0 delete"),
        "{second}"
    );
    let rerun = &log(&log_path)[after_first.len()..];
    assert!(
        !rerun.iter().any(is_write),
        "a no-op run writes nothing: {rerun:#?}"
    );
    // The users are read whole; roles, groups and apps are looked up in batches.
    let queries: Vec<&str> = rerun
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/object/aql") && r["status"] == 200)
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(queries.len(), 4, "{queries:#?}");
    assert_eq!(
        queries
            .iter()
            .filter(|q| q.contains(" AND Name IN ("))
            .count(),
        3,
        "{queries:#?}"
    );

    assert!(sandbox.stop().success());
    let through_rest = dump(dir, store.to_str().unwrap());
    no_duplicate_keys(&through_rest);
    assert_eq!(
        through_rest, expected,
        "the same objects as the embedded import"
    );
}

#[test]
fn an_interrupted_import_is_finished_by_the_next_run_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("users.jsonl"), okta_users(150)).unwrap();
    let expected = direct(dir, "users.jsonl");
    // Stopped half way through the writes.
    let Underway {
        mut sandbox,
        store,
        log_path,
        apply,
        mut child,
    } = import_underway(dir, &[]);
    let apply: Vec<&str> = apply.iter().map(String::as_str).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    // A create the sandbox had begun when the client went away still finishes (unlogged, since
    // nobody waits for its answer); give it the time to.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let count = |d: &Value| d["objects"].as_array().map_or(0, Vec::len);
    let present = count(&dump(dir, store.to_str().unwrap()));
    assert!(
        (40..164).contains(&present),
        "stopped half way: {present} of 164 objects"
    );
    let logged = log(&log_path).len();

    let second = ok(&assetsync(dir, &apply));
    assert!(
        second.contains(&format!("{} create", 164 - present)),
        "{second}"
    );
    let created_again = log(&log_path)[logged..]
        .iter()
        .filter(|r| r["status"] == 201)
        .count();
    assert!(sandbox.stop().success());
    let through_rest = dump(dir, store.to_str().unwrap());
    no_duplicate_keys(&through_rest);
    assert_eq!(through_rest, expected);
    assert_eq!(
        present + created_again,
        count(&through_rest),
        "the second run created only what the first had not"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_sending_says_how_many_were_written_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("users.jsonl"), okta_users(150)).unwrap();
    let expected = direct(dir, "users.jsonl");
    let Underway {
        mut sandbox,
        store,
        apply,
        child,
        ..
    } = import_underway(dir, &["--format", "json"]);
    let apply: Vec<&str> = apply.iter().map(String::as_str).collect();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["written"], false);
    let written = report["objects_written"].as_u64().unwrap() as usize;
    assert!(
        stderr.contains(&format!(
            "interrupted: {written} write(s) were carried out in Assets"
        )),
        "{stderr}"
    );
    // Every request it sent was answered before it stopped: the sandbox holds what it said.
    let count = |d: &Value| d["objects"].as_array().map_or(0, Vec::len);
    let present = count(&dump(dir, store.to_str().unwrap()));
    assert_eq!(present, written);
    assert!((40..164).contains(&present), "{present} of 164");

    let verbose: Vec<&str> = apply.iter().copied().chain(["--verbose"]).collect();
    let out = assetsync(dir, &verbose);
    let second = ok(&out);
    let report: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(report["written"], true);
    assert_eq!(report["total"]["create"], 164 - present);
    // The progress ends at its total: one write a new object, its links sent with it.
    let left = 164 - present;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("wrote {left} of {left} writes")),
        "{stderr}"
    );
    assert!(sandbox.stop().success());
    let through_rest = dump(dir, store.to_str().unwrap());
    no_duplicate_keys(&through_rest);
    assert_eq!(through_rest, expected);
}

#[cfg(unix)]
#[test]
fn the_sandbox_recipe_of_the_docs_runs_as_written() {
    let docs = std::fs::read_to_string(repo_path("docs/cloud.md")).unwrap();
    let section = &docs[docs
        .find("## The sandbox")
        .expect("the docs have the recipe")..];
    let start = section.find("```sh\n").expect("a shell block") + 6;
    let script = &section[start..start + section[start..].find("```").unwrap()];
    // A fresh directory, as the repository root is to a new admin: the fixtures, `assetsync`
    // on the PATH, and no Assets credentials in the environment.
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(BIN, bin_dir.join("assetsync")).unwrap();
    std::os::unix::fs::symlink(repo_path("fixtures"), dir.path().join("fixtures")).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("ASSETS_EMAIL")
        .env_remove("ASSETS_API_TOKEN")
        .env_remove("ASSETS_SITE")
        .env_remove("ASSETS_WORKSPACE_ID")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("total   20 create"), "{stdout}");
    let dump: Value = serde_json::from_str(&stdout[stdout.find("\n{").unwrap()..]).unwrap();
    assert_eq!(dump["objects"].as_array().map(Vec::len), Some(20));
}

/// An import of `users.jsonl` through a sandbox that answers after 10 ms, started and let run
/// until the sandbox has created 40 objects: the sandbox, its store and log, the apply's
/// arguments, and the running apply (`extra` flags added to it).
struct Underway {
    sandbox: Sandbox,
    store: std::path::PathBuf,
    log_path: std::path::PathBuf,
    apply: Vec<String>,
    child: std::process::Child,
}

fn import_underway(dir: &Path, extra: &[&str]) -> Underway {
    let schema = repo_path("fixtures/sandbox/okta-users.schema.json");
    let log_path = dir.join("requests.jsonl");
    let store = dir.join("sandbox.db");
    let sandbox = Sandbox::start(
        &store,
        &[
            "--schema",
            &schema,
            "--log",
            log_path.to_str().unwrap(),
            "--latency-ms",
            "10",
        ],
    );
    let mapping = repo_path("fixtures/mappings/okta-users.map");
    let apply: Vec<String> = [
        "apply",
        &mapping,
        "--source",
        "users.jsonl",
        "--target",
        &sandbox.base,
        "--concurrency",
        "2",
    ]
    .iter()
    .chain(extra)
    .map(|a| a.to_string())
    .collect();
    let child = Command::new(BIN)
        .args(&apply)
        .current_dir(dir)
        .env("ASSETS_EMAIL", "admin@example.com")
        .env("ASSETS_API_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while log(&log_path).iter().filter(|r| r["status"] == 201).count() < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "the import did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Underway {
        sandbox,
        store,
        log_path,
        apply,
        child,
    }
}
