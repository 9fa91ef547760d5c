//! What the widget remembers about risk between visits, and the alert a patient may choose
//! to send their clinician.
//!
//! The risk state is one vault entry (`{"type":"risk_state", …}`), sealed like everything
//! else. It is raised by the crisis layer and by the C-SSRS screener, never lowered by a new
//! chat or a reload: only the patient's own answer to the next visit's follow-up ("I'm doing
//! better") closes it. "I'm safe right now" is recorded but does not close it.
//!
//! The alert is the plaintext of an HPKE share of kind `Alert`: the risk level, the time,
//! the message the patient chose and, if they gave it, the name their clinic knows them by.
//! It is built here and sealed in the vault worker; nothing here sends anything.

use hearth_nlu::Risk;
use serde::{Deserialize, Serialize};

/// The entry type of the risk state.
pub const RISK_STATE_TYPE: &str = "risk_state";

/// What raised the risk state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskSource {
    /// Something the patient wrote (chat, journal, check-in note).
    Message,
    /// The patient's answers to the C-SSRS screener.
    Screener,
}

/// The patient's answer to the follow-up check at the start of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpAnswer {
    /// Things are better: the risk state is closed.
    Better,
    /// About the same: it stays open and is asked about again next visit.
    Same,
    /// Worse: it stays open and the crisis card opens.
    Worse,
}

/// One answer to a follow-up, kept with the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// When (RFC 3339).
    pub at: String,
    /// What the patient said.
    pub answer: FollowUpAnswer,
}

/// The remembered risk state (a vault entry of type `risk_state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    /// Always `"risk_state"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// The highest level found since the state was last closed.
    pub risk: Risk,
    /// What raised it most recently.
    pub source: RiskSource,
    /// When it was last raised (RFC 3339).
    pub detected_at: String,
    /// When the patient last said "I'm safe right now", if they did since.
    #[serde(default)]
    pub safe_at: Option<String>,
    /// The follow-up answers since it was raised, oldest first.
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    /// Whether the patient closed it by saying things are better.
    #[serde(default)]
    pub closed: bool,
}

impl RiskState {
    /// The state after a detection of `risk` at `now`. A closed (or absent) state starts
    /// afresh; an open one keeps its highest level. `None` changes nothing.
    pub fn raised(
        previous: Option<&RiskState>,
        risk: Risk,
        source: RiskSource,
        now: &str,
    ) -> Option<RiskState> {
        if !risk.is_crisis() {
            return None;
        }
        let open = previous.filter(|p| !p.closed);
        Some(RiskState {
            entry_type: RISK_STATE_TYPE.to_owned(),
            risk: open.map_or(risk, |p| p.risk.max(risk)),
            source,
            detected_at: now.to_owned(),
            safe_at: None,
            follow_ups: open.map(|p| p.follow_ups.clone()).unwrap_or_default(),
            closed: false,
        })
    }

    /// Whether a new visit should open with the follow-up check.
    pub fn needs_follow_up(&self) -> bool {
        !self.closed && self.risk.is_crisis()
    }

    /// Records the patient's follow-up answer; "better" closes the state. "About the same"
    /// and "worse" also withdraw an earlier "I'm safe right now": the assistant pauses
    /// again until the patient says they are safe in this visit.
    pub fn answer_follow_up(&mut self, answer: FollowUpAnswer, now: &str) {
        self.follow_ups.push(FollowUp {
            at: now.to_owned(),
            answer,
        });
        self.closed = answer == FollowUpAnswer::Better;
        if answer != FollowUpAnswer::Better {
            self.safe_at = None;
        }
    }

    /// Records "I'm safe right now" (the state stays open for the next visit's check).
    pub fn mark_safe(&mut self, now: &str) {
        self.safe_at = Some(now.to_owned());
    }
}

/// The longest message an alert carries, in characters.
pub const ALERT_MESSAGE_MAX_CHARS: usize = 500;

