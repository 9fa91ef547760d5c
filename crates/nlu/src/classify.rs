//! The decision: rules, prototypes and heads combined into one answer per message.
//!
//! [`Classifier`] is what the CLI and the browser's worker both call, so they decide
//! identically. With a model it embeds the message (long messages in chunks of
//! [`CHUNK_WORDS`] words, at most [`MAX_CHUNKS`]) and takes, for crisis risk, the highest of
//!
//! 1. the rules layer ([`crate::rules::screen`], always, on the whole text);
//! 2. the nearest crisis prototype, when its cosine similarity reaches the tuned threshold;
//! 3. the crisis head, when `1 − p(none)` reaches its tuned threshold (a stricter one when
//!    the rules found an idiom, fiction or another context guard), at the most likely
//!    non-`none` level.
//!
//! Intent comes from its head on the mean of the chunk embeddings; emotion from its attention
//! head over the tokens of all the chunks. Without a model it runs the rules alone and
//! reports emotion and intent as `unknown`.

use serde::{Deserialize, Serialize};

use crate::encoder::{self, Model};
use crate::heads::{Head, Heads, Prototype, Thresholds};
use crate::rules;
use crate::Risk;

/// Words per encoder pass for long messages (comfortably under 128 tokens).
pub const CHUNK_WORDS: usize = 80;

/// The most chunks of one message the encoder reads (the first and last halves of this
/// many); the rules read all of it, up to [`crate::rules::normalize::MAX_CHARS`].
pub const MAX_CHUNKS: usize = 16;

/// What the label fields say when there is no model.
pub const UNKNOWN: &str = "unknown";

/// One decision, as the CLI prints it (DESIGN.md section 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the crisis card opens (risk is not `none`).
    pub crisis: bool,
    /// `none`, `low`, `moderate` or `high`.
    pub risk: String,
    /// The main emotion, or `unknown` without a model.
    pub emotion: String,
    /// What the writer wants, or `unknown` without a model.
    pub intent: String,
    /// Why: `rule:...`, `prototype:<level> 0.83`, `head:crisis 0.93`, `guard:...`.
    pub reasons: Vec<String>,
}

impl Decision {
    /// The risk as a [`Risk`].
    pub fn risk_level(&self) -> Risk {
        Risk::parse(&self.risk).unwrap_or(Risk::None)
    }
}

/// The encoder and its heads, or nothing (rules only).
#[derive(Debug)]
pub struct Classifier {
    model: Option<(Model, Heads)>,
}

/// The model-side scores for one message (for evaluation and threshold tuning).
#[derive(Debug, Clone)]
pub struct Scores {
    /// Crisis head probabilities per chunk: none, low, moderate, high.
    pub crisis: Vec<[f32; 4]>,
    /// Best prototype similarity per chunk and that prototype's level.
    pub prototype: Vec<(f32, Risk)>,
    /// Mean of the chunk embeddings, re-normalised.
    pub embedding: Vec<f32>,
    /// The emotion head's probabilities, in `heads.emotion.labels` order, pooled from the
    /// tokens of all the chunks (empty when not computed, as in crisis threshold tuning).
    pub emotion: Vec<f32>,
}

impl Classifier {
    /// A classifier with the encoder and heads.
    pub fn with_model(model: Model, heads: Heads) -> Classifier {
        Classifier {
            model: Some((model, heads)),
        }
    }

    /// The rules-only classifier (what runs when the model cannot load).
    pub fn rules_only() -> Classifier {
        Classifier { model: None }
    }

