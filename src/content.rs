//! Content packs: the guided sessions the assistant runs, written by people and kept as
//! data in `content/` (format `hearth-content/1`, documented in `content/README.md`), so a
//! clinician can change or add one without touching code.
//!
//! A pack is a small script: steps the assistant says, each optionally asking for a short
//! text answer, a 0–10 rating, or a choice between branches. [`Pack::parse`] checks
//! everything a clinician could get wrong — unknown fields, empty text, a `next` that names
//! no step, a step that can never be reached, a script with no way to finish — and names the
//! file and the field in its error. A malformed pack is left out; the others still load.
//!
//! The assistant never says anything that is not in a pack (or in [`crate::chat`]), and
//! every step is shown as automated.

use std::collections::{BTreeSet, HashMap};

use hearth_nlu::EMOTIONS;
use serde::{Deserialize, Serialize};

/// The format string every pack starts with.
pub const FORMAT: &str = "hearth-content/1";

/// What a pack is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    /// Something to do (grounding, breathing, a thought record).
    Exercise,
    /// Something to read and reflect on.
    Psychoeducation,
}

/// What a step asks of the patient, besides "Continue".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "AskFields")]
pub enum Ask {
    /// A short free-text answer (it passes through the crisis layer like every message).
    Text {
        /// The field's label.
        label: String,
    },
    /// A whole-number rating.
    Scale {
        /// The field's label.
        label: String,
        /// The lowest value (often 0).
        min: u8,
        /// The highest value (often 10).
        max: u8,
    },
}

/// An [`Ask`] as written (`{"kind": "scale", "label": …, "min": 0, "max": 10}`), read field
/// by field: reading the tagged enum directly makes serde buffer the fields first, and that
/// generic code cost the widget's `.wasm` several KB. The JSON and its checks are the same.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskFields {
    kind: String,
    label: Option<String>,
    min: Option<u8>,
    max: Option<u8>,
}

impl TryFrom<AskFields> for Ask {
    type Error = String;

    fn try_from(f: AskFields) -> Result<Self, String> {
        let label = f.label.ok_or("missing field `label`")?;
        match (f.kind.as_str(), f.min, f.max) {
            ("text", None, None) => Ok(Ask::Text { label }),
            ("text", _, _) => {
                Err("unknown field `min` or `max`, a text ask has only `label`".into())
            }
            ("scale", Some(min), Some(max)) => Ok(Ask::Scale { label, min, max }),
            ("scale", None, _) => Err("missing field `min`".into()),
            ("scale", _, None) => Err("missing field `max`".into()),
            (other, _, _) => Err(format!(
                "unknown variant `{other}`, expected `text` or `scale`"
            )),
        }
    }
}

/// One branch of a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The button's text.
    pub label: String,
    /// The step it leads to.
    pub next: String,
}

/// One step of a guided session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's id (letters, digits, `-`, `_`), unique in the pack.
    pub id: String,
    /// What the assistant says.
    pub say: String,
    /// What it asks for, if anything.
    #[serde(default)]
    pub ask: Option<Ask>,
    /// Branches; when present the patient picks one (no `next`).
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// The step after this one (default: the next in the list).
    #[serde(default)]
    pub next: Option<String>,
    /// Whether the session ends after this step.
    #[serde(default)]
    pub end: bool,
}

/// A content pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// Always [`FORMAT`].
    pub format: String,
    /// A stable id (letters, digits, `-`), unique among packs.
    pub id: String,
    /// The pack's own version, raised when its text changes.
    pub version: u32,
    /// The title patients see.
    pub title: String,
    /// One or two sentences on what it is and who it helps; also what the assistant's
    /// reading of a message is compared with to offer it.
    pub summary: String,
    /// Exercise or psychoeducation.
    pub kind: PackKind,
    /// The emotions it suits (`sadness`, `anxiety`, `anger`, `guilt`, `loneliness`,
    /// `hopelessness`, `joy`, `neutral`); the fallback when the model is not loaded.
    #[serde(default)]
    pub emotions: Vec<String>,
    /// About how long it takes.
    pub minutes: u8,
    /// Who wrote it.
    pub author: String,
    /// The script.
    pub steps: Vec<Step>,
}

