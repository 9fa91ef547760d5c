//! The checks on `clinic.json` beyond the crisis contacts and alerts: which top-level
//! fields exist, the required ones' types, and the optional sections a clinic uses to shape
//! the widget (theme, consent additions, modules, content packs, suggested storage).
//! `docs/clinic.schema.json` describes the same file for editors and CI; a test keeps the
//! two in step.

use hearth_sync::{Endpoint, S3Config, WebDavFolder};
use serde_json::{Map, Value};

use super::{field, ClinicConfigError};

/// Every top-level field version 1 knows (`$schema` lets editors find the JSON Schema).
pub const FIELDS: [&str; 14] = [
    "$schema",
    "version",
    "name",
    "contact_options",
    "crisis_resources",
    "alerts",
    "clinician_key",
    "session_nudge_minutes",
    "sharing",
    "theme",
    "consent_additions",
    "modules",
    "content_packs",
    "storage",
];

/// The closest known field to a misspelt one (at most two edits away).
fn closest(key: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .map(|f| (edit_distance(&key.to_ascii_lowercase(), f), *f))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Unknown top-level fields, each with its likely intended name.
pub fn unknown_fields(map: &Map<String, Value>) -> Vec<ClinicConfigError> {
    map.keys()
        .filter(|k| !FIELDS.contains(&k.as_str()))
        .map(|k| ClinicConfigError::Unknown {
            field: k.clone(),
            suggestion: closest(k),
        })
        .collect()
}

/// The required fields' presence and types, with an error that names the field.
pub fn check_required(map: &Map<String, Value>) -> Result<(), ClinicConfigError> {
    match map.get("version") {
        None => return Err(field("version".into(), "is missing; add \"version\": 1")),
        Some(v) => match v.as_u64() {
            Some(1) => {}
            Some(n) => return Err(ClinicConfigError::Version(n.min(u64::from(u32::MAX)) as u32)),
            None => {
                return Err(field(
                    "version".into(),
                    "is not a whole number; write \"version\": 1",
                ))
            }
        },
    }
    match map.get("name") {
        None => {
            return Err(field(
                "name".into(),
                "is missing; give the clinic's name as patients know it",
            ))
        }
        Some(Value::String(_)) => {}
        Some(_) => {
            return Err(field(
                "name".into(),
                "is not text; give the clinic's name in quotes",
            ))
        }
    }
    let Some(options) = map.get("contact_options") else {
        return Ok(());
    };
    let Value::Array(options) = options else {
        return Err(field(
            "contact_options".into(),
            "is not a list; give a list of {\"label\", \"kind\", \"value\"} entries",
        ));
    };
    for (i, option) in options.iter().enumerate() {
        let path = |name: &str| format!("contact_options[{i}]{name}");
        let Value::Object(option) = option else {
            return Err(field(
                path(""),
                "is not an object; give {\"label\": …, \"kind\": …, \"value\": …}",
            ));
        };
        for key in option.keys() {
            if !["label", "kind", "value", "hours"].contains(&key.as_str()) {
                return Err(field(
                    path(&format!(".{key}")),
                    "is not a contact option field; use label, kind, value and hours",
                ));
            }
        }
        for name in ["label", "value"] {
            if !option.get(name).is_some_and(Value::is_string) {
                return Err(field(
                    path(&format!(".{name}")),
                    "is missing or not text; every contact option needs a label and a value",
                ));
            }
        }
        if !option
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| ["phone", "sms", "email", "url"].contains(&k))
        {
            return Err(field(
                path(".kind"),
                "is not one of \"phone\", \"sms\", \"email\", \"url\"",
            ));
        }
        if option.get("hours").is_some_and(|h| !h.is_string()) {
            return Err(field(
                path(".hours"),
                "is not text, e.g. \"Mon–Fri, 9am–5pm\"",
            ));
        }
    }
    Ok(())
}

/// The theme properties a clinic may set: `clinic.json` name and CSS custom property.
pub const THEME_PROPERTIES: [(&str, &str); 9] = [
    ("accent", "--hearth-accent"),
    ("accent_text", "--hearth-accent-text"),
    ("background", "--hearth-bg"),
    ("surface", "--hearth-surface"),
    ("text", "--hearth-text"),
    ("muted", "--hearth-muted"),
    ("focus", "--hearth-focus"),
    ("radius", "--hearth-radius"),
    ("font", "--hearth-font"),
];

fn is_hex_colour(value: &str) -> bool {
    value
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_radius(value: &str) -> bool {
    value
        .strip_suffix("px")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n <= 32)
}

fn is_font_list(value: &str) -> bool {
    !value.trim().is_empty()
        && value.len() <= 200
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ,-'\"".contains(c))
}