/// Messages a patient can pick for an alert instead of writing one.
pub const ALERT_MESSAGES: [&str; 3] = [
    "Please call me as soon as you can.",
    "I'm safe for now, but I need to talk to you soon.",
    "I have contacted emergency services.",
];

/// The plaintext of a crisis alert (sealed to the clinician as a share of kind `Alert`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Always `"crisis_alert"`.
    #[serde(rename = "type")]
    pub alert_type: String,
    /// Format version of this JSON.
    pub version: u32,
    /// The risk level at the time of sending.
    pub risk: Risk,
    /// When the patient sent it (RFC 3339).
    pub sent_at: String,
    /// The message the patient chose or wrote.
    pub message: String,
    /// The name the clinic knows the patient by, if they gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// Why an alert could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// The message is empty.
    #[error("choose or write a message for your clinician")]
    EmptyMessage,
    /// The message is longer than [`ALERT_MESSAGE_MAX_CHARS`].
    #[error("the message is too long; keep it under {ALERT_MESSAGE_MAX_CHARS} characters")]
    TooLong,
}

impl Alert {
    /// An alert, checked: a message is required and kept short; an empty name is left out.
    pub fn new(risk: Risk, sent_at: &str, message: &str, from: &str) -> Result<Alert, AlertError> {
        let message = message.trim();
        if message.is_empty() {
            return Err(AlertError::EmptyMessage);
        }
        if message.chars().count() > ALERT_MESSAGE_MAX_CHARS || from.chars().count() > 200 {
            return Err(AlertError::TooLong);
        }
        let from = from.trim();
        Ok(Alert {
            alert_type: "crisis_alert".to_owned(),
            version: 1,
            risk,
            sent_at: sent_at.to_owned(),
            message: message.to_owned(),
            from: (!from.is_empty()).then(|| from.to_owned()),
        })
    }

    /// The JSON that is sealed.
    pub fn to_json(&self) -> String {
        crate::json::to_string(self).unwrap_or_default()
    }
}

/// Where an alert stands on this device (kept in the vault as `{"type":"alert_sent", …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Always `"alert_sent"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// What was sealed (the patient can see exactly what they sent).
    pub alert: Alert,
    /// The share's object name in the clinic inbox.
    pub name: String,
    /// The sealed share (base64url), kept until the relay has it so it can be sent again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    /// When the relay confirmed it (RFC 3339); `None` while it waits to be sent.
    #[serde(default)]
    pub delivered_at: Option<String>,
}

