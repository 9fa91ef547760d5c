//! `hearth-nlu train`: fit the heads on the train split, tune thresholds on the dev split,
//! and write `heads/heads.safetensors` (native only).
//!
//! The intent and crisis heads are one hidden ReLU layer and a softmax, fitted full-batch
//! with AdamW on the embeddings of the compact model (so the browser, which runs that same
//! file, decides identically); the emotion head is fitted the same way on its token states.
//! Classes are weighted by inverse frequency. Initial weights come from a fixed-seed
//! generator, so the same data and model give the same file.
//!
//! The held-out split is never read here. Intent: each configuration in [`GRID`] is fitted on
//! train and scored on dev; the best is refitted on train + dev. Emotion: an
//! [`AttentionHead`] over the token states ([`fit_attention`]), trained on every train line
//! and [`EMOTION_COPIES`] identity-bearing copies of it; each setting in [`EMOTION_GRID`]
//! (plain, or with label smoothing and a pairing term that asks each copy for the same
//! probabilities as its original) and epoch count in [`EMOTION_EPOCHS`] is scored on dev,
//! and the best refitted on train + dev (and their copies). Crisis: each
//! configuration is scored by five-fold out-of-fold predictions over train + dev, with the
//! crisis-head and prototype thresholds that give the highest recall while false alarms on
//! hard negatives stay within [`MAX_DEV_FALSE_ALARMS`]; the best is refitted on train + dev.

use std::collections::{BTreeMap, HashMap};

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use safetensors::tensor::TensorView;
use safetensors::Dtype;

use crate::classify::{chunk_scores, combine, Classifier, Scores};
use crate::encoder::{self, Model, TokenStates, DIM};
use crate::eval::{self, Example};
use crate::heads::{AttentionHead, Head, Heads, HeadsMeta, Prototype, Thresholds};
use crate::{rules, Risk};

/// How one head is fitted; `train` tries [`GRID`] and keeps the best on dev.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    /// Hidden units.
    pub hidden: usize,
    /// Full-batch optimisation steps.
    pub epochs: usize,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Label smoothing (share of the target spread over the other classes).
    pub smoothing: f32,
}

/// The configurations `train` compares on the dev split.
pub const GRID: [FitConfig; 8] = [
    FitConfig {
        hidden: 16,
        epochs: 150,
        weight_decay: 0.1,
        smoothing: 0.1,
    },
    FitConfig {
        hidden: 16,
        epochs: 400,
        weight_decay: 0.1,
        smoothing: 0.1,
    },
    FitConfig {
        hidden: 64,
        epochs: 150,
        weight_decay: 0.1,
        smoothing: 0.1,
    },
    FitConfig {
        hidden: 64,
        epochs: 400,
        weight_decay: 0.1,
        smoothing: 0.1,
    },
    FitConfig {
        hidden: 64,
        epochs: 400,
        weight_decay: 1.0,
        smoothing: 0.1,
    },
    FitConfig {
        hidden: 64,
        epochs: 400,
        weight_decay: 0.01,
        smoothing: 0.0,
    },
    FitConfig {
        hidden: 128,
        epochs: 250,
        weight_decay: 0.5,
        smoothing: 0.2,
    },
    FitConfig {
        hidden: 128,
        epochs: 600,
        weight_decay: 1.0,
        smoothing: 0.2,
    },
];
/// The highest share of dev hard negatives the tuned thresholds may flag.
pub const MAX_DEV_FALSE_ALARMS: f64 = 0.08;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// Labelled text could not be read.
    #[error(transparent)]
    Data(#[from] eval::DataError),
    /// The encoder failed.
    #[error(transparent)]
    Encoder(#[from] encoder::Error),
    /// A tensor operation failed.
    #[error("training failed: {0}")]
    Tensor(#[from] candle_core::Error),
    /// A label in the data is not one the head knows.
    #[error("unknown label {0:?}")]
    Label(String),
    /// Writing the heads file failed.
    #[error("writing the heads file: {0}")]
    Write(String),
}

/// The first head's seed for [`Rng`]; the heads in [`eval::TASKS`] order take it, it + 1, ….
const SEED: u64 = 0x9e37_79b9;

/// A deterministic xorshift generator for initial weights.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self, bound: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let unit = (self.0 >> 40) as f32 / (1u64 << 24) as f32;
        (unit * 2.0 - 1.0) * bound
    }
}

/// Smoothed one-hot targets `(rows, k)`, per-row inverse-frequency class weights and their
/// sum, for the label indices `y` taken in the order `order`.
fn weighted_targets(
    y: &[usize],
    order: impl Iterator<Item = usize>,
    k: usize,
    smoothing: f32,
    dev: &Device,
) -> Result<(Tensor, Tensor, f32), TrainError> {
    let n = y.len();
    let off = smoothing / (k as f32 - 1.0).max(1.0);
    let mut per_class = vec![0usize; k];
    y.iter().for_each(|&i| per_class[i] += 1);
    let (mut targets, mut weights) = (Vec::with_capacity(n * k), Vec::with_capacity(n));
    for i in order {
        targets.extend((0..k).map(|j| if j == y[i] { 1.0 - smoothing } else { off }));
        weights.push(n as f32 / (k as f32 * per_class[y[i]].max(1) as f32));
    }
    let total: f32 = weights.iter().sum();
    let rows = weights.len();
    Ok((
        Tensor::from_vec(targets, (rows, k), dev)?,
        Tensor::from_vec(weights, rows, dev)?,
        total,
    ))
}

