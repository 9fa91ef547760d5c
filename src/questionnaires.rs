//! PHQ-9 and GAD-7: the items word for word, exact scoring and severity bands, resumable
//! answers, and the FHIR R4 `QuestionnaireResponse` a patient can export — pure logic, no UI.
//!
//! Sources (carried over exactly from `../shared/clinical/instruments.md`):
//! PHQ-9 — Kroenke, Spitzer & Williams (2001), developed with an educational grant from
//! Pfizer, no permission required to reproduce; LOINC panel 44249-1, total 44261-6.
//! GAD-7 — Spitzer, Kroenke, Williams & Löwe (2006), no permission required to reproduce;
//! LOINC panel 69737-5, total 70274-6.
//!
//! PHQ-9 item 9 above zero needs a safety follow-up: [`Progress::needs_safety_follow_up`]
//! tells the app to open the crisis protocol.

use serde::{Deserialize, Serialize};

/// Which questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Instrument {
    /// Patient Health Questionnaire-9 (depression).
    Phq9,
    /// Generalized Anxiety Disorder-7.
    Gad7,
}

/// The four answers both questionnaires use, with their scores 0–3.
pub const ANSWERS: [&str; 4] = [
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
];

/// LOINC answer codes for [`ANSWERS`] (LOINC answer list LL358-3, shared by PHQ-9 and GAD-7).
pub const ANSWER_LOINC: [&str; 4] = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"];

/// The follow-up question (not scored) and its answers.
pub const DIFFICULTY_QUESTION: &str = "If you checked off any problems, how difficult have \
    these problems made it for you to do your work, take care of things at home, or get along \
    with other people?";

/// The follow-up's answers.
pub const DIFFICULTY_ANSWERS: [&str; 4] = [
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
];

const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
];

/// A severity band of a total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// PHQ-9 0–4 ("none/minimal"); GAD-7 0–4 ("minimal").
    Minimal,
    /// 5–9.
    Mild,
    /// 10–14.
    Moderate,
    /// PHQ-9 15–19.
    ModeratelySevere,
    /// PHQ-9 20–27; GAD-7 15–21.
    Severe,
}

impl Severity {
    /// The band's name as the instrument's scoring guide gives it.
    pub fn label(self, instrument: Instrument) -> &'static str {
        match (self, instrument) {
            (Severity::Minimal, Instrument::Phq9) => "none/minimal",
            (Severity::Minimal, Instrument::Gad7) => "minimal",
            (Severity::Mild, _) => "mild",
            (Severity::Moderate, _) => "moderate",
            (Severity::ModeratelySevere, _) => "moderately severe",
            (Severity::Severe, _) => "severe",
        }
    }
}

impl Instrument {
    /// Both, in the order offered.
    pub const ALL: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

    /// The short name.
    pub fn name(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ-9",
            Instrument::Gad7 => "GAD-7",
        }
    }

    /// The source line shown with it.
    pub fn source(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ-9: Kroenke, Spitzer & Williams (2001); developed with an educational grant from Pfizer.",
            Instrument::Gad7 => "GAD-7: Spitzer, Kroenke, Williams & Löwe (2006).",
        }
    }

    /// The stem, word for word.
    pub fn stem(self) -> &'static str {
        match self {
            Instrument::Phq9 => "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
            Instrument::Gad7 => "Over the last 2 weeks, how often have you been bothered by the following problems?",
        }
    }

    /// The items, word for word.
    pub fn items(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => &PHQ9_ITEMS,
            Instrument::Gad7 => &GAD7_ITEMS,
        }
    }

    /// The highest possible total.
    pub fn max_total(self) -> u8 {
        3 * self.items().len() as u8
    }

    /// The severity band of a total.
    pub fn severity(self, total: u8) -> Severity {
        match (self, total) {
            (_, 0..=4) => Severity::Minimal,
            (_, 5..=9) => Severity::Mild,
            (_, 10..=14) => Severity::Moderate,
            (Instrument::Phq9, 15..=19) => Severity::ModeratelySevere,
            _ => Severity::Severe,
        }
    }

    /// LOINC codes: the panel, the total score, and each item's question code.
    fn loinc(self) -> (&'static str, &'static str) {
        match self {
            Instrument::Phq9 => ("44249-1", "44261-6"),
            Instrument::Gad7 => ("69737-5", "70274-6"),
        }
    }
}

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// The item number is outside the questionnaire.
    #[error("there is no item {0}")]
    NoSuchItem(usize),
    /// The score is not 0–3.
    #[error("answers are scored 0 to 3, not {0}")]
    BadScore(u8),
}

