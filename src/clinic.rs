//! The clinic's configuration, `clinic.json` (schema version 1, `docs/clinic.schema.json`,
//! explained for clinic IT in `docs/embedding.md`): the clinic's name, the ways to reach a
//! person there, its own crisis contacts per locale, alert and sharing settings with the
//! clinician's public key, the session-length nudge, and how the clinic shapes the widget —
//! theme, consent additions, modules, content packs and a suggested storage endpoint.
//!
//! It is read from the `clinic.json` named by the loader's `data-clinic` attribute. A file
//! that cannot be read or parsed never blocks the patient: the widget says so plainly and
//! still shows the crisis lines. The required fields (`version`, `name`) and the optional
//! `contact_options` must be right; a wrong optional section or entry is left out and listed in
//! [`ClinicConfig::problems`], each message naming the field and the fix.

use hearth_vault::ClinicianPublicKey;
use serde::Deserialize;

mod sections;

pub use sections::{Module, FIELDS, THEME_PROPERTIES};

/// How a contact option is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    /// A phone number (`tel:` link).
    Phone,
    /// A text-message number (`sms:` link).
    Sms,
    /// An e-mail address (`mailto:` link).
    Email,
    /// A web page on the clinic's site (booking, secure messaging).
    Url,
}

/// One way to reach a person at the clinic.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContactOption {
    /// What the patient reads, e.g. "Call reception".
    pub label: String,
    /// How it is reached.
    pub kind: ContactKind,
    /// The number, address or URL.
    pub value: String,
    /// When someone answers, e.g. "Mon–Fri, 9am–5pm".
    #[serde(default)]
    pub hours: Option<String>,
}

impl ContactOption {
    /// The link that starts the call, message or page.
    pub fn href(&self) -> String {
        let compact = dial_string(&self.value);
        match self.kind {
            ContactKind::Phone => format!("tel:{compact}"),
            ContactKind::Sms => format!("sms:{compact}"),
            ContactKind::Email => format!("mailto:{}", self.value),
            ContactKind::Url => self.value.clone(),
        }
    }
}

/// One of the clinic's own crisis contacts (a local crisis team, an out-of-hours line).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisResource {
    /// The service's name, e.g. "Riverside out-of-hours crisis team".
    pub name: String,
    /// One sentence on who it is for or what it does.
    #[serde(default)]
    pub description: Option<String>,
    /// A number to call.
    #[serde(default)]
    pub phone: Option<String>,
    /// A number to text.
    #[serde(default)]
    pub sms: Option<String>,
    /// An `https://` page (chat service, walk-in details).
    #[serde(default)]
    pub url: Option<String>,
    /// When it answers, e.g. "24/7".
    #[serde(default)]
    pub hours: Option<String>,
}

/// A link on a crisis contact: what the patient reads and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceLink {
    /// E.g. "Call 01632 960 000".
    pub label: String,
    /// A `tel:`, `sms:` or `https://` link.
    pub href: String,
}

impl CrisisResource {
    /// The one-tap links, in the order call, text, web.
    pub fn links(&self) -> Vec<ResourceLink> {
        let mut links = Vec::new();
        if let Some(phone) = &self.phone {
            links.push(ResourceLink {
                label: format!("Call {phone}"),
                href: format!("tel:{}", dial_string(phone)),
            });
        }
        if let Some(sms) = &self.sms {
            links.push(ResourceLink {
                label: format!("Text {sms}"),
                href: format!("sms:{}", dial_string(sms)),
            });
        }
        if let Some(url) = &self.url {
            links.push(ResourceLink {
                label: "Open their page".to_owned(),
                href: url.clone(),
            });
        }
        links
    }

    fn problem(&self) -> Option<&'static str> {
        if self.name.trim().is_empty() {
            return Some("has an empty `name`; give the service's name");
        }
        if self.phone.is_none() && self.sms.is_none() && self.url.is_none() {
            return Some("has no way to reach it; give at least one of `phone`, `sms`, `url`");
        }
        if [&self.phone, &self.sms]
            .into_iter()
            .flatten()
            .any(|n| !is_dialable(n))
        {
            return Some(
                "has a `phone` or `sms` that is not a number; use digits, spaces and + - ( )",
            );
        }
        if self
            .url
            .as_ref()
            .is_some_and(|u| !u.starts_with("https://"))
        {
            return Some("has a `url` that is not an https:// link");
        }
        None
    }
}

