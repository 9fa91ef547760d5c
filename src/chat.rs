//! The assistant's side of a conversation: which of the messages we wrote it shows, given
//! what the crisis layer and the model read in the patient's words.
//!
//! The assistant never writes text of its own. Every line here was written by the Hearth
//! team and says that it comes from software; the guided sessions (content packs) build on
//! the same rule. The order of decisions is fixed and safety comes first:
//!
//! 1. No reading at all (the understanding worker is not running): say so, and point to
//!    the crisis button.
//! 2. Moderate or high risk — in this message, or still open from earlier and not answered
//!    with "I'm safe right now": stop. One message that points to people, nothing else.
//! 3. Low risk: a gentle message that offers the screener and people; no exercise.
//! 4. Otherwise: the intent first (asking for a person, a greeting, an exercise), then a
//!    reflection of the main emotion.

use hearth_nlu::{Decision, Risk};
use serde::{Deserialize, Serialize};

/// The entry type of a chat message in the vault.
pub const CHAT_TYPE: &str = "chat";

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The patient.
    Patient,
    /// The automated assistant (always shown as automated).
    Assistant,
}

/// One chat message as sealed in the vault (`{"type":"chat", …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Always `"chat"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// The conversation it belongs to (its start time, RFC 3339).
    pub conversation: String,
    /// Its place in the conversation, from 0.
    pub seq: u32,
    /// Who wrote it.
    pub speaker: Speaker,
    /// What it says.
    pub text: String,
    /// When (RFC 3339).
    pub at: String,
    /// Guided sessions the assistant offered with this message (pack ids, best first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<String>,
}

/// What kind of reply the assistant chose (tests and styling read it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// The understanding worker gave no answer.
    NoReading,
    /// Moderate or high risk: the normal flow has stopped.
    Stopped,
    /// Low risk: gentle, offers the screener and people.
    Gentle,
    /// The patient asked for a person.
    Person,
    /// A greeting back.
    Greeting,
    /// A short exercise offer.
    Exercise,
    /// A reflection of the main emotion.
    Reflection,
}

impl ReplyKind {
    /// Whether the assistant may offer guided sessions with this reply (never when the
    /// crisis layer found risk or could not read the message).
    pub fn may_offer_sessions(self) -> bool {
        matches!(self, ReplyKind::Exercise | ReplyKind::Reflection)
    }
}

/// The assistant's reply: what it says and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// Which kind of reply it is.
    pub kind: ReplyKind,
    /// The text, written by the Hearth team.
    pub text: &'static str,
}

const NO_READING: &str = "I'm the automated assistant, and I can't read messages in this browser \
    right now. If you need help now, use \"Crisis help\" at the top; \"Talk to a person\" shows \
    how to reach your clinic.";

const STOPPED: &str = "I'm only software, and what you've told me matters too much for me to \
    handle. I've opened the crisis options: please reach a person now, by phone or text. I won't \
    carry on with anything else until you tell me you're safe right now.";

const GENTLE: &str = "That sounds really heavy, and I'm glad you said it. I'm software, so a \
    person is better placed to help with this. I've opened some ways to reach someone, and six \
    short questions that can help you and your clinician understand how you are.";

const PERSON: &str = "Of course. \"Talk to a person\" at the top shows how to reach your \
    clinic's people. I'm the automated assistant, and I'll be here if you want me later.";

const GREETING: &str = "Hello. I'm Hearth's automated assistant, not a person. You can tell me \
    how things are, or ask for a short exercise.";

const EXERCISE: &str = "Here's one to try now: breathe in slowly through your nose for a count \
    of four, then out through your mouth for a count of six. Do that five times, and notice your \
    feet on the floor. (I'm the automated assistant; more exercises are in your guided sessions.)";

const GENERIC: &str = "Thank you for telling me. I'm the automated assistant, so I may not \
    understand everything, but what you write here stays on this device. Would a short \
    exercise help, or would you rather talk to a person?";

/// The message after a long conversation (the clinic sets how long): a break, or a person.
pub const NUDGE: &str = "We've been talking for a while. It might be a good moment for a break: \
    a glass of water, a few minutes away from the screen. I'm only software; if something is \
    weighing on you, your clinic's people are one tap away under \"Talk to a person\".";

/// Whether the conversation that started at `started_ms` (ms since the epoch) has run long
/// enough at `now_ms` for the break suggestion, which is made once per conversation.
pub fn nudge_due(started_ms: f64, now_ms: f64, minutes: u32, already: bool) -> bool {
    !already && now_ms - started_ms >= f64::from(minutes) * 60_000.0
}