impl RiskState {
    /// Two devices changed the risk state without seeing each other's change: the merged
    /// state keeps the more cautious reading of both. The highest level and the latest
    /// detection stay; every follow-up answer is kept; "safe right now" counts only if it came
    /// after the latest detection; the state is closed only if both devices closed it.
    pub fn merged(&self, other: &RiskState) -> RiskState {
        let (older, newer) = if other.detected_at > self.detected_at {
            (self, other)
        } else {
            (other, self)
        };
        let mut follow_ups: Vec<FollowUp> = older
            .follow_ups
            .iter()
            .chain(&newer.follow_ups)
            .cloned()
            .collect();
        crate::sorting::sort_by(&mut follow_ups, |a, b| a.at.cmp(&b.at));
        follow_ups.dedup();
        let safe_at = [&self.safe_at, &other.safe_at]
            .into_iter()
            .flatten()
            .max()
            .filter(|safe| **safe > newer.detected_at)
            .cloned();
        RiskState {
            entry_type: RISK_STATE_TYPE.to_owned(),
            risk: self.risk.max(other.risk),
            source: newer.source,
            detected_at: newer.detected_at.clone(),
            safe_at,
            follow_ups,
            closed: self.closed && other.closed,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const T0: &str = "2026-11-27T09:00:00Z";
    const T1: &str = "2026-11-28T09:00:00Z";

    #[test]
    fn a_merge_of_two_devices_states_keeps_the_cautious_reading() {
        let moderate = RiskState::raised(None, Risk::Moderate, RiskSource::Message, T0).unwrap();
        // The laptop: the patient said they were safe, then answered a follow-up "better".
        let mut laptop = moderate.clone();
        laptop.mark_safe("2026-11-27T10:00:00Z");
        laptop.answer_follow_up(FollowUpAnswer::Better, "2026-11-27T11:00:00Z");
        // The phone, meanwhile: a new, lower detection a day later.
        let phone =
            RiskState::raised(Some(&moderate), Risk::Low, RiskSource::Screener, T1).unwrap();
        for merged in [laptop.merged(&phone), phone.merged(&laptop)] {
            assert_eq!(merged.risk, Risk::Moderate, "the highest level stays");
            assert_eq!(merged.detected_at, T1, "the latest detection stays");
            assert_eq!(merged.source, RiskSource::Screener);
            assert_eq!(
                merged.safe_at, None,
                "safe was said before the newer detection"
            );
            assert!(!merged.closed, "only one device closed it");
            assert_eq!(merged.follow_ups.len(), 1, "the answer is kept");
        }
        // Safe after the latest detection on either device counts.
        let mut later = phone.clone();
        later.mark_safe("2026-11-28T10:00:00Z");
        assert_eq!(
            later.merged(&laptop).safe_at.as_deref(),
            Some("2026-11-28T10:00:00Z")
        );
    }

    #[test]
    fn no_risk_changes_nothing() {
        assert_eq!(
            RiskState::raised(None, Risk::None, RiskSource::Message, T0),
            None
        );
    }

    #[test]
    fn an_open_state_keeps_its_highest_level_and_survives_a_round_trip() {
        let first = RiskState::raised(None, Risk::High, RiskSource::Message, T0).unwrap();
        let second = RiskState::raised(Some(&first), Risk::Low, RiskSource::Screener, T1).unwrap();
        assert_eq!(second.risk, Risk::High);
        assert_eq!(second.source, RiskSource::Screener);
        let json = serde_json::to_string(&second).unwrap();
        assert!(json.contains(r#""type":"risk_state""#) && json.contains(r#""risk":"high""#));
        assert_eq!(serde_json::from_str::<RiskState>(&json).unwrap(), second);
    }

    #[test]
    fn only_better_closes_it_and_a_closed_state_starts_afresh() {
        let mut state = RiskState::raised(None, Risk::Moderate, RiskSource::Message, T0).unwrap();
        state.mark_safe(T0);
        assert!(
            state.needs_follow_up(),
            "I'm safe right now does not close it"
        );
        state.answer_follow_up(FollowUpAnswer::Same, T1);
        assert!(state.needs_follow_up());
        assert_eq!(
            state.safe_at, None,
            "\"same\" withdraws the earlier \"safe right now\""
        );
        state.answer_follow_up(FollowUpAnswer::Worse, T1);
        assert!(state.needs_follow_up());
        state.answer_follow_up(FollowUpAnswer::Better, T1);
        assert!(!state.needs_follow_up());
        assert_eq!(state.follow_ups.len(), 3);
        let again = RiskState::raised(Some(&state), Risk::Low, RiskSource::Message, T1).unwrap();
        assert_eq!(
            again.risk,
            Risk::Low,
            "a closed state does not carry its old level"
        );
        assert!(again.follow_ups.is_empty() && again.needs_follow_up());
    }

    #[test]
    fn alerts_need_a_short_message() {
        assert_eq!(
            Alert::new(Risk::High, T0, "  ", "").unwrap_err(),
            AlertError::EmptyMessage
        );
        let long = "a".repeat(ALERT_MESSAGE_MAX_CHARS + 1);
        assert_eq!(
            Alert::new(Risk::High, T0, &long, "").unwrap_err(),
            AlertError::TooLong
        );
        let alert = Alert::new(Risk::High, T0, ALERT_MESSAGES[0], " ").unwrap();
        assert_eq!(alert.from, None);
        let json = alert.to_json();
        assert_eq!(
            json,
            r#"{"type":"crisis_alert","version":1,"risk":"high","sent_at":"2026-11-27T09:00:00Z","message":"Please call me as soon as you can."}"#
        );
    }
}
