//! The directory the emulators serve: users, groups, apps, admin roles and devices, generated
//! from a seed, and what `assetsync fetch` must make of them (`Directory::expected`).
//!
//! Every provider serves the same directory in its own shape: Okta by the `00u…`/`00g…`/`0oa…`
//! ids, PingOne and SCIM by the `uuid`s. Names include quotes, backslashes, a comma and
//! non-ASCII text, because that is where JSON, URL and AQL escaping go wrong.

use std::collections::HashMap;

/// xorshift64*: small and the same everywhere, which is all generated test data needs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero would stay zero forever.
        Rng((seed ^ 0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (the slight bias of `%` does not matter here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `k` distinct numbers of `0..n` (all of them if `k >= n`), ascending.
    pub fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut chosen = Vec::with_capacity(k);
        while chosen.len() < k {
            let i = self.below(n);
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort_unstable();
        chosen
    }

    /// An Okta-style id: `prefix` and base-62 characters, 20 in all.
    pub fn okta_id(&mut self, prefix: &str) -> String {
        const ALPHANUMERIC: &[u8] =
            b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut id = prefix.to_string();
        while id.len() < 20 {
            id.push(ALPHANUMERIC[self.below(ALPHANUMERIC.len())] as char);
        }
        id
    }

    /// A version-4 UUID, as PingOne and most SCIM servers give ids.
    pub fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// An ISO-8601 instant with milliseconds, as Okta writes them, between 2015 and 2024.
    pub fn instant(&mut self) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
            self.between(2015, 2024),
            self.between(1, 12),
            self.between(1, 28),
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }
}

#[derive(Debug, Clone)]
pub struct User {
    /// Okta id, `00u…`.
    pub id: String,
    /// PingOne and SCIM id.
    pub uuid: String,
    pub status: &'static str,
    pub first_name: String,
    pub last_name: String,
    pub login: String,
    pub email: String,
    pub department: &'static str,
    pub title: &'static str,
    pub city: &'static str,
    pub country_code: &'static str,
    pub employee_number: String,
    pub created: String,
    pub last_login: Option<String>,
    pub last_updated: String,
    /// Index into `Directory::populations`.
    pub population: usize,
    /// Indices into `Directory::groups`, ascending.
    pub groups: Vec<usize>,
    /// Indices into `Directory::apps`, ascending, with how the user got each app.
    pub apps: Vec<(usize, Scope)>,
    /// The role assignments `GET /api/v1/users/{id}/roles` lists, in its order; empty for
    /// everyone but admins.
    pub roles: Vec<Role>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        !self.roles.is_empty()
    }

    pub fn active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// How a user is assigned to an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Group,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "USER",
            Scope::Group => "GROUP",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub uuid: String,
    pub name: String,
    pub description: String,
    pub created: String,
    pub last_updated: String,
    /// Indices into `Directory::users`, ascending.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    /// The app's key in the catalogue (`box`, `bookmark`, …).
    pub name: String,
    pub label: String,
    pub sign_on_mode: &'static str,
    pub created: String,
    /// Indices into `Directory::users`, ascending.
    pub users: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: String,
    pub label: &'static str,
    pub kind: &'static str,
    /// `USER`, or `GROUP` for a role the user holds through a group.
    pub assignment_type: &'static str,
    pub created: String,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub status: &'static str,
    pub created: String,
    pub display_name: String,
    pub platform: &'static str,
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub os_version: &'static str,
    pub serial_number: String,
    /// Index into `Directory::users`.
    pub owner: Option<usize>,
    pub management_status: &'static str,
    pub screen_lock_type: &'static str,
    pub enrolled: String,
}

/// The related lists `config:section=roles,groups,apps` adds to a user record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lists {
    pub roles: Vec<String>,
    pub groups: Vec<String>,
    pub apps: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Directory {
    pub seed: u64,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub apps: Vec<App>,
    pub devices: Vec<Device>,
    /// PingOne populations: (id, name).
    pub populations: Vec<(String, String)>,
    /// Okta id and uuid of each user → index.
    index: HashMap<String, usize>,
}