/// Fits one head on embeddings `x` with label indices `y`.
pub fn fit(
    x: &[Vec<f32>],
    y: &[usize],
    labels: &[&str],
    seed: u64,
    cfg: FitConfig,
) -> Result<Head, TrainError> {
    let hidden_units = cfg.hidden;
    let dev = Device::Cpu;
    let n = x.len();
    let k = labels.len();
    let mut rng = Rng(seed | 1);
    let mut init = |rows: usize, cols: usize| -> Vec<f32> {
        let bound = 1.0 / (cols as f32).sqrt();
        (0..rows * cols).map(|_| rng.uniform(bound)).collect()
    };
    let w1 = Var::from_tensor(&Tensor::from_vec(
        init(hidden_units, DIM),
        (hidden_units, DIM),
        &dev,
    )?)?;
    let b1 = Var::zeros(hidden_units, DType::F32, &dev)?;
    let w2 = Var::from_tensor(&Tensor::from_vec(
        init(k, hidden_units),
        (k, hidden_units),
        &dev,
    )?)?;
    let b2 = Var::zeros(k, DType::F32, &dev)?;
    let flat: Vec<f32> = x.iter().flatten().copied().collect();
    let xs = Tensor::from_vec(flat, (n, DIM), &dev)?;
    let (ys, ws, total) = weighted_targets(y, 0..n, k, cfg.smoothing, &dev)?;
    let mut opt = AdamW::new(
        vec![w1.clone(), b1.clone(), w2.clone(), b2.clone()],
        ParamsAdamW {
            lr: 5e-3,
            weight_decay: cfg.weight_decay,
            ..ParamsAdamW::default()
        },
    )?;
    for _ in 0..cfg.epochs {
        let hidden = xs.matmul(&w1.t()?)?.broadcast_add(&b1)?.relu()?;
        let logits = hidden.matmul(&w2.t()?)?.broadcast_add(&b2)?;
        let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        let picked = (logp * &ys)?.sum(1)?;
        let loss = ((picked * &ws)?.sum_all()? / f64::from(total))?.neg()?;
        opt.backward_step(&loss)?;
    }
    Head::new(
        labels.iter().map(|s| s.to_string()).collect(),
        w1.flatten_all()?.to_vec1()?,
        b1.to_vec1()?,
        w2.flatten_all()?.to_vec1()?,
        b2.to_vec1()?,
    )
    .map_err(|e| TrainError::Write(e.to_string()))
}

/// How the emotion head is fitted (see [`fit_attention`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttentionConfig {
    /// AdamW learning rate (full batch, one step per epoch).
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Label smoothing (share of the target spread over the other classes).
    pub smoothing: f32,
    /// Weight of the pairing term: the KL divergence from an original message's
    /// probabilities (held fixed) to its identity-bearing copy's.
    pub pairing: f64,
    /// The pooled unit vector is multiplied by this before the output layer.
    pub scale: f32,
}

/// The emotion head's fitting settings `train` compares on dev (each at every count in
/// [`EMOTION_EPOCHS`]): plain, and with label smoothing and the pairing term.
pub const EMOTION_GRID: [AttentionConfig; 2] = [
    AttentionConfig {
        learning_rate: 5e-3,
        weight_decay: 1e-4,
        smoothing: 0.0,
        pairing: 0.0,
        scale: 10.0,
    },
    AttentionConfig {
        learning_rate: 5e-3,
        weight_decay: 1e-4,
        smoothing: 0.2,
        pairing: 1.0,
        scale: 10.0,
    },
];

/// The epoch counts `train` compares on dev for the emotion head.
pub const EMOTION_EPOCHS: [usize; 3] = [40, 60, 100];

/// Identity-bearing copies of each emotion line the emotion head trains on.
pub const EMOTION_COPIES: usize = 6;

/// Token states per bucket: lines of similar length are padded together.
const BUCKET: usize = 512;

