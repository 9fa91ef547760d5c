//! # hearth-nlu — on-device understanding of what a patient writes
//!
//! Everything in this crate runs the same way natively (tests, the CLI) and inside the
//! browser's Web Worker, because nothing here does I/O: callers hand in bytes.
//!
//! The parts, and how they fit:
//!
//! - [`encoder`]: all-MiniLM-L6-v2. [`Model::load`] takes the compact weights
//!   ([`encoder::compact`]: int8 rows with f16 scales, 22.8 MB, made by `hearth-nlu convert`
//!   from the pinned F32 file) and `tokenizer.json` as bytes, and runs our own forward pass
//!   over the int8 matrices ([`encoder::int8`]: integer dot products, SIMD in the browser);
//!   candle-transformers' F32 BERT runs the original weights as the reference. A text
//!   becomes a 384-d, mean-pooled, L2-normalised embedding.
//! - [`files`]: the model files' names and pinned SHA-256 values, and the checks the CLI and
//!   the browser both apply before using a byte of them.
//! - [`heads`]: the emotion, intent and crisis classifiers and the crisis prototypes, in
//!   one small committed safetensors file built into every binary. Intent and crisis read
//!   the mean-pooled embedding; the emotion head pools the token states with its own learned
//!   attention, which weighs the words that carry the feeling (not who the writer is).
//! - [`rules`]: the no-model crisis layer. [`rules::screen`] normalises texting forms,
//!   leetspeak and repeated letters, runs `high` rules no guard can suppress, neutralises
//!   idioms, then runs `low`/`moderate` rules under context guards (fiction, someone else,
//!   recovered history, jokes...). It answers offline and when the model cannot load.
//! - [`classify`]: the decision. [`Classifier`] combines the rules, the nearest prototype and
//!   the crisis head (tuned for recall) into one [`Decision`] per message — the same code in
//!   the CLI and in the browser's worker, so both decide identically.
//! - [`train`] and [`eval`] (native only): fitting the heads on `data/` (train + dev) and
//!   the held-out report in `docs/nlu-eval.md`.
//! - [`audit`] (native only): the counterfactual bias audit over `data/audit/` (identity
//!   terms in templates, dialect and spelling variants) and its thresholds; [`card`]: the
//!   model card the widget and `docs/model-card.md` show, built from the evaluation and the
//!   audit by `hearth-nlu report`.
//! - [`par`] (native only): the order-keeping parallel map those long jobs encode with.
//! - The `hearth-nlu` binary: `classify | embed | evaluate | audit | report | train |
//!   convert | fidelity`.
//!
//! Retrieval of content-pack exercises by embedding similarity arrives with the patient
//! experience.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(not(target_arch = "wasm32"))]
pub mod audit;
pub mod card;
pub mod classify;
pub mod encoder;
#[cfg(not(target_arch = "wasm32"))]
pub mod eval;
pub mod files;
pub mod heads;
#[cfg(not(target_arch = "wasm32"))]
pub mod par;
pub mod rules;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;

pub use classify::{Classifier, Decision};
pub use encoder::Model;
pub use heads::Heads;

use std::fmt;

/// The emotion labels, in the emotion head's output order.
pub const EMOTIONS: [&str; 8] = [
    "sadness",
    "anxiety",
    "anger",
    "guilt",
    "loneliness",
    "hopelessness",
    "joy",
    "neutral",
];

/// The intent labels, in the intent head's output order.
pub const INTENTS: [&str; 6] = [
    "exercise", "human", "venting", "question", "positive", "greeting",
];

/// How much danger a piece of patient text signals, as the crisis layer decides it.
///
/// The levels are ordered: `None < Low < Moderate < High`. In JSON a level is its lowercase
/// name (`"moderate"`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// No sign of danger: everyday sadness, stress, anger, idioms, fiction, recovered history.
    None,
    /// A passive wish to be dead or not wake up, hopelessness about living, without intent.
    Low,
    /// Active suicidal thoughts, self-harm, or thoughts of harming someone, without a plan.
    Moderate,
    /// A plan, means, intent or timeline; an attempt under way; danger from someone now.
    High,
}

impl Risk {
    /// Whether this level opens the crisis card (every level except [`Risk::None`]).
    pub fn is_crisis(self) -> bool {
        self != Risk::None
    }

    /// Whether the assistant must stop its normal flow (moderate and high).
    pub fn stops_normal_flow(self) -> bool {
        self >= Risk::Moderate
    }

    /// Parses the lowercase name (`none`, `low`, `moderate`, `high`).
    pub fn parse(name: &str) -> Option<Risk> {
        Some(match name {
            "none" => Risk::None,
            "low" => Risk::Low,
            "moderate" => Risk::Moderate,
            "high" => Risk::High,
            _ => return None,
        })
    }

    /// Every level, lowest first.
    pub const ALL: [Risk; 4] = [Risk::None, Risk::Low, Risk::Moderate, Risk::High];

    /// The lowercase name used in the CLI's JSON and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Moderate => "moderate",
            Risk::High => "high",
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Risk;

    #[test]
    fn every_level_but_none_is_a_crisis() {
        assert!(!Risk::None.is_crisis());
        assert!(Risk::Low.is_crisis() && Risk::Moderate.is_crisis() && Risk::High.is_crisis());
    }

    #[test]
    fn only_moderate_and_high_stop_the_assistant() {
        assert!(!Risk::Low.stops_normal_flow());
        assert!(Risk::Moderate.stops_normal_flow() && Risk::High.stops_normal_flow());
        assert_eq!(Risk::High.to_string(), "high");
    }
}
