//! `assetsync sandbox` end to end: the binary serves a temporary store, requests go to it over
//! HTTP as the Assets REST client sends them, and `assetsync store dump` shows what they left.
//!
//! Every test stops its sandbox, on failure too: [`Sandbox`] kills the process when dropped.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");

/// Users, Roles and Groups, as an admin would copy them from `GET /objecttype/{id}/attributes`
/// (system attributes included: seeding leaves them out).
const SCHEMA: &str = r#"{"objectTypes": [
  {"id": "1", "name": "Users", "attributes": [
    {"id": "100", "name": "Key", "type": 0, "defaultType": {"id": 0, "name": "Text"}},
    {"id": "101", "name": "WorkerID", "type": 0, "defaultType": {"id": 0, "name": "Text"},
     "maximumCardinality": 1, "uniqueAttribute": true},
    {"id": "102", "name": "Name", "type": 0, "defaultType": {"id": 0, "name": "Text"},
     "maximumCardinality": 1, "label": true},
    {"id": "103", "name": "Manager", "type": 1, "referenceObjectTypeId": "1",
     "maximumCardinality": 1},
    {"id": "104", "name": "Roles", "type": 1, "referenceObjectTypeId": "2",
     "maximumCardinality": -1},
    {"id": "105", "name": "Account", "type": 2, "maximumCardinality": 1},
    {"id": "106", "name": "Age", "type": 0, "defaultType": {"id": 1, "name": "Integer"}},
    {"id": "107", "name": "Score", "type": 0, "defaultType": {"id": 3, "name": "Double"}},
    {"id": "108", "name": "Active", "type": 0, "defaultType": {"id": 2, "name": "Boolean"}},
    {"id": "109", "name": "Created", "type": 0, "defaultType": {"id": 6, "name": "DateTime"}}]},
  {"id": "2", "name": "Roles", "attributes": [
    {"id": "201", "name": "Name", "type": 0, "defaultType": {"id": 0, "name": "Text"},
     "maximumCardinality": 1, "label": true, "uniqueAttribute": true}]},
  {"id": "3", "name": "Groups", "attributes": [
    {"id": "301", "name": "Name", "type": 0, "defaultType": {"id": 0, "name": "Text"},
     "maximumCardinality": 1, "label": true, "uniqueAttribute": true},
    {"id": "302", "name": "Members", "type": 1, "referenceObjectTypeId": "1",
     "maximumCardinality": -1}]}
]}"#;

// ------------------------------------------------------------------------------ harness

#[path = "support/sandbox.rs"]
mod support;
use support::Sandbox;

/// An answer: status, headers and the body as JSON (`Null` when empty).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

/// An HTTP client with Basic credentials, driven from synchronous tests.
struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    origin: String,
    /// Requests sent so far.
    sent: usize,
}

impl Client {
    fn new(sandbox: &Sandbox) -> Client {
        Client {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: sandbox.base.clone(),
            origin: sandbox.origin.clone(),
            sent: 0,
        }
    }

    fn send(&mut self, method: Method, url: String, body: Option<Value>, auth: bool) -> Answer {
        self.sent += 1;
        let mut request = self.http.request(method, url);
        if auth {
            request = request.basic_auth("admin@example.com", Some("any-token"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.runtime.block_on(async move {
            let response = request.send().await.expect("the sandbox answers");
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.expect("a whole body");
            let body = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                    panic!(
                        "{status}: not JSON ({e}): {}",
                        String::from_utf8_lossy(&bytes)
                    )
                })
            };
            Answer {
                status,
                headers,
                body,
            }
        })
    }

    fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let url = format!("{}{path}", self.base);
        self.send(method, url, body, true)
    }

    fn get(&mut self, path: &str) -> Answer {
        self.call(Method::GET, path, None)
    }

    /// A GET that must succeed; retried while a fault test's sandbox injects faults.
    fn get_ok(&mut self, path: &str) -> Value {
        for _ in 0..50 {
            let a = self.get(path);
            if a.status == StatusCode::OK {
                return a.body;
            }
            assert!(
                matches!(a.status.as_u16(), 429 | 500 | 503),
                "GET {path}: {} {}",
                a.status,
                a.body
            );
        }
        panic!("GET {path} never succeeded");
    }

    fn aql(&mut self, query: &str, params: &str) -> Answer {
        self.call(
            Method::POST,
            &format!("/object/aql{params}"),
            Some(json!({ "qlQuery": query })),
        )
    }

    fn user(&mut self, email: &str) -> Value {
        let url = format!("{}/rest/api/3/user/search?query={email}", self.origin);
        let a = self.send(Method::GET, url, None, true);
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.body
    }
}

/// The object type and attribute ids the sandbox gives the schema, by name.
struct Ids {
    types: BTreeMap<String, String>,
    attributes: BTreeMap<(String, String), String>,
}

impl Ids {
    fn read(client: &mut Client) -> Ids {
        let schemas = client.get_ok("/objectschema/list");
        let schema = schemas["values"][0]["id"].as_str().unwrap().to_string();
        let flat = client.get_ok(&format!("/objectschema/{schema}/objecttypes/flat"));
        let mut ids = Ids {
            types: BTreeMap::new(),
            attributes: BTreeMap::new(),
        };
        for t in flat.as_array().unwrap() {
            let (name, id) = (t["name"].as_str().unwrap(), t["id"].as_str().unwrap());
            ids.types.insert(name.to_string(), id.to_string());
            for a in client
                .get_ok(&format!("/objecttype/{id}/attributes"))
                .as_array()
                .unwrap()
            {
                ids.attributes.insert(
                    (name.to_string(), a["name"].as_str().unwrap().to_string()),
                    a["id"].as_str().unwrap().to_string(),
                );
            }
        }
        ids
    }

    fn ty(&self, name: &str) -> &str {
        &self.types[name]
    }