/// Fits the emotion [`AttentionHead`] on token states `x` with label indices `y`.
///
/// `pairs` are (copy, original) indices into `x`: the copy's probabilities are pulled
/// towards the original's. Returns the head after each epoch count in `checkpoints`
/// (ascending).
pub fn fit_attention(
    x: &[TokenStates],
    y: &[usize],
    pairs: &[(usize, usize)],
    labels: &[&str],
    seed: u64,
    cfg: AttentionConfig,
    checkpoints: &[usize],
) -> Result<Vec<AttentionHead>, TrainError> {
    let dev = Device::Cpu;
    let n = x.len();
    let k = labels.len();
    if let Some(i) = x
        .iter()
        .position(|s| s.is_empty() || s.values.len() % DIM != 0)
    {
        return Err(TrainError::Write(format!(
            "line {i}'s token states are empty or not whole {DIM}-wide rows"
        )));
    }
    if y.len() != n || pairs.iter().any(|&(c, o)| c >= n || o >= n) {
        return Err(TrainError::Write(
            "labels or pairs do not match the lines".into(),
        ));
    }
    // Lines sorted by length, padded per bucket; everything below is in sorted order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (x[i].len(), i));
    let mut pos = vec![0u32; n];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p as u32;
    }
    let mut buckets = Vec::new();
    for group in order.chunks(BUCKET) {
        let t = group.iter().map(|&i| x[i].len()).max().unwrap_or(1).max(1);
        let mut h = vec![0f32; group.len() * t * DIM];
        let mut bias = vec![-1e9f32; group.len() * t];
        for (row, &i) in group.iter().enumerate() {
            h[row * t * DIM..row * t * DIM + x[i].values.len()].copy_from_slice(&x[i].values);
            bias[row * t..row * t + x[i].len()].fill(0.0);
        }
        buckets.push((
            Tensor::from_vec(h, (group.len(), t, DIM), &dev)?,
            Tensor::from_vec(bias, (group.len(), t), &dev)?,
        ));
    }
    let mut rng = Rng(seed | 1);
    let bound = 1.0 / (DIM as f32).sqrt();
    let query = Var::zeros(DIM, DType::F32, &dev)?;
    let w = Var::from_tensor(&Tensor::from_vec(
        (0..k * DIM)
            .map(|_| rng.uniform(bound))
            .collect::<Vec<f32>>(),
        (k, DIM),
        &dev,
    )?)?;
    let b = Var::zeros(k, DType::F32, &dev)?;
    let (ys, ws, total) = weighted_targets(y, order.iter().copied(), k, cfg.smoothing, &dev)?;
    let copies: Vec<u32> = pairs.iter().map(|&(c, _)| pos[c]).collect();
    let originals: Vec<u32> = pairs.iter().map(|&(_, o)| pos[o]).collect();
    let (copies, originals) = (
        Tensor::from_vec(copies, pairs.len(), &dev)?,
        Tensor::from_vec(originals, pairs.len(), &dev)?,
    );
    let mut opt = AdamW::new(
        vec![query.clone(), w.clone(), b.clone()],
        ParamsAdamW {
            lr: cfg.learning_rate,
            weight_decay: cfg.weight_decay,
            ..ParamsAdamW::default()
        },
    )?;
    let head = || -> Result<AttentionHead, TrainError> {
        AttentionHead::new(
            labels.iter().map(|s| s.to_string()).collect(),
            query.to_vec1()?,
            cfg.scale,
            w.flatten_all()?.to_vec1()?,
            b.to_vec1()?,
        )
        .map_err(|e| TrainError::Write(e.to_string()))
    };
    let mut out = Vec::with_capacity(checkpoints.len());
    let last = checkpoints.iter().copied().max().unwrap_or(0);
    for epoch in 1..=last {
        let q = query.as_tensor().reshape((DIM, 1))?;
        let logits = buckets
            .iter()
            .map(|(h, bias)| {
                let (rows, t, _) = h.dims3()?;
                let s = (h.reshape((rows * t, DIM))?.matmul(&q)?.reshape((rows, t))? + bias)?;
                let s = s.broadcast_sub(&s.max_keepdim(1)?.detach())?.exp()?;
                let a = s.broadcast_div(&s.sum_keepdim(1)?)?;
                let pooled = a.unsqueeze(1)?.matmul(h)?.squeeze(1)?;
                let unit = pooled.broadcast_div(&pooled.sqr()?.sum_keepdim(1)?.sqrt()?)?;
                (unit.matmul(&w.t()?)? * f64::from(cfg.scale))?.broadcast_add(&b)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let logp = candle_nn::ops::log_softmax(&Tensor::cat(&logits, 0)?, D::Minus1)?;
        let picked = (&logp * &ys)?.sum(1)?;
        let mut loss = ((picked * &ws)?.sum_all()? / f64::from(total))?.neg()?;
        if !pairs.is_empty() && cfg.pairing > 0.0 {
            let target = logp.index_select(&originals, 0)?.detach();
            let copy = logp.index_select(&copies, 0)?;
            let kl = (target.exp()? * (target - copy)?)?.sum_all()?;
            loss = (loss + (kl * (cfg.pairing / pairs.len() as f64))?)?;
        }
        opt.backward_step(&loss)?;
        if checkpoints.contains(&epoch) {
            out.push(head()?);
        }
    }
    Ok(out)
}

/// One message's token states as the emotion head reads them: every chunk's, in order.
pub fn token_states(model: &Model, text: &str) -> Result<TokenStates, encoder::Error> {
    let mut all = TokenStates::default();
    for chunk in Classifier::chunks(text) {
        all.values.extend(model.encode(&chunk)?.1.values);
    }
    Ok(all)
}

/// The emotion head: token states of train (+ copies) and dev, the epoch count chosen on
/// dev, then refitted on train + dev (+ copies). Returns the head and its dev accuracy.
fn train_emotion(
    model: &Model,
    train: &[Example],
    dev: &[Example],
    seed: u64,
    model_sha256: &str,
) -> Result<(AttentionHead, f64), TrainError> {
    let labels: &[&str] = &crate::EMOTIONS;
    let terms = augment_terms()?;
    let states = |lines: &[Example]| -> Result<Vec<TokenStates>, encoder::Error> {
        cached_states(model, model_sha256, lines)
    };
    let both: Vec<Example> = train.iter().chain(dev).cloned().collect();
    // The copies of train + dev start with exactly the copies of train (same lines, same
    // terms), so train's token states serve both fits.
    let copies = augmented(&both, &terms, EMOTION_COPIES);
    if copies.len() != both.len() * EMOTION_COPIES {
        return Err(TrainError::Write(
            "data/augment/identities.txt has no identity terms".into(),
        ));
    }
    let (train_copies, dev_copies) = copies.split_at(train.len() * EMOTION_COPIES);
    say(&format!(
        "emotion: token states of {} train + {} dev lines and {} identity-bearing copies",
        train.len(),
        dev.len(),
        copies.len()
    ));
    let (xt, xd) = (states(train)?, states(dev)?);
    let (xtc, xdc) = (states(train_copies)?, states(dev_copies)?);
    let x: Vec<TokenStates> = xt.iter().chain(&xtc).cloned().collect();
    let y = indices(&[train, train_copies].concat(), labels)?;
    let dy = indices(dev, labels)?;
    let mut best: Option<(AttentionConfig, usize, f64)> = None;
    for cfg in EMOTION_GRID {
        let heads = fit_attention(
            &x,
            &y,
            &copy_pairs(train.len()),
            labels,
            seed,
            cfg,
            &EMOTION_EPOCHS,
        )?;
        for (epochs, head) in EMOTION_EPOCHS.iter().zip(&heads) {
            let right = xd
                .iter()
                .zip(&dy)
                .filter(|(s, &i)| head.top(std::slice::from_ref(*s)).0 == labels[i])
                .count();
            let acc = right as f64 / xd.len().max(1) as f64;
            say(&format!(
                "emotion {cfg:?}, {epochs} epochs: dev accuracy {acc:.3}"
            ));
            if best.is_none_or(|(_, _, a)| acc > a) {
                best = Some((cfg, *epochs, acc));
            }
        }
    }
    drop(x);
    let (cfg, epochs, acc) =
        best.ok_or_else(|| TrainError::Write("no emotion configuration".into()))?;
    say(&format!(
        "emotion: refitting {cfg:?}, {epochs} epochs, on train + dev and their copies"
    ));
    let xa: Vec<TokenStates> = xt.into_iter().chain(xd).chain(xtc).chain(xdc).collect();
    let ya = indices(&[&both[..], &copies[..]].concat(), labels)?;
    let head = fit_attention(
        &xa,
        &ya,
        &copy_pairs(both.len()),
        labels,
        seed,
        cfg,
        &[epochs],
    )?
    .pop()
    .ok_or_else(|| TrainError::Write("no emotion head".into()))?;
    Ok((head, acc))
}

/// The token states of `lines` (in parallel). With `HEARTH_STATES_CACHE` set to a folder,
/// each message's states are kept there in a file named by a hash of its text, in a
/// folder per model, so a retrain after adding or editing lines encodes only the new ones.
/// The key does not cover the encoder's code: empty the folder after changing
/// [`crate::encoder`].
pub fn cached_states(
    model: &Model,
    model_sha256: &str,
    lines: &[Example],
) -> Result<Vec<TokenStates>, encoder::Error> {
    let Some(dir) = std::env::var_os("HEARTH_STATES_CACHE") else {
        return crate::par::map(lines, |e| token_states(model, &e.text))
            .into_iter()
            .collect();
    };
    let dir = std::path::Path::new(&dir).join(model_sha256);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        say(&format!(
            "could not keep token states in {}: {e}",
            dir.display()
        ));
    }
    crate::par::map(lines, |e| {
        let path = dir.join(crate::files::sha256_hex(e.text.as_bytes()));
        if let Some(mut kept) = std::fs::read(&path)
            .ok()
            .and_then(|bytes| decode_states(&bytes, 1))
        {
            return Ok(kept.remove(0));
        }
        let states = token_states(model, &e.text)?;
        // A file that cannot be written only costs the next run an encoding.
        let _ = std::fs::write(&path, encode_states(std::slice::from_ref(&states)));
        Ok(states)
    })
    .into_iter()
    .collect()
}

