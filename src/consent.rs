//! The informed-consent step: what the patient is told, and the choice they make.
//!
//! The text is versioned: when it changes in a way that matters, [`CONSENT_VERSION`] changes,
//! and a record made under an older version asks the patient to read the new text again.
//! The record itself holds no free text and nothing about the patient's health, which is
//! why it may live in `localStorage` before a vault exists.

use serde::{Deserialize, Serialize};

use crate::storage::{KeyValueStore, StoreError};

/// The version of the consent text below. Bump it when the meaning of the text changes.
pub const CONSENT_VERSION: u32 = 1;

/// The storage key of the consent record.
pub const CONSENT_KEY: &str = "hearth.consent";

/// The kind of support a patient chose. They can change it at any time in settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportChoice {
    /// Self-help guided by the automated assistant.
    AiSelfHelp,
    /// Support from a human clinician only; the assistant stays off.
    HumanClinician,
    /// Both: the assistant between sessions, and the clinician.
    Both,
}

impl SupportChoice {
    /// Every choice, in the order they are offered.
    pub const ALL: [SupportChoice; 3] = [
        SupportChoice::AiSelfHelp,
        SupportChoice::HumanClinician,
        SupportChoice::Both,
    ];

    /// A stable key for forms and tests.
    pub fn key(self) -> &'static str {
        match self {
            SupportChoice::AiSelfHelp => "ai_self_help",
            SupportChoice::HumanClinician => "human_clinician",
            SupportChoice::Both => "both",
        }
    }

    /// The short name shown on the choice.
    pub fn title(self) -> &'static str {
        match self {
            SupportChoice::AiSelfHelp => "AI-guided self-help",
            SupportChoice::HumanClinician => "A human clinician",
            SupportChoice::Both => "Both",
        }
    }

    /// One sentence on what the choice means.
    pub fn description(self) -> &'static str {
        match self {
            SupportChoice::AiSelfHelp => {
                "Check-ins, exercises and journaling, guided by the automated assistant. \
                 You can reach a person whenever you want."
            }
            SupportChoice::HumanClinician => {
                "No assistant. You get your clinic's contact options, and tools you use on \
                 your own, like the journal."
            }
            SupportChoice::Both => {
                "The assistant between sessions, and your clinician for the things that \
                 matter most. You decide what, if anything, to share with them."
            }
        }
    }

    /// Whether this choice turns the automated assistant on.
    pub fn uses_assistant(self) -> bool {
        matches!(self, SupportChoice::AiSelfHelp | SupportChoice::Both)
    }

    /// Whether this choice puts the clinic's people first.
    pub fn wants_human(self) -> bool {
        matches!(self, SupportChoice::HumanClinician | SupportChoice::Both)
    }
}

/// One section of the consent text: a heading and its points.
#[derive(Debug, Clone, Copy)]
pub struct ConsentSection {
    /// The section's heading.
    pub heading: &'static str,
    /// Its points, each a plain sentence or two.
    pub points: &'static [&'static str],
}

/// The consent text, version [`CONSENT_VERSION`]. Plain, warm, and honest about limits.
pub const CONSENT_TEXT: [ConsentSection; 4] = [
    ConsentSection {
        heading: "What the assistant is",
        points: &[
            "The assistant is software, not a person. Every message it shows is marked as automated.",
            "It only says things your clinic's team or ours wrote in advance. It picks what fits \
             by reading your words on this device; it does not make up answers.",
            "It is here between sessions, alongside your care. It is not a therapist and it does \
             not replace your clinician.",
        ],
    },
    ConsentSection {
        heading: "What it can and cannot do",
        points: &[
            "It can help you check in on your mood, practise exercises like grounding or paced \
             breathing, keep a journal, and fill in questionnaires your clinic uses.",
            "It cannot diagnose, give medical advice, or understand you the way a person does. \
             It cannot see your face or hear your voice, and it can misread what you write.",
            "It cannot respond to an emergency. If you are in danger, the crisis button shows \
             who to call, at any time, even without internet.",
        ],
    },
    ConsentSection {
        heading: "Where your words go",
        points: &[
            "What you write stays on this device, encrypted with a passphrase only you know.",
            "If you turn on sync, only locked (encrypted) copies leave the device. Nobody at the \
             clinic or at Hearth can read them.",
            "Your clinician sees only what you choose to share with them, and you can stop \
             sharing at any time. No analytics, no advertising, no third parties.",
        ],
    },
    ConsentSection {
        heading: "The risks",
        points: &[
            "The assistant may misunderstand you or suggest something that does not fit. Tell \
             your clinician if that happens.",
            "If you forget your passphrase and lose your recovery key, nobody can unlock your \
             data, including us.",
            "Anyone who can use this device while it is unlocked could read what is open. Lock \
             it when you step away.",
        ],
    },
];

