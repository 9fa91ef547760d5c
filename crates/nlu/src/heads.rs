//! The trained heads and the crisis prototypes, as shipped in `heads/heads.safetensors`.
//!
//! One small safetensors file (committed, built into the crate) holds everything that sits
//! on top of the encoder:
//!
//! - two classifiers — `intent`, `crisis` — each a hidden ReLU layer and a softmax output
//!   over the mean-pooled embedding (`<head>.hidden.weight|bias`, `<head>.out.weight|bias`);
//! - the `emotion` classifier, which pools the encoder's token states itself: a learned
//!   query scores every token (`emotion.attention.query`), the softmax of those scores
//!   weights the tokens, and the unit-length result times `emotion.attention.scale` goes
//!   through one linear softmax layer (`emotion.out.weight|bias`). It learns which words
//!   carry the feeling, so a mention of who the writer is weighs little;
//! - `prototypes.embedding` (one unit vector per crisis prototype sentence) and
//!   `prototypes.level` (its risk level, 1–3);
//! - metadata `hearth`: the label names of each head, the decision thresholds tuned on the
//!   dev split, and the SHA-256 of the compact model file the heads were trained on.
//!
//! Inference here is plain Rust arithmetic (a few thousand multiply-adds), identical on
//! every target; training (native only) lives in [`crate::train`].

use std::collections::BTreeMap;

use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use crate::encoder::{TokenStates, DIM};
use crate::Risk;

/// The committed heads file, built into every binary that uses this crate.
pub const HEADS_FILE: &[u8] = include_bytes!("../heads/heads.safetensors");

/// Why the heads file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("the heads file is not valid: {0}")]
pub struct HeadsError(pub String);

fn bad(msg: impl std::fmt::Display) -> HeadsError {
    HeadsError(msg.to_string())
}

/// Decision thresholds, tuned on the dev split by `hearth-nlu train`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Thresholds {
    /// The crisis head flags a message when `1 − p(none)` reaches this.
    pub crisis_head: f32,
    /// The same, when the rules layer found an idiom, fiction or similar context guard.
    pub crisis_head_guarded: f32,
    /// A prototype flags a message when its cosine similarity reaches this.
    pub prototype: f32,
}

/// The metadata stored under the `hearth` key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadsMeta {
    /// Label names per head, in output order.
    pub labels: BTreeMap<String, Vec<String>>,
    /// Decision thresholds.
    pub thresholds: Thresholds,
    /// SHA-256 (hex) of the compact model file whose embeddings trained these heads.
    pub model_sha256: String,
}

/// One classifier: embedding → hidden ReLU layer → softmax over labels.
#[derive(Debug, Clone)]
pub struct Head {
    /// Label names, in output order.
    pub labels: Vec<String>,
    hidden_w: Vec<f32>,
    hidden_b: Vec<f32>,
    out_w: Vec<f32>,
    out_b: Vec<f32>,
}

impl Head {
    /// Builds a head from its weights (row-major `[hidden, DIM]` and `[labels, hidden]`).
    pub fn new(
        labels: Vec<String>,
        hidden_w: Vec<f32>,
        hidden_b: Vec<f32>,
        out_w: Vec<f32>,
        out_b: Vec<f32>,
    ) -> Result<Head, HeadsError> {
        let h = hidden_b.len();
        let k = labels.len();
        if hidden_w.len() != h * DIM || out_w.len() != k * h || out_b.len() != k || k == 0 {
            return Err(bad("head weight shapes do not match"));
        }
        Ok(Head {
            labels,
            hidden_w,
            hidden_b,
            out_w,
            out_b,
        })
    }

    /// The raw weights: hidden weight, hidden bias, output weight, output bias.
    pub fn weights(&self) -> (&[f32], &[f32], &[f32], &[f32]) {
        (&self.hidden_w, &self.hidden_b, &self.out_w, &self.out_b)
    }

    /// Class probabilities for one embedding, in [`Head::labels`] order.
    pub fn probabilities(&self, embedding: &[f32]) -> Vec<f32> {
        let hidden: Vec<f32> = self
            .hidden_w
            .chunks_exact(DIM)
            .zip(&self.hidden_b)
            .map(|(row, b)| (crate::encoder::dot(row, embedding) + b).max(0.0))
            .collect();
        let logits: Vec<f32> = self
            .out_w
            .chunks_exact(hidden.len().max(1))
            .zip(&self.out_b)
            .map(|(row, b)| crate::encoder::dot(row, &hidden) + b)
            .collect();
        softmax(&logits)
    }

    /// The most likely label and its probability.
    pub fn top(&self, embedding: &[f32]) -> (&str, f32) {
        most_likely(&self.labels, &self.probabilities(embedding))
    }
}