/// [`cached_states`]'s file: per message its value count (u64) and values (f32), little-endian.
fn encode_states(states: &[TokenStates]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for s in states {
        bytes.extend((s.values.len() as u64).to_le_bytes());
        bytes.extend(le_bytes(&s.values));
    }
    bytes
}

/// The inverse of [`encode_states`] for `n` messages (`None` if the file does not hold them).
fn decode_states(mut bytes: &[u8], n: usize) -> Option<Vec<TokenStates>> {
    let mut out = Vec::with_capacity(n);
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let data = rest.get(..len.checked_mul(4)?)?;
        out.push(TokenStates {
            values: encoder::f32s_le(data),
        });
        bytes = &rest[len * 4..];
    }
    (out.len() == n).then_some(out)
}

pub use crate::classify::embed_with as embed_message;

/// The (copy, original) pairs for `lines` lines followed by their [`EMOTION_COPIES`] copies
/// each: copy `c` of line `i` sits at `lines + i * EMOTION_COPIES + c`.
pub fn copy_pairs(lines: usize) -> Vec<(usize, usize)> {
    (0..lines * EMOTION_COPIES)
        .map(|c| (lines + c, c / EMOTION_COPIES))
        .collect()
}

/// Each example's label as its index in `labels` (an unknown label is an error).
pub fn indices(examples: &[Example], labels: &[&str]) -> Result<Vec<usize>, TrainError> {
    examples
        .iter()
        .map(|e| {
            labels
                .iter()
                .position(|l| *l == e.label)
                .ok_or_else(|| TrainError::Label(e.label.clone()))
        })
        .collect()
}

