//! "Share with my clinician": what a patient chooses to send, as it is sealed, and how the
//! clinician console reads it back.
//!
//! The patient picks journal entries, check-ins, questionnaire results and the safety plan.
//! Each kind of content becomes one [`SharePayload`] (entries and check-ins together,
//! questionnaire results, the safety plan), sealed with HPKE to the clinician's public key
//! from `clinic.json` by the vault worker and dropped into the clinic's inbox on the relay.
//! A [`ShareRecord`] in the patient's vault says what was shared and when; the clinician
//! console opens the share and shows it with [`SharePayload::sections`].
//!
//! Only the patient's own words and answers travel, exactly as they wrote them; nothing the
//! model inferred is added.

use serde::{Deserialize, Serialize};

use crate::checkin::CheckIn;
use crate::questionnaires::{Instrument, Progress};
use crate::vault_service::ShareTopic;

/// The payload's `type`.
pub const SHARE_TYPE: &str = "hearth_share";
/// The payload format this build writes and reads.
pub const SHARE_VERSION: u32 = 1;

/// A journal entry as shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedEntry {
    /// When it was written (RFC 3339).
    pub written_at: String,
    /// The patient's words.
    pub text: String,
}

/// A check-in as shared (the model's reading of the note is not sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedCheckIn {
    /// When (RFC 3339).
    pub at: String,
    /// Mood, 0–10.
    pub mood: u8,
    /// Energy, 0–10.
    pub energy: u8,
    /// The feelings picked.
    pub emotions: Vec<String>,
    /// Hours slept, if given.
    #[serde(default)]
    pub sleep_hours: Option<f32>,
    /// The note.
    #[serde(default)]
    pub note: String,
}

impl From<&CheckIn> for SharedCheckIn {
    fn from(c: &CheckIn) -> Self {
        SharedCheckIn {
            at: c.at.clone(),
            mood: c.mood,
            energy: c.energy,
            emotions: c.emotions.clone(),
            sleep_hours: c.sleep_hours,
            note: c.note.clone(),
        }
    }
}

/// A finished questionnaire as shared: the total, its band, and every answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedScore {
    /// `PHQ-9` or `GAD-7`.
    pub instrument: String,
    /// When it was completed (RFC 3339).
    pub completed_at: String,
    /// The total score.
    pub total: u8,
    /// The highest possible total.
    pub max_total: u8,
    /// The severity band, as the scoring guide names it.
    pub band: String,
    /// Each item's answer, 0–3, in order.
    pub answers: Vec<u8>,
}

impl SharedScore {
    /// The shared form of a finished questionnaire (`None` while unfinished).
    pub fn of(progress: &Progress) -> Option<Self> {
        let total = progress.total()?;
        let instrument: Instrument = progress.instrument;
        Some(SharedScore {
            instrument: instrument.name().to_owned(),
            completed_at: progress.completed_at.clone()?,
            total,
            max_total: instrument.max_total(),
            band: instrument.severity(total).label(instrument).to_owned(),
            answers: progress.answers.iter().map(|a| a.unwrap_or(0)).collect(),
        })
    }
}

/// The safety plan as shared: each step's title with what the patient wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSafetyPlan {
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
    /// `(step title, the patient's words)` for the six steps.
    pub steps: Vec<(String, String)>,
}

/// What one share holds, as sealed (`{"type":"hearth_share","version":1,…}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharePayload {
    /// Always [`SHARE_TYPE`].
    #[serde(rename = "type")]
    pub payload_type: String,
    /// Always [`SHARE_VERSION`].
    pub version: u32,
    /// When the patient shared it (RFC 3339).
    pub shared_at: String,
    /// The patient's name as their clinic knows them, if they gave it.
    #[serde(default)]
    pub from: Option<String>,
    /// Journal entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<SharedEntry>,
    /// Check-ins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkins: Vec<SharedCheckIn>,
    /// Questionnaire results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<SharedScore>,
    /// The safety plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_plan: Option<SharedSafetyPlan>,
}