/// What the patient agreed to, and when. Stored as JSON under [`CONSENT_KEY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The version of [`CONSENT_TEXT`] the patient read.
    pub consent_version: u32,
    /// The support they chose.
    pub choice: SupportChoice,
    /// When they agreed (RFC 3339, UTC).
    pub accepted_at: String,
    /// When they last changed their choice, if they did (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
    /// Whether the patient agreed that, in a crisis, they may choose to alert their clinician
    /// (offered only when the clinic set alerts up). Nothing is ever sent without a tap.
    #[serde(default)]
    pub alerts: bool,
}

impl ConsentRecord {
    /// A new record for the current consent text.
    pub fn new(choice: SupportChoice, now: &str) -> Self {
        ConsentRecord {
            consent_version: CONSENT_VERSION,
            choice,
            accepted_at: now.to_owned(),
            changed_at: None,
            alerts: false,
        }
    }

    /// Whether the patient agreed to the text as it is now.
    pub fn is_current(&self) -> bool {
        self.consent_version == CONSENT_VERSION
    }

    /// Loads the record. A missing, unreadable or outdated record is `None`: the patient is
    /// simply asked again, which is the safe outcome.
    pub fn load(store: &dyn KeyValueStore) -> Result<Option<Self>, StoreError> {
        let Some(json) = store.get(CONSENT_KEY)? else {
            return Ok(None);
        };
        Ok(serde_json::from_str::<ConsentRecord>(&json)
            .ok()
            .filter(ConsentRecord::is_current))
    }

    /// Saves the record.
    pub fn save(&self, store: &dyn KeyValueStore) -> Result<(), StoreError> {
        // Serialising this plain struct cannot fail; an empty string would only ask again.
        let json = crate::json::to_string(self).unwrap_or_default();
        store.set(CONSENT_KEY, &json)
    }

    /// Withdraws consent: forgets the record, so the consent step is shown again.
    pub fn withdraw(store: &dyn KeyValueStore) -> Result<(), StoreError> {
        store.remove(CONSENT_KEY)
    }
}

/// The current time as RFC 3339 (UTC), from the browser's clock or the system's.
pub fn now_rfc3339() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::Date::new_0().to_iso_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        rfc3339_from_unix(secs)
    }
}

/// Formats seconds since the Unix epoch as RFC 3339 in UTC (proleptic Gregorian calendar).
#[cfg(any(test, not(target_arch = "wasm32")))]
fn rfc3339_from_unix(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Shift the epoch to 0000-03-01 so leap days fall at the end of each 400-year era.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::storage::MemoryStore;

    #[test]
    fn a_saved_choice_is_loaded_back() {
        let store = MemoryStore::default();
        assert_eq!(ConsentRecord::load(&store).unwrap(), None);
        let record = ConsentRecord::new(SupportChoice::Both, "2026-11-27T10:00:00Z");
        record.save(&store).unwrap();
        assert_eq!(ConsentRecord::load(&store).unwrap(), Some(record));
    }

    #[test]
    fn the_record_holds_no_free_text() {
        let store = MemoryStore::default();
        ConsentRecord::new(SupportChoice::HumanClinician, "2026-11-27T10:00:00Z")
            .save(&store)
            .unwrap();
        let json = store.get(CONSENT_KEY).unwrap().unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["accepted_at", "alerts", "choice", "consent_version"]);
        assert_eq!(value["alerts"], false);
        assert_eq!(value["choice"], "human_clinician");
    }

    #[test]
    fn an_outdated_or_corrupt_record_asks_again() {
        let store = MemoryStore::default();
        store.set(CONSENT_KEY, "{not json").unwrap();
        assert_eq!(ConsentRecord::load(&store).unwrap(), None);
        let mut old = ConsentRecord::new(SupportChoice::Both, "2026-01-01T00:00:00Z");
        old.consent_version = CONSENT_VERSION + 1;
        old.save(&store).unwrap();
        assert_eq!(ConsentRecord::load(&store).unwrap(), None);
    }

    #[test]
    fn unix_times_format_as_rfc3339() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_795_737_599), "2026-11-26T23:59:59Z");
    }

    #[test]
    fn withdrawing_forgets_the_choice() {
        let store = MemoryStore::default();
        ConsentRecord::new(SupportChoice::AiSelfHelp, "t")
            .save(&store)
            .unwrap();
        ConsentRecord::withdraw(&store).unwrap();
        assert_eq!(ConsentRecord::load(&store).unwrap(), None);
    }

    #[test]
    fn the_text_says_it_is_software_and_not_for_emergencies() {
        let all: String = CONSENT_TEXT
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .collect();
        assert!(all.contains("software, not a person"));
        assert!(all.contains("cannot respond to an emergency"));
        assert!(SupportChoice::ALL
            .iter()
            .all(|c| !c.description().is_empty()));
        assert!(!SupportChoice::HumanClinician.uses_assistant());
        assert!(SupportChoice::Both.uses_assistant() && SupportChoice::Both.wants_human());
    }
}
