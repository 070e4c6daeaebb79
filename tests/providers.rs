//! `assetsync fetch`, `apply --provider` and friends against local emulators of the providers
//! (`support/emulator/`): paging, the related lists of `config:section`, the number of requests
//! a fetch makes, retries and rate limits, token renewal, refusing URLs off the provider's
//! origin, and credentials that never show in the output.
//!
//! Each test starts its own emulators on loopback ports and runs the binary in a temporary
//! directory with the provider variables cleared from its environment, then set to what the test
//! means. Every run is checked for the secrets it was given: none may appear in stdout or stderr.

#[path = "support/emulator/mod.rs"]
mod emulator;

use emulator::data::Directory;
use emulator::{okta, pages, pingone, rest, scim, Emulator, Faults, Logged, RestAuth};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");

/// Every variable the binary reads credentials or endpoints from, and the proxy settings that
/// would send loopback traffic elsewhere: cleared from each child's environment first.
const CLEARED: &[&str] = &[
    "OKTA_ORG_URL",
    "OKTA_API_TOKEN",
    "OKTA_ACCESS_TOKEN",
    "PINGONE_ENVIRONMENT_ID",
    "PINGONE_CLIENT_ID",
    "PINGONE_CLIENT_SECRET",
    "PINGONE_REGION",
    "PINGONE_API_URL",
    "PINGONE_AUTH_URL",
    "SOURCE_URL",
    "SOURCE_TOKEN",
    "SOURCE_USER",
    "SOURCE_PASSWORD",
    "ASSETS_SITE",
    "ASSETS_WORKSPACE_ID",
    "ASSETS_EMAIL",
    "ASSETS_API_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
];

const OKTA_TOKEN: &str = "00SSWS-okta-token-Xq7vR2mK9pL4wZ8n";
const OKTA_ACCESS_TOKEN: &str = "eyOkta-access-token-Hk3Jd9Qw2Lm5Np7R";
const PING_ENV: &str = "abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6";
const PING_CLIENT: &str = "0c9d1a7e-5b3f-4e2a-9c8d-7f6e5d4c3b2a";
const PING_SECRET: &str = "ping-client-secret-Zr8Tq1Vx6Wc3Yb5U";
const SCIM_TOKEN: &str = "scim-bearer-token-Mn4Bv7Cx1Za9Sd2F";
const REST_TOKEN: &str = "rest-bearer-token-Gh6Jk8Lq0Wp3Ey5T";
const REST_USER: &str = "svc-assets-reader";
const REST_PASSWORD: &str = "rest-basic-password-Ut7Yi9Op2As4Df6G";

/// The fixed secrets of this file; a run whose output holds any of them fails.
const SECRETS: &[&str] = &[
    OKTA_TOKEN,
    OKTA_ACCESS_TOKEN,
    PING_SECRET,
    SCIM_TOKEN,
    REST_TOKEN,
    REST_PASSWORD,
];

/// A run of the binary that takes longer than this is killed and fails its test.
const DEADLINE: Duration = Duration::from_secs(45);

const SEED: u64 = 0x0C7A_5EED_2024_0001;

/// The output of one run.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Fails if any of `secrets` shows in stdout or stderr.
    fn assert_hides(&self, secrets: &[String]) {
        for secret in secrets {
            assert!(
                !self.stdout.contains(secret.as_str()),
                "a secret is in stdout:\n{}",
                self.stdout
            );
            assert!(
                !self.stderr.contains(secret.as_str()),
                "a secret is in stderr:\n{}",
                self.stderr
            );
        }
    }
}

/// A temporary working directory.
struct Work(TempDir);

impl Work {
    fn new() -> Work {
        Work(tempfile::tempdir().unwrap())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }

    /// Runs the binary here with `env` (after clearing [`CLEARED`]), and checks that none of
    /// [`SECRETS`] shows in its output.
    fn run(&self, args: &[&str], env: &[(&str, String)]) -> Run {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.0.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in CLEARED {
            command.env_remove(name);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let run = wait(command);
        run.assert_hides(&SECRETS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        run
    }
}

/// Runs `command` to its end or to [`DEADLINE`], reading its output as it comes.
fn wait(mut command: Command) -> Run {
    let started = Instant::now();
    let mut child = command.spawn().expect("the assetsync binary runs");
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = reader(Box::new(child.stdout.take().unwrap()));
    let stderr = reader(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code: status.and_then(|s| s.code()),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        elapsed: started.elapsed(),
    };
    assert!(
        status.is_some(),
        "the run took over {DEADLINE:?} and was killed\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

fn okta_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_ORG_URL", emulator.url.clone()),
        ("OKTA_API_TOKEN", OKTA_TOKEN.to_string()),
    ]
}

fn pingone_env(p: &pingone::PingOneEmulator) -> Vec<(&'static str, String)> {
    vec![
        ("PINGONE_ENVIRONMENT_ID", PING_ENV.to_string()),
        ("PINGONE_CLIENT_ID", PING_CLIENT.to_string()),
        ("PINGONE_CLIENT_SECRET", PING_SECRET.to_string()),
        ("PINGONE_API_URL", p.api.url.clone()),
        ("PINGONE_AUTH_URL", p.auth.url.clone()),
    ]
}

/// JSON Lines as values; blank lines are skipped.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The `id` of each record.
fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r["id"]
                .as_str()
                .unwrap_or_else(|| panic!("a record without an id: {r}"))
                .to_string()
        })
        .collect()
}

/// `record` without the keys `lists`.
fn without(record: &Value, lists: &[&str]) -> Value {
    let mut record = record.clone();
    for key in lists {
        record.as_object_mut().unwrap().remove(*key);
    }
    record
}