/// A heading and its lines, for the console (and the patient's own "what was shared").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// E.g. "Journal entry, 2026-11-27 14:05".
    pub heading: String,
    /// The content, one paragraph per line.
    pub lines: Vec<String>,
}

/// Why an opened share could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// It opened, but is not a Hearth share this console reads.
    #[error("it opened, but is not a Hearth share this console can read ({0})")]
    Format(String),
}

impl SharePayload {
    /// An empty payload shared `now`, from `from`.
    pub fn new(now: &str, from: Option<String>) -> Self {
        SharePayload {
            payload_type: SHARE_TYPE.to_owned(),
            version: SHARE_VERSION,
            shared_at: now.to_owned(),
            from,
            journal: Vec::new(),
            checkins: Vec::new(),
            scores: Vec::new(),
            safety_plan: None,
        }
    }

    /// Splits a patient's selection into one payload per share kind: entries and
    /// check-ins, questionnaire results, the safety plan. Empty parts are left out.
    pub fn split(self) -> Vec<(ShareTopic, SharePayload)> {
        let empty = || SharePayload::new(&self.shared_at, self.from.clone());
        let mut out = Vec::new();
        if !self.journal.is_empty() || !self.checkins.is_empty() {
            out.push((
                ShareTopic::Entries,
                SharePayload {
                    journal: self.journal.clone(),
                    checkins: self.checkins.clone(),
                    ..empty()
                },
            ));
        }
        if !self.scores.is_empty() {
            out.push((
                ShareTopic::Scores,
                SharePayload {
                    scores: self.scores.clone(),
                    ..empty()
                },
            ));
        }
        if let Some(plan) = &self.safety_plan {
            out.push((
                ShareTopic::SafetyPlan,
                SharePayload {
                    safety_plan: Some(plan.clone()),
                    ..empty()
                },
            ));
        }
        out
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.journal.is_empty()
            && self.checkins.is_empty()
            && self.scores.is_empty()
            && self.safety_plan.is_none()
    }

    /// The JSON that is sealed.
    pub fn to_json(&self) -> String {
        crate::json::to_string(self).unwrap_or_default()
    }

    /// Reads an opened share.
    pub fn parse(json: &str) -> Result<Self, PayloadError> {
        let payload: SharePayload =
            serde_json::from_str(json).map_err(|e| PayloadError::Format(e.to_string()))?;
        if payload.payload_type != SHARE_TYPE || payload.version != SHARE_VERSION {
            return Err(PayloadError::Format(format!(
                "type {:?} version {}",
                payload.payload_type, payload.version
            )));
        }
        Ok(payload)
    }

