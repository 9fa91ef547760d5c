//! The clinic's configuration, as far as the widget uses it today: the clinic's name and
//! the ways to reach a person there.
//!
//! It is read from the `clinic.json` named by the loader's `data-clinic` attribute. A file
//! that cannot be read or parsed never blocks the patient: the widget says so plainly and
//! still shows the crisis lines. The full, versioned schema comes with the embedding issue.

use serde::Deserialize;

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
        let compact: String = self
            .value
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        match self.kind {
            ContactKind::Phone => format!("tel:{compact}"),
            ContactKind::Sms => format!("sms:{compact}"),
            ContactKind::Email => format!("mailto:{}", self.value),
            ContactKind::Url => self.value.clone(),
        }
    }
}

/// The clinic's configuration (the part the widget reads today).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClinicConfig {
    /// Schema version; this widget reads version 1.
    pub version: u32,
    /// The clinic's name as patients know it.
    pub name: String,
    /// Ways to reach a person, in the order the clinic prefers.
    #[serde(default)]
    pub contact_options: Vec<ContactOption>,
}

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
    /// The file could not be fetched.
    #[error("clinic.json could not be loaded ({0})")]
    Fetch(String),
}

impl ClinicConfig {
    /// Parses and checks a `clinic.json` document.
    pub fn parse(json: &str) -> Result<Self, ClinicConfigError> {
        let config: ClinicConfig =
            serde_json::from_str(json).map_err(|e| ClinicConfigError::Syntax(e.to_string()))?;
        if config.version != 1 {
            return Err(ClinicConfigError::Version(config.version));
        }
        if config.name.trim().is_empty() {
            return Err(ClinicConfigError::Field {
                field: "name".into(),
                problem: "is empty; give the clinic's name as patients know it",
            });
        }
        for (i, option) in config.contact_options.iter().enumerate() {
            let field = |name: &str| format!("contact_options[{i}].{name}");
            if option.label.trim().is_empty() {
                return Err(ClinicConfigError::Field {
                    field: field("label"),
                    problem: "is empty; say what the option does, e.g. \"Call reception\"",
                });
            }
            let ok = match option.kind {
                ContactKind::Phone | ContactKind::Sms => {
                    option.value.chars().filter(char::is_ascii_digit).count() >= 3
                        && option
                            .value
                            .chars()
                            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                }
                ContactKind::Email => {
                    option.value.contains('@') && !option.value.contains(char::is_whitespace)
                }
                ContactKind::Url => option.value.starts_with("https://"),
            };
            if !ok {
                return Err(ClinicConfigError::Field {
                    field: field("value"),
                    problem: "does not fit its kind; use digits for phone/sms, an address \
                              for email, an https:// link for url",
                });
            }
        }
        Ok(config)
    }
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
}