/// The strings of the array `record[key]`; fails when it is missing or not an array of strings.
fn strings(record: &Value, key: &str) -> Vec<String> {
    record[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` array in {}", record["id"]))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

/// Asserts that `records` are the Okta users `users` of `dir`, once each and in order, each as
/// the emulator on `origin` sent it, and, when `with_lists`, with the lists `dir.expected` gives.
fn assert_okta_users(
    dir: &Directory,
    origin: &str,
    records: &[Value],
    users: &[usize],
    with_lists: bool,
) {
    let expected_ids: Vec<String> = users.iter().map(|&i| dir.users[i].id.clone()).collect();
    assert_eq!(ids(records), expected_ids, "the records, in provider order");
    for (record, &i) in records.iter().zip(users) {
        let id = &dir.users[i].id;
        if with_lists {
            let lists = dir.expected(id);
            assert_eq!(strings(record, "groups"), lists.groups, "groups of {id}");
            assert_eq!(strings(record, "apps"), lists.apps, "apps of {id}");
            assert_eq!(strings(record, "roles"), lists.roles, "roles of {id}");
        }
        assert_eq!(
            without(record, &["roles", "groups", "apps"]),
            okta::user_json(dir, i, origin),
            "record {id} is the user as the provider sent it"
        );
    }
}

/// The page size the client asked of `endpoint` in its first request there.
fn okta_limit(requests: &[Logged], endpoint: &str) -> usize {
    let asked = requests
        .iter()
        .find(|l| l.endpoint() == endpoint)
        .and_then(|l| l.param("limit"));
    okta::effective_limit(endpoint, asked.as_deref())
}

/// The requests, per endpoint, that a fetch of `users` matching users with
/// `config:section=roles,groups,apps` needs when nothing fails: the paging implies them, given
/// the page sizes the client asked for.
fn okta_requests_needed(
    dir: &Directory,
    requests: &[Logged],
    users: usize,
) -> BTreeMap<String, usize> {
    let limit = |endpoint: &str| okta_limit(requests, endpoint);
    let admins = dir.admins().len();
    let mut needed = BTreeMap::new();
    needed.insert(
        "/api/v1/users".to_string(),
        pages(users, limit("/api/v1/users")),
    );
    needed.insert(
        "/api/v1/groups".to_string(),
        pages(dir.groups.len(), limit("/api/v1/groups")),
    );
    needed.insert(
        "/api/v1/groups/{id}/users".to_string(),
        dir.groups
            .iter()
            .map(|g| pages(g.members.len(), limit("/api/v1/groups/{id}/users")))
            .sum(),
    );
    needed.insert(
        "/api/v1/apps".to_string(),
        pages(dir.apps.len(), limit("/api/v1/apps")),
    );
    needed.insert(
        "/api/v1/apps/{id}/users".to_string(),
        dir.apps
            .iter()
            .map(|a| pages(a.users.len(), limit("/api/v1/apps/{id}/users")))
            .sum(),
    );
    needed.insert(
        "/api/v1/iam/assignees/users".to_string(),
        pages(admins, limit("/api/v1/iam/assignees/users")),
    );
    needed.insert("/api/v1/users/{id}/roles".to_string(), admins);
    needed
}

/// Requests per endpoint that were answered in full with a 2xx.
fn served(requests: &[Logged]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for l in requests
        .iter()
        .filter(|l| (200..300).contains(&l.status) && !l.dropped)
    {
        *counts.entry(l.endpoint()).or_insert(0) += 1;
    }
    counts
}

const USERS_WITH_LISTS: &str = "\
Users:
key:id=WorkerID
map:profile.email=User
map:roles=Roles|Name=${roles}
map:groups=Groups|Name=${groups}
map:apps=Apps|Name=${apps}
config:section=roles,groups,apps
";

#[test]
fn okta_fetch_pages_users_and_builds_the_lists_from_listings() {
    let dir = Directory::generate(450, 12, 5, SEED);
    assert!(dir.groups[0].members.len() > 200, "a group spans pages");
    assert!(dir.admins().len() >= 3, "some admins");
    assert!(
        dir.users
            .iter()
            .any(|u| u.roles.len() > dir.expected(&u.id).roles.len()),
        "a role held twice"
    );
    assert!(
        dir.users
            .iter()
            .any(|u| u.apps.len() > dir.expected(&u.id).apps.len()),
        "two apps under one label"
    );
    let okta = okta::okta(&dir, OKTA_TOKEN, Faults::default());
    let work = Work::new();
    work.write(
        "users.map",
        &format!("{USERS_WITH_LISTS}config:page_size=200\n"),
    );
    work.run(
        &[
            "fetch",
            "users.map",
            "--provider",
            "okta",
            "--out",
            "users.jsonl",
        ],
        &okta_env(&okta),
    )
    .expect(0);

    let records = json_lines(&work.read("users.jsonl"));
    let all: Vec<usize> = (0..dir.users.len()).collect();
    assert_okta_users(&dir, &okta.url, &records, &all, true);
    let quiet = &records[2];
    assert_eq!(
        (&quiet["roles"], &quiet["groups"], &quiet["apps"]),
        (
            &Value::Array(vec![]),
            &Value::Array(vec![]),
            &Value::Array(vec![])
        ),
        "a user with no roles, groups or apps gets empty lists"
    );

    let requests = okta.requests();
    assert!(requests.iter().all(|l| l.status == 200), "{requests:#?}");
    assert!(requests
        .iter()
        .filter(|l| l.endpoint() == "/api/v1/users")
        .all(|l| l.param("limit").as_deref() == Some("200")));
    let needed = okta_requests_needed(&dir, &requests, dir.users.len());
    assert_eq!(needed["/api/v1/users"], 3);
    assert_eq!(okta.by_endpoint(), needed, "requests per endpoint");
    assert_eq!(okta.count_endpoint("/api/v1/users/{id}/groups"), 0);
    assert_eq!(okta.count_endpoint("/api/v1/users/{id}/appLinks"), 0);
    let roles_asked: Vec<String> = requests
        .iter()
        .filter(|l| l.endpoint() == "/api/v1/users/{id}/roles")
        .map(|l| l.path.split('/').nth(4).unwrap().to_string())
        .collect();
    let mut admins: Vec<String> = dir
        .admins()
        .into_iter()
        .map(|i| dir.users[i].id.clone())
        .collect();
    let mut asked_sorted = roles_asked.clone();
    asked_sorted.sort();
    admins.sort();
    assert_eq!(asked_sorted, admins, "roles are asked for each admin once");
    assert!(
        requests
            .iter()
            .all(|l| l.authorization.as_deref() == Some(&format!("SSWS {OKTA_TOKEN}"))),
        "every request carries the API token as SSWS"
    );
}

#[test]
fn okta_fetch_rides_out_a_429_a_500_and_a_dropped_connection() {
    let dir = Directory::generate(450, 12, 5, SEED);
    let okta = okta::okta(
        &dir,
        OKTA_TOKEN,
        Faults {
            rate_limited_at: vec![2],
            server_error_at: vec![5],
            dropped_at: vec![9],
            ..Faults::default()
        },
    );
    let work = Work::new();
    work.write(
        "users.map",
        &format!("{USERS_WITH_LISTS}config:page_size=100\n"),
    );
    let run = work
        .run(
            &[
                "fetch",
                "users.map",
                "--provider",
                "okta",
                "--out",
                "users.jsonl",
            ],
            &okta_env(&okta),
        )
        .expect(0);

    let records = json_lines(&work.read("users.jsonl"));
    let all: Vec<usize> = (0..dir.users.len()).collect();
    assert_okta_users(&dir, &okta.url, &records, &all, true);

    let requests = okta.requests();
    let needed = okta_requests_needed(&dir, &requests, dir.users.len());
    assert_eq!(needed["/api/v1/users"], 5);
    assert_eq!(served(&requests), needed, "what was served in full");
    assert_eq!(okta.count_status(429), 1);
    assert_eq!(okta.count_status(500), 1);
    assert_eq!(requests.iter().filter(|l| l.dropped).count(), 1);
    assert_eq!(
        requests.len(),
        needed.values().sum::<usize>() + 3,
        "one retry per fault"
    );
    assert!(
        run.elapsed < Duration::from_secs(20),
        "retries are quick: {:?}",
        run.elapsed
    );
}

#[test]
fn okta_fetch_slows_down_before_the_rate_limit() {
    let dir = Directory::generate(30, 3, 2, SEED);
    let okta = okta::okta(
        &dir,
        OKTA_TOKEN,
        Faults {
            rate_limit: Some((8, 1000)),
            ..Faults::default()
        },
    );
    let work = Work::new();
    work.write(
        "users.map",
        &format!("{USERS_WITH_LISTS}config:page_size=10\n"),
    );
    let run = work
        .run(
            &[
                "fetch",
                "users.map",
                "--provider",
                "okta",
                "--out",
                "users.jsonl",
            ],
            &okta_env(&okta),
        )
        .expect(0);

    let records = json_lines(&work.read("users.jsonl"));
    let all: Vec<usize> = (0..dir.users.len()).collect();
    assert_okta_users(&dir, &okta.url, &records, &all, true);
    let requests = okta.requests();
    assert_eq!(
        okta.count_status(429),
        0,
        "the client waits for the window instead of running into it: {requests:#?}"
    );
    let needed = okta_requests_needed(&dir, &requests, dir.users.len());
    assert!(
        needed.values().sum::<usize>() > 8,
        "more requests than one window allows"
    );
    assert_eq!(okta.by_endpoint(), needed);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "it waits for the window, not longer: {:?}",
        run.elapsed
    );
}

#[test]
fn okta_fetch_refuses_urls_off_the_providers_origin() {
    let dir = Directory::generate(450, 3, 2, SEED);
    let elsewhere = okta::okta(&dir, OKTA_TOKEN, Faults::default());
    let okta = okta::okta(
        &dir,
        OKTA_TOKEN,
        Faults {
            next_origin: Some(elsewhere.url.clone()),
            ..Faults::default()
        },
    );
    let elsewhere_host = elsewhere.url.trim_start_matches("http://").to_string();
    let work = Work::new();

    // A next link to another host.
    work.write(
        "users.map",
        "Users:\nkey:id=WorkerID\nconfig:page_size=200\n",
    );
    let run = work
        .run(
            &[
                "fetch",
                "users.map",
                "--provider",
                "okta",
                "--out",
                "users.jsonl",
            ],
            &okta_env(&okta),
        )
        .expect(2);
    assert!(
        run.stderr.to_lowercase().contains("refus"),
        "says it refused: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&elsewhere_host),
        "names the URL: {}",
        run.stderr
    );
    assert_eq!(okta.count("/api/v1/users"), 1, "the first page only");
    assert_eq!(
        elsewhere.requests().len(),
        0,
        "the other host heard nothing"
    );
    let out = work.path("users.jsonl");
    assert!(
        !out.exists() || std::fs::read(&out).unwrap().is_empty(),
        "no partial output is left"
    );

    // A data source on another host.
    work.write(
        "elsewhere.map",
        &format!(
            "Users:\nkey:id=WorkerID\nconfig:data_source={}/api/v1/users\n",
            elsewhere.url
        ),
    );
    let run = work
        .run(
            &[
                "fetch",
                "elsewhere.map",
                "--provider",
                "okta",
                "--out",
                "elsewhere.jsonl",
            ],
            &okta_env(&okta),
        )
        .expect(2);
    assert!(
        run.stderr.to_lowercase().contains("refus"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&elsewhere_host), "{}", run.stderr);
    assert_eq!(
        elsewhere.requests().len(),
        0,
        "the other host heard nothing"
    );
}

#[test]
fn okta_search_max_pages_and_access_token() {
    let dir = Directory::generate(450, 3, 2, SEED);
    let okta = okta::okta(&dir, OKTA_ACCESS_TOKEN, Faults::default());
    let work = Work::new();
    let env = vec![
        ("OKTA_ORG_URL", okta.url.clone()),
        ("OKTA_ACCESS_TOKEN", OKTA_ACCESS_TOKEN.to_string()),
    ];

    // `search` goes to the provider as it is written, on every page.
    let search = r#"profile.department eq "R&D""#;
    work.write(
        "rnd.map",
        &format!("Users:\nkey:id=WorkerID\nconfig:search={search}\nconfig:page_size=20\n"),
    );
    let run = work
        .run(&["fetch", "rnd.map", "--provider", "okta"], &env)
        .expect(0);
    let rnd: Vec<usize> = (0..dir.users.len())
        .filter(|&i| dir.users[i].department == "R&D")
        .collect();
    assert!(rnd.len() > 40, "several pages of R&D");
    assert_okta_users(&dir, &okta.url, &json_lines(&run.stdout), &rnd, false);
    let requests = okta.requests();
    assert_eq!(requests.len(), pages(rnd.len(), 20));
    for l in &requests {
        assert_eq!(l.param("search").as_deref(), Some(search), "{l:?}");
        assert_eq!(
            l.authorization.as_deref(),
            Some(format!("Bearer {OKTA_ACCESS_TOKEN}").as_str())
        );
    }

    // `max_pages` stops early.
    okta.clear_log();
    work.write(
        "two.map",
        "Users:\nkey:id=WorkerID\nconfig:page_size=100\nconfig:max_pages=2\n",
    );
    let run = work
        .run(&["fetch", "two.map", "--provider", "okta"], &env)
        .expect(0);
    let first: Vec<usize> = (0..200).collect();
    assert_okta_users(&dir, &okta.url, &json_lines(&run.stdout), &first, false);
    assert_eq!(okta.count("/api/v1/users"), 2);
}

#[test]
fn okta_devices_with_their_users() {
    let dir = Directory::generate(450, 3, 2, SEED);
    let okta = okta::okta(&dir, OKTA_TOKEN, Faults::default());
    let work = Work::new();
    work.write(
        "devices.map",
        "Devices:\nkey:id=DeviceID\nmap:_embedded.users.0.user.profile.email=Email\n\
         config:data_source=/api/v1/devices?expand=userSummary\nconfig:page_size=50\n",
    );
    let run = work
        .run(
            &["fetch", "devices.map", "--provider", "okta"],
            &okta_env(&okta),
        )
        .expect(0);
    let records = json_lines(&run.stdout);
    let expected: Vec<Value> = (0..dir.devices.len())
        .map(|d| okta::device_json(&dir, d, &okta.url, "userSummary"))
        .collect();
    assert_eq!(records, expected);
    let requests = okta.requests();
    assert_eq!(requests.len(), pages(dir.devices.len(), 50));
    assert!(requests
        .iter()
        .all(|l| l.param("expand").as_deref() == Some("userSummary")));
}

#[test]
fn okta_failures_and_missing_credentials_exit_2() {
    let dir = Directory::generate(20, 3, 2, SEED);
    let okta = okta::okta(&dir, OKTA_TOKEN, Faults::default());
    let work = Work::new();
    work.write("users.map", "Users:\nkey:id=WorkerID\n");
    let fetch = ["fetch", "users.map", "--provider", "okta"];

    // No token.
    let run = work
        .run(&fetch, &[("OKTA_ORG_URL", okta.url.clone())])
        .expect(2);
    assert!(run.stderr.contains("OKTA_API_TOKEN"), "{}", run.stderr);
    assert_eq!(okta.requests().len(), 0);

    // A wrong token: the 401 is final.
    let wrong = "00SSWS-wrong-token-Aa1Bb2Cc3Dd4";
    let run = work
        .run(
            &fetch,
            &[
                ("OKTA_ORG_URL", okta.url.clone()),
                ("OKTA_API_TOKEN", wrong.to_string()),
            ],
        )
        .expect(2);
    run.assert_hides(&[wrong.to_string()]);
    assert_eq!(okta.requests().len(), 1, "no retry after a 401");
    assert_eq!(okta.count_status(401), 1);
    assert!(run.stdout.trim().is_empty(), "no records: {}", run.stdout);

    // Plain http is for loopback only, and is refused before anything is sent.
    let mut env = okta_env(&okta);
    env[0].1 = "http://example.com".to_string();
    let run = work.run(&fetch, &env).expect(2);
    assert!(run.stderr.contains("http"), "{}", run.stderr);
    let run = work
        .run(
            &[
                "fetch",
                "users.map",
                "--provider",
                "okta",
                "--provider-url",
                "http://example.com",
            ],
            &okta_env(&okta),
        )
        .expect(2);
    assert!(run.stderr.contains("http"), "{}", run.stderr);
    assert_eq!(
        okta.requests().len(),
        1,
        "nothing more reached the emulator"
    );

    // PingOne names its missing variable too.
    work.write("ping.map", "Users:\nkey:id=UserID\n");
    let run = work
        .run(
            &["fetch", "ping.map", "--provider", "pingone"],
            &[
                ("PINGONE_ENVIRONMENT_ID", PING_ENV.to_string()),
                ("PINGONE_CLIENT_ID", PING_CLIENT.to_string()),
                ("PINGONE_API_URL", okta.url.clone()),
                ("PINGONE_AUTH_URL", okta.url.clone()),
            ],
        )
        .expect(2);
    assert!(
        run.stderr.contains("PINGONE_CLIENT_SECRET"),
        "{}",
        run.stderr
    );
    assert_eq!(okta.requests().len(), 1);
}

const PING_USERS: &str = "\
Users:
key:id=UserID
map:email=Email
map:groups=Groups|Name=${groups}
config:section=groups
config:page_size=100
";

/// Asserts that `records` are every PingOne user of `dir`, once each and in order, as the API on
/// `origin` sent them, with their groups.
fn assert_pingone_users(dir: &Directory, origin: &str, records: &[Value]) {
    let expected_ids: Vec<String> = dir.users.iter().map(|u| u.uuid.clone()).collect();
    assert_eq!(ids(records), expected_ids);
    for (i, record) in records.iter().enumerate() {
        let uuid = &dir.users[i].uuid;
        assert_eq!(
            strings(record, "groups"),
            dir.expected(uuid).groups,
            "groups of {uuid}"
        );
        assert_eq!(
            without(record, &["groups"]),
            pingone::user_json(dir, i, origin, PING_ENV)
        );
    }
}

#[test]
fn pingone_fetch_renews_its_token_once() {
    let dir = Directory::generate(250, 6, 0, SEED);
    let users_path = format!("/v1/environments/{PING_ENV}/users");
    let work = Work::new();
    work.write("users.map", PING_USERS);
    let fetch = [
        "fetch",
        "users.map",
        "--provider",
        "pingone",
        "--out",
        "users.jsonl",
        "--verbose",
    ];

    // Without trouble: one token, and the requests the paging implies.
    let calm = pingone::pingone(&dir, PING_ENV, PING_CLIENT, PING_SECRET, Faults::default());
    let run = work.run(&fetch, &pingone_env(&calm)).expect(0);
    run.assert_hides(&calm.issued_tokens());
    assert!(run.stderr.contains("GET"), "--verbose logs requests");
    assert_pingone_users(&dir, &calm.api.url, &json_lines(&work.read("users.jsonl")));
    assert_eq!(calm.auth.count(&calm.token_path()), 1);
    let requests = calm.api.requests();
    assert!(requests.iter().all(|l| l.status == 200), "{requests:#?}");
    let is_members = |l: &Logged| {
        l.param("filter")
            .is_some_and(|f| f.starts_with("memberOfGroups"))
    };
    let listing: Vec<&Logged> = requests
        .iter()
        .filter(|l| l.path == users_path && !is_members(l))
        .collect();
    assert_eq!(listing.len(), 3, "250 users, 100 a page");
    assert!(listing
        .iter()
        .all(|l| l.param("limit").as_deref() == Some("100")));
    let member_limit = requests
        .iter()
        .find(|l| is_members(l))
        .and_then(|l| l.param("limit"))
        .and_then(|l| l.parse().ok())
        .unwrap_or(pingone::MAX_LIMIT)
        .min(pingone::MAX_LIMIT);
    let member_pages: usize = dir
        .groups
        .iter()
        .map(|g| pages(g.members.len(), member_limit))
        .sum();
    assert_eq!(
        requests.iter().filter(|l| is_members(l)).count(),
        member_pages
    );
    for g in &dir.groups {
        let filter = format!("memberOfGroups[id eq \"{}\"]", g.uuid);
        assert!(
            requests
                .iter()
                .any(|l| l.param("filter").as_deref() == Some(filter.as_str())),
            "members of {} listed",
            g.name
        );
    }
    let calls = requests.len();

    // The same, with a token that stops working half way.
    let valid_for = calls.div_ceil(2);
    let expiring = pingone::pingone(
        &dir,
        PING_ENV,
        PING_CLIENT,
        PING_SECRET,
        Faults {
            token_valid_for_requests: Some(valid_for),
            ..Faults::default()
        },
    );
    let run = work.run(&fetch, &pingone_env(&expiring)).expect(0);
    let tokens = expiring.issued_tokens();
    run.assert_hides(&tokens);
    assert_pingone_users(
        &dir,
        &expiring.api.url,
        &json_lines(&work.read("users.jsonl")),
    );
    assert_eq!(
        expiring.auth.count(&expiring.token_path()),
        2,
        "renewed once"
    );
    assert_eq!(tokens.len(), 2);
    let requests = expiring.api.requests();
    assert!(expiring.api.count_status(401) >= 1);
    assert_eq!(
        requests.iter().filter(|l| l.status == 200).count(),
        calls,
        "every page once"
    );
    for l in requests.iter().filter(|l| l.status == 200) {
        let auth = l.authorization.as_deref().unwrap_or("");
        assert!(
            tokens.iter().any(|t| auth == format!("Bearer {t}")),
            "{auth}"
        );
    }
}

#[test]
fn scim_fetch_pages_by_start_index() {
    let dir = Directory::generate(250, 8, 0, SEED);
    let scim = scim::scim(&dir, SCIM_TOKEN, Faults::default());
    let work = Work::new();
    work.write(
        "users.map",
        "Users:\nkey:id=UserID\nmap:userName=User\nmap:groups=Groups|Name=${groups}\n\
         config:section=groups\nconfig:page_size=100\n",
    );
    let run = work
        .run(
            &["fetch", "users.map", "--provider", "scim", "--verbose"],
            &[
                ("SOURCE_URL", format!("{}/scim/v2", scim.url)),
                ("SOURCE_TOKEN", SCIM_TOKEN.to_string()),
            ],
        )
        .expect(0);

    let records = json_lines(&run.stdout);
    let expected_ids: Vec<String> = dir.users.iter().map(|u| u.uuid.clone()).collect();
    assert_eq!(ids(&records), expected_ids);
    for (i, record) in records.iter().enumerate() {
        let uuid = &dir.users[i].uuid;
        assert_eq!(strings(record, "groups"), dir.expected(uuid).groups);
        assert_eq!(
            without(record, &["groups"]),
            without(&scim::user_json(&dir, i, &scim.url), &["groups"])
        );
    }
    let requests = scim.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let starts: Vec<Option<String>> = requests.iter().map(|l| l.param("startIndex")).collect();
    assert_eq!(
        starts,
        [Some("1".into()), Some("101".into()), Some("201".into())]
    );
    for l in &requests {
        assert_eq!(l.path, "/scim/v2/Users");
        assert_eq!(l.param("count").as_deref(), Some("100"));
        assert_eq!(
            l.authorization.as_deref(),
            Some(format!("Bearer {SCIM_TOKEN}").as_str())
        );
    }
}

#[test]
fn scim_fetch_rides_out_a_429_a_500_and_a_dropped_connection() {
    let dir = Directory::generate(250, 8, 0, SEED);
    let faults = Faults {
        rate_limited_at: vec![1],
        server_error_at: vec![3],
        dropped_at: vec![4],
        ..Faults::default()
    };
    let scim = scim::scim(&dir, SCIM_TOKEN, faults);
    let work = Work::new();
    work.write(
        "users.map",
        "Users:\nkey:id=UserID\nmap:userName=User\nmap:groups=Groups|Name=${groups}\n\
         config:section=groups\nconfig:page_size=100\n",
    );
    let run = work
        .run(
            &[
                "fetch",
                "users.map",
                "--provider",
                "scim",
                "--out",
                "users.jsonl",
            ],
            &[
                ("SOURCE_URL", format!("{}/scim/v2", scim.url)),
                ("SOURCE_TOKEN", SCIM_TOKEN.to_string()),
            ],
        )
        .expect(0);
    run.assert_hides(&[SCIM_TOKEN.to_string()]);

    let records = json_lines(&work.read("users.jsonl"));
    let expected_ids: Vec<String> = dir.users.iter().map(|u| u.uuid.clone()).collect();
    assert_eq!(ids(&records), expected_ids, "every user once, in order");
    for (record, user) in records.iter().zip(&dir.users) {
        assert_eq!(strings(record, "groups"), dir.expected(&user.uuid).groups);
    }
    let requests = scim.requests();
    assert_eq!(scim.count_status(429), 1);
    assert_eq!(scim.count_status(500), 1);
    assert_eq!(requests.iter().filter(|l| l.dropped).count(), 1);
    // The three pages, each served whole once, plus the three that failed.
    let served: Vec<Option<String>> = requests
        .iter()
        .filter(|l| l.status == 200 && !l.dropped)
        .map(|l| l.param("startIndex"))
        .collect();
    assert_eq!(
        served,
        [Some("1".into()), Some("101".into()), Some("201".into())]
    );
    assert_eq!(requests.len(), 6, "{requests:#?}");
}

fn assert_people(dir: &Directory, records: &[Value]) {
    let expected: Vec<Value> = (0..dir.users.len())
        .map(|i| rest::person_json(dir, i))
        .collect();
    assert_eq!(records, expected.as_slice(), "every person once, in order");
}

#[test]
fn rest_fetch_follows_link_headers_and_hal_links() {
    let dir = Directory::generate(60, 1, 0, SEED);
    let api = rest::rest(
        &dir,
        RestAuth::Bearer(REST_TOKEN.to_string()),
        Faults::default(),
    );
    let env = [
        ("SOURCE_URL", api.url.clone()),
        ("SOURCE_TOKEN", REST_TOKEN.to_string()),
    ];
    let work = Work::new();

    work.write(
        "link.map",
        "People:\nkey:id=PersonID\nmap:email=Email\nconfig:data_source=/people\nconfig:records=data\n",
    );
    let run = work
        .run(&["fetch", "link.map", "--provider", "rest"], &env)
        .expect(0);
    assert_people(&dir, &at_records(&json_lines(&run.stdout), &["data"]));
    let requests = api.requests();
    assert!(!requests.is_empty());
    let per_page = rest::effective_page_size(&requests[0]);
    assert_eq!(requests.len(), pages(dir.users.len(), per_page));
    assert!(requests
        .iter()
        .all(|l| l.path == "/people" && l.status == 200));

    api.clear_log();
    work.write(
        "hal.map",
        "People:\nkey:id=PersonID\nmap:email=Email\nconfig:data_source=/hal/people\n\
         config:records=_embedded.people\n",
    );
    let run = work
        .run(&["fetch", "hal.map", "--provider", "rest"], &env)
        .expect(0);
    assert_people(
        &dir,
        &at_records(&json_lines(&run.stdout), &["_embedded", "people"]),
    );
    let requests = api.requests();
    assert!(!requests.is_empty());
    let size = rest::effective_page_size(&requests[0]);
    assert_eq!(requests.len(), pages(dir.users.len(), size));
    assert!(requests
        .iter()
        .all(|l| l.path == "/hal/people" && l.status == 200));
}

#[test]
fn rest_fetch_with_basic_auth() {
    let dir = Directory::generate(60, 1, 0, SEED);
    let api = rest::rest(
        &dir,
        RestAuth::Basic(REST_USER.to_string(), REST_PASSWORD.to_string()),
        Faults::default(),
    );
    let work = Work::new();
    work.write(
        "link.map",
        "People:\nkey:id=PersonID\nconfig:data_source=/people\nconfig:records=data\n",
    );
    let run = work
        .run(
            &[
                "fetch",
                "link.map",
                "--provider",
                "rest",
                "--out",
                "people.jsonl",
                "--verbose",
            ],
            &[
                ("SOURCE_URL", api.url.clone()),
                ("SOURCE_USER", REST_USER.to_string()),
                ("SOURCE_PASSWORD", REST_PASSWORD.to_string()),
            ],
        )
        .expect(0);
    let encoded = emulator::basic(REST_USER, REST_PASSWORD);
    run.assert_hides(&[encoded.trim_start_matches("Basic ").to_string()]);
    assert_people(
        &dir,
        &at_records(&json_lines(&work.read("people.jsonl")), &["data"]),
    );
    assert!(api
        .requests()
        .iter()
        .all(|l| l.authorization.as_deref() == Some(encoded.as_str()) && l.status == 200));

    // The same mapping reads what `fetch` wrote: every person, once, in order.
    let run = work
        .run(&["eval", "link.map", "--source", "people.jsonl"], &[])
        .expect(0);
    let keys: Vec<Value> = json_lines(&run.stdout)
        .iter()
        .map(|image| image["key"]["value"].clone())
        .collect();
    let expected: Vec<Value> = (0..dir.users.len())
        .map(|i| rest::person_json(&dir, i)["id"].clone())
        .collect();
    assert_eq!(keys, expected);
}

/// The records of lines that hold each record at `path` (as `fetch` writes them for a section
/// with `config:records`), checking that each line holds exactly one.
fn at_records(lines: &[Value], path: &[&str]) -> Vec<Value> {
    lines
        .iter()
        .map(|line| {
            let mut at = line;
            for name in path {
                assert_eq!(at.as_object().map(|o| o.len()), Some(1), "{line}");
                at = &at[name];
            }
            match at.as_array().map(Vec::as_slice) {
                Some([record]) => record.clone(),
                _ => panic!("not one record at {path:?}: {line}"),
            }
        })
        .collect()
}

/// `store dump` of `store`, as JSON.
fn dump(work: &Work, store: &str) -> Value {
    let run = work
        .run(&["store", "dump", "--store", store], &[])
        .expect(0);
    serde_json::from_str(&run.stdout).expect("the dump is JSON")
}

fn reference(object_type: &str, label: &str) -> Value {
    serde_json::json!({ "object_type": object_type, "label": label })
}

#[test]
fn okta_apply_matches_fetch_then_apply_and_changes_nothing_the_second_time() {
    let dir = Directory::generate(60, 8, 4, SEED);
    let okta = okta::okta(&dir, OKTA_TOKEN, Faults::default());
    let env = okta_env(&okta);
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mappings/okta-users.map");
    let mapping = mapping.to_str().unwrap();
    let work = Work::new();

    work.run(
        &[
            "apply",
            mapping,
            "--provider",
            "okta",
            "--store",
            "direct.db",
        ],
        &env,
    )
    .expect(0);
    let direct = dump(&work, "direct.db");

    work.run(
        &[
            "fetch",
            mapping,
            "--provider",
            "okta",
            "--out",
            "users.jsonl",
        ],
        &env,
    )
    .expect(0);
    work.run(
        &[
            "apply",
            mapping,
            "--source",
            "users.jsonl",
            "--store",
            "staged.db",
        ],
        &[],
    )
    .expect(0);
    assert_eq!(
        direct,
        dump(&work, "staged.db"),
        "apply --provider is fetch, then apply --source"
    );

    // What the store holds: every user with its attributes and references.
    let objects = direct["objects"].as_array().unwrap();
    let of_type =
        |t: &str| -> Vec<&Value> { objects.iter().filter(|o| o["object_type"] == t).collect() };
    let users = of_type("Users");
    assert_eq!(users.len(), dir.users.len());
    for u in &dir.users {
        let object = users
            .iter()
            .find(|o| o["key"] == u.id.as_str())
            .unwrap_or_else(|| panic!("no object for {}", u.id));
        let attributes = &object["attributes"];
        assert_eq!(attributes["WorkerID"], serde_json::json!([u.id]));
        assert_eq!(attributes["User"], serde_json::json!([u.email]));
        assert_eq!(attributes["First Name"], serde_json::json!([u.first_name]));
        assert_eq!(attributes["Last Name"], serde_json::json!([u.last_name]));
        assert_eq!(
            attributes["Name"],
            serde_json::json!([format!("{} {}", u.first_name, u.last_name)])
        );
        assert_eq!(attributes["Status"], serde_json::json!([u.status]));
        let lists = dir.expected(&u.id);
        for (attribute, object_type, values) in [
            ("Roles", "Roles", &lists.roles),
            ("Groups", "Groups", &lists.groups),
            ("Apps", "Apps", &lists.apps),
        ] {
            let refs: Vec<Value> = values.iter().map(|v| reference(object_type, v)).collect();
            if refs.is_empty() {
                assert!(
                    attributes.get(attribute).is_none(),
                    "{} has no {attribute}",
                    u.id
                );
            } else {
                assert_eq!(
                    attributes[attribute],
                    Value::Array(refs),
                    "{attribute} of {}",
                    u.id
                );
            }
        }
    }
    let named = |values: Vec<String>| -> Vec<String> {
        let mut v = values;
        v.sort();
        v.dedup();
        v
    };
    let keys = |t: &str| -> Vec<String> {
        let mut k: Vec<String> = of_type(t)
            .iter()
            .map(|o| o["key"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k
    };
    let all = |f: fn(&emulator::Lists) -> &Vec<String>| -> Vec<String> {
        named(
            dir.users
                .iter()
                .flat_map(|u| f(&dir.expected(&u.id)).clone())
                .collect(),
        )
    };
    assert_eq!(keys("Groups"), all(|l| &l.groups));
    assert_eq!(keys("Apps"), all(|l| &l.apps));
    assert_eq!(keys("Roles"), all(|l| &l.roles));
    insta::assert_json_snapshot!("okta_apply_dump", direct);

    let again = work
        .run(
            &[
                "apply",
                mapping,
                "--provider",
                "okta",
                "--store",
                "direct.db",
            ],
            &env,
        )
        .expect(0);
    let total = again
        .stdout
        .lines()
        .find(|l| l.starts_with("total"))
        .unwrap_or_else(|| panic!("no total line: {}", again.stdout));
    assert!(
        total.contains(" 0 create, 0 update,") && total.contains(" 0 delete, 0 mark, 0 errors"),
        "nothing changes the second time: {total}"
    );
    assert_eq!(dump(&work, "direct.db"), direct);
}

/// GETs `url` with `authorization`; the status, the headers and the body (or the error that
/// cut it off).
fn get(
    url: &str,
    authorization: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Result<Value, String>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut request = client.get(url);
        if let Some(a) = authorization {
            request = request.header("authorization", a);
        }
        let response = request.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
            Err(e) => Err(format!("body: {e}")),
        };
        (status, headers, body)
    })
}

/// The emulators themselves, without the binary: if these fail, a failing fetch test says
/// nothing about the client.
#[test]
fn emulators_answer_as_the_providers_document() {
    let dir = Directory::generate(250, 4, 2, SEED);
    let ssws = format!("SSWS {OKTA_TOKEN}");
    let okta = okta::okta(
        &dir,
        OKTA_TOKEN,
        Faults {
            rate_limited_at: vec![4],
            server_error_at: vec![5],
            dropped_at: vec![6],
            ..Faults::default()
        },
    );

    // 1, 2: users in two pages, by the `next` link of a second `Link` header.
    let (status, headers, body) = get(&format!("{}/api/v1/users", okta.url), Some(&ssws));
    assert_eq!(status, 200);
    let links: Vec<&str> = headers
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!(
        links[0],
        format!("<{}/api/v1/users>; rel=\"self\"", okta.url)
    );
    let next = links[1]
        .strip_prefix('<')
        .and_then(|l| l.strip_suffix(">; rel=\"next\""))
        .unwrap();
    assert!(next.starts_with(&format!("{}/api/v1/users?after=00u", okta.url)));
    for name in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        assert!(headers.contains_key(name), "{name}");
    }
    let mut users = body.unwrap().as_array().unwrap().clone();
    assert_eq!(users.len(), 200);
    let (_, headers, body) = get(next, Some(&ssws));
    assert_eq!(headers.get_all("link").iter().count(), 1, "no next page");
    users.extend(body.unwrap().as_array().unwrap().iter().cloned());
    assert_eq!(
        ids(&users),
        dir.users.iter().map(|u| u.id.clone()).collect::<Vec<_>>()
    );

    // 3: no token.
    let (status, _, body) = get(&format!("{}/api/v1/groups", okta.url), None);
    assert_eq!(
        (status, &body.unwrap()["errorCode"]),
        (401, &"E0000011".into())
    );
    // 4: rate limited.
    let (status, headers, body) = get(&format!("{}/api/v1/groups", okta.url), Some(&ssws));
    assert_eq!(
        (status, &body.unwrap()["errorCode"]),
        (429, &"E0000047".into())
    );
    assert_eq!(headers["x-rate-limit-remaining"], "0");
    let reset: u64 = headers["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = emulator::now_ms() / 1000;
    assert!(reset >= now && reset <= now + 2, "{reset} vs {now}");
    // 5: server error.
    let (status, _, body) = get(&format!("{}/api/v1/groups", okta.url), Some(&ssws));
    assert_eq!(
        (status, &body.unwrap()["errorCode"]),
        (500, &"E0000009".into())
    );
    // 6: dropped half way.
    let (status, _, body) = get(&format!("{}/api/v1/groups", okta.url), Some(&ssws));
    assert_eq!(status, 200);
    assert!(body.is_err(), "the body breaks off: {body:?}");
    // 7: searches the emulator does not know are refused as Okta refuses them.
    let (status, _, body) = get(
        &format!(
            "{}/api/v1/users?search=profile.nickName%20sw%20%22A%22",
            okta.url
        ),
        Some(&ssws),
    );
    assert_eq!(
        (status, &body.unwrap()["errorCode"]),
        (400, &"E0000031".into())
    );
    assert_eq!(
        okta.requests().iter().map(|l| l.status).collect::<Vec<_>>(),
        [200, 200, 401, 429, 500, 200, 400]
    );

    // SCIM: 1-based pages and RFC 7644 errors.
    let scim = scim::scim(&dir, SCIM_TOKEN, Faults::default());
    let bearer = format!("Bearer {SCIM_TOKEN}");
    let (status, headers, body) = get(
        &format!("{}/scim/v2/Users?startIndex=241&count=100", scim.url),
        Some(&bearer),
    );
    let body = body.unwrap();
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/scim+json");
    assert_eq!(
        (
            &body["totalResults"],
            &body["startIndex"],
            &body["itemsPerPage"]
        ),
        (&250.into(), &241.into(), &10.into())
    );
    let (status, _, body) = get(&format!("{}/scim/v2/Users", scim.url), None);
    assert_eq!((status, &body.unwrap()["status"]), (401, &"401".into()));

    // PingOne: a token for the client's credentials in the form, good for so many requests.
    let ping = pingone::pingone(
        &dir,
        PING_ENV,
        PING_CLIENT,
        PING_SECRET,
        Faults {
            token_valid_for_requests: Some(1),
            ..Faults::default()
        },
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token: Value = runtime.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{}/{PING_ENV}/as/token", ping.auth.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&client_id={PING_CLIENT}&client_secret={PING_SECRET}"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let users = format!(
        "{}/v1/environments/{PING_ENV}/users?limit=100",
        ping.api.url
    );
    let (status, _, body) = get(&users, Some(&bearer));
    let body = body.unwrap();
    assert_eq!(status, 200);
    assert_eq!((&body["count"], &body["size"]), (&250.into(), &100.into()));
    assert_eq!(
        body["_embedded"]["users"][0]["id"],
        dir.users[0].uuid.as_str()
    );
    assert!(body["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{users}&cursor=")));
    let (status, _, body) = get(&users, Some(&bearer));
    assert_eq!(
        (status, &body.unwrap()["code"]),
        (401, &"ACCESS_FAILED".into())
    );
}