    /// What it holds in a few words, e.g. "1 journal entry, PHQ-9 result".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        if !self.journal.is_empty() {
            parts.push(count(
                self.journal.len(),
                "journal entry",
                "journal entries",
            ));
        }
        if !self.checkins.is_empty() {
            parts.push(count(self.checkins.len(), "check-in", "check-ins"));
        }
        for score in &self.scores {
            parts.push(format!("{} result", score.instrument));
        }
        if self.safety_plan.is_some() {
            parts.push("safety plan".to_owned());
        }
        parts.join(", ")
    }

    /// Everything in it, as headed sections, in the order: questionnaire results, journal
    /// entries, check-ins, the safety plan.
    pub fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        for s in &self.scores {
            let mut lines = vec![format!(
                "Total {} of {} ({}).",
                s.total, s.max_total, s.band
            )];
            lines.push(format!(
                "Answers, item by item (0–3): {}.",
                s.answers
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if s.instrument == "PHQ-9" && s.answers.get(8).is_some_and(|a| *a > 0) {
                lines.push(
                    "Item 9 (thoughts of being better off dead or of self-harm) was answered \
                     above 0: follow your clinic's risk protocol."
                        .to_owned(),
                );
            }
            out.push(Section {
                heading: format!("{}, completed {}", s.instrument, when(&s.completed_at)),
                lines,
            });
        }
        for e in &self.journal {
            out.push(Section {
                heading: format!("Journal entry, {}", when(&e.written_at)),
                lines: e.text.lines().map(str::to_owned).collect(),
            });
        }
        for c in &self.checkins {
            let mut lines = vec![format!("Mood {}/10, energy {}/10.", c.mood, c.energy)];
            if !c.emotions.is_empty() {
                lines.push(format!("Feelings: {}.", c.emotions.join(", ")));
            }
            if let Some(hours) = c.sleep_hours {
                lines.push(format!("Slept {hours} hours."));
            }
            if !c.note.trim().is_empty() {
                lines.push(format!("Note: {}", c.note));
            }
            out.push(Section {
                heading: format!("Check-in, {}", when(&c.at)),
                lines,
            });
        }
        if let Some(plan) = &self.safety_plan {
            out.push(Section {
                heading: format!("Safety plan, last changed {}", when(&plan.updated_at)),
                lines: plan
                    .steps
                    .iter()
                    .map(|(title, text)| {
                        let text = if text.trim().is_empty() {
                            "(not filled in)"
                        } else {
                            text.as_str()
                        };
                        format!("{title}: {text}")
                    })
                    .collect(),
            });
        }
        out
    }
}

/// An RFC 3339 time as "2026-11-27 14:05 UTC" (the console shows the same text whatever
/// its own time zone, so two clinicians reading one share see the same).
pub fn when(at: &str) -> String {
    match (at.get(0..10), at.get(11..16)) {
        (Some(date), Some(time)) if at.ends_with('Z') => format!("{date} {time} UTC"),
        (Some(date), Some(time)) => format!("{date} {time}"),
        _ => at.to_owned(),
    }
}

/// An inbox item as the clinician console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedItem {
    /// "Crisis alert" or what the share holds ("1 journal entry, PHQ-9 result").
    pub title: String,
    /// The patient's name, if they gave it.
    pub from: Option<String>,
    /// When the patient sent it (RFC 3339).
    pub sent_at: String,
    /// The content.
    pub sections: Vec<Section>,
}

/// Reads an opened inbox item of kind `topic` for the console.
pub fn read_item(topic: ShareTopic, json: &str) -> Result<OpenedItem, PayloadError> {
    if topic == ShareTopic::Alert {
        let alert: crate::risk::Alert =
            serde_json::from_str(json).map_err(|e| PayloadError::Format(e.to_string()))?;
        return Ok(OpenedItem {
            title: "Crisis alert".to_owned(),
            from: alert.from.clone(),
            sent_at: alert.sent_at.clone(),
            sections: vec![Section {
                heading: format!("Crisis alert, sent {}", when(&alert.sent_at)),
                lines: vec![
                    format!("Risk level when sent: {}.", alert.risk),
                    format!("Message: {}", alert.message),
                ],
            }],
        });
    }
    let payload = SharePayload::parse(json)?;
    Ok(OpenedItem {
        title: payload.summary(),
        from: payload.from.clone(),
        sent_at: payload.shared_at.clone(),
        sections: payload.sections(),
    })
}

/// A share kept in the patient's vault (`{"type":"share_sent",…}`): what was shared and
/// when, and whether the clinic's inbox has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRecord {
    /// Always `"share_sent"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// Exactly what was sealed.
    pub payload: SharePayload,
    /// The share's object name in the clinic inbox.
    pub name: String,
    /// The sealed share (base64url), kept until the inbox has it so it can be sent again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    /// When the relay confirmed it (RFC 3339); `None` while it waits.
    #[serde(default)]
    pub delivered_at: Option<String>,
    /// The patient stopped sharing before it was sent: it never will be.
    #[serde(default)]
    pub withdrawn: bool,
}