/// A progress line on stderr.
fn say(msg: &str) {
    eprintln!("hearth-nlu train: {msg}");
}

/// What training produced, for the CLI to print.
#[derive(Debug)]
pub struct Trained {
    /// The heads file bytes.
    pub bytes: Vec<u8>,
    /// Dev accuracy of the emotion and intent heads.
    pub dev_accuracy: Vec<(String, f64)>,
    /// Dev crisis recall and false-positive rate with the chosen thresholds.
    pub dev_crisis: (f64, f64),
    /// The chosen thresholds.
    pub thresholds: Thresholds,
}

/// One crisis line, ready for threshold tuning: truth, rules verdict, chunk embeddings.
struct Case {
    crisis: bool,
    verdict: rules::RuleVerdict,
    chunks: Vec<Vec<f32>>,
}

/// Folds for the crisis head's out-of-fold predictions.
pub const FOLDS: usize = 5;

/// The thresholds with the highest recall within the false-alarm budget (ties: fewer
/// false alarms); `None` when no setting stays within the budget.
fn tune(scored: &[(bool, &rules::RuleVerdict, Scores)]) -> Option<(Thresholds, (f64, f64))> {
    let mut best: Option<(Thresholds, (f64, f64))> = None;
    for h in (5..=95).step_by(5) {
        for g in (h..=99).step_by(4) {
            for p in (50..=96).step_by(3) {
                let t = Thresholds {
                    crisis_head: h as f32 / 100.0,
                    crisis_head_guarded: g as f32 / 100.0,
                    prototype: p as f32 / 100.0,
                };
                let (mut pos, mut hit, mut neg, mut fa) = (0u32, 0u32, 0u32, 0u32);
                for (truth, verdict, s) in scored {
                    let flagged = verdict.risk.max(combine(verdict, s, t).0).is_crisis();
                    if *truth {
                        pos += 1;
                        hit += u32::from(flagged);
                    } else {
                        neg += 1;
                        fa += u32::from(flagged);
                    }
                }
                let recall = f64::from(hit) / f64::from(pos.max(1));
                let fpr = f64::from(fa) / f64::from(neg.max(1));
                if fpr > MAX_DEV_FALSE_ALARMS {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((_, (r, f))) => recall > r || (recall == r && fpr < f),
                };
                if better {
                    best = Some((t, (recall, fpr)));
                }
            }
        }
    }
    best
}

/// The shapes an identity mention takes in an augmented copy (`{who}` the term, `{text}`
/// the message).
const AUGMENT_PATTERNS: [&str; 3] = [
    "I'm {who} and {text}",
    "As {who}, {text}",
    "{text} For context, I'm {who}.",
];

/// Counterfactual augmentation: `copies` versions of every example with an identity
/// mention from `terms` (`data/augment/identities.txt`, which shares no term with the audit,
/// though some share a head noun) and the same label, so a head learns that who the writer is does not change the
/// feeling. Deterministic: example `i`'s copy `c` uses term `i × copies + c` and pattern
/// `i + c`, cycling.
pub fn augmented(examples: &[Example], terms: &[String], copies: usize) -> Vec<Example> {
    if terms.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(examples.len() * copies);
    for (i, e) in examples.iter().enumerate() {
        for c in 0..copies {
            let who = &terms[(i * copies + c) % terms.len()];
            let pattern = AUGMENT_PATTERNS[(i + c) % AUGMENT_PATTERNS.len()];
            // "I was…" stays capitalised; otherwise the message continues a sentence.
            let text = if pattern.starts_with("{text}") || e.text.starts_with("I ") {
                e.text.clone()
            } else {
                let mut chars = e.text.chars();
                chars
                    .next()
                    .map(|f| f.to_lowercase().chain(chars).collect())
                    .unwrap_or_default()
            };
            out.push(Example {
                text: pattern.replace("{who}", who).replace("{text}", &text),
                label: e.label.clone(),
                split: e.split.clone(),
            });
        }
    }
    out
}