    /// Whether the model path is available.
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Splits a message into the chunks the encoder reads.
    pub fn chunks(text: &str) -> Vec<String> {
        let clean: String = text
            .chars()
            .take(crate::rules::normalize::MAX_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let words: Vec<&str> = clean.split_whitespace().collect();
        if words.is_empty() {
            return vec![String::new()];
        }
        let mut chunks: Vec<String> = words.chunks(CHUNK_WORDS).map(|c| c.join(" ")).collect();
        if chunks.len() > MAX_CHUNKS {
            // The start and the end of a very long message: where people tend to say
            // what matters most ("...and honestly I want to die").
            chunks.drain(MAX_CHUNKS / 2..chunks.len() - MAX_CHUNKS / 2);
        }
        chunks
    }

    /// The message's embedding as the heads see it (chunks averaged), or `None` without a
    /// model.
    pub fn embed_message(&self, text: &str) -> Result<Option<Vec<f32>>, encoder::Error> {
        match &self.model {
            Some((model, _)) => embed_with(model, text).map(Some),
            None => Ok(None),
        }
    }

    /// The model-side scores, or `None` without a model.
    pub fn scores(&self, text: &str) -> Result<Option<Scores>, encoder::Error> {
        let Some((model, heads)) = &self.model else {
            return Ok(None);
        };
        let (chunks, states): (Vec<_>, Vec<_>) = Classifier::chunks(text)
            .iter()
            .map(|c| model.encode(c))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        let mut scores = chunk_scores(&heads.crisis, &heads.prototypes, &chunks);
        scores.emotion = heads.emotion.probabilities(&states);
        Ok(Some(scores))
    }

    /// Decides one message. Never fails: if the encoder errors, the rules answer and the
    /// reasons say so.
    pub fn classify(&self, text: &str) -> Decision {
        self.classify_with_scores(text).0
    }

    /// [`Classifier::classify`], and the model-side scores it decided with (`None` without
    /// a model or when the encoder failed), from one pass of the encoder.
    pub fn classify_with_scores(&self, text: &str) -> (Decision, Option<Scores>) {
        let verdict = rules::screen(text);
        let mut risk = verdict.risk;
        let mut reasons = verdict.reasons.clone();
        let (mut emotion, mut intent) = (UNKNOWN.to_string(), UNKNOWN.to_string());
        let mut scores = None;
        if let Some((_, heads)) = &self.model {
            match self.scores(text) {
                Ok(Some(s)) => {
                    let (level, why) = combine(&verdict, &s, heads.meta.thresholds);
                    risk = risk.max(level);
                    reasons.extend(why);
                    emotion = crate::heads::most_likely(&heads.emotion.labels, &s.emotion)
                        .0
                        .to_string();
                    intent = heads.intent.top(&s.embedding).0.to_string();
                    scores = Some(s);
                }
                Ok(None) => {}
                Err(e) => reasons.push(format!("error:model {e}")),
            }
        }
        reasons.extend(verdict.guards);
        let decision = Decision {
            crisis: risk.is_crisis(),
            risk: risk.as_str().to_string(),
            emotion,
            intent,
            reasons,
        };
        (decision, scores)
    }
}

/// The rules layer's decision alone — exactly what [`Classifier::classify`] answers without
/// a model — without linking any of the model code (the widget's UI thread uses this).
pub fn rules_decision(text: &str) -> Decision {
    let verdict = rules::screen(text);
    let mut reasons = verdict.reasons;
    reasons.extend(verdict.guards);
    Decision {
        crisis: verdict.risk.is_crisis(),
        risk: verdict.risk.as_str().to_string(),
        emotion: UNKNOWN.to_string(),
        intent: UNKNOWN.to_string(),
        reasons,
    }
}

/// The crisis head's probabilities and the best prototype for each chunk embedding, and
/// the chunks' mean embedding (re-normalised) for the intent head.
pub fn chunk_scores(crisis_head: &Head, prototypes: &[Prototype], chunks: &[Vec<f32>]) -> Scores {
    let mut s = Scores {
        crisis: Vec::with_capacity(chunks.len()),
        prototype: Vec::with_capacity(chunks.len()),
        embedding: vec![0f32; encoder::DIM],
        emotion: Vec::new(),
    };
    for e in chunks {
        let p = crisis_head.probabilities(e);
        s.crisis.push([p[0], p[1], p[2], p[3]]);
        s.prototype.push(
            prototypes
                .iter()
                .map(|pr| (encoder::dot(&pr.embedding, e), pr.level))
                .fold((f32::MIN, Risk::None), |a, b| if b.0 > a.0 { b } else { a }),
        );
        s.embedding.iter_mut().zip(e).for_each(|(m, x)| *m += x);
    }
    encoder::normalize(&mut s.embedding);
    s
}

/// Embeds a message as the classifier does: each chunk, averaged, re-normalised.
pub fn embed_with(model: &Model, text: &str) -> Result<Vec<f32>, encoder::Error> {
    let mut mean = vec![0f32; encoder::DIM];
    for chunk in Classifier::chunks(text) {
        model
            .embed(&chunk)?
            .iter()
            .zip(mean.iter_mut())
            .for_each(|(x, m)| *m += x);
    }
    encoder::normalize(&mut mean);
    Ok(mean)
}

/// The model layers' risk for one message given the rules' verdict (which it never lowers
/// — the caller takes the maximum) and the reasons to report.
pub fn combine(verdict: &rules::RuleVerdict, s: &Scores, t: Thresholds) -> (Risk, Vec<String>) {
    let mut risk = Risk::None;
    let mut reasons = Vec::new();
    let (p_sim, p_level) =
        s.prototype.iter().fold(
            (f32::MIN, Risk::None),
            |a, &b| if b.0 > a.0 { b } else { a },
        );
    if p_sim >= t.prototype && p_level > Risk::None {
        reasons.push(format!("prototype:{p_level} {p_sim:.2}"));
        risk = risk.max(p_level);
    }
    let threshold = if verdict.guards.is_empty() {
        t.crisis_head
    } else {
        t.crisis_head_guarded
    };
    if let Some((p, level)) = head_crisis(&s.crisis) {
        if p >= threshold {
            reasons.push(format!("head:crisis {p:.2}"));
            risk = risk.max(level);
        }
    }
    (risk, reasons)
}

/// The crisis head's strongest chunk: `1 − p(none)` and its most likely non-`none` level.
pub fn head_crisis(chunks: &[[f32; 4]]) -> Option<(f32, Risk)> {
    chunks
        .iter()
        .map(|p| {
            let level = if p[3] >= p[2] && p[3] >= p[1] {
                Risk::High
            } else if p[2] >= p[1] {
                Risk::Moderate
            } else {
                Risk::Low
            };
            (1.0 - p[0], level)
        })
        .fold(None, |best: Option<(f32, Risk)>, c| match best {
            Some(b) if b.0 >= c.0 => Some(b),
            _ => Some(c),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_decision_is_the_classifier_without_a_model() {
        let c = Classifier::rules_only();
        for text in [
            "kms",
            "this commute is killing me",
            "",
            "I want to die",
            "hello",
        ] {
            assert_eq!(rules_decision(text), c.classify(text), "{text}");
        }
    }

    #[test]
    fn long_messages_are_read_in_bounded_chunks() {
        assert_eq!(Classifier::chunks(""), vec![String::new()]);
        assert_eq!(Classifier::chunks("a\u{7}b"), vec!["a b".to_string()]);
        let long = format!("{}the end", "word ".repeat(CHUNK_WORDS * (MAX_CHUNKS + 5)));
        let chunks = Classifier::chunks(&long);
        assert_eq!(chunks.len(), MAX_CHUNKS);
        assert!(chunks[..MAX_CHUNKS - 1]
            .iter()
            .all(|c| c.split(' ').count() == CHUNK_WORDS));
        assert!(
            chunks[MAX_CHUNKS - 1].ends_with("the end"),
            "the end is read"
        );
    }
}