    /// A create or update body: `(attribute, values)` of one object type.
    fn body(&self, ty: &str, values: &[(&str, &[&str])]) -> Value {
        let attributes: Vec<Value> = values
            .iter()
            .map(|(name, list)| {
                json!({
                    "objectTypeAttributeId": self.attributes[&(ty.to_string(), name.to_string())],
                    "objectAttributeValues": list.iter().map(|v| json!({ "value": v })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "objectTypeId": self.ty(ty), "attributes": attributes })
    }
}

fn create(client: &mut Client, ids: &Ids, ty: &str, values: &[(&str, &[&str])]) -> Value {
    let a = client.call(Method::POST, "/object/create", Some(ids.body(ty, values)));
    assert_eq!(a.status, StatusCode::CREATED, "create {ty}: {}", a.body);
    a.body
}

fn keys_of(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["objectKey"].as_str().unwrap().to_string())
        .collect()
}

/// The values of the attribute `name` of an object answer, as text (references by key).
fn values_of(object: &Value, ids: &Ids, ty: &str, name: &str) -> Vec<String> {
    let id = &ids.attributes[&(ty.to_string(), name.to_string())];
    object["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["objectTypeAttributeId"].as_str() == Some(id.as_str()))
        .flat_map(|a| a["objectAttributeValues"].as_array().unwrap().clone())
        .map(|v| match &v["referencedObject"] {
            Value::Object(o) => o["objectKey"].as_str().unwrap().to_string(),
            _ => v["value"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn assetsync(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn dump(store: &Path) -> Value {
    let out = assetsync(&["store", "dump", "--store", store.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the dump is JSON")
}

fn log_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

fn files() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("assets.db");
    let schema = dir.path().join("schema.json");
    let log = dir.path().join("requests.jsonl");
    std::fs::write(&schema, SCHEMA).unwrap();
    (dir, store, schema, log)
}

// ------------------------------------------------------------------------------ objects

#[test]
fn objects_go_through_the_rest_api_into_the_store() {
    let (_dir, store, schema, log) = files();
    let mut sandbox = Sandbox::start(
        &store,
        &[
            "--schema",
            schema.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
    );
    let mut client = Client::new(&sandbox);
    let ids = Ids::read(&mut client);
    assert_eq!(
        ids.types.keys().collect::<Vec<_>>(),
        ["Groups", "Roles", "Users"]
    );
    assert!(ids.attributes.contains_key(&("Users".into(), "Key".into())));

    // Creates, references by key (any case) or by id, a user attribute by account id.
    let admin = create(&mut client, &ids, "Roles", &[("Name", &["Admin"])]);
    let reader = create(&mut client, &ids, "Roles", &[("Name", &["Reader"])]);
    let admin_key = admin["objectKey"].as_str().unwrap().to_string();
    let reader_id = reader["id"].as_str().unwrap().to_string();
    assert_eq!(admin["label"], "Admin");
    let account = client.user("ines@example.com")[0]["accountId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        client.user("ines@example.com")[0]["accountId"],
        account.as_str(),
        "the same address gives the same account"
    );
    let ines = create(
        &mut client,
        &ids,
        "Users",
        &[
            ("WorkerID", &["00u1"]),
            ("Name", &["Ines Okafor"]),
            ("Roles", &[&admin_key]),
            ("Account", &[&account]),
            ("Age", &["42"]),
            ("Score", &["2.5"]),
            ("Active", &["true"]),
        ],
    );
    let ines_key = ines["objectKey"].as_str().unwrap().to_string();
    assert_eq!(ines["label"], "Ines Okafor");
    assert_eq!(
        values_of(&ines, &ids, "Users", "Account"),
        [account.as_str()]
    );
    let jon = create(
        &mut client,
        &ids,
        "Users",
        &[
            ("WorkerID", &["00u2"]),
            ("Name", &["Jon Park"]),
            ("Manager", &[&ines_key.to_lowercase()]),
            ("Roles", &[&reader_id, &admin_key]),
            ("Age", &["7"]),
        ],
    );
    let jon_id = jon["id"].as_str().unwrap().to_string();
    assert_eq!(
        values_of(&jon, &ids, "Users", "Manager"),
        [ines_key.as_str()]
    );
    assert_eq!(
        values_of(&jon, &ids, "Users", "Roles"),
        [reader["objectKey"].as_str().unwrap(), admin_key.as_str()]
    );

    // What a client gets wrong is a 4xx with Atlassian's error body.
    let taken = client.call(
        Method::POST,
        "/object/create",
        Some(ids.body("Users", &[("WorkerID", &["00u1"]), ("Name", &["Copy"])])),
    );
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(
        taken.body["errors"]["WorkerID"]
            .as_str()
            .is_some_and(|m| m.contains("00u1") && m.contains("unique")),
        "{}",
        taken.body
    );
    let refusals: Vec<(Method, String, Option<Value>, u16)> = vec![
        (
            Method::POST,
            "/object/create".into(),
            Some(ids.body("Users", &[("Name", &["One", "Two"])])),
            400,
        ),
        (
            Method::POST,
            "/object/create".into(),
            Some(ids.body("Users", &[("Manager", &["USR-999"])])),
            400,
        ),
        (
            Method::POST,
            "/object/create".into(),
            Some(ids.body("Users", &[("Age", &["forty"])])),
            400,
        ),
        (
            Method::POST,
            "/object/create".into(),
            Some(json!({"objectTypeId": "999", "attributes": []})),
            400,
        ),
        (
            Method::POST,
            "/object/create".into(),
            Some(json!({"objectTypeId": ids.ty("Users"), "attributes": [
                {"objectTypeAttributeId": "99999", "objectAttributeValues": [{"value": "x"}]}]})),
            400,
        ),
        (
            Method::POST,
            "/object/create".into(),
            Some(json!({"objectTypeId": ids.ty("Users"), "attributes": [
                {"objectTypeAttributeId": ids.attributes[&("Users".into(), "Key".into())],
                 "objectAttributeValues": [{"value": "USR-7"}]}]})),
            400,
        ),
        (
            Method::POST,
            "/object/create".into(),
            Some(json!([1, 2])),
            400,
        ),
        (Method::POST, "/object/create".into(), None, 400),
        (Method::GET, "/object/99999".into(), None, 404),
        (Method::GET, "/object/abc".into(), None, 404),
        (
            Method::PUT,
            "/object/99999".into(),
            Some(ids.body("Users", &[("Name", &["X"])])),
            404,
        ),
        (Method::DELETE, "/object/99999".into(), None, 404),
        (
            Method::GET,
            "/objecttype/99999/attributes".into(),
            None,
            404,
        ),
        (
            Method::GET,
            "/objectschema/7/objecttypes/flat".into(),
            None,
            404,
        ),
        (Method::GET, "/no/such/endpoint".into(), None, 404),
    ];
    for (method, path, body, status) in refusals {
        let a = client.call(method.clone(), &path, body.clone());
        assert_eq!(
            a.status.as_u16(),
            status,
            "{method} {path} {body:?}: {}",
            a.body
        );
        assert!(
            a.body["errorMessages"].is_array() && a.body["errors"].is_object(),
            "{method} {path}: {}",
            a.body
        );
    }
    let url = format!("{}/objectschema/list", client.base);
    let anonymous = client.send(Method::GET, url, None, false);
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.body["errorMessages"].is_array());

    // An update changes the attributes it names, and the label with them; nothing else.
    let renamed = client.call(
        Method::PUT,
        &format!("/object/{jon_id}"),
        Some(ids.body("Users", &[("Name", &["Jon Q. Park"])])),
    );
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let jon = client.get(&format!("/object/{jon_id}")).body;
    assert_eq!(jon["label"], "Jon Q. Park");
    assert_eq!(values_of(&jon, &ids, "Users", "Name"), ["Jon Q. Park"]);
    assert_eq!(values_of(&jon, &ids, "Users", "WorkerID"), ["00u2"]);
    assert_eq!(
        values_of(&jon, &ids, "Users", "Manager"),
        [ines_key.as_str()]
    );
    assert_eq!(values_of(&jon, &ids, "Users", "Age"), ["7"]);

    // AQL: `=` without regard to case, `IN`, object types by name and id, keys, `OR`.
    let users = ids.ty("Users").to_string();
    let jon_key = jon["objectKey"].as_str().unwrap().to_string();
    let found = |client: &mut Client, query: &str| {
        let a = client.aql(query, "");
        assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.body);
        keys_of(&a.body)
    };
    assert_eq!(
        found(&mut client, r#"objectType = "Users" AND WorkerID = "00U1""#),
        [ines_key.as_str()]
    );
    assert_eq!(
        found(
            &mut client,
            r#"objectType = Users AND "WorkerID" IN ("00u1", "00u2", "00u9")"#
        ),
        [ines_key.as_str(), jon_key.as_str()]
    );
    assert_eq!(
        found(&mut client, &format!("objectTypeId = {users}")),
        [ines_key.as_str(), jon_key.as_str()]
    );
    assert_eq!(
        found(
            &mut client,
            &format!(r#"Key IN ("{jon_key}", "{admin_key}")"#)
        ),
        [admin_key.as_str(), jon_key.as_str()]
    );
    assert_eq!(
        found(&mut client, r#"Name = "admin" OR Name = "JON Q. PARK""#),
        [admin_key.as_str(), jon_key.as_str()]
    );
    assert_eq!(
        found(
            &mut client,
            r#"objectType = Users AND Manager = "ines okafor""#
        ),
        [jon_key.as_str()]
    );
    assert!(found(&mut client, r#"objectType = Roles AND Name = "nobody""#).is_empty());
    for bad in [
        "Name ~ \"x\"",
        "objectType = Nothing",
        "objectType = Roles AND Colour = red",
        "",
    ] {
        let a = client.aql(bad, "");
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}: {}", a.body);
        let message = a.body["errorMessages"][0].as_str().unwrap_or_default();
        assert!(message.contains(&format!("`{bad}`")), "{bad}: {message}");
    }

    // Paging.
    for g in 0..5 {
        create(
            &mut client,
            &ids,
            "Groups",
            &[("Name", &[&format!("G{g}")]), ("Members", &[&ines_key])],
        );
    }
    let first = client
        .aql("objectType = Groups", "?startAt=0&maxResults=2")
        .body;
    assert_eq!(
        (
            &first["startAt"],
            &first["maxResults"],
            &first["total"],
            &first["isLast"]
        ),
        (&json!(0), &json!(2), &json!(5), &json!(false))
    );
    assert_eq!(keys_of(&first), ["GRP-1", "GRP-2"]);
    let last = client
        .aql("objectType = Groups", "?startAt=4&maxResults=2")
        .body;
    assert_eq!((&last["total"], &last["isLast"]), (&json!(5), &json!(true)));
    assert_eq!(keys_of(&last), ["GRP-5"]);
    let bare = client
        .aql(
            "objectType = Groups",
            "?maxResults=1&includeAttributes=false",
        )
        .body;
    assert_eq!(bare["values"][0]["attributes"], json!([]));
    assert_eq!(
        client.aql("objectType = Groups", "?startAt=x").status,
        StatusCode::BAD_REQUEST
    );

    // Deletes, and the links to what they delete.
    let g0 = client.aql(r#"Name = "G0""#, "").body["values"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let gone = client.call(Method::DELETE, &format!("/object/{g0}"), None);
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(
        client.get(&format!("/object/{g0}")).status,
        StatusCode::NOT_FOUND
    );
    let admin_id = admin["id"].as_str().unwrap();
    assert_eq!(
        client
            .call(Method::DELETE, &format!("/object/{admin_id}"), None)
            .status,
        StatusCode::NO_CONTENT
    );
    let jon = client.get(&format!("/object/{jon_id}")).body;
    assert_eq!(
        values_of(&jon, &ids, "Users", "Roles"),
        [reader["objectKey"].as_str().unwrap()]
    );

    let status = sandbox.stop();
    assert!(
        status.success(),
        "Ctrl-C ends the sandbox with 0: {status:?}"
    );

    let ines_link = json!({ "object_type": "Users", "label": "Ines Okafor" });
    let group = |n: u32| {
        json!({
            "object_type": "Groups", "key": format!("G{n}"), "label": format!("G{n}"),
            "attributes": { "Members": [ines_link], "Name": [format!("G{n}")] },
        })
    };
    assert_eq!(
        dump(&store)["objects"],
        json!([
            group(1),
            group(2),
            group(3),
            group(4),
            {"object_type": "Roles", "key": "Reader", "label": "Reader",
             "attributes": {"Name": ["Reader"]}},
            {"object_type": "Users", "key": "00u1", "label": "Ines Okafor",
             "attributes": {"Account": ["ines@example.com"], "Active": [true], "Age": [42],
                            "Name": ["Ines Okafor"], "Score": [2.5], "WorkerID": ["00u1"]}},
            {"object_type": "Users", "key": "00u2", "label": "Jon Q. Park",
             "attributes": {"Age": [7], "Manager": [ines_link], "Name": ["Jon Q. Park"],
                            "Roles": [{"object_type": "Roles", "label": "Reader"}],
                            "WorkerID": ["00u2"]}},
        ])
    );

    // One log line a request, AQL as its query.
    let lines = log_lines(&log);
    assert_eq!(lines.len(), client.sent);
    assert!(lines.iter().any(|l| l["body"]
        .as_str()
        .is_some_and(|q| q.contains(r#""WorkerID" IN ("00u1", "00u2", "00u9")"#))));
    assert!(lines
        .iter()
        .any(|l| l["method"] == "PUT" && l["status"] == 200 && l["body"]["attributes"].is_array()));
    assert_eq!(
        lines.iter().filter(|l| l["status"] == 401).count(),
        1,
        "the request without credentials"
    );
}

// ------------------------------------------------------------------------------ shapes

/// Every key path of `value` with the JSON type at it; list elements share one path (`[]`).
/// The keys of `errors` are the request's own field names, not part of the shape.
fn shape(value: &Value, at: &str, out: &mut BTreeSet<String>) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.insert(format!("{at}: {kind}"));
    match value {
        Value::Object(map) if !at.ends_with(".errors") => {
            for (k, v) in map {
                shape(v, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for v in items {
                shape(v, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

fn assert_shape(fixture: &str, answer: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/assets-cloud")
        .join(fixture);
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (mut want, mut got) = (BTreeSet::new(), BTreeSet::new());
    shape(&recorded, "", &mut want);
    shape(answer, "", &mut got);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{fixture}: the sandbox's answer lacks {missing:#?}\nand has more: {extra:#?}"
    );
}

#[test]
fn answers_have_the_recorded_shapes() {
    let (_dir, store, schema, _log) = files();
    let _sandbox = Sandbox::start(&store, &["--schema", schema.to_str().unwrap()]);
    let mut client = Client::new(&_sandbox);
    let ids = Ids::read(&mut client);
    let users = ids.ty("Users").to_string();

    let people = client.user("mia@example.com");
    assert_shape("user-search.json", &people);
    let account = people[0]["accountId"].as_str().unwrap().to_string();
    let manager = create(
        &mut client,
        &ids,
        "Users",
        &[("WorkerID", &["m"]), ("Name", &["Mia"])],
    );
    let manager_key = manager["objectKey"].as_str().unwrap().to_string();
    // One value of each kind: text, reference and user.
    let object = create(
        &mut client,
        &ids,
        "Users",
        &[
            ("WorkerID", &["e"]),
            ("Name", &["Eve"]),
            ("Manager", &[&manager_key]),
            ("Account", &[&account]),
        ],
    );
    assert_shape("object.json", &object);
    let id = object["id"].as_str().unwrap().to_string();
    assert_shape("object.json", &client.get(&format!("/object/{id}")).body);
    let updated = client.call(
        Method::PUT,
        &format!("/object/{id}"),
        Some(ids.body("Users", &[("Name", &["Eve A."])])),
    );
    assert_shape("object.json", &updated.body);

    let key = object["objectKey"].as_str().unwrap();
    assert_shape(
        "object-aql.json",
        &client.aql(&format!(r#"Key = "{key}""#), "").body,
    );
    assert_shape(
        "objectschema-list.json",
        &client.get_ok("/objectschema/list"),
    );
    assert_shape(
        "objecttypes-flat.json",
        &client.get_ok("/objectschema/1/objecttypes/flat"),
    );
    assert_shape(
        "objecttype-attributes.json",
        &client.get_ok(&format!("/objecttype/{users}/attributes")),
    );
    let refused = client.call(
        Method::POST,
        "/object/create",
        Some(ids.body("Users", &[("WorkerID", &["e"])])),
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_shape("error-400.json", &refused.body);
}

// ------------------------------------------------------------------------------ faults

#[test]
fn faulted_requests_change_nothing() {
    let (_dir, store, schema, log) = files();
    let mut sandbox = Sandbox::start(
        &store,
        &[
            "--schema",
            schema.to_str().unwrap(),
            "--error-rate",
            "0.3",
            "--rate-limit",
            "0.2",
            "--seed",
            "7",
            "--latency-ms",
            "2",
            "--log",
            log.to_str().unwrap(),
        ],
    );
    let mut client = Client::new(&sandbox);
    let ids = Ids::read(&mut client);
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for n in 0..60 {
        let name = format!("Role {n:02}");
        let a = client.call(
            Method::POST,
            "/object/create",
            Some(ids.body("Roles", &[("Name", &[&name])])),
        );
        *statuses.entry(a.status.as_u16()).or_default() += 1;
        match a.status.as_u16() {
            201 => {
                created.insert(name);
            }
            429 => {
                assert_eq!(a.headers["retry-after"], "1");
                let reset = a.headers["x-ratelimit-reset"].to_str().unwrap();
                assert!(
                    reset.len() == 20 && reset.ends_with('Z') && reset.contains('T'),
                    "{reset}"
                );
                assert!(a.body["errorMessages"].is_array());
            }
            500 | 503 => assert!(a.body["errorMessages"].is_array()),
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    for status in [201, 429] {
        assert!(
            statuses.get(&status).is_some_and(|&n| n > 0),
            "{statuses:?}"
        );
    }
    assert!(
        statuses.get(&500).copied().unwrap_or(0) + statuses.get(&503).copied().unwrap_or(0) > 0,
        "{statuses:?}"
    );
    assert!(sandbox.stop().success());

    let roles: BTreeSet<String> = dump(&store)["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["object_type"] == "Roles")
        .map(|o| o["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(roles, created);

    let lines = log_lines(&log);
    assert_eq!(lines.len(), client.sent);
    let logged_creates = lines
        .iter()
        .filter(|l| l["path"].as_str().unwrap().ends_with("/object/create") && l["status"] == 201)
        .count();
    assert_eq!(logged_creates, created.len());
}

// ------------------------------------------------------------------------------ import

/// An import through the REST API (values as the text of what the planner made of them, as the
/// Assets client sends them) leaves the store as an embedded import of the same records does.
#[test]
fn an_import_through_the_sandbox_matches_an_embedded_import() {
    let (dir, _store, schema, _log) = files();
    let mapping = dir.path().join("users.map");
    let source = dir.path().join("users.json");
    std::fs::write(
        &mapping,
        "Users:\nkey:id=WorkerID\nmap:name=Name\nmap:age=Age\nmap:score=Score\n\
         map:active=Active\nmap:email=Account\n\
         map:manager=Manager|WorkerID=${manager}\nconfig:references=lookup\n",
    )
    .unwrap();
    std::fs::write(
        &source,
        json!([
            {"id": "00u1", "name": "Ines Okafor", "age": 42, "score": 2.5, "active": true,
             "email": "ines@example.com"},
            {"id": "00u2", "name": "Jon Park", "age": "7", "score": 3, "active": "FALSE",
             "email": "jon@example.com", "manager": "00u1"},
            {"id": "00u3", "name": "Kira \"K\" Sato", "score": "1.50", "manager": "00u2"},
        ])
        .to_string(),
    )
    .unwrap();

    let embedded = dir.path().join("embedded.db");
    let mut seeding = Sandbox::start(&embedded, &["--schema", schema.to_str().unwrap()]);
    assert!(seeding.stop().success());
    let applied = assetsync(&[
        "apply",
        mapping.to_str().unwrap(),
        "--source",
        source.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--store",
        embedded.to_str().unwrap(),
    ]);
    assert!(
        applied.status.success(),
        "{}{}",
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr)
    );

    let rest = dir.path().join("rest.db");
    let mut sandbox = Sandbox::start(&rest, &["--schema", schema.to_str().unwrap()]);
    let mut client = Client::new(&sandbox);
    let ids = Ids::read(&mut client);
    let ines_account = client.user("ines@example.com")[0]["accountId"]
        .as_str()
        .unwrap()
        .to_string();
    let jon_account = client.user("jon@example.com")[0]["accountId"]
        .as_str()
        .unwrap()
        .to_string();
    let ines = create(
        &mut client,
        &ids,
        "Users",
        &[
            ("WorkerID", &["00u1"]),
            ("Name", &["Ines Okafor"]),
            ("Age", &["42"]),
            ("Score", &["2.5"]),
            ("Active", &["true"]),
            ("Account", &[&ines_account]),
        ],
    );
    let jon = create(
        &mut client,
        &ids,
        "Users",
        &[
            ("WorkerID", &["00u2"]),
            ("Name", &["Jon Park"]),
            ("Age", &["7"]),
            ("Score", &["3"]),
            ("Active", &["false"]),
            ("Account", &[&jon_account]),
            ("Manager", &[ines["objectKey"].as_str().unwrap()]),
        ],
    );
    create(
        &mut client,
        &ids,
        "Users",
        &[
            ("WorkerID", &["00u3"]),
            ("Name", &["Kira \"K\" Sato"]),
            ("Score", &["1.5"]),
            ("Manager", &[jon["id"].as_str().unwrap()]),
        ],
    );
    assert!(sandbox.stop().success());

    let text = |store: &Path| {
        let out = assetsync(&["store", "dump", "--store", store.to_str().unwrap()]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let written = text(&rest);
    assert_eq!(
        serde_json::from_str::<Value>(&written).unwrap()["objects"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(written, text(&embedded));
}