/// A questionnaire being filled in or finished (sealed in the vault as
/// `{"type":"questionnaire", …}`; a half-finished one resumes where the patient stopped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Always `"questionnaire"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// Which questionnaire.
    pub instrument: Instrument,
    /// One answer (0–3) per item, `None` while unanswered.
    pub answers: Vec<Option<u8>>,
    /// The follow-up difficulty answer (0–3), if given.
    #[serde(default)]
    pub difficulty: Option<u8>,
    /// When it was started (RFC 3339).
    pub started_at: String,
    /// When the last item was answered (RFC 3339); `None` while unfinished.
    #[serde(default)]
    pub completed_at: Option<String>,
}

impl Progress {
    /// A new, empty questionnaire.
    pub fn new(instrument: Instrument, now: &str) -> Self {
        Progress {
            entry_type: "questionnaire".to_owned(),
            instrument,
            answers: vec![None; instrument.items().len()],
            difficulty: None,
            started_at: now.to_owned(),
            completed_at: None,
        }
    }

    /// Records the answer to item `index` (0-based); completes the questionnaire when the
    /// last unanswered item is answered.
    pub fn answer(&mut self, index: usize, score: u8, now: &str) -> Result<(), AnswerError> {
        if score > 3 {
            return Err(AnswerError::BadScore(score));
        }
        let slot = self
            .answers
            .get_mut(index)
            .ok_or(AnswerError::NoSuchItem(index + 1))?;
        *slot = Some(score);
        if self.completed_at.is_none() && self.answers.iter().all(Option::is_some) {
            self.completed_at = Some(now.to_owned());
        }
        Ok(())
    }

    /// The first unanswered item (0-based), if any.
    pub fn next_item(&self) -> Option<usize> {
        self.answers.iter().position(Option::is_none)
    }

    /// Whether every item is answered.
    pub fn is_complete(&self) -> bool {
        self.next_item().is_none()
    }

    /// The total score, once complete.
    pub fn total(&self) -> Option<u8> {
        self.answers
            .iter()
            .try_fold(0u8, |sum, a| a.map(|a| sum + a))
    }

    /// The severity band, once complete.
    pub fn severity(&self) -> Option<Severity> {
        self.total().map(|t| self.instrument.severity(t))
    }

    /// PHQ-9 item 9 ("thoughts that you would be better off dead or of hurting yourself")
    /// answered above zero: the crisis protocol opens.
    pub fn needs_safety_follow_up(&self) -> bool {
        self.instrument == Instrument::Phq9 && self.answers.get(8).copied().flatten() > Some(0)
    }

    /// The result as a FHIR R4 `QuestionnaireResponse` (status `completed`, or
    /// `in-progress` with only the answered items): answers as LOINC answer codes, the
    /// total score with its LOINC code, the questionnaire as LOINC's canonical URL.
    pub fn to_fhir(&self, id: &str) -> serde_json::Value {
        let (panel, total_code) = self.instrument.loinc();
        let mut items: Vec<serde_json::Value> = self
            .instrument
            .items()
            .iter()
            .zip(&self.answers)
            .enumerate()
            .filter_map(|(i, (text, answer))| {
                let score = (*answer)?;
                Some(serde_json::json!({
                    "linkId": format!("{}", i + 1),
                    "text": text,
                    "answer": [{
                        "valueCoding": {
                            "system": "http://loinc.org",
                            "code": ANSWER_LOINC[usize::from(score)],
                            "display": ANSWERS[usize::from(score)],
                        }
                    }],
                }))
            })
            .collect();
        if let Some(d) = self.difficulty {
            items.push(serde_json::json!({
                "linkId": "difficulty",
                "text": DIFFICULTY_QUESTION,
                "answer": [{ "valueString": DIFFICULTY_ANSWERS[usize::from(d.min(3))] }],
            }));
        }
        if let Some(total) = self.total() {
            items.push(serde_json::json!({
                "linkId": "total",
                "text": format!("{} total score", self.instrument.name()),
                "code": [{ "system": "http://loinc.org", "code": total_code }],
                "answer": [{ "valueInteger": total }],
            }));
        }
        let mut response = serde_json::json!({
            "resourceType": "QuestionnaireResponse",
            "id": id,
            "meta": { "tag": [{ "system": "http://loinc.org", "code": panel, "display": self.instrument.name() }] },
            "questionnaire": format!("http://loinc.org/q/{panel}"),
            "status": if self.is_complete() { "completed" } else { "in-progress" },
            "authored": self.completed_at.as_deref().unwrap_or(&self.started_at),
            "item": items,
        });
        if items_is_empty(&response) {
            if let Some(obj) = response.as_object_mut() {
                obj.remove("item");
            }
        }
        response
    }
}

