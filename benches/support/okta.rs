//! Okta-shaped users, generated deterministically, for the benches and `examples/gen_users.rs`.
//!
//! Each user has the shape of `GET /api/v1/users` (id, status, dates, type, profile,
//! credentials, `_links`) plus the related lists `config:section=roles,groups,apps` adds: 1 role,
//! 5 groups out of 300 and 4 apps out of 50, as names. Some names and people carry quotes,
//! backslashes and non-ASCII text, so that escaping (JSON and AQL) is part of the measured work.
//!
//! The output depends only on [`SEED`] and the user's position: the first `k` users are the same
//! whatever the count, so a small file is a prefix of a large one. A user is about 1.1 kB of JSON:
//! 200,000 users make a JSON Lines file of 224 MB.

use serde::Serialize;
use std::io::{self, Write};

/// The seed of every generated data set.
pub const SEED: u64 = 0x5EED_0C7A_A55E_7500;

/// Writes `count` users as JSON Lines (one compact JSON object and `\n` per user).
pub fn write_users(count: usize, out: &mut impl Write) -> io::Result<()> {
    let pools = Pools::new();
    let mut rng = XorShift::new(SEED);
    for i in 0..count {
        let user = user(i, &pools, &mut rng);
        serde_json::to_writer(&mut *out, &user)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// xorshift64*: small, fast and the same on every platform, which is all test data needs.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (the slight bias of `%` does not matter here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// `k` distinct items of `items`, in the order drawn.
    fn distinct<'a>(&mut self, items: &'a [String], k: usize) -> Vec<&'a str> {
        let mut chosen: Vec<usize> = Vec::with_capacity(k);
        while chosen.len() < k {
            let i = self.below(items.len());
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.into_iter().map(|i| items[i].as_str()).collect()
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

struct Pools {
    groups: Vec<String>,
    apps: Vec<String>,
}

const FIRST_NAMES: &[&str] = &[
    "Tony", "John", "Jack", "Janice", "Ben", "Amina", "Luc", "Priya", "Omar", "Sam", "Zoë", "José",
    "Łukasz", "Søren", "Chloé", "Björn", "Aoife", "Nguyễn", "Mei", "Hiroshi", "Fatima", "Olga",
    "Raj", "Ana", "Kwame", "Ingrid", "Mateo", "Leila", "Dmitri", "Grace", "Noah", "Emma", "Liam",
    "Olivia", "Ava", "Ethan", "Mia", "Lucas", "Sofia", "Yusuf",
];

const LAST_NAMES: &[&str] = &[
    "Johnson",
    "Mclean",
    "Phillips",
    "Benson",
    "Richler",
    "O'Brien",
    "Müller",
    "García",
    "Kowalski",
    "Nakamura",
    "山田",
    "Иванова",
    "Dubois",
    "Rossi",
    "Smith",
    "Brown",
    "Lee",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Martin",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "López",
    "Hill",
    "Scott",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "D'Angelo",
];

const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Human Resources",
    "Legal",
    "Support",
    "IT",
    "Operations",
    "Product",
    "Design",
    "Security",
    "R&D",
    "Facilities",
    "Procurement",
    "Customer Success",
];

const TITLES: &[&str] = &[
    "Software Engineer",
    "Senior Software Engineer",
    "Account Executive",
    "Marketing Manager",
    "Financial Analyst",
    "HR Business Partner",
    "Counsel",
    "Support Engineer",
    "IT Administrator",
    "Operations Lead",
    "Product Manager",
    "Designer",
    "Security Analyst",
];

const CITIES: &[(&str, &str)] = &[
    ("San Francisco", "US"),
    ("New York", "US"),
    ("Austin", "US"),
    ("London", "GB"),
    ("Dublin", "IE"),
    ("Berlin", "DE"),
    ("München", "DE"),
    ("Paris", "FR"),
    ("Kraków", "PL"),
    ("São Paulo", "BR"),
    ("Tokyo", "JP"),
    ("Sydney", "AU"),
    ("Bengaluru", "IN"),
    ("Toronto", "CA"),
];

const ROLES: &[&str] = &[
    "Super administrator",
    "Organization administrator",
    "Application administrator",
    "Help Desk administrator",
    "Read-only administrator",
    "Group administrator",
    "Report administrator",
    "API Access Management administrator",
    "Group membership administrator",
    "Mobile administrator",
];

/// Names that need escaping in JSON or AQL, or are not ASCII; mixed into the group and app pools.
const AWKWARD_GROUPS: &[&str] = &[
    r#"Sales "EMEA" \ OR Name="x""#,
    r"Back\slash Team",
    "Zoë's Team",
    "Ünïcödé — 東京 チーム",
    "Ops \"on call\"",
    "Café ☕ Club",
    "Dev\\Ops \"Core\"",
    "Équipe Île-de-France",
    "Команда поддержки",
    "🚀 Launch Crew",
];

const AWKWARD_APPS: &[&str] = &[
    "Box \"Enterprise\"",
    r"C:\Tools\Portal",
    "Señor Payroll",
    "日本語 Wiki",
];

impl Pools {
    fn new() -> Self {
        const AREAS: &[&str] = &[
            "Engineering",
            "Sales",
            "Marketing",
            "Finance",
            "HR",
            "Legal",
            "Support",
            "IT",
            "Ops",
            "Product",
            "Design",
            "Security",
            "Data",
            "Platform",
            "Mobile",
            "Web",
            "Cloud",
            "Partners",
            "Field",
            "Research",
        ];
        const KINDS: &[&str] = &[
            "users",
            "admins",
            "EMEA",
            "AMER",
            "APAC",
            "contractors",
            "managers",
            "on-call",
            "interns",
            "leads",
            "readers",
            "writers",
            "approvers",
            "owners",
            "guests",
        ];
        let mut groups: Vec<String> = AWKWARD_GROUPS.iter().map(|s| s.to_string()).collect();
        'fill: for kind in KINDS {
            for area in AREAS {
                if groups.len() == 300 {
                    break 'fill;
                }
                groups.push(format!("{area} {kind}"));
            }
        }

        const APPS: &[&str] = &[
            "Google Apps Mail",
            "Google Drive",
            "Box",
            "Slack",
            "Zoom",
            "Salesforce",
            "Workday",
            "GitHub",
            "Jira Software",
            "Confluence",
            "Jira Service Management",
            "Bitbucket",
            "AWS Console",
            "Azure Portal",
            "Datadog",
            "PagerDuty",
            "Okta Dashboard",
            "Figma",
            "Miro",
            "Notion",
            "Dropbox",
            "DocuSign",
            "Zendesk",
            "HubSpot",
            "Tableau",
            "Snowflake",
            "Looker",
            "1Password",
            "Lucidchart",
            "Asana",
            "Trello",
            "ServiceNow",
            "SAP Concur",
            "Expensify",
            "Greenhouse",
            "Lattice",
            "Gusto",
            "Coupa",
            "NetSuite",
            "Splunk",
            "Sentry",
            "CircleCI",
            "Grafana",
            "Loom",
            "Calendly",
            "Smartsheet",
        ];
        let apps: Vec<String> = AWKWARD_APPS
            .iter()
            .chain(APPS)
            .map(|s| s.to_string())
            .collect();
        assert_eq!((groups.len(), apps.len()), (300, 50));
        Pools { groups, apps }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct User<'a> {
    id: String,
    status: &'static str,
    created: String,
    activated: Option<String>,
    status_changed: Option<String>,
    last_login: Option<String>,
    last_updated: String,
    password_changed: Option<String>,
    r#type: TypeRef,
    profile: Profile<'a>,
    credentials: Credentials,
    #[serde(rename = "_links")]
    links: Links,
    roles: Vec<&'a str>,
    groups: Vec<&'a str>,
    apps: Vec<&'a str>,
}

#[derive(Serialize)]
struct TypeRef {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Profile<'a> {
    first_name: &'a str,
    last_name: &'a str,
    mobile_phone: Option<String>,
    second_email: Option<String>,
    login: String,
    email: String,
    department: &'a str,
    title: &'a str,
    cost_center: String,
    city: &'a str,
    country_code: &'a str,
    manager_id: Option<String>,
}

#[derive(Serialize)]
struct Credentials {
    password: Empty,
    emails: Vec<Email>,
    provider: Provider,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Email {
    value: String,
    status: &'static str,
    r#type: &'static str,
}

#[derive(Serialize)]
struct Provider {
    r#type: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct Links {
    #[serde(rename = "self")]
    self_: Href,
}

#[derive(Serialize)]
struct Href {
    href: String,
}

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An Okta user id: `00u`, 10 characters that look random, then the position in base 62. It
/// depends on the position alone, so ids are unique and a manager id names an existing user.
fn user_id(i: usize) -> String {
    let mut id = String::with_capacity(20);
    id.push_str("00u");
    let mut mix = XorShift::new(SEED ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    for _ in 0..10 {
        id.push(ALPHANUMERIC[mix.below(62)] as char);
    }
    let mut n = i;
    let mut tail = [b'0'; 7];
    for slot in tail.iter_mut().rev() {
        *slot = ALPHANUMERIC[n % 62];
        n /= 62;
    }
    id.push_str(std::str::from_utf8(&tail).expect("ASCII"));
    id
}

/// Seconds since 1970 as Okta writes a timestamp: `2022-05-13T20:05:39.000Z`.
fn timestamp(seconds: u64) -> String {
    // Days to a civil date (Howard Hinnant's algorithm), for dates after 1970.
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rest / 3_600,
        rest / 60 % 60,
        rest % 60
    )
}

/// The ASCII letters of a name, lower-cased, for logins (`山田` gives nothing).
fn ascii_word(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn user<'a>(i: usize, pools: &'a Pools, rng: &mut XorShift) -> User<'a> {
    let id = user_id(i);
    let status = match rng.below(100) {
        0..=79 => "ACTIVE",
        80..=84 => "PROVISIONED",
        85..=88 => "STAGED",
        89..=91 => "LOCKED_OUT",
        92..=94 => "SUSPENDED",
        95..=96 => "PASSWORD_EXPIRED",
        97 => "RECOVERY",
        _ => "DEPROVISIONED",
    };
    let never_activated = matches!(status, "STAGED" | "PROVISIONED");
    // Times in order: created, activated, status changed, password changed, last updated; last
    // login after activation. Created between 2015 and 2024.
    const YEAR: u64 = 365 * 86_400;
    let mut at = 1_420_070_400 + rng.next() % (10 * YEAR);
    let created = timestamp(at);
    at += 1 + rng.next() % 5;
    let activated = (!never_activated).then(|| timestamp(at));
    let status_changed = (!never_activated).then(|| {
        at += rng.next() % YEAR;
        timestamp(at)
    });
    let last_login =
        (!never_activated && rng.percent(85)).then(|| timestamp(at + rng.next() % YEAR));
    let password_changed = (status != "STAGED").then(|| {
        at += rng.next() % YEAR;
        timestamp(at)
    });
    at += rng.next() % YEAR;
    let last_updated = timestamp(at);

    let first_name = rng.pick(FIRST_NAMES);
    let last_name = rng.pick(LAST_NAMES);
    let mut local = format!("{}.{}", ascii_word(first_name), ascii_word(last_name));
    if local.ends_with('.') {
        local.push_str("user");
    }
    let login = format!("{local}{i}@example.com");
    let email = login.clone();
    let mobile_phone = rng.percent(60).then(|| {
        format!(
            "+1 {:03}-{:03}-{:04}",
            200 + rng.below(800),
            rng.below(1000),
            rng.below(10_000)
        )
    });
    let second_email = match rng.below(10) {
        0..=5 => None,
        6 => Some(String::new()),
        _ => Some(format!("{local}{i}@personal.example.org")),
    };
    let (city, country_code) = CITIES[rng.below(CITIES.len())];
    let manager_id = (i > 0 && rng.percent(90)).then(|| user_id(rng.below(i)));

    let mut emails = vec![Email {
        value: email.clone(),
        status: "VERIFIED",
        r#type: "PRIMARY",
    }];
    if let Some(second) = second_email.as_ref().filter(|s| !s.is_empty()) {
        emails.push(Email {
            value: second.clone(),
            status: if rng.percent(70) {
                "VERIFIED"
            } else {
                "UNVERIFIED"
            },
            r#type: "SECONDARY",
        });
    }
    let provider = match rng.below(10) {
        0..=6 => "OKTA",
        7..=8 => "ACTIVE_DIRECTORY",
        _ => "IMPORT",
    };

    User {
        links: Links {
            self_: Href {
                href: format!("https://{{yourOktaDomain}}/api/v1/users/{id}"),
            },
        },
        id,
        status,
        created,
        activated,
        status_changed,
        last_login,
        last_updated,
        password_changed,
        r#type: TypeRef {
            id: "oty2di92xFgQTiKEJ1d6",
        },
        profile: Profile {
            first_name,
            last_name,
            mobile_phone,
            second_email,
            login,
            email,
            department: rng.pick(DEPARTMENTS),
            title: rng.pick(TITLES),
            cost_center: format!("CC-{:04}", 1000 + rng.below(200)),
            city,
            country_code,
            manager_id,
        },
        credentials: Credentials {
            password: Empty {},
            emails,
            provider: Provider {
                r#type: provider,
                name: provider,
            },
        },
        roles: vec![rng.pick(ROLES)],
        groups: rng.distinct(&pools.groups, 5),
        apps: rng.distinct(&pools.apps, 4),
    }
}