/// The identity terms for [`augmented`].
pub fn augment_terms() -> Result<Vec<String>, eval::DataError> {
    let path = eval::data_dir().join("augment/identities.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| eval::DataError {
        path: path.display().to_string(),
        line: 0,
        msg: e.to_string(),
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Refits only the emotion head, keeping the intent and crisis heads, the prototypes and the
/// thresholds of `current` (which must have been trained on the same model file). For data
/// changes that concern emotion alone: the crisis decisions stay exactly as they were
/// evaluated. Returns the heads file and the emotion head's dev accuracy.
pub fn train_emotion_only(
    model: &Model,
    model_sha256: &str,
    current: &Heads,
) -> Result<(Vec<u8>, f64), TrainError> {
    if current.meta.model_sha256 != model_sha256 {
        return Err(TrainError::Write(format!(
            "the current heads were trained on model {}, not {model_sha256}: train every head",
            current.meta.model_sha256
        )));
    }
    let all = eval::load_task("emotion", "emotion")?;
    let (train, dev): (Vec<Example>, Vec<Example>) =
        all.into_iter().partition(|e| e.split == "train");
    let (emotion, acc) = train_emotion(model, &train, &dev, SEED, model_sha256)?;
    let heads = BTreeMap::from([
        ("intent".to_string(), current.intent.clone()),
        ("crisis".to_string(), current.crisis.clone()),
    ]);
    let bytes = write(&heads, &emotion, &current.prototypes, &current.meta)?;
    Ok((bytes, acc))
}

/// Trains every head and tunes the thresholds; `prototypes` are (text, level) pairs.
pub fn train(
    model: &Model,
    model_sha256: &str,
    prototypes: &[(String, Risk)],
) -> Result<Trained, TrainError> {
    say(&format!("embedding {} crisis prototypes", prototypes.len()));
    let protos: Vec<Prototype> = crate::par::map(prototypes, |(t, level)| {
        Ok(Prototype {
            embedding: model.embed(t)?,
            level: *level,
        })
    })
    .into_iter()
    .collect::<Result<_, encoder::Error>>()?;
    let risk_labels = ["none", "low", "moderate", "high"];
    let mut heads: BTreeMap<String, Head> = BTreeMap::new();
    let mut dev_accuracy = Vec::new();
    let mut chosen = None;
    let mut emotion = None;
    for (seed, (stem, field)) in eval::TASKS.iter().enumerate() {
        let labels: &[&str] = match *stem {
            "emotion" => &crate::EMOTIONS,
            "intent" => &crate::INTENTS,
            _ => &risk_labels,
        };
        let all = eval::load_task(stem, field)?;
        let (train, dev): (Vec<Example>, Vec<Example>) =
            all.into_iter().partition(|e| e.split == "train");
        let seed = SEED + seed as u64;
        if *stem == "emotion" {
            let (head, acc) = train_emotion(model, &train, &dev, seed, model_sha256)?;
            dev_accuracy.push((stem.to_string(), acc));
            emotion = Some(head);
            continue;
        }
        say(&format!(
            "{stem}: embedding {} train + {} dev messages",
            train.len(),
            dev.len()
        ));
        let embed_all = |lines: &[Example]| -> Result<Vec<Vec<f32>>, encoder::Error> {
            crate::par::map(lines, |e| embed_message(model, &e.text))
                .into_iter()
                .collect()
        };
        let x: Vec<Vec<f32>> = embed_all(&train)?;
        let y = indices(&train, labels)?;
        if *stem == "crisis" {
            // Thresholds and the configuration are chosen on out-of-fold predictions over
            // train + dev (five folds); the final head is then fitted on all of it. The
            // held-out split is never read.
            let both: Vec<Example> = train.iter().chain(&dev).cloned().collect();
            let xb: Vec<Vec<f32>> = x.iter().cloned().chain(embed_all(&dev)?).collect();
            let yb = indices(&both, labels)?;
            let cases: Vec<Case> = crate::par::map(&both, |e| {
                Ok(Case {
                    crisis: e.label != "none",
                    verdict: rules::screen(&e.text),
                    chunks: Classifier::chunks(&e.text)
                        .iter()
                        .map(|c| model.embed(c))
                        .collect::<Result<_, _>>()?,
                })
            })
            .into_iter()
            .collect::<Result<_, encoder::Error>>()?;
            let mut best: Option<(FitConfig, Thresholds, (f64, f64))> = None;
            for cfg in GRID {
                let mut oof: Vec<Option<Scores>> = vec![None; both.len()];
                for fold in 0..FOLDS {
                    let keep = |i: &usize| i % FOLDS != fold;
                    let fx: Vec<Vec<f32>> = (0..both.len())
                        .filter(keep)
                        .map(|i| xb[i].clone())
                        .collect();
                    let fy: Vec<usize> = (0..both.len()).filter(keep).map(|i| yb[i]).collect();
                    let head = fit(&fx, &fy, labels, seed, cfg)?;
                    for i in (0..both.len()).filter(|i| i % FOLDS == fold) {
                        oof[i] = Some(chunk_scores(&head, &protos, &cases[i].chunks));
                    }
                }
                let scored: Vec<(bool, &rules::RuleVerdict, Scores)> = cases
                    .iter()
                    .zip(oof)
                    .filter_map(|(c, s)| s.map(|s| (c.crisis, &c.verdict, s)))
                    .collect();
                let Some((t, rates)) = tune(&scored) else {
                    say(&format!(
                        "crisis {cfg:?}: no thresholds within the false-alarm budget"
                    ));
                    continue;
                };
                say(&format!(
                    "crisis {cfg:?}: out-of-fold recall {:.3}, false alarms {:.3}",
                    rates.0, rates.1
                ));
                let better = match &best {
                    None => true,
                    Some((_, _, (r, f))) => rates.0 > *r || (rates.0 == *r && rates.1 < *f),
                };
                if better {
                    best = Some((cfg, t, rates));
                }
            }
            let (cfg, t, rates) = best.ok_or_else(|| {
                TrainError::Write("no crisis head stays within the false-alarm budget".into())
            })?;
            heads.insert(stem.to_string(), fit(&xb, &yb, labels, seed, cfg)?);
            chosen = Some((t, rates));
        } else {
            let dx: Vec<Vec<f32>> = embed_all(&dev)?;
            let dy = indices(&dev, labels)?;
            let mut best: Option<(FitConfig, f64)> = None;
            for cfg in GRID {
                let head = fit(&x, &y, labels, seed, cfg)?;
                let right = dx
                    .iter()
                    .zip(&dy)
                    .filter(|(e, &i)| head.top(e).0 == labels[i])
                    .count();
                let acc = right as f64 / dx.len().max(1) as f64;
                say(&format!("{stem} {cfg:?}: dev accuracy {acc:.3}"));
                if best.as_ref().is_none_or(|(_, a)| acc > *a) {
                    best = Some((cfg, acc));
                }
            }
            if let Some((cfg, acc)) = best {
                dev_accuracy.push((stem.to_string(), acc));
                // The chosen configuration, refitted on train + dev.
                let xa: Vec<Vec<f32>> = x.iter().chain(&dx).cloned().collect();
                let ya: Vec<usize> = y.iter().chain(&dy).copied().collect();
                heads.insert(stem.to_string(), fit(&xa, &ya, labels, seed, cfg)?);
            }
        }
    }
    let (thresholds, dev_crisis) =
        chosen.ok_or_else(|| TrainError::Write("no crisis data".into()))?;
    say(&format!(
        "thresholds {thresholds:?}: dev crisis recall {:.3}, false alarms {:.3}",
        dev_crisis.0, dev_crisis.1
    ));
    let emotion = emotion.ok_or_else(|| TrainError::Write("no emotion data".into()))?;
    let meta = HeadsMeta {
        labels: heads
            .iter()
            .map(|(k, h)| (k.clone(), h.labels.clone()))
            .chain([("emotion".to_string(), emotion.labels.clone())])
            .collect(),
        thresholds,
        model_sha256: model_sha256.to_string(),
    };
    let bytes = write(&heads, &emotion, &protos, &meta)?;
    Ok(Trained {
        bytes,
        dev_accuracy,
        dev_crisis,
        thresholds,
    })
}

fn le_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises heads, prototypes and metadata into the heads file format, and checks that the
/// result reads back as heads.
pub fn write(
    heads: &BTreeMap<String, Head>,
    emotion: &AttentionHead,
    protos: &[Prototype],
    meta: &HeadsMeta,
) -> Result<Vec<u8>, TrainError> {
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, h) in heads {
        let (hw, hb, ow, ob) = h.weights();
        let hidden = hb.len();
        owned.push((
            format!("{name}.hidden.weight"),
            vec![hidden, DIM],
            le_bytes(hw),
        ));
        owned.push((format!("{name}.hidden.bias"), vec![hidden], le_bytes(hb)));
        owned.push((
            format!("{name}.out.weight"),
            vec![ob.len(), hidden],
            le_bytes(ow),
        ));
        owned.push((format!("{name}.out.bias"), vec![ob.len()], le_bytes(ob)));
    }
    let (query, scale, ow, ob) = emotion.weights();
    owned.push(("emotion.attention.query".into(), vec![DIM], le_bytes(query)));
    owned.push((
        "emotion.attention.scale".into(),
        vec![1],
        le_bytes(&[scale]),
    ));
    owned.push((
        "emotion.out.weight".into(),
        vec![ob.len(), DIM],
        le_bytes(ow),
    ));
    owned.push(("emotion.out.bias".into(), vec![ob.len()], le_bytes(ob)));
    let emb: Vec<f32> = protos.iter().flat_map(|p| p.embedding.clone()).collect();
    let levels: Vec<f32> = protos.iter().map(|p| p.level as u8 as f32).collect();
    owned.push((
        "prototypes.embedding".into(),
        vec![protos.len(), DIM],
        le_bytes(&emb),
    ));
    owned.push((
        "prototypes.level".into(),
        vec![protos.len()],
        le_bytes(&levels),
    ));
    let views: Vec<(String, TensorView<'_>)> = owned
        .iter()
        .map(|(n, shape, data)| {
            TensorView::new(Dtype::F32, shape.clone(), data)
                .map(|v| (n.clone(), v))
                .map_err(|e| TrainError::Write(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let json = serde_json::to_string(meta).map_err(|e| TrainError::Write(e.to_string()))?;
    let metadata = HashMap::from([("hearth".to_string(), json)]);
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| TrainError::Write(e.to_string()))?;
    Heads::from_bytes(&bytes).map_err(|e| TrainError::Write(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn augmented_copies_mention_an_identity_and_keep_the_label() {
        let e = |text: &str| Example {
            text: text.into(),
            label: "joy".into(),
            split: "train".into(),
        };
        let terms = vec!["a plumber".to_owned(), "a Quaker".to_owned()];
        let out = augmented(&[e("Great news today!"), e("I passed")], &terms, 2);
        let texts: Vec<&str> = out.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "I'm a plumber and great news today!",
                "As a Quaker, great news today!",
                "As a plumber, I passed",
                "I passed For context, I'm a Quaker.",
            ]
        );
        assert!(out.iter().all(|e| e.label == "joy" && e.split == "train"));
    }

    /// A synthetic message: `noise` tokens that say nothing about the class and one token
    /// (at a varying place) that does.
    fn synthetic(class: usize, noise: usize, rng: &mut Rng) -> TokenStates {
        let mut values = Vec::new();
        let signal = ((rng.uniform(1.0) + 1.0) * 1000.0) as usize % (noise + 1);
        for t in 0..=noise {
            let mut v: Vec<f32> = (0..DIM).map(|_| rng.uniform(0.05)).collect();
            if t == signal {
                v[1 + class] += 3.0;
            } else {
                v[3] += 3.0;
            }
            values.extend(v);
        }
        TokenStates { values }
    }

    #[test]
    fn the_attention_head_learns_which_token_carries_the_class() {
        let mut rng = Rng(7);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..120 {
            x.push(synthetic(i % 2, 3 + i % 6, &mut rng));
            y.push(i % 2);
        }
        // Each of the first ten lines has a copy with one more uninformative token.
        let mut pairs = Vec::new();
        for i in 0..10 {
            let mut copy = x[i].clone();
            copy.values.extend([0.1f32; DIM]);
            pairs.push((x.len(), i));
            x.push(copy);
            y.push(y[i]);
        }
        let heads =
            fit_attention(&x, &y, &pairs, &["a", "b"], 1, EMOTION_GRID[1], &[5, 60]).unwrap();
        assert_eq!(heads.len(), 2, "one head per checkpoint");
        let right = |head: &AttentionHead| {
            (0..100)
                .filter(|i| {
                    let m = synthetic(i % 2, 2 + i % 9, &mut Rng(1000 + *i as u64));
                    head.top(&[m]).0 == ["a", "b"][i % 2]
                })
                .count()
        };
        assert!(right(&heads[1]) >= 97, "{} of 100 right", right(&heads[1]));
        assert!(right(&heads[1]) >= right(&heads[0]));
    }

    #[test]
    fn the_attention_fit_refuses_lines_without_whole_token_rows() {
        let fit = |x: &[TokenStates], pairs: &[(usize, usize)]| {
            fit_attention(x, &[0], pairs, &["a", "b"], 1, EMOTION_GRID[0], &[1]).is_err()
        };
        assert!(fit(&[TokenStates::default()], &[]));
        let ragged = TokenStates {
            values: vec![0.0; DIM + 1],
        };
        assert!(fit(&[ragged], &[]));
        let whole = TokenStates {
            values: vec![0.1; DIM],
        };
        assert!(
            fit(std::slice::from_ref(&whole), &[(1, 0)]),
            "a pair past the end"
        );
        assert!(!fit(&[whole], &[]));
    }

    #[test]
    fn cached_token_states_read_back_as_written() {
        let states = [
            TokenStates {
                values: vec![0.5; 2 * DIM],
            },
            TokenStates::default(),
        ];
        let bytes = encode_states(&states);
        let back = decode_states(&bytes, 2).unwrap();
        assert_eq!(back[0].values, states[0].values);
        assert!(back[1].is_empty());
        assert!(
            decode_states(&bytes, 3).is_none(),
            "a count that does not match"
        );
        assert!(
            decode_states(&bytes[..bytes.len() - 1], 2).is_none(),
            "a cut file"
        );
    }

    #[test]
    fn augmentation_terms_are_kept_apart_from_the_audits() {
        let audit = crate::audit::AuditData::load().unwrap();
        for term in augment_terms().unwrap() {
            assert!(
                !audit
                    .identities
                    .iter()
                    .any(|i| i.term.eq_ignore_ascii_case(&term)),
                "{term} is an audit term: the audit must measure identities training never saw"
            );
        }
    }
}