/// The digits (and a leading `+`) of a phone number, for a `tel:` or `sms:` link.
fn dial_string(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// Whether `number` looks like a phone number a link can dial.
fn is_dialable(number: &str) -> bool {
    number.chars().filter(char::is_ascii_digit).count() >= 3
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// How the widget may alert the clinician when a patient in crisis asks it to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Whether patients are offered "alert my clinician" at all.
    pub enabled: bool,
    /// The clinic's inbox id on the relay (16–64 characters of `A-Z a-z 0-9 _ -`).
    pub inbox: String,
    /// The relay's base URL (`https://…`); by default the widget's own origin.
    #[serde(default)]
    pub relay: Option<String>,
}

/// The clinic's configuration (the parts the widget reads today).
///
/// Entries in the optional sections (crisis resources, alerts, the clinician key) that are
/// wrong are left out and listed in [`ClinicConfig::problems`]; the rest still works, and
/// the built-in crisis lines always show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicConfig {
    /// Schema version; this widget reads version 1.
    pub version: u32,
    /// The clinic's name as patients know it.
    pub name: String,
    /// Ways to reach a person, in the order the clinic prefers.
    pub contact_options: Vec<ContactOption>,
    /// The clinic's own crisis contacts by locale: keys are a language tag (`en-GB`), a
    /// country code (`GB`), a language (`en`) or `*` for everyone.
    pub crisis_resources: Vec<(String, Vec<CrisisResource>)>,
    /// Alert settings, if the clinic set them up (and they are valid).
    pub alerts: Option<AlertSettings>,
    /// The clinician's X25519 public key that shares and alerts are sealed to.
    pub clinician_key: Option<ClinicianPublicKey>,
    /// After this many minutes of one conversation the assistant suggests a break or a
    /// person ([`DEFAULT_SESSION_NUDGE_MINUTES`] unless the clinic sets 1–240).
    pub session_nudge_minutes: u32,
    /// Whether patients are offered "share with my clinician" (`"sharing": {"enabled":
    /// true}`); shares go to the inbox named in `alerts`, sealed to the clinician key.
    pub sharing: bool,
    /// The clinic's theme: `(CSS custom property, value)` pairs for the widget's element.
    pub theme: Vec<(String, String)>,
    /// Paragraphs the clinic adds to the consent step.
    pub consent_additions: Vec<String>,
    /// The parts of the widget the clinic enabled (all by default).
    pub modules: Vec<Module>,
    /// The guided sessions offered, by pack id (`None`: all shipped packs).
    pub content_packs: Option<Vec<String>>,
    /// Where the clinic suggests patients keep their encrypted copy (no sign-in details).
    pub storage: Option<hearth_sync::Endpoint>,
    /// What was wrong in the optional sections and was left out.
    pub problems: Vec<ClinicConfigError>,
}

/// The file as written, before the optional sections are checked one entry at a time.
#[derive(Deserialize)]
struct RawConfig {
    version: u32,
    name: String,
    #[serde(default)]
    contact_options: Vec<ContactOption>,
    #[serde(default)]
    crisis_resources: Option<serde_json::Value>,
    #[serde(default)]
    alerts: Option<serde_json::Value>,
    #[serde(default)]
    clinician_key: Option<serde_json::Value>,
    #[serde(default)]
    session_nudge_minutes: Option<serde_json::Value>,
    #[serde(default)]
    sharing: Option<serde_json::Value>,
    #[serde(default)]
    theme: Option<serde_json::Value>,
    #[serde(default)]
    consent_additions: Option<serde_json::Value>,
    #[serde(default)]
    modules: Option<serde_json::Value>,
    #[serde(default)]
    content_packs: Option<serde_json::Value>,
    #[serde(default)]
    storage: Option<serde_json::Value>,
}

/// The session length after which the assistant suggests a break, unless the clinic says
/// otherwise.
pub const DEFAULT_SESSION_NUDGE_MINUTES: u32 = 20;

