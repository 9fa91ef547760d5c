//! # hearth-nlu — on-device understanding of what a patient writes
//!
//! Everything in this crate runs the same way natively (tests, the CLI) and inside the
//! browser's Web Worker, because nothing here does I/O: callers hand in bytes.
//!
//! What it will hold, and how the parts fit:
//!
//! - **Tokenizer and encoder**: the all-MiniLM-L6-v2 sentence encoder (pinned by SHA-256,
//!   shipped to browsers as a compact file), run with candle. A sentence becomes a 384-d,
//!   attention-masked, mean-pooled, L2-normalised embedding.
//! - **Heads**: small classifiers on that embedding — emotion, intent and crisis risk —
//!   trained in Rust from the project's own labelled text in `data/`.
//! - **Crisis detector**: layered and tuned for recall. Explicit and coded-language rules
//!   (which work with no model at all), similarity to crisis prototypes, and the trained
//!   head. Idioms such as "this commute is killing me" must not fire.
//! - **Rules layer** ([`rules`], built): [`rules::screen`] reads one message and returns a
//!   [`rules::RuleVerdict`] — a [`Risk`] level, stable reason ids (`rule:explicit-intent`,
//!   `rule:coded-slang`, `rule:passive-wish`, ...) and the guards that suppressed a false
//!   alarm (`guard:idiom`, `guard:fiction-media`, `guard:recovered-history`, ...). It
//!   normalises texting forms, leetspeak and repeated letters, runs `high` rules that no
//!   guard can suppress, neutralises idioms, then runs `low`/`moderate` rules under context
//!   guards. No model, no I/O, compiled once; it is what answers offline or when the model
//!   file is missing or corrupt, and it runs on every message before any reply.
//! - **Retrieval**: content-pack exercises embedded once; the assistant offers the closest.
//! - **CLI** (`hearth-nlu classify | train | eval | audit | report`): the same answers as
//!   the browser, one JSON object per input line.
//!
//! Today the crate holds the risk scale every other part agrees on and the rules layer;
//! the model path lands with the on-device understanding issue.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod rules;

use std::fmt;

/// How much danger a piece of patient text signals, as the crisis layer decides it.
///
/// The levels are ordered: `None < Low < Moderate < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