/// The label with the highest probability, and that probability (the first label when `p`
/// is empty).
pub fn most_likely<'a>(labels: &'a [String], p: &[f32]) -> (&'a str, f32) {
    let (i, best) = p.iter().enumerate().fold(
        (0, f32::MIN),
        |acc, (i, &x)| if x > acc.1 { (i, x) } else { acc },
    );
    (labels.get(i).map_or("", String::as_str), best)
}

/// A classifier over token states: attention pooling with one learned query, then a linear
/// softmax over the unit-length pooled vector (see the module docs).
#[derive(Debug, Clone)]
pub struct AttentionHead {
    /// Label names, in output order.
    pub labels: Vec<String>,
    query: Vec<f32>,
    scale: f32,
    out_w: Vec<f32>,
    out_b: Vec<f32>,
}

impl AttentionHead {
    /// Builds the head from its query (`DIM`), scale, output weight (row-major
    /// `[labels, DIM]`) and output bias.
    pub fn new(
        labels: Vec<String>,
        query: Vec<f32>,
        scale: f32,
        out_w: Vec<f32>,
        out_b: Vec<f32>,
    ) -> Result<AttentionHead, HeadsError> {
        let k = labels.len();
        if query.len() != DIM || out_w.len() != k * DIM || out_b.len() != k || k == 0 {
            return Err(bad("attention head weight shapes do not match"));
        }
        if !scale.is_finite() || scale <= 0.0 {
            return Err(bad("attention head scale must be positive"));
        }
        Ok(AttentionHead {
            labels,
            query,
            scale,
            out_w,
            out_b,
        })
    }

    /// The raw weights: query, scale, output weight, output bias.
    pub fn weights(&self) -> (&[f32], f32, &[f32], &[f32]) {
        (&self.query, self.scale, &self.out_w, &self.out_b)
    }

    /// The attention-pooled, unit-length vector over every token of every chunk of a message
    /// (zero when there are no tokens).
    pub fn pool(&self, chunks: &[TokenStates]) -> Vec<f32> {
        let scores: Vec<f32> = chunks
            .iter()
            .flat_map(TokenStates::rows)
            .map(|h| crate::encoder::dot(&self.query, h))
            .collect();
        let weights = softmax(&scores);
        let mut pooled = vec![0f32; DIM];
        for (h, w) in chunks.iter().flat_map(TokenStates::rows).zip(weights) {
            pooled.iter_mut().zip(h).for_each(|(p, x)| *p += w * x);
        }
        crate::encoder::normalize(&mut pooled);
        pooled
    }

    /// Class probabilities for a message's token states, in [`AttentionHead::labels`] order.
    pub fn probabilities(&self, chunks: &[TokenStates]) -> Vec<f32> {
        let pooled = self.pool(chunks);
        let logits: Vec<f32> = self
            .out_w
            .chunks_exact(DIM)
            .zip(&self.out_b)
            .map(|(row, b)| self.scale * crate::encoder::dot(row, &pooled) + b)
            .collect();
        softmax(&logits)
    }

    /// The most likely label and its probability.
    pub fn top(&self, chunks: &[TokenStates]) -> (&str, f32) {
        most_likely(&self.labels, &self.probabilities(chunks))
    }
}

/// A numerically stable softmax.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let exp: Vec<f32> = logits.iter().map(|x| (x - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|x| x / sum).collect()
}

/// A crisis prototype: a unit embedding and the risk level it stands for.
#[derive(Debug, Clone)]
pub struct Prototype {
    /// Unit-length embedding of the prototype sentence.
    pub embedding: Vec<f32>,
    /// The level a close match signals.
    pub level: Risk,
}

/// Everything on top of the encoder.
#[derive(Debug, Clone)]
pub struct Heads {
    /// Emotion classifier (over token states).
    pub emotion: AttentionHead,
    /// Intent classifier.
    pub intent: Head,
    /// Crisis risk classifier (labels none, low, moderate, high).
    pub crisis: Head,
    /// Crisis prototypes.
    pub prototypes: Vec<Prototype>,
    /// Metadata: thresholds and the model hash.
    pub meta: HeadsMeta,
}

/// Reads a tensor's F32 values, checking its element count.
fn values(st: &SafeTensors<'_>, name: &str) -> Result<Vec<f32>, HeadsError> {
    let view = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
    if view.dtype() != Dtype::F32 {
        return Err(bad(format!("{name}: not F32")));
    }
    Ok(crate::encoder::f32s_le(view.data()))
}

/// The level number stored for each prototype.
pub fn level_from_index(i: f32) -> Risk {
    match i.round() as i32 {
        3 => Risk::High,
        2 => Risk::Moderate,
        1 => Risk::Low,
        _ => Risk::None,
    }
}