const FIRST_NAMES: &[&str] = &[
    "Tony",
    "John",
    "Janice",
    "Ben",
    "Amina",
    "Luc",
    "Priya",
    "Omar",
    "Zoë",
    "José",
    "Łukasz",
    "Søren",
    "Chloé",
    "Björn",
    "Aoife",
    "Nguyễn",
    "Mei",
    "Hiroshi",
    "Fatima",
    "Olga",
    "Kwame",
    "Ingrid",
    "Mateo",
    "Grace",
    "Robert \"Bob\"",
];

const LAST_NAMES: &[&str] = &[
    "Johnson",
    "Mclean",
    "Phillips",
    "Benson",
    "O'Brien",
    "Müller",
    "García",
    "Kowalski",
    "Nakamura",
    "山田",
    "Иванова",
    "Dubois",
    "Smith",
    "Lee",
    "Wilson",
    "D'Angelo",
    "Taylor",
    "Martin",
    "Back\\Slash",
    "Young",
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
    "R&D",
    "Customer Success",
];

const TITLES: &[&str] = &[
    "Software Engineer",
    "Account Executive",
    "Marketing Manager",
    "Financial Analyst",
    "Counsel",
    "Support Engineer",
    "IT Administrator",
    "Product Manager",
];

const CITIES: &[(&str, &str)] = &[
    ("San Francisco", "US"),
    ("New York", "US"),
    ("London", "GB"),
    ("Dublin", "IE"),
    ("München", "DE"),
    ("Paris", "FR"),
    ("Kraków", "PL"),
    ("São Paulo", "BR"),
    ("Tokyo", "JP"),
    ("Bengaluru", "IN"),
];

/// Statuses `GET /api/v1/users` returns without a filter (it leaves out DEPROVISIONED).
const STATUSES: &[&str] = &[
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "STAGED",
    "PROVISIONED",
    "SUSPENDED",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
];

/// Okta's standard admin roles: (type, label).
const ROLES: &[(&str, &str)] = &[
    ("SUPER_ADMIN", "Super administrator"),
    ("ORG_ADMIN", "Organization administrator"),
    ("APP_ADMIN", "Application administrator"),
    ("USER_ADMIN", "Group administrator"),
    ("HELP_DESK_ADMIN", "Help Desk administrator"),
    ("READ_ONLY_ADMIN", "Read-only administrator"),
    ("MOBILE_ADMIN", "Mobile administrator"),
    ("REPORT_ADMIN", "Report administrator"),
    (
        "API_ACCESS_MANAGEMENT_ADMIN",
        "API Access Management administrator",
    ),
    ("GROUP_MEMBERSHIP_ADMIN", "Group membership administrator"),
];

/// The first groups, before the generated `<area> <kind>` ones. The first is large on purpose:
/// its member listing spans several pages.
const FIRST_GROUPS: &[&str] = &[
    "All Staff",
    r#"Sales "EMEA" \ OR Name="x""#,
    "Finance, Legal & Compliance",
    r#"Dev\Ops "Core""#,
    "Équipe Île-de-France — 東京 🚀",
];

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

/// (catalogue name, label, sign-on mode). The first ones need escaping.
const APPS: &[(&str, &str, &str)] = &[
    ("box", "Box \"Enterprise\"", "SAML_2_0"),
    ("bookmark", r"C:\Tools\Portal", "BOOKMARK"),
    ("workday", "Señor Payroll", "SAML_2_0"),
    ("google", "Google Workspace", "SAML_2_0"),
    ("slack", "Slack", "SAML_2_0"),
    ("zoomus", "Zoom", "SAML_2_0"),
    ("salesforce", "Salesforce.com", "SAML_2_0"),
    ("github_enterprise", "GitHub", "SAML_2_0"),
    ("atlassian", "Jira Software", "SAML_2_0"),
    ("oidc_client", "Confluence", "OPENID_CONNECT"),
    ("aws_account_federation", "AWS Console", "SAML_2_0"),
    ("template_basic_auth", "Sample Basic Auth App", "BASIC_AUTH"),
    ("datadog", "Datadog", "SAML_2_0"),
    ("pagerduty", "PagerDuty", "SAML_2_0"),
    ("figma", "Figma", "SAML_2_0"),
    ("notion", "Notion", "OPENID_CONNECT"),
    ("dropbox_for_business", "Dropbox", "SAML_2_0"),
    ("docusign", "DocuSign", "SAML_2_0"),
    ("zendesk", "Zendesk", "SAML_2_0"),
    ("tableau", "Tableau", "SAML_2_0"),
];