fn reflection(emotion: &str) -> &'static str {
    match emotion {
        "sadness" => {
            "It sounds like you might be feeling low. That's hard to carry. (I'm \
            software, reading your words on this device.) Would it help to write a little more \
            about it, or to try something small that usually lifts you?"
        }
        "anxiety" => {
            "It sounds like you might be feeling anxious or on edge. (I'm software, \
            reading your words on this device.) A slow breath out, longer than the breath in, \
            can take the edge off. Would you like a short breathing exercise?"
        }
        "anger" => {
            "It sounds like something has really frustrated you. Anger often points at \
            something that matters to you. (I'm software.) Would it help to write down what \
            happened, step by step?"
        }
        "guilt" => {
            "It sounds like you might be blaming yourself for something. (I'm software, \
            and I may have read you wrongly.) Would you talk to a good friend the way you're \
            talking to yourself right now?"
        }
        "loneliness" => {
            "It sounds like you might be feeling alone. I'm software, so I can't be \
            company the way a person can. Is there one person you could send a short message to \
            today? \"Talk to a person\" also shows your clinic's contacts."
        }
        "hopelessness" => {
            "It sounds like things might feel stuck, as if they won't get better. \
            (I'm software.) Feelings like that are worth telling your clinician about. Would you \
            like to see how to reach them?"
        }
        "joy" => {
            "It sounds like something went well. (I'm software, but I can still notice.) \
            What helped it go well? It can be worth writing down."
        }
        _ => GENERIC,
    }
}

/// The assistant's reply to the patient's latest message.
///
/// `decision` is the crisis layer's reading (`None` when nothing could read it);
/// `stopped_before` is true while an earlier moderate or high risk is open and the patient
/// has not said they are safe right now.
pub fn reply(decision: Option<&Decision>, stopped_before: bool) -> Reply {
    let Some(decision) = decision else {
        return Reply {
            kind: ReplyKind::NoReading,
            text: NO_READING,
        };
    };
    let risk = decision.risk_level();
    if risk.stops_normal_flow() || stopped_before {
        return Reply {
            kind: ReplyKind::Stopped,
            text: STOPPED,
        };
    }
    if risk == Risk::Low {
        return Reply {
            kind: ReplyKind::Gentle,
            text: GENTLE,
        };
    }
    match decision.intent.as_str() {
        "human" => Reply {
            kind: ReplyKind::Person,
            text: PERSON,
        },
        "greeting" => Reply {
            kind: ReplyKind::Greeting,
            text: GREETING,
        },
        "exercise" => Reply {
            kind: ReplyKind::Exercise,
            text: EXERCISE,
        },
        _ => Reply {
            kind: ReplyKind::Reflection,
            text: reflection(&decision.emotion),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(risk: &str, emotion: &str, intent: &str) -> Decision {
        Decision {
            crisis: risk != "none",
            risk: risk.into(),
            emotion: emotion.into(),
            intent: intent.into(),
            reasons: Vec::new(),
        }
    }

    #[test]
    fn the_break_is_suggested_once_after_the_session_length() {
        let start = 1_000_000.0;
        assert!(!nudge_due(start, start + 19.0 * 60_000.0, 20, false));
        assert!(nudge_due(start, start + 20.0 * 60_000.0, 20, false));
        assert!(!nudge_due(start, start + 90.0 * 60_000.0, 20, true));
    }

    #[test]
    fn risk_comes_before_everything_else() {
        for risk in ["moderate", "high"] {
            let r = reply(Some(&decision(risk, "joy", "exercise")), false);
            assert_eq!(r.kind, ReplyKind::Stopped, "{risk}");
        }
        assert_eq!(
            reply(Some(&decision("low", "sadness", "exercise")), false).kind,
            ReplyKind::Gentle
        );
        // An open earlier risk keeps the flow stopped, even for a calm message.
        assert_eq!(
            reply(Some(&decision("none", "joy", "greeting")), true).kind,
            ReplyKind::Stopped
        );
        assert_eq!(reply(None, false).kind, ReplyKind::NoReading);
    }

    #[test]
    fn intent_then_emotion_and_every_line_says_it_is_software() {
        assert_eq!(
            reply(Some(&decision("none", "neutral", "human")), false).kind,
            ReplyKind::Person
        );
        assert_eq!(
            reply(Some(&decision("none", "neutral", "greeting")), false).kind,
            ReplyKind::Greeting
        );
        assert_eq!(
            reply(Some(&decision("none", "anxiety", "exercise")), false).kind,
            ReplyKind::Exercise
        );
        let emotions = hearth_nlu::EMOTIONS.into_iter().chain(["unknown"]);
        for emotion in emotions {
            let r = reply(Some(&decision("none", emotion, "venting")), false);
            assert_eq!(r.kind, ReplyKind::Reflection);
            assert!(
                r.text.contains("software") || r.text.contains("automated"),
                "{emotion}"
            );
        }
        for text in [
            NO_READING, STOPPED, GENTLE, PERSON, GREETING, EXERCISE, GENERIC,
        ] {
            assert!(
                text.contains("software") || text.contains("automated"),
                "{text}"
            );
        }
    }
}
