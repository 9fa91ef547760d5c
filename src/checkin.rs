//! The check-in: what stands in for the cues a clinician would see in the room — mood,
//! feelings named on an emotion wheel, energy, sleep, and a note in the patient's words —
//! and the model's reading of the note, which the patient confirms or corrects.
//!
//! The wheel is ours: eight core feelings (the ones the model reads) with finer words under
//! each, chosen to be plain and easy to recognise.

use serde::{Deserialize, Serialize};

/// The emotion wheel: each core feeling with finer words for it.
pub const WHEEL: [(&str, &[&str]); 8] = [
    (
        "sadness",
        &["down", "disappointed", "empty", "grieving", "tearful"],
    ),
    (
        "anxiety",
        &["worried", "nervous", "overwhelmed", "panicky", "restless"],
    ),
    (
        "anger",
        &["irritated", "frustrated", "resentful", "furious", "on edge"],
    ),
    (
        "guilt",
        &["ashamed", "regretful", "embarrassed", "to blame"],
    ),
    (
        "loneliness",
        &["isolated", "left out", "disconnected", "misunderstood"],
    ),
    ("hopelessness", &["stuck", "defeated", "numb", "pointless"]),
    (
        "joy",
        &["content", "grateful", "proud", "relieved", "hopeful"],
    ),
    ("neutral", &["calm", "okay", "tired", "flat"]),
];

/// How a core feeling is named to the patient ("anxious", "low").
pub fn feeling_word(emotion: &str) -> &'static str {
    match emotion {
        "sadness" => "low or sad",
        "anxiety" => "anxious",
        "anger" => "angry or frustrated",
        "guilt" => "guilty",
        "loneliness" => "lonely",
        "hopelessness" => "hopeless",
        "joy" => "good",
        "neutral" => "fairly steady",
        _ => "",
    }
}

/// The gentle reflection of the model's reading of a note, or `None` when there is no
/// reading to reflect (no model, or an unknown emotion).
pub fn reflection(emotion: &str) -> Option<String> {
    let word = feeling_word(emotion);
    (!word.is_empty())
        .then(|| format!("It sounds like you might be feeling {word} — is that right?"))
}

/// What became of the model's reading of the note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The emotion the model read in the note.
    pub model: String,
    /// Whether the patient said it was right.
    pub confirmed: bool,
    /// The feeling the patient chose instead, when it was not.
    #[serde(default)]
    pub corrected_to: Option<String>,
}

/// A check-in as sealed in the vault (`{"type":"checkin", …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckIn {
    /// Always `"checkin"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// When (RFC 3339).
    pub at: String,
    /// Mood, 0 (very low) to 10 (very good).
    pub mood: u8,
    /// Feelings picked on the wheel (core or finer words).
    pub emotions: Vec<String>,
    /// Energy, 0 (none) to 10 (lots).
    pub energy: u8,
    /// Hours slept last night, if given.
    #[serde(default)]
    pub sleep_hours: Option<f32>,
    /// Sleep quality, 0 (very poor) to 10 (very good), if given.
    #[serde(default)]
    pub sleep_quality: Option<u8>,
    /// The note, in the patient's words.
    #[serde(default)]
    pub note: String,
    /// The model's reading of the note and the patient's answer to it.
    #[serde(default)]
    pub reading: Option<Reading>,
}

/// Why a check-in can't be saved as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckInError {
    /// A rating is outside 0–10.
    #[error("{0} must be between 0 and 10")]
    OutOfRange(&'static str),
    /// Hours of sleep outside 0–24.
    #[error("hours of sleep must be between 0 and 24")]
    Sleep,
    /// A feeling that is not on the wheel.
    #[error("\"{0}\" is not on the emotion wheel")]
    UnknownFeeling(String),
    /// The note is too long.
    #[error("the note is too long; keep it under 5,000 characters")]
    NoteTooLong,
}

/// Reads hours of sleep as a patient types them: `7`, `6.5` or `6,5` (up to four digits on
/// each side of one decimal point or comma). `None` for anything else.
///
/// The result is the same as the standard float parser's, since a whole number of tenths
/// (or hundredths) divided by a power of ten is rounded once, to the nearest `f32`; the
/// standard parser brings a 10 KB table into the widget's `.wasm` for this one field.
pub fn parse_hours(text: &str) -> Option<f32> {
    let text = text.trim();
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    let digits_only = |part: &str| part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits_only(whole) || !digits_only(fraction) {
        return None;
    }
    let number: u32 = format!("{whole}{fraction}").parse().ok()?;
    Some(number as f32 / 10_u32.pow(fraction.len() as u32) as f32)
}