/// The theme: `(CSS custom property, value)` pairs to set on the widget's element. The
/// crisis colour is not themable: the crisis button always looks like one.
pub fn theme(value: Option<Value>, problems: &mut Vec<ClinicConfigError>) -> Vec<(String, String)> {
    let Some(value) = value else {
        return Vec::new();
    };
    let Value::Object(map) = value else {
        problems.push(field(
            "theme".into(),
            "is not an object; give e.g. {\"accent\": \"#2f6f62\", \"radius\": \"8px\"}",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map {
        let path = format!("theme.{key}");
        let Some((_, property)) = THEME_PROPERTIES.iter().find(|(name, _)| *name == key) else {
            problems.push(field(
                path,
                "is not a theme setting; use accent, accent_text, background, surface, text, \
                 muted, focus, radius or font",
            ));
            continue;
        };
        let text = value.as_str().unwrap_or_default();
        let ok = match key.as_str() {
            "radius" => is_radius(text),
            "font" => is_font_list(text),
            _ => is_hex_colour(text),
        };
        if ok {
            out.push(((*property).to_owned(), text.to_owned()));
        } else {
            problems.push(field(
                path,
                match key.as_str() {
                    "radius" => "is not a radius; give whole pixels from \"0px\" to \"32px\"",
                    "font" => "is not a font list; give family names, e.g. \"Inter, sans-serif\"",
                    _ => "is not a colour; give a hex colour like \"#2f6f62\"",
                },
            ));
        }
    }
    out
}

/// Paragraphs the clinic adds to the consent step (at most 6, each at most 1,000
/// characters; the built-in text always stays).
pub fn consent_additions(
    value: Option<Value>,
    problems: &mut Vec<ClinicConfigError>,
) -> Vec<String> {
    let Some(value) = value else {
        return Vec::new();
    };
    let paragraphs: Option<Vec<String>> = value.as_array().and_then(|items| {
        items
            .iter()
            .map(|p| p.as_str().map(str::trim).map(str::to_owned))
            .collect()
    });
    match paragraphs {
        Some(p) if p.len() <= 6 && p.iter().all(|t| !t.is_empty() && t.chars().count() <= 1000) => {
            p
        }
        _ => {
            problems.push(field(
                "consent_additions".into(),
                "is not a list of up to 6 paragraphs of text (each up to 1,000 characters); \
                 it was left out",
            ));
            Vec::new()
        }
    }
}

/// A part of the widget a clinic can turn off. Crisis help and the safety plan are not
/// modules: they are always there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    /// The assistant: conversation and guided sessions.
    Assistant,
    /// Check-ins.
    CheckIn,
    /// The journal.
    Journal,
    /// PHQ-9 and GAD-7.
    Questionnaires,
    /// Trends and the summary.
    Trends,
}

impl Module {
    /// Every module, by its `clinic.json` name.
    pub const ALL: [(&'static str, Module); 5] = [
        ("assistant", Module::Assistant),
        ("checkin", Module::CheckIn),
        ("journal", Module::Journal),
        ("questionnaires", Module::Questionnaires),
        ("trends", Module::Trends),
    ];
}

/// The modules the clinic enabled (all of them when `modules` is absent or wrong).
pub fn modules(value: Option<Value>, problems: &mut Vec<ClinicConfigError>) -> Vec<Module> {
    let all = || -> Vec<Module> { Module::ALL.iter().map(|(_, m)| *m).collect() };
    let Some(value) = value else {
        return all();
    };
    let names: Option<Vec<&str>> = value
        .as_array()
        .and_then(|items| items.iter().map(Value::as_str).collect());
    let Some(names) = names else {
        problems.push(field(
            "modules".into(),
            "is not a list of module names; every module stays on",
        ));
        return all();
    };
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match Module::ALL.iter().find(|(n, _)| n == name) {
            Some((_, module)) => out.push(*module),
            None => problems.push(field(
                format!("modules[{i}]"),
                "is not a module; use assistant, checkin, journal, questionnaires or trends \
                 (crisis help and the safety plan are always on)",
            )),
        }
    }
    out
}

/// The guided sessions the clinic offers, by pack id (`None`: every shipped pack).
pub fn content_packs(
    value: Option<Value>,
    known: &[&str],
    problems: &mut Vec<ClinicConfigError>,
) -> Option<Vec<String>> {
    let value = value?;
    let Some(items) = value.as_array() else {
        problems.push(field(
            "content_packs".into(),
            "is not a list of pack ids; every shipped pack is offered",
        ));
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().filter(|id| known.contains(id)) {
            Some(id) => out.push(id.to_owned()),
            None => problems.push(field(
                format!("content_packs[{i}]"),
                "is not a pack this widget ships; see docs/embedding.md for the ids",
            )),
        }
    }
    Some(out)
}

/// Where the clinic suggests patients keep their encrypted copy: an [`Endpoint`] with
/// empty sign-in details (the patient adds their own). Sign-in details in `clinic.json`,
/// which anyone can read, are refused.
pub fn storage(value: Option<Value>, problems: &mut Vec<ClinicConfigError>) -> Option<Endpoint> {
    let Value::Object(map) = value? else {
        problems.push(field(
            "storage".into(),
            "is not an object; give {\"kind\": \"relay\", \"url\": \"https://…\"} (or webdav, s3)",
        ));
        return None;
    };
    for secret in ["user", "password", "access_key_id", "secret_access_key"] {
        if map.contains_key(secret) {
            problems.push(field(
                format!("storage.{secret}"),
                "must not be in clinic.json, which anyone can read; patients enter their own \
                 sign-in details. The storage suggestion was left out",
            ));
            return None;
        }
    }
    for key in map.keys() {
        if !["kind", "url", "endpoint", "region", "bucket", "prefix"].contains(&key.as_str()) {
            problems.push(field(
                format!("storage.{key}"),
                "is not a storage field; use kind, url (relay, webdav) or endpoint, region, \
                 bucket, prefix (s3). The storage suggestion was left out",
            ));
            return None;
        }
    }
    let text = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let endpoint = match map.get("kind").and_then(Value::as_str) {
        Some("relay") => Endpoint::Relay { url: text("url") },
        Some("webdav") => Endpoint::WebDav(WebDavFolder {
            url: text("url"),
            user: String::new(),
            password: String::new(),
        }),
        Some("s3") => Endpoint::S3(S3Config {
            endpoint: text("endpoint"),
            region: text("region"),
            bucket: text("bucket"),
            prefix: text("prefix"),
            access_key_id: String::new(),
            secret_access_key: String::new(),
        }),
        _ => {
            problems.push(field(
                "storage.kind".into(),
                "is not one of \"relay\", \"webdav\", \"s3\"",
            ));
            return None;
        }
    };
    let address = match &endpoint {
        Endpoint::Relay { url } => url,
        Endpoint::WebDav(folder) => &folder.url,
        Endpoint::S3(s3) => &s3.endpoint,
    };
    if !hearth_sync::is_acceptable_address(address) {
        problems.push(field(
            match &endpoint {
                Endpoint::S3(_) => "storage.endpoint".into(),
                _ => "storage.url".into(),
            },
            "is not an https:// address (http:// only for this computer)",
        ));
        return None;
    }
    if let Endpoint::S3(s3) = &endpoint {
        if s3.region.trim().is_empty() || s3.bucket.trim().is_empty() || s3.bucket.contains('/') {
            problems.push(field(
                "storage".into(),
                "needs a `region` and a `bucket` (without /) for s3",
            ));
            return None;
        }
    }
    Some(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_fields_get_a_suggestion() {
        assert_eq!(closest("contact_option"), Some("contact_options"));
        assert_eq!(closest("Name"), Some("name"));
        assert_eq!(closest("clincian_key"), Some("clinician_key"));
        assert_eq!(closest("favourite_colour"), None);
    }

    #[test]
    fn theme_values_are_checked_one_by_one() {
        let mut problems = Vec::new();
        let theme = theme(
            Some(serde_json::json!({
                "accent": "#123456", "radius": "8px", "font": "Inter, sans-serif",
                "text": "red; background: url(x)", "crisis": "#00ff00"
            })),
            &mut problems,
        );
        assert_eq!(
            theme,
            [
                ("--hearth-accent".to_owned(), "#123456".to_owned()),
                ("--hearth-font".to_owned(), "Inter, sans-serif".to_owned()),
                ("--hearth-radius".to_owned(), "8px".to_owned()),
            ]
        );
        let fields: Vec<String> = problems
            .iter()
            .map(|p| match p {
                ClinicConfigError::Field { field, .. } => field.clone(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(fields, ["theme.crisis", "theme.text"]);
    }

    #[test]
    fn storage_never_carries_sign_in_details() {
        let mut problems = Vec::new();
        let s = storage(
            Some(
                serde_json::json!({"kind": "webdav", "url": "https://dav.example/h", "password": "x"}),
            ),
            &mut problems,
        );
        assert!(s.is_none());
        assert!(problems[0].to_string().contains("storage.password"));
        let s3 = storage(
            Some(
                serde_json::json!({"kind": "s3", "endpoint": "https://s3.example", "region": "eu-west-2", "bucket": "vaults"}),
            ),
            &mut problems,
        );
        assert!(
            matches!(s3, Some(Endpoint::S3(c)) if c.bucket == "vaults" && c.access_key_id.is_empty())
        );
    }
}