/// Why a pack was refused: the file, the field, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: `{field}` {problem}")]
pub struct PackError {
    /// The pack's file name.
    pub file: String,
    /// The field's path, e.g. `steps[2].next`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub problem: String,
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Pack {
    /// Parses and checks the pack in `json`, read from `file`.
    pub fn parse(file: &str, json: &str) -> Result<Pack, PackError> {
        let err = |field: &str, problem: String| PackError {
            file: file.to_owned(),
            field: field.to_owned(),
            problem,
        };
        let pack: Pack = serde_json::from_str(json).map_err(|e| {
            // serde names the unknown or missing field and the line; keep its words.
            err("(file)", format!("is not a valid content pack: {e}"))
        })?;
        if pack.format != FORMAT {
            return Err(err(
                "format",
                format!("is \"{}\"; this widget reads \"{FORMAT}\"", pack.format),
            ));
        }
        if !is_id(&pack.id) {
            return Err(err("id", "must be 1–64 letters, digits, - or _".into()));
        }
        for (field, text) in [
            ("title", &pack.title),
            ("summary", &pack.summary),
            ("author", &pack.author),
        ] {
            if text.trim().is_empty() {
                return Err(err(field, "is empty".into()));
            }
        }
        if !(1..=120).contains(&pack.minutes) {
            return Err(err("minutes", "must be between 1 and 120".into()));
        }
        for (i, emotion) in pack.emotions.iter().enumerate() {
            if !EMOTIONS.contains(&emotion.as_str()) {
                return Err(err(
                    &format!("emotions[{i}]"),
                    format!("\"{emotion}\" is not one of: {}", EMOTIONS.join(", ")),
                ));
            }
        }
        if pack.steps.is_empty() {
            return Err(err(
                "steps",
                "is empty; a pack needs at least one step".into(),
            ));
        }
        let mut index = HashMap::new();
        for (i, step) in pack.steps.iter().enumerate() {
            let at = |name: &str| format!("steps[{i}].{name}");
            if !is_id(&step.id) {
                return Err(err(
                    &at("id"),
                    "must be 1–64 letters, digits, - or _".into(),
                ));
            }
            if index.insert(step.id.as_str(), i).is_some() {
                return Err(err(&at("id"), format!("\"{}\" is used twice", step.id)));
            }
            if step.say.trim().is_empty() {
                return Err(err(
                    &at("say"),
                    "is empty; say what the assistant says".into(),
                ));
            }
            match &step.ask {
                Some(Ask::Text { label }) | Some(Ask::Scale { label, .. })
                    if label.trim().is_empty() =>
                {
                    return Err(err(&at("ask.label"), "is empty".into()));
                }
                Some(Ask::Scale { min, max, .. }) if min >= max || *max > 100 => {
                    return Err(err(
                        &at("ask"),
                        "needs min below max, and max at most 100".into(),
                    ));
                }
                _ => {}
            }
            if !step.choices.is_empty() && (step.next.is_some() || step.end) {
                return Err(err(
                    &at("choices"),
                    "each choice names its own next step; remove `next`/`end` from this step"
                        .into(),
                ));
            }
            if !step.choices.is_empty() && step.ask.is_some() {
                return Err(err(
                    &at("choices"),
                    "a step either asks or offers choices, not both".into(),
                ));
            }
            if step.end && step.next.is_some() {
                return Err(err(&at("next"), "an `end` step has no next step".into()));
            }
            for (c, choice) in step.choices.iter().enumerate() {
                if choice.label.trim().is_empty() {
                    return Err(err(&at(&format!("choices[{c}].label")), "is empty".into()));
                }
            }
        }
        let known = |name: &str| index.contains_key(name);
        let ids: Vec<&str> = pack.steps.iter().map(|s| s.id.as_str()).collect();
        for (i, step) in pack.steps.iter().enumerate() {
            let targets = step
                .next
                .iter()
                .map(|n| (format!("steps[{i}].next"), n))
                .chain(
                    step.choices
                        .iter()
                        .enumerate()
                        .map(|(c, ch)| (format!("steps[{i}].choices[{c}].next"), &ch.next)),
                );
            for (field, target) in targets {
                if !known(target) {
                    return Err(err(
                        &field,
                        format!(
                            "\"{target}\" is not a step id; use one of: {}",
                            ids.join(", ")
                        ),
                    ));
                }
            }
            if step.next.is_none()
                && step.choices.is_empty()
                && !step.end
                && i + 1 == pack.steps.len()
            {
                return Err(err(
                    &format!("steps[{i}]"),
                    "is the last step but does not say `\"end\": true`".into(),
                ));
            }
        }
        // Every step reachable from the first, and an end reachable.
        let mut seen = BTreeSet::new();
        let mut todo = vec![0usize];
        while let Some(i) = todo.pop() {
            if !seen.insert(i) {
                continue;
            }
            todo.extend(pack.successors(i));
        }
        if let Some(i) = (0..pack.steps.len()).find(|i| !seen.contains(i)) {
            return Err(err(
                &format!("steps[{i}]"),
                format!(
                    "(\"{}\") can never be reached; link to it or remove it",
                    pack.steps[i].id
                ),
            ));
        }
        if !pack.steps.iter().any(|s| s.end) {
            return Err(err("steps", "has no step with `\"end\": true`".into()));
        }
        Ok(pack)
    }

    /// The indexes of the steps that can follow step `i`.
    fn successors(&self, i: usize) -> Vec<usize> {
        let Some(step) = self.steps.get(i) else {
            return Vec::new();
        };
        let find = |id: &str| self.steps.iter().position(|s| s.id == id);
        if step.end {
            Vec::new()
        } else if !step.choices.is_empty() {
            step.choices.iter().filter_map(|c| find(&c.next)).collect()
        } else if let Some(next) = &step.next {
            find(next).into_iter().collect()
        } else {
            vec![i + 1]
        }
    }

    /// The step after `current` (for a step without choices), or `None` at the end.
    pub fn next_after(&self, current: &str) -> Option<&Step> {
        let i = self.steps.iter().position(|s| s.id == current)?;
        let step = &self.steps[i];
        if step.end || !step.choices.is_empty() {
            return None;
        }
        match &step.next {
            Some(next) => self.step(next),
            None => self.steps.get(i + 1),
        }
    }

    /// The step called `id`.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// The packs shipped with the widget, as (file, text). Clinics' own packs come through the
/// clinic configuration later; these are always there.
pub const SHIPPED: [(&str, &str); 8] = [
    (
        "thought-record.json",
        include_str!("../content/thought-record.json"),
    ),
    (
        "grounding-54321.json",
        include_str!("../content/grounding-54321.json"),
    ),
    (
        "paced-breathing.json",
        include_str!("../content/paced-breathing.json"),
    ),
    (
        "behavioural-activation.json",
        include_str!("../content/behavioural-activation.json"),
    ),
    (
        "worry-time.json",
        include_str!("../content/worry-time.json"),
    ),
    (
        "about-anxiety.json",
        include_str!("../content/about-anxiety.json"),
    ),
    (
        "about-low-mood.json",
        include_str!("../content/about-low-mood.json"),
    ),
    (
        "about-sleep.json",
        include_str!("../content/about-sleep.json"),
    ),
];

/// The shipped packs, parsed once: the valid ones and the errors (reported in the console).
pub fn shipped() -> &'static (Vec<Pack>, Vec<PackError>) {
    static PACKS: std::sync::OnceLock<(Vec<Pack>, Vec<PackError>)> = std::sync::OnceLock::new();
    PACKS.get_or_init(|| load(SHIPPED))
}

/// Loads packs: the valid ones, and an error for each malformed one (never all-or-nothing).
/// A second pack with an id already loaded is refused.
pub fn load<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (Vec<Pack>, Vec<PackError>) {
    let mut packs: Vec<Pack> = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in files {
        match Pack::parse(file, text) {
            Ok(pack) if packs.iter().any(|p| p.id == pack.id) => errors.push(PackError {
                file: file.to_owned(),
                field: "id".into(),
                problem: format!("\"{}\" is already used by another pack", pack.id),
            }),
            Ok(pack) => packs.push(pack),
            Err(e) => errors.push(e),
        }
    }
    (packs, errors)
}

/// Ranks packs for a message: by cosine similarity of its embedding with each pack's
/// summary embedding when both exist, else by whether the pack suits the message's emotion.
/// Returns pack indexes, best first.
pub fn rank(
    packs: &[Pack],
    emotion: &str,
    message: Option<&[f32]>,
    summaries: Option<&[Vec<f32>]>,
) -> Vec<usize> {
    let mut scored: Vec<(usize, f32)> = packs
        .iter()
        .enumerate()
        .map(|(i, pack)| {
            let by_emotion = if pack.emotions.iter().any(|e| e == emotion) {
                1.0
            } else {
                0.0
            };
            let by_meaning = match (message, summaries.and_then(|s| s.get(i))) {
                (Some(m), Some(s)) if m.len() == s.len() => {
                    m.iter().zip(s).map(|(a, b)| a * b).sum::<f32>()
                }
                _ => 0.0,
            };
            (i, by_meaning + 0.1 * by_emotion)
        })
        .collect();
    crate::sorting::sort_by(&mut scored, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GOOD: &str = r#"{"format":"hearth-content/1","id":"t","version":1,"title":"T",
        "summary":"S","kind":"exercise","emotions":["anxiety"],"minutes":3,"author":"A",
        "steps":[{"id":"a","say":"Hi","choices":[{"label":"Go","next":"b"},{"label":"Stop","next":"z"}]},
                 {"id":"b","say":"Rate it","ask":{"kind":"scale","label":"How","min":0,"max":10}},
                 {"id":"c","say":"Write","ask":{"kind":"text","label":"Words"},"next":"z"},
                 {"id":"z","say":"Bye","end":true}]}"#;

    #[test]
    fn every_shipped_pack_loads() {
        let (packs, errors) = load(SHIPPED);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(packs.len(), 8);
        for pack in &packs {
            assert!(pack.steps.iter().any(|s| s.end), "{}", pack.id);
        }
    }

    #[test]
    fn a_good_pack_walks_its_branches() {
        let pack = Pack::parse("t.json", GOOD).unwrap();
        assert_eq!(pack.next_after("b").unwrap().id, "c");
        assert_eq!(pack.next_after("c").unwrap().id, "z");
        assert!(pack.next_after("z").is_none());
        assert!(
            pack.next_after("a").is_none(),
            "a choice step has no single next"
        );
    }

    #[test]
    fn mistakes_name_the_file_and_field() {
        let cases = [
            (
                GOOD.replace("hearth-content/1", "hearth-content/9"),
                "format",
            ),
            (GOOD.replace(r#""id":"t""#, r#""id":"t t""#), "id"),
            (GOOD.replace(r#""title":"T""#, r#""title":" ""#), "title"),
            (GOOD.replace(r#""minutes":3"#, r#""minutes":0"#), "minutes"),
            (GOOD.replace(r#"["anxiety"]"#, r#"["sad"]"#), "emotions[0]"),
            (
                GOOD.replace(r#""next":"b""#, r#""next":"bb""#),
                "steps[0].choices[0].next",
            ),
            (GOOD.replace(r#""id":"c""#, r#""id":"b""#), "steps[2].id"),
            (
                GOOD.replace(r#""say":"Write""#, r#""say":"""#),
                "steps[2].say",
            ),
            (GOOD.replace(r#""min":0"#, r#""min":10"#), "steps[1].ask"),
            (GOOD.replace(r#","end":true"#, ""), "steps[3]"),
            (
                GOOD.replace(
                    r#""Words"},"next":"z"}"#,
                    r#""Words"},"next":"z","end":true}"#,
                ),
                "steps[2].next",
            ),
            (
                GOOD.replace(r#""say":"Hi""#, r#""say":"Hi","colour":"red""#),
                "(file)",
            ),
        ];
        for (json, field) in cases {
            let err = Pack::parse("t.json", &json).unwrap_err();
            assert_eq!(err.file, "t.json");
            assert_eq!(err.field, field, "{err}");
        }
        // An ask of the wrong shape is refused with serde's words for it.
        for (from, to, words) in [
            (
                r#""kind":"scale""#,
                r#""kind":"slider""#,
                "unknown variant `slider`",
            ),
            (r#","max":10"#, "", "missing field `max`"),
            (
                r#""label":"Words""#,
                r#""label":"Words","min":1"#,
                "unknown field `min`",
            ),
            (
                r#""label":"Words""#,
                r#""label":"Words","colour":"red""#,
                "unknown field `colour`",
            ),
        ] {
            let err = Pack::parse("t.json", &GOOD.replace(from, to)).unwrap_err();
            assert!(err.to_string().contains(words), "{to}: {err}");
        }
        // Unreachable step.
        let orphan = GOOD.replace(
            r#""Words"},"next":"z"}"#,
            r#""Words"},"next":"z"},{"id":"lost","say":"x","end":true}"#,
        );
        let err = Pack::parse("t.json", &orphan).unwrap_err();
        assert_eq!(err.field, "steps[3]", "{err}");
        assert!(err.to_string().contains("never be reached"));
    }

    #[test]
    fn one_bad_pack_does_not_stop_the_others() {
        let (packs, errors) = load([("good.json", GOOD), ("bad.json", "{"), ("again.json", GOOD)]);
        assert_eq!(packs.len(), 1);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].file, "bad.json");
        assert!(errors[1].problem.contains("already used"));
    }

    #[test]
    fn ranking_prefers_meaning_then_emotion() {
        let (packs, _) = load(SHIPPED);
        let anxious = rank(&packs, "anxiety", None, None);
        assert!(packs[anxious[0]].emotions.iter().any(|e| e == "anxiety"));
        let dims = 3;
        let mut summaries = vec![vec![0.0; dims]; packs.len()];
        summaries[5][1] = 1.0;
        let best = rank(&packs, "joy", Some(&[0.0, 1.0, 0.0]), Some(&summaries));
        assert_eq!(best[0], 5);
    }
}