/// Why a clinic configuration was refused. Each message names the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClinicConfigError {
    /// The file is not valid JSON, or a field has the wrong type.
    #[error("clinic.json could not be read: {0}")]
    Syntax(String),
    /// The schema version is not one this widget reads.
    #[error("clinic.json: `version` is {0}, but this widget reads version 1; set \"version\": 1")]
    Version(u32),
    /// A field is present but unusable.
    #[error("clinic.json: `{field}` {problem}")]
    Field {
        /// The field's path, e.g. `contact_options[0].value`.
        field: String,
        /// What is wrong and how to fix it.
        problem: &'static str,
    },
    /// A top-level field this version does not know (a misspelling, most often).
    #[error(
        "clinic.json: `{field}` is not a setting this widget knows{}; fix its spelling or remove it",
        .suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    )]
    Unknown {
        /// The field as written.
        field: String,
        /// The known field it is closest to, if any.
        suggestion: Option<&'static str>,
    },
    /// The file could not be fetched.
    #[error("clinic.json could not be loaded ({0})")]
    Fetch(String),
}

fn field(field: String, problem: &'static str) -> ClinicConfigError {
    ClinicConfigError::Field { field, problem }
}

impl ClinicConfig {
    /// Parses and checks a `clinic.json` document. The name and contact options must be
    /// right; a wrong crisis resource, alert setting or key is left out and reported in
    /// [`ClinicConfig::problems`].
    pub fn parse(json: &str) -> Result<Self, ClinicConfigError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            ClinicConfigError::Syntax(format!(
                "it is not valid JSON ({e}); look for a missing comma, quote or bracket there"
            ))
        })?;
        let serde_json::Value::Object(map) = &value else {
            return Err(ClinicConfigError::Syntax(
                "the file must hold one JSON object, {…}".to_owned(),
            ));
        };
        sections::check_required(map)?;
        let mut problems = sections::unknown_fields(map);
        // Read from the text again rather than from `value`: the widget reads everything
        // else from text, and reading through `serde_json::Value` as well would add a second
        // copy of the reading code to the `.wasm` (the same goes for the sections below).
        let raw: RawConfig =
            serde_json::from_str(json).map_err(|e| ClinicConfigError::Syntax(e.to_string()))?;
        if raw.name.trim().is_empty() {
            return Err(field(
                "name".into(),
                "is empty; give the clinic's name as patients know it",
            ));
        }
        for (i, option) in raw.contact_options.iter().enumerate() {
            let name = |name: &str| format!("contact_options[{i}].{name}");
            if option.label.trim().is_empty() {
                return Err(field(
                    name("label"),
                    "is empty; say what the option does, e.g. \"Call reception\"",
                ));
            }
            let ok = match option.kind {
                ContactKind::Phone | ContactKind::Sms => is_dialable(&option.value),
                ContactKind::Email => {
                    option.value.contains('@') && !option.value.contains(char::is_whitespace)
                }
                ContactKind::Url => option.value.starts_with("https://"),
            };
            if !ok {
                return Err(field(
                    name("value"),
                    "does not fit its kind; use digits for phone/sms, an address \
                     for email, an https:// link for url",
                ));
            }
        }
        let crisis_resources = parse_resources(raw.crisis_resources, &mut problems);
        let clinician_key = raw.clinician_key.and_then(|value| {
            match value.as_str().map(ClinicianPublicKey::from_base64url) {
                Some(Ok(key)) => Some(key),
                _ => {
                    problems.push(field(
                        "clinician_key".into(),
                        "is not a clinician public key; paste the 43-character key the \
                         clinician console exports",
                    ));
                    None
                }
            }
        });
        let alerts = raw
            .alerts
            .and_then(|value| parse_alerts(value, clinician_key.is_some(), &mut problems));
        let session_nudge_minutes = match raw.session_nudge_minutes {
            None => DEFAULT_SESSION_NUDGE_MINUTES,
            Some(value) => match value.as_u64().filter(|m| (1..=240).contains(m)) {
                Some(minutes) => minutes as u32,
                None => {
                    problems.push(field(
                        "session_nudge_minutes".into(),
                        "is not a whole number of minutes from 1 to 240; the default (20) is used",
                    ));
                    DEFAULT_SESSION_NUDGE_MINUTES
                }
            },
        };
        let sharing = match raw.sharing {
            None => false,
            Some(value) => match value.get("enabled").and_then(serde_json::Value::as_bool) {
                Some(enabled) if value.as_object().is_some_and(|o| o.len() == 1) => enabled,
                _ => {
                    problems.push(field(
                        "sharing".into(),
                        "is not valid; give {\"enabled\": true} (shares go to the inbox \
                         named in `alerts`) or leave it out",
                    ));
                    false
                }
            },
        };
        if sharing && (alerts.is_none() || clinician_key.is_none()) {
            problems.push(field(
                "sharing".into(),
                "is on, but shares need the inbox named in `alerts` and a `clinician_key`; \
                 add both (sharing stays off until then)",
            ));
        }
        let theme = sections::theme(raw.theme, &mut problems);
        let consent_additions = sections::consent_additions(raw.consent_additions, &mut problems);
        let modules = sections::modules(raw.modules, &mut problems);
        let packs: Vec<&str> = crate::content::shipped()
            .0
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        let content_packs = sections::content_packs(raw.content_packs, &packs, &mut problems);
        let storage = sections::storage(raw.storage, &mut problems);
        Ok(ClinicConfig {
            version: raw.version,
            name: raw.name,
            contact_options: raw.contact_options,
            crisis_resources,
            alerts,
            clinician_key,
            session_nudge_minutes,
            sharing,
            theme,
            consent_additions,
            modules,
            content_packs,
            storage,
            problems,
        })
    }

    /// The clinic's crisis contacts for a patient's locale (`en-GB`): those listed under
    /// the exact tag, then its country, then its language, then `*`; each once.
    pub fn resources_for(&self, locale: &str) -> Vec<&CrisisResource> {
        let locale = locale.trim();
        let language = locale.split(['-', '_']).next().unwrap_or("");
        let country = locale
            .split(['-', '_'])
            .skip(1)
            .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
            .unwrap_or("");
        // Country keys are upper case (`DE`), language keys lower case (`de`), so `de-AT`
        // gets Austria's and the German language's contacts, never Germany's.
        let is_country_key = |k: &str| k.len() == 2 && k.chars().all(|c| c.is_ascii_uppercase());
        let is_language_key = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase());
        let tiers: [&dyn Fn(&str) -> bool; 4] = [
            &|k: &str| k.contains('-') && k.eq_ignore_ascii_case(locale),
            &|k: &str| !country.is_empty() && is_country_key(k) && k.eq_ignore_ascii_case(country),
            &|k: &str| {
                !language.is_empty() && is_language_key(k) && k.eq_ignore_ascii_case(language)
            },
            &|k: &str| k == "*",
        ];
        let mut found: Vec<&CrisisResource> = Vec::new();
        for tier in tiers {
            for (key, list) in &self.crisis_resources {
                if tier(key) {
                    for resource in list {
                        if !found.contains(&resource) {
                            found.push(resource);
                        }
                    }
                }
            }
        }
        found
    }

    /// Where and to whom a crisis alert goes, if the clinic offers alerts: the settings and
    /// the clinician's key.
    pub fn alert_target(&self) -> Option<(&AlertSettings, &ClinicianPublicKey)> {
        let alerts = self.alerts.as_ref().filter(|a| a.enabled)?;
        Some((alerts, self.clinician_key.as_ref()?))
    }

    /// Where shares go, if the clinic offers sharing: the inbox named in `alerts` (whether
    /// or not alerts themselves are on) and the clinician's key.
    pub fn share_target(&self) -> Option<(&AlertSettings, &ClinicianPublicKey)> {
        if !self.sharing {
            return None;
        }
        Some((self.alerts.as_ref()?, self.clinician_key.as_ref()?))
    }
}