fn items_is_empty(response: &serde_json::Value) -> bool {
    response["item"].as_array().is_some_and(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NOW: &str = "2026-11-27T09:00:00Z";

    fn filled(instrument: Instrument, total: u8) -> Progress {
        let mut p = Progress::new(instrument, NOW);
        let mut left = total;
        for i in 0..instrument.items().len() {
            let score = left.min(3);
            left -= score;
            p.answer(i, score, NOW).unwrap();
        }
        assert_eq!(left, 0, "{total} is above the maximum");
        p
    }

    #[test]
    fn the_items_are_the_standard_ones() {
        assert_eq!(Instrument::Phq9.items().len(), 9);
        assert_eq!(Instrument::Gad7.items().len(), 7);
        assert_eq!(Instrument::Phq9.max_total(), 27);
        assert_eq!(Instrument::Gad7.max_total(), 21);
        assert!(PHQ9_ITEMS[8].starts_with("Thoughts that you would be better off dead"));
        assert_eq!(
            GAD7_ITEMS[6],
            "Feeling afraid, as if something awful might happen"
        );
    }

    #[test]
    fn phq9_bands_at_every_boundary() {
        let cases = [
            (0, Severity::Minimal),
            (4, Severity::Minimal),
            (5, Severity::Mild),
            (9, Severity::Mild),
            (10, Severity::Moderate),
            (14, Severity::Moderate),
            (15, Severity::ModeratelySevere),
            (19, Severity::ModeratelySevere),
            (20, Severity::Severe),
            (27, Severity::Severe),
        ];
        for (total, band) in cases {
            let p = filled(Instrument::Phq9, total);
            assert_eq!(p.total(), Some(total));
            assert_eq!(p.severity(), Some(band), "PHQ-9 {total}");
        }
        assert_eq!(Severity::Minimal.label(Instrument::Phq9), "none/minimal");
    }

    #[test]
    fn gad7_bands_at_every_boundary() {
        let cases = [
            (0, Severity::Minimal),
            (4, Severity::Minimal),
            (5, Severity::Mild),
            (9, Severity::Mild),
            (10, Severity::Moderate),
            (14, Severity::Moderate),
            (15, Severity::Severe),
            (21, Severity::Severe),
        ];
        for (total, band) in cases {
            assert_eq!(
                filled(Instrument::Gad7, total).severity(),
                Some(band),
                "GAD-7 {total}"
            );
        }
        assert_eq!(Severity::Minimal.label(Instrument::Gad7), "minimal");
    }

    #[test]
    fn item_9_above_zero_opens_the_crisis_protocol() {
        let mut p = Progress::new(Instrument::Phq9, NOW);
        assert!(!p.needs_safety_follow_up());
        p.answer(8, 0, NOW).unwrap();
        assert!(!p.needs_safety_follow_up());
        for score in 1..=3 {
            p.answer(8, score, NOW).unwrap();
            assert!(p.needs_safety_follow_up(), "item 9 = {score}");
        }
        let mut gad = Progress::new(Instrument::Gad7, NOW);
        gad.answer(6, 3, NOW).unwrap();
        assert!(!gad.needs_safety_follow_up());
    }

    #[test]
    fn an_abandoned_questionnaire_resumes_and_bad_answers_are_refused() {
        let mut p = Progress::new(Instrument::Gad7, NOW);
        p.answer(0, 2, NOW).unwrap();
        p.answer(1, 1, NOW).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        let resumed: Progress = serde_json::from_str(&json).unwrap();
        assert_eq!(resumed.next_item(), Some(2));
        assert_eq!(resumed.total(), None);
        assert!(resumed.completed_at.is_none());
        assert_eq!(p.answer(7, 1, NOW), Err(AnswerError::NoSuchItem(8)));
        assert_eq!(p.answer(0, 4, NOW), Err(AnswerError::BadScore(4)));
    }

    #[test]
    fn fhir_has_the_questionnaire_response_structure() {
        let mut p = filled(Instrument::Phq9, 12);
        p.difficulty = Some(1);
        let fhir = p.to_fhir("q-1");
        assert_eq!(fhir["resourceType"], "QuestionnaireResponse");
        assert_eq!(fhir["status"], "completed");
        let items = fhir["item"].as_array().unwrap();
        assert_eq!(items.len(), 9 + 2);
        assert_eq!(items[0]["linkId"], "1");
        assert_eq!(items[0]["answer"][0]["valueCoding"]["code"], "LA6571-9");
        assert_eq!(
            items[0]["answer"][0]["valueCoding"]["display"],
            "Nearly every day"
        );
        assert_eq!(items[9]["answer"][0]["valueString"], "Somewhat difficult");
        assert_eq!(items[10]["code"][0]["code"], "44261-6");
        assert_eq!(items[10]["answer"][0]["valueInteger"], 12);
        let partial = Progress::new(Instrument::Gad7, NOW).to_fhir("q-2");
        assert_eq!(partial["status"], "in-progress");
        assert!(partial.get("item").is_none());
    }
}