/// The record type of [`ShareRecord`].
pub const SHARE_RECORD_TYPE: &str = "share_sent";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn phq9(answers: [u8; 9]) -> Progress {
        let mut p = Progress::new(Instrument::Phq9, "2026-11-27T09:00:00Z");
        for (i, a) in answers.iter().enumerate() {
            p.answer(i, *a, "2026-11-27T09:05:00Z").unwrap();
        }
        p
    }

    fn selection() -> SharePayload {
        let mut payload = SharePayload::new("2026-11-27T10:00:00Z", Some("Sam".into()));
        payload.journal.push(SharedEntry {
            written_at: "2026-11-26T21:40:00Z".into(),
            text: "Work was hard today.\nI went for a walk after.".into(),
        });
        payload
            .scores
            .push(SharedScore::of(&phq9([1, 2, 1, 2, 1, 1, 1, 0, 1])).unwrap());
        payload
    }

    #[test]
    fn a_finished_questionnaire_is_shared_with_its_band_and_answers() {
        let score = SharedScore::of(&phq9([1, 2, 1, 2, 1, 1, 1, 0, 1])).unwrap();
        assert_eq!(score.total, 10);
        assert_eq!(score.band, "moderate");
        assert_eq!(score.answers.len(), 9);
        let unfinished = Progress::new(Instrument::Gad7, "2026-11-27T09:00:00Z");
        assert!(SharedScore::of(&unfinished).is_none());
    }

    #[test]
    fn a_selection_splits_into_one_share_per_kind_and_reads_back() {
        let parts = selection().split();
        let topics: Vec<ShareTopic> = parts.iter().map(|(t, _)| *t).collect();
        assert_eq!(topics, [ShareTopic::Entries, ShareTopic::Scores]);
        for (_, part) in &parts {
            assert_eq!(SharePayload::parse(&part.to_json()).unwrap(), *part);
            assert_eq!(part.from.as_deref(), Some("Sam"));
        }
        assert_eq!(parts[0].1.summary(), "1 journal entry");
        assert_eq!(parts[1].1.summary(), "PHQ-9 result");
        assert_eq!(selection().summary(), "1 journal entry, PHQ-9 result");
    }

    #[test]
    fn the_console_shows_exactly_what_was_shared() {
        let sections = selection().sections();
        assert_eq!(sections[0].heading, "PHQ-9, completed 2026-11-27 09:05 UTC");
        assert_eq!(sections[0].lines[0], "Total 10 of 27 (moderate).");
        assert!(sections[0].lines[2].starts_with("Item 9"));
        assert_eq!(sections[1].heading, "Journal entry, 2026-11-26 21:40 UTC");
        assert_eq!(
            sections[1].lines,
            ["Work was hard today.", "I went for a walk after."]
        );
    }

    #[test]
    fn alerts_read_in_the_console_too() {
        let alert = crate::risk::Alert::new(
            hearth_nlu::Risk::High,
            "2026-11-27T09:00:00Z",
            "Please call me as soon as you can.",
            "Sam",
        )
        .unwrap();
        let item = read_item(ShareTopic::Alert, &alert.to_json()).unwrap();
        assert_eq!(item.title, "Crisis alert");
        assert_eq!(item.from.as_deref(), Some("Sam"));
        assert_eq!(
            item.sections[0].lines[1],
            "Message: Please call me as soon as you can."
        );
        let share = read_item(ShareTopic::Entries, &selection().to_json()).unwrap();
        assert_eq!(share.title, "1 journal entry, PHQ-9 result");
    }

    #[test]
    fn anything_else_is_refused_plainly() {
        assert!(SharePayload::parse(r#"{"type":"crisis_alert","version":1}"#).is_err());
        assert!(SharePayload::parse("not json").is_err());
        let mut wrong = selection();
        wrong.version = 9;
        assert!(SharePayload::parse(&wrong.to_json()).is_err());
    }
}