fn parse_resources(
    value: Option<serde_json::Value>,
    problems: &mut Vec<ClinicConfigError>,
) -> Vec<(String, Vec<CrisisResource>)> {
    let Some(value) = value else {
        return Vec::new();
    };
    let serde_json::Value::Object(map) = value else {
        problems.push(field(
            "crisis_resources".into(),
            "is not an object; map a locale (\"en-GB\", \"GB\", \"en\" or \"*\") to a list of contacts",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, list) in map {
        let path = format!("crisis_resources.{key}");
        let valid_key = key == "*"
            || (!key.is_empty()
                && key.len() <= 35
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !valid_key {
            problems.push(field(
                path,
                "is not a locale; use a tag like \"en-GB\", a country like \"GB\", a language like \"en\", or \"*\"",
            ));
            continue;
        }
        let serde_json::Value::Array(items) = list else {
            problems.push(field(path, "is not a list; give a list of contacts"));
            continue;
        };
        let mut kept = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match serde_json::from_str::<CrisisResource>(
                &crate::json::to_string(&item).unwrap_or_default(),
            ) {
                Ok(resource) => match resource.problem() {
                    None => kept.push(resource),
                    Some(problem) => problems.push(field(item_path, problem)),
                },
                Err(_) => problems.push(field(
                    item_path,
                    "is not a crisis contact; give `name` and at least one of `phone`, `sms`, \
                     `url` (and optionally `description`, `hours`), all as text",
                )),
            }
        }
        out.push((key, kept));
    }
    out
}

fn parse_alerts(
    value: serde_json::Value,
    have_key: bool,
    problems: &mut Vec<ClinicConfigError>,
) -> Option<AlertSettings> {
    let alerts = match serde_json::from_str::<AlertSettings>(
        &crate::json::to_string(&value).unwrap_or_default(),
    ) {
        Ok(alerts) => alerts,
        Err(_) => {
            problems.push(field(
                "alerts".into(),
                "is not valid; give {\"enabled\": true, \"inbox\": \"<your clinic's inbox id>\"} \
                 and optionally \"relay\": \"https://…\"",
            ));
            return None;
        }
    };
    if !hearth_sync::is_valid_vault_id(&alerts.inbox) {
        problems.push(field(
            "alerts.inbox".into(),
            "is not an inbox id; use 16 to 64 characters of letters, digits, _ and -",
        ));
        return None;
    }
    if let Some(relay) = &alerts.relay {
        // Plain http only for this machine (a local demo relay), by exact host.
        let local = relay.strip_prefix("http://").is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
            host == "127.0.0.1" || host == "localhost"
        });
        if !(relay.starts_with("https://") || local) {
            problems.push(field(
                "alerts.relay".into(),
                "is not an https:// address; give the relay's base URL, e.g. https://relay.example.org",
            ));
            return None;
        }
    }
    if alerts.enabled && !have_key {
        problems.push(field(
            "alerts.enabled".into(),
            "is true but there is no valid `clinician_key`; alerts stay off until the key is added",
        ));
    }
    Some(alerts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DEMO: &str = r#"{"version":1,"name":"Riverside Counselling","contact_options":[
        {"label":"Call reception","kind":"phone","value":"+1 (555) 010-0200","hours":"Mon–Fri"},
        {"label":"Email your clinician","kind":"email","value":"care@riverside.example"}]}"#;

    #[test]
    fn a_valid_config_gives_working_links() {
        let config = ClinicConfig::parse(DEMO).unwrap();
        assert_eq!(config.name, "Riverside Counselling");
        assert_eq!(config.contact_options[0].href(), "tel:+15550100200");
        assert_eq!(
            config.contact_options[1].href(),
            "mailto:care@riverside.example"
        );
    }

    #[test]
    fn errors_name_the_field_and_the_fix() {
        let err = ClinicConfig::parse(&DEMO.replace("+1 (555) 010-0200", "call us")).unwrap_err();
        assert!(
            err.to_string().contains("contact_options[0].value"),
            "{err}"
        );
        let err = ClinicConfig::parse(&DEMO.replace("\"version\":1", "\"version\":7")).unwrap_err();
        assert_eq!(err, ClinicConfigError::Version(7));
        let err = ClinicConfig::parse(&DEMO.replace("Riverside Counselling", " ")).unwrap_err();
        assert!(err.to_string().contains("`name`"), "{err}");
        assert!(matches!(
            ClinicConfig::parse("{").unwrap_err(),
            ClinicConfigError::Syntax(_)
        ));
    }

    const KEY: &str = "PFascc5XAHyc-K_3IhEixrHCgpIpU3hw-1hhK01Jblg";

    fn with_sections(sections: &str) -> String {
        DEMO.replacen('{', &format!("{{{sections},"), 1)
    }

    #[test]
    fn crisis_resources_are_ordered_by_locale() {
        let json = with_sections(
            r#""crisis_resources":{
                "*":[{"name":"Clinic duty line","phone":"+1 555 010 0299"}],
                "GB":[{"name":"Riverside UK out of hours","phone":"01632 960000","sms":"07700 900000"}],
                "en-GB":[{"name":"NHS 111 (mental health option)","phone":"111"}],
                "fr":[{"name":"Ligne de crise","url":"https://crise.example"}]}"#,
        );
        let config = ClinicConfig::parse(&json).unwrap();
        assert!(config.problems.is_empty(), "{:?}", config.problems);
        let names = |locale| {
            config
                .resources_for(locale)
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("en-GB"),
            [
                "NHS 111 (mental health option)",
                "Riverside UK out of hours",
                "Clinic duty line"
            ]
        );
        assert_eq!(names("fr-FR"), ["Ligne de crise", "Clinic duty line"]);
        // A language never picks up a country's list: `gb` is not Great Britain.
        assert_eq!(names("gb"), ["Clinic duty line"]);
        assert_eq!(names("en-US"), ["Clinic duty line"]);
        let uk = config.resources_for("en-GB")[1].links();
        assert_eq!(uk[0].href, "tel:01632960000");
        assert_eq!(uk[1].href, "sms:07700900000");
    }

    #[test]
    fn a_bad_resource_is_left_out_and_reported_by_path() {
        let json = with_sections(
            r#""crisis_resources":{
                "*":[{"name":"Good line","phone":"0800 000 000"},
                     {"name":"No way to reach"},
                     {"name":"Bad number","phone":"call us"},
                     {"name":"Plain http","url":"http://x.example"},
                     {"name":"","phone":"123"},
                     {"name":"Typo","phnoe":"123"},
                     42],
                "en GB":[{"name":"x","phone":"123"}],
                "US":"988"}"#,
        );
        let config = ClinicConfig::parse(&json).unwrap();
        let names: Vec<_> = config
            .resources_for("en-US")
            .iter()
            .map(|r| r.name.clone())
            .collect();
        assert_eq!(names, ["Good line"]);
        let fields: Vec<String> = config
            .problems
            .iter()
            .map(|p| match p {
                ClinicConfigError::Field { field, .. } => field.clone(),
                other => panic!("{other}"),
            })
            .collect();
        for expected in 1..=6 {
            let path = format!("crisis_resources.*[{expected}]");
            assert!(fields.contains(&path), "{path} missing from {fields:?}");
        }
        assert!(fields.contains(&"crisis_resources.en GB".to_owned()));
        assert!(fields.contains(&"crisis_resources.US".to_owned()));
        assert_eq!(config.name, "Riverside Counselling");
    }

    #[test]
    fn the_session_nudge_defaults_and_a_bad_value_is_reported() {
        assert_eq!(ClinicConfig::parse(DEMO).unwrap().session_nudge_minutes, 20);
        let set = ClinicConfig::parse(&with_sections(r#""session_nudge_minutes":45"#)).unwrap();
        assert_eq!(set.session_nudge_minutes, 45);
        let bad = ClinicConfig::parse(&with_sections(r#""session_nudge_minutes":"half an hour""#))
            .unwrap();
        assert_eq!(bad.session_nudge_minutes, 20);
        assert!(bad.problems[0]
            .to_string()
            .contains("session_nudge_minutes"));
    }

    #[test]
    fn alerts_need_a_valid_inbox_and_key() {
        let good = with_sections(&format!(
            r#""alerts":{{"enabled":true,"inbox":"riverside-counselling-01"}},"clinician_key":"{KEY}""#
        ));
        let config = ClinicConfig::parse(&good).unwrap();
        assert!(config.problems.is_empty(), "{:?}", config.problems);
        let (alerts, key) = config.alert_target().unwrap();
        assert_eq!(alerts.inbox, "riverside-counselling-01");
        assert_eq!(key.to_base64url(), KEY);

        let cases = [
            (good.replace(KEY, "not-a-key"), "clinician_key"),
            (
                good.replace("riverside-counselling-01", "short"),
                "alerts.inbox",
            ),
            (
                good.replace(r#""enabled":true"#, r#""enabled":"yes""#),
                "alerts",
            ),
            (
                good.replace(
                    r#""enabled":true,"#,
                    r#""enabled":true,"relay":"ftp://relay","#,
                ),
                "alerts.relay",
            ),
            (
                good.replace(
                    r#""enabled":true,"#,
                    r#""enabled":true,"relay":"http://localhost.evil.example","#,
                ),
                "alerts.relay",
            ),
        ];
        for (json, path) in cases {
            let config = ClinicConfig::parse(&json).unwrap();
            assert!(config.alert_target().is_none(), "{path}");
            assert!(
                config
                    .problems
                    .iter()
                    .any(|p| matches!(p, ClinicConfigError::Field { field, .. } if field == path)),
                "{path}: {:?}",
                config.problems
            );
        }
    }

    #[test]
    fn sharing_goes_to_the_alert_inbox_when_the_clinic_turns_it_on() {
        let inbox = r#""alerts":{"enabled":false,"inbox":"riverside-counselling-01"}"#;
        let on = with_sections(&format!(
            r#"{inbox},"clinician_key":"{KEY}","sharing":{{"enabled":true}}"#
        ));
        let config = ClinicConfig::parse(&on).unwrap();
        assert!(config.problems.is_empty(), "{:?}", config.problems);
        assert!(config.alert_target().is_none());
        let (settings, key) = config.share_target().unwrap();
        assert_eq!(settings.inbox, "riverside-counselling-01");
        assert_eq!(key.to_base64url(), KEY);

        let off = with_sections(&format!(r#"{inbox},"clinician_key":"{KEY}""#));
        assert!(ClinicConfig::parse(&off).unwrap().share_target().is_none());

        for wrong in [
            r#""sharing":{"enabled":"yes"}"#.to_owned(),
            r#""sharing":true"#.to_owned(),
            r#""sharing":{"enabled":true,"inbox":"x"}"#.to_owned(),
            r#""sharing":{"enabled":true}"#.to_owned(),
        ] {
            let config = ClinicConfig::parse(&with_sections(&wrong)).unwrap();
            assert!(config.share_target().is_none(), "{wrong}");
            assert!(
                config.problems.iter().any(
                    |p| matches!(p, ClinicConfigError::Field { field, .. } if field == "sharing")
                ),
                "{wrong}: {:?}",
                config.problems
            );
        }
    }

    #[test]
    fn the_json_schema_matches_what_the_widget_reads() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../docs/clinic.schema.json")).unwrap();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let sorted = |v: Vec<&str>| -> Vec<String> {
            let mut v: Vec<String> = v.into_iter().map(str::to_owned).collect();
            v.sort();
            v
        };
        let props = &schema["properties"];
        assert_eq!(keys(props), sorted(FIELDS.to_vec()));
        assert_eq!(
            keys(&props["theme"]["properties"]),
            sorted(THEME_PROPERTIES.iter().map(|(n, _)| *n).collect())
        );
        let names = |v: &serde_json::Value| -> Vec<String> {
            let mut n: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect();
            n.sort();
            n
        };
        assert_eq!(
            names(&props["modules"]["items"]["enum"]),
            sorted(Module::ALL.iter().map(|(n, _)| *n).collect())
        );
        assert_eq!(
            names(&props["content_packs"]["items"]["enum"]),
            sorted(
                crate::content::shipped()
                    .0
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect()
            )
        );
    }

    #[test]
    fn mistakes_in_required_fields_name_the_field() {
        let cases = [
            ("{", "not valid JSON"),
            ("[1, 2]", "one JSON object"),
            (r#"{"name":"A"}"#, "`version` is missing"),
            (
                r#"{"version":"1","name":"A"}"#,
                "`version` is not a whole number",
            ),
            (r#"{"version":2,"name":"A"}"#, "`version` is 2"),
            (r#"{"version":1}"#, "`name` is missing"),
            (r#"{"version":1,"name":7}"#, "`name` is not text"),
            (
                r#"{"version":1,"name":"A","contact_options":{}}"#,
                "`contact_options` is not a list",
            ),
            (
                r#"{"version":1,"name":"A","contact_options":[{"label":"Fax us","kind":"fax","value":"1234"}]}"#,
                "`contact_options[0].kind` is not one of",
            ),
            (
                r#"{"version":1,"name":"A","contact_options":[{"label":"Call","kind":"phone","value":"123","when":"9-5"}]}"#,
                "`contact_options[0].when` is not a contact option field",
            ),
        ];
        for (json, expected) in cases {
            let err = ClinicConfig::parse(json).unwrap_err().to_string();
            assert!(err.contains(expected), "{json}: {err}");
        }
        let typo = ClinicConfig::parse(r#"{"version":1,"name":"A","clincian_key":"x"}"#).unwrap();
        assert_eq!(
            typo.problems[0].to_string(),
            "clinic.json: `clincian_key` is not a setting this widget knows (did you mean \
             `clinician_key`?); fix its spelling or remove it"
        );
    }
}