/// Whether `word` is a core feeling or a finer word on the wheel.
pub fn on_wheel(word: &str) -> bool {
    WHEEL
        .iter()
        .any(|(core, finer)| *core == word || finer.contains(&word))
}

/// The core feeling a wheel word belongs to.
pub fn core_of(word: &str) -> Option<&'static str> {
    WHEEL
        .iter()
        .find(|(core, finer)| *core == word || finer.contains(&word))
        .map(|(core, _)| *core)
}

impl CheckIn {
    /// Checks a check-in before it is saved.
    pub fn validate(&self) -> Result<(), CheckInError> {
        if self.mood > 10 {
            return Err(CheckInError::OutOfRange("mood"));
        }
        if self.energy > 10 {
            return Err(CheckInError::OutOfRange("energy"));
        }
        if self.sleep_quality.is_some_and(|q| q > 10) {
            return Err(CheckInError::OutOfRange("sleep quality"));
        }
        if self.sleep_hours.is_some_and(|h| !(0.0..=24.0).contains(&h)) {
            return Err(CheckInError::Sleep);
        }
        if let Some(bad) = self.emotions.iter().find(|e| !on_wheel(e)) {
            return Err(CheckInError::UnknownFeeling(bad.clone()));
        }
        if self.note.chars().count() > 5_000 {
            return Err(CheckInError::NoteTooLong);
        }
        if let Some(corrected) = self.reading.as_ref().and_then(|r| r.corrected_to.as_ref()) {
            if core_of(corrected).is_none() {
                return Err(CheckInError::UnknownFeeling(corrected.clone()));
            }
        }
        Ok(())
    }

    /// The core feelings of this check-in: those picked, and the reading as confirmed or
    /// corrected by the patient.
    pub fn core_feelings(&self) -> Vec<&'static str> {
        let mut cores: Vec<&'static str> =
            self.emotions.iter().filter_map(|e| core_of(e)).collect();
        if let Some(reading) = &self.reading {
            let kept = if reading.confirmed {
                Some(reading.model.as_str())
            } else {
                reading.corrected_to.as_deref()
            };
            cores.extend(kept.and_then(core_of));
        }
        crate::sorting::sort_by(&mut cores, Ord::cmp);
        cores.dedup();
        cores
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hours_of_sleep_read_like_the_standard_parser() {
        for text in [
            "7", "6.5", "7.3", "0", "24", "7.", ".5", "8.25", " 9 ", "0.1", "23.99",
        ] {
            assert_eq!(parse_hours(text), text.trim().parse::<f32>().ok(), "{text}");
        }
        assert_eq!(parse_hours("6,5"), Some(6.5));
        for text in ["", ".", "abc", "1e1", "-1", "6.5.5", "7 h", "inf", "12345"] {
            assert_eq!(parse_hours(text), None, "{text}");
        }
    }

    fn check_in() -> CheckIn {
        CheckIn {
            entry_type: "checkin".into(),
            at: "2026-11-27T09:00:00Z".into(),
            mood: 4,
            emotions: vec!["worried".into(), "tired".into()],
            energy: 3,
            sleep_hours: Some(5.5),
            sleep_quality: Some(3),
            note: "Big presentation tomorrow".into(),
            reading: Some(Reading {
                model: "anxiety".into(),
                confirmed: false,
                corrected_to: Some("sadness".into()),
            }),
        }
    }

    #[test]
    fn the_wheel_has_every_core_feeling_the_model_reads() {
        for core in hearth_nlu::EMOTIONS {
            assert!(on_wheel(core), "{core}");
            assert!(reflection(core).unwrap().ends_with("is that right?"));
        }
        assert_eq!(core_of("panicky"), Some("anxiety"));
        assert_eq!(reflection("unknown"), None);
    }

    #[test]
    fn a_correction_is_kept_and_counted() {
        let c = check_in();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.core_feelings(), ["anxiety", "neutral", "sadness"]);
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""corrected_to":"sadness""#));
        assert_eq!(serde_json::from_str::<CheckIn>(&json).unwrap(), c);
    }

    #[test]
    fn bad_values_are_refused() {
        let mut c = check_in();
        c.mood = 11;
        assert_eq!(c.validate(), Err(CheckInError::OutOfRange("mood")));
        let mut c = check_in();
        c.sleep_hours = Some(25.0);
        assert_eq!(c.validate(), Err(CheckInError::Sleep));
        let mut c = check_in();
        c.emotions.push("hangry".into());
        assert_eq!(
            c.validate(),
            Err(CheckInError::UnknownFeeling("hangry".into()))
        );
        let mut c = check_in();
        c.note = "x".repeat(5_001);
        assert_eq!(c.validate(), Err(CheckInError::NoteTooLong));
    }
}