impl Heads {
    /// Parses a heads file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Heads, HeadsError> {
        let st = SafeTensors::deserialize(bytes).map_err(bad)?;
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(bad)?;
        let meta: HeadsMeta = header
            .metadata()
            .as_ref()
            .and_then(|m| m.get("hearth"))
            .ok_or_else(|| bad("no `hearth` metadata"))
            .and_then(|j| serde_json::from_str(j).map_err(bad))?;
        let head = |name: &str| -> Result<Head, HeadsError> {
            let labels = meta
                .labels
                .get(name)
                .cloned()
                .ok_or_else(|| bad(format!("no labels for {name}")))?;
            Head::new(
                labels,
                values(&st, &format!("{name}.hidden.weight"))?,
                values(&st, &format!("{name}.hidden.bias"))?,
                values(&st, &format!("{name}.out.weight"))?,
                values(&st, &format!("{name}.out.bias"))?,
            )
        };
        let crisis = head("crisis")?;
        if crisis.labels != ["none", "low", "moderate", "high"] {
            return Err(bad("crisis labels must be none, low, moderate, high"));
        }
        let emb = values(&st, "prototypes.embedding")?;
        let levels = values(&st, "prototypes.level")?;
        if emb.len() != levels.len() * DIM {
            return Err(bad("prototype shapes do not match"));
        }
        let prototypes = emb
            .chunks_exact(DIM)
            .zip(levels)
            .map(|(e, l)| Prototype {
                embedding: e.to_vec(),
                level: level_from_index(l),
            })
            .collect();
        let scale = values(&st, "emotion.attention.scale")?;
        let emotion = AttentionHead::new(
            meta.labels
                .get("emotion")
                .cloned()
                .ok_or_else(|| bad("no labels for emotion"))?,
            values(&st, "emotion.attention.query")?,
            scale.first().copied().unwrap_or(0.0),
            values(&st, "emotion.out.weight")?,
            values(&st, "emotion.out.bias")?,
        )?;
        Ok(Heads {
            emotion,
            intent: head("intent")?,
            crisis,
            prototypes,
            meta,
        })
    }

    /// The heads built into this binary.
    pub fn builtin() -> Result<Heads, HeadsError> {
        Heads::from_bytes(HEADS_FILE)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A token state that is `x` along axis `axis` and zero elsewhere.
    fn token(axis: usize, x: f32) -> Vec<f32> {
        let mut v = vec![0f32; DIM];
        v[axis] = x;
        v
    }

    fn states(tokens: &[Vec<f32>]) -> TokenStates {
        TokenStates {
            values: tokens.concat(),
        }
    }

    /// A head whose query looks along axis 0 and whose two labels read axes 1 and 2.
    fn head() -> AttentionHead {
        let mut w = token(1, 1.0);
        w.extend(token(2, 1.0));
        AttentionHead::new(
            vec!["one".into(), "two".into()],
            token(0, 5.0),
            10.0,
            w,
            vec![0.0, 0.0],
        )
        .unwrap()
    }

    #[test]
    fn attention_weighs_the_tokens_the_query_picks_out() {
        let mut loud = token(0, 1.0);
        loud[2] = 1.0;
        // Three tokens lean towards "one" but carry nothing the query looks for; one token
        // the query picks out says "two".
        let message = states(&[token(1, 1.0), token(1, 1.0), token(1, 1.0), loud]);
        assert_eq!(head().top(std::slice::from_ref(&message)).0, "two");
        // Split across chunks, the message pools the same.
        let (a, b) = message.values.split_at(2 * DIM);
        let chunks = [
            TokenStates { values: a.to_vec() },
            TokenStates { values: b.to_vec() },
        ];
        let (whole, split) = (head().pool(&[message]), head().pool(&chunks));
        assert!(whole.iter().zip(&split).all(|(x, y)| (x - y).abs() < 1e-6));
        // No tokens: no pooled vector, the bias decides.
        assert!(head().pool(&[]).iter().all(|&x| x == 0.0));
        assert_eq!(head().probabilities(&[]), vec![0.5, 0.5]);
    }

    #[test]
    fn attention_heads_with_the_wrong_shapes_are_refused() {
        let labels = vec!["one".to_string()];
        assert!(
            AttentionHead::new(labels.clone(), vec![0.0; 3], 1.0, token(0, 1.0), vec![0.0])
                .is_err()
        );
        assert!(
            AttentionHead::new(labels.clone(), token(0, 1.0), 1.0, vec![0.0; 3], vec![0.0])
                .is_err()
        );
        assert!(
            AttentionHead::new(labels.clone(), token(0, 1.0), 0.0, token(0, 1.0), vec![0.0])
                .is_err()
        );
        assert!(AttentionHead::new(labels, token(0, 1.0), 1.0, token(0, 1.0), vec![0.0]).is_ok());
    }
}