/// The app that, in a directory of at least this many apps, is a second instance of the first
/// app under the same label: Okta does not make labels unique, and the fetched `apps` list must
/// still name it once.
const DUPLICATE_LABEL_AT: usize = 4;

impl Directory {
    /// `users` users, `groups` groups and `apps` apps. The same arguments give the same
    /// directory, ids included. Each user is in about five groups and four apps; about 2% are
    /// admins with one to three roles (user 1 always is, when there is one); user 2 has no
    /// groups, apps or roles.
    pub fn generate(users: usize, groups: usize, apps: usize, seed: u64) -> Directory {
        let mut rng = Rng::new(seed);
        let populations = vec![
            (rng.uuid(), "Employees".to_string()),
            (rng.uuid(), "Contractors".to_string()),
        ];
        let mut group_list: Vec<Group> = (0..groups)
            .map(|i| {
                let name = group_name(i);
                Group {
                    id: rng.okta_id("00g"),
                    uuid: rng.uuid(),
                    description: format!("Members of {name}"),
                    name,
                    created: rng.instant(),
                    last_updated: rng.instant(),
                    members: Vec::new(),
                }
            })
            .collect();
        let mut app_list: Vec<App> = (0..apps)
            .map(|i| {
                let (name, label, mode) = if i == DUPLICATE_LABEL_AT {
                    APPS[0]
                } else {
                    APPS[i % APPS.len()]
                };
                let label = if i >= APPS.len() {
                    format!("{label} {}", i / APPS.len() + 1)
                } else {
                    label.to_string()
                };
                App {
                    id: rng.okta_id("0oa"),
                    name: name.to_string(),
                    label,
                    sign_on_mode: mode,
                    created: rng.instant(),
                    users: Vec::new(),
                }
            })
            .collect();

        let mut user_list = Vec::with_capacity(users);
        for i in 0..users {
            let first = rng.pick(FIRST_NAMES).to_string();
            let last = rng.pick(LAST_NAMES).to_string();
            let login = format!("{}.{}{i}@example.com", slug(&first), slug(&last));
            let (city, country_code) = CITIES[rng.below(CITIES.len())];
            let status = if i < 3 { "ACTIVE" } else { rng.pick(STATUSES) };
            let loner = i == 2 || rng.percent(3);
            let user_groups = if loner || groups == 0 {
                Vec::new()
            } else {
                let k = rng.between(3, 6);
                let mut chosen: Vec<usize> = rng
                    .distinct(groups.saturating_sub(1), k)
                    .into_iter()
                    .map(|g| g + 1)
                    .collect();
                if rng.percent(70) {
                    chosen.insert(0, 0);
                }
                chosen
            };
            let user_apps = if loner || apps == 0 || rng.percent(4) {
                Vec::new()
            } else {
                let k = rng.between(2, 6);
                rng.distinct(apps, k)
                    .into_iter()
                    .map(|a| {
                        let scope = if rng.percent(25) {
                            Scope::Group
                        } else {
                            Scope::User
                        };
                        (a, scope)
                    })
                    .collect()
            };
            let admin = i == 1 || (i != 2 && rng.percent(2));
            let mut roles: Vec<Role> = if admin {
                let k = rng.between(1, 3);
                rng.distinct(ROLES.len(), k)
                    .into_iter()
                    .map(|r| Role {
                        id: rng.okta_id("ra1"),
                        kind: ROLES[r].0,
                        label: ROLES[r].1,
                        assignment_type: "USER",
                        created: rng.instant(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            // The same role held a second time through a group: a second assignment with its
            // own id and the same label.
            if admin && (i == 1 || rng.percent(30)) {
                let again = Role {
                    id: rng.okta_id("ra1"),
                    assignment_type: "GROUP",
                    created: rng.instant(),
                    ..roles[0].clone()
                };
                roles.push(again);
            }
            for &g in &user_groups {
                group_list[g].members.push(i);
            }
            for &(a, _) in &user_apps {
                app_list[a].users.push(i);
            }
            let created = rng.instant();
            user_list.push(User {
                id: rng.okta_id("00u"),
                uuid: rng.uuid(),
                status,
                first_name: first,
                last_name: last,
                email: login.clone(),
                login,
                department: rng.pick(DEPARTMENTS),
                title: rng.pick(TITLES),
                city,
                country_code,
                employee_number: format!("E{:06}", 100_000 + i),
                last_login: (status == "ACTIVE" && rng.percent(80)).then(|| rng.instant()),
                last_updated: rng.instant(),
                created,
                population: usize::from(rng.percent(20)),
                groups: user_groups,
                apps: user_apps,
                roles,
            });
        }

        const PLATFORMS: &[(&str, &str, &str, &str)] = &[
            ("WINDOWS", "Dell Inc.", "Latitude 7440", "10.0.22631.3296"),
            ("MACOS", "Apple Inc.", "MacBookPro18,3", "14.4.1"),
            ("IOS", "Apple Inc.", "iPhone15,2", "17.4.1"),
            ("ANDROID", "Google", "Pixel 6", "13:2023-05-05"),
        ];
        let devices = (0..users / 3)
            .map(|d| {
                let (platform, manufacturer, model, os_version) =
                    PLATFORMS[rng.below(PLATFORMS.len())];
                Device {
                    id: rng.okta_id("guo"),
                    status: if rng.percent(90) { "ACTIVE" } else { "CREATED" },
                    created: rng.instant(),
                    display_name: format!("{model} #{d}"),
                    platform,
                    manufacturer,
                    model,
                    os_version,
                    serial_number: rng.okta_id("SN").to_uppercase(),
                    owner: (!rng.percent(10)).then(|| rng.below(users)),
                    management_status: if rng.percent(70) {
                        "MANAGED"
                    } else {
                        "NOT_MANAGED"
                    },
                    screen_lock_type: rng.pick(&["BIOMETRIC", "PASSCODE", "NONE"]),
                    enrolled: rng.instant(),
                }
            })
            .collect();

        let mut index = HashMap::new();
        for (i, u) in user_list.iter().enumerate() {
            index.insert(u.id.clone(), i);
            index.insert(u.uuid.clone(), i);
        }
        Directory {
            seed,
            users: user_list,
            groups: group_list,
            apps: app_list,
            devices,
            populations,
            index,
        }
    }

    /// The user whose Okta id or uuid is `id`.
    pub fn user(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn group(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id || g.uuid == id)
    }

    pub fn app(&self, id: &str) -> Option<usize> {
        self.apps.iter().position(|a| a.id == id)
    }

    /// The users with at least one role, in user order.
    pub fn admins(&self) -> Vec<usize> {
        (0..self.users.len())
            .filter(|&i| self.users[i].is_admin())
            .collect()
    }

    /// What the fetched record of the user `user_id` (Okta id or uuid) must carry with
    /// `config:section=roles,groups,apps`:
    /// - `groups`: the names of the user's groups, in the order the groups are listed;
    /// - `apps`: the labels of the user's apps, in the order the apps are listed;
    /// - `roles`: the labels of the user's role assignments, in the order listed;
    ///
    /// each without duplicates (the first kept).
    pub fn expected(&self, user_id: &str) -> Lists {
        let user = &self.users[self
            .user(user_id)
            .unwrap_or_else(|| panic!("no user {user_id}"))];
        Lists {
            roles: unique(user.roles.iter().map(|r| r.label.to_string())),
            groups: unique(user.groups.iter().map(|&g| self.groups[g].name.clone())),
            apps: unique(user.apps.iter().map(|&(a, _)| self.apps[a].label.clone())),
        }
    }
}

fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn group_name(i: usize) -> String {
    if let Some(name) = FIRST_GROUPS.get(i) {
        return name.to_string();
    }
    let j = i - FIRST_GROUPS.len();
    let area = AREAS[j % AREAS.len()];
    let kind = KINDS[(j / AREAS.len()) % KINDS.len()];
    let round = j / (AREAS.len() * KINDS.len());
    if round == 0 {
        format!("{area} {kind}")
    } else {
        format!("{area} {kind} {}", round + 1)
    }
}

/// Lower-case ASCII letters and digits of `s`, for logins.
fn slug(s: &str) -> String {
    let slug: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if slug.is_empty() {
        "user".to_string()
    } else {
        slug
    }
}
