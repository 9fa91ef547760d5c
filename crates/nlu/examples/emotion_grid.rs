//! The emotion head's fitting settings side by side: for each setting and epoch count, the
//! dev accuracy (what `hearth-nlu train` chooses on), the flip rate across each dev line's
//! identity-bearing copies, and the bias audit's emotion flip rate (what the test command's
//! limit is about). The head is fitted on train and its copies only, as while `train`
//! chooses. For deciding what `train` compares; `train` itself never reads the audit.
//!
//! ```sh
//! HEARTH_STATES_CACHE=~/.cache/hearth/states \
//!   cargo run --release -p hearth-nlu --example emotion_grid -- 0.2:1 0.4:1
//! ```
//!
//! Each argument is `smoothing:pairing[:weight_decay]` (the rest as in `train::EMOTION_GRID`);
//! without arguments, `EMOTION_GRID` itself. `EPOCHS=40,60,100` picks the epoch counts
//! (default `train::EMOTION_EPOCHS`). `SEEDS=1,3,5` fits each setting once per seed and
//! also reports the ensemble that averages those heads' probabilities (use odd seeds: the
//! generator starts from `seed | 1`, so 2 and 3 give the same head). Needs the set-up step's model files;
//! `HEARTH_STATES_CACHE` keeps the encoder's token states between runs (about 10 minutes of
//! encoding on two cores the first time).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use hearth_nlu::audit::{majority, AuditData};
use hearth_nlu::encoder::TokenStates;
use hearth_nlu::eval::{self, Example};
use hearth_nlu::files::{self, COMPACT_NAME, COMPACT_SHA256, TOKENIZER_NAME};
use hearth_nlu::train::{self, AttentionConfig, EMOTION_COPIES, EMOTION_EPOCHS, EMOTION_GRID};
use hearth_nlu::Model;

/// The share of labels in `groups` that differ from their group's most common label (as
/// the audit counts flips).
fn flips<'a>(groups: impl Iterator<Item = Vec<&'a str>>) -> f64 {
    let (mut flipped, mut total) = (0, 0);
    for labels in groups {
        total += labels.len();
        flipped += majority(labels).1;
    }
    flipped as f64 / total.max(1) as f64
}

fn main() {
    let grid: Vec<AttentionConfig> = std::env::args()
        .skip(1)
        .map(|a| {
            let v: Vec<f64> = a
                .split(':')
                .map(|x| x.parse().expect("settings are numbers"))
                .collect();
            let base = EMOTION_GRID[0];
            AttentionConfig {
                smoothing: v[0] as f32,
                pairing: v.get(1).copied().unwrap_or(base.pairing),
                weight_decay: v.get(2).copied().unwrap_or(base.weight_decay),
                ..base
            }
        })
        .collect();
    let grid = if grid.is_empty() {
        EMOTION_GRID.to_vec()
    } else {
        grid
    };
    let epochs: Vec<usize> = std::env::var("EPOCHS").map_or(EMOTION_EPOCHS.to_vec(), |e| {
        e.split(',')
            .map(|x| x.parse().expect("epoch counts"))
            .collect()
    });
    let dir = files::model_dir();
    let model = Model::load(
        &std::fs::read(dir.join(COMPACT_NAME)).unwrap(),
        &std::fs::read(dir.join(TOKENIZER_NAME)).unwrap(),
    )
    .unwrap();
    let labels = &hearth_nlu::EMOTIONS;
    let all = eval::load_task("emotion", "emotion").unwrap();
    let (trn, dev): (Vec<Example>, Vec<Example>) =
        all.into_iter().partition(|e| e.split == "train");
    let terms = train::augment_terms().unwrap();
    let both: Vec<Example> = trn.iter().chain(&dev).cloned().collect();
    let copies = train::augmented(&both, &terms, EMOTION_COPIES);
    let (trn_copies, dev_copies) = copies.split_at(trn.len() * EMOTION_COPIES);
    let states = |lines: &[Example]| train::cached_states(&model, COMPACT_SHA256, lines).unwrap();
    let (xt, xd) = (states(&trn), states(&dev));
    let (xtc, xdc) = (states(trn_copies), states(dev_copies));
    let audit = AuditData::load().unwrap();
    let fillings: Vec<Example> = audit
        .templates
        .iter()
        .flat_map(|t| {
            audit.identities.iter().map(|i| Example {
                text: t.text.replace("{who}", &i.term),
                label: t.id.clone(),
                split: String::new(),
            })
        })
        .collect();
    let xa = states(&fillings);
    let y = train::indices(&[&trn[..], trn_copies].concat(), labels).unwrap();
    let dy = train::indices(&dev, labels).unwrap();
    let pairs = train::copy_pairs(trn.len());
    let x: Vec<TokenStates> = xt.iter().chain(&xtc).cloned().collect();
    let seeds: Vec<u64> = std::env::var("SEEDS").map_or(vec![0x9e37_79b9], |e| {
        e.split(',').map(|x| x.parse().expect("seeds")).collect()
    });
    for cfg in grid {
        // Per epoch count, the summed probabilities of every seed's head (the ensemble).
        let mut sums: Vec<(Probs, Probs, Probs)> = Vec::new();
        for &seed in &seeds {
            let heads = train::fit_attention(&x, &y, &pairs, labels, seed, cfg, &epochs).unwrap();
            for (e, (n, head)) in epochs.iter().zip(&heads).enumerate() {
                let probs = |xs: &[TokenStates]| -> Probs {
                    xs.iter()
                        .map(|s| head.probabilities(std::slice::from_ref(s)))
                        .collect()
                };
                let (pd, pdc, pa) = (probs(&xd), probs(&xdc), probs(&xa));
                report(
                    &format!("seed {seed} "),
                    cfg,
                    *n,
                    &pd,
                    &pdc,
                    &pa,
                    &dy,
                    &audit,
                );
                if sums.len() <= e {
                    sums.push((pd, pdc, pa));
                } else {
                    let (a0, a1, a2) = &mut sums[e];
                    for (acc, new) in [(a0, pd), (a1, pdc), (a2, pa)] {
                        for (a, b) in acc.iter_mut().zip(new) {
                            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                        }
                    }
                }
            }
        }
        if seeds.len() > 1 {
            for (n, (pd, pdc, pa)) in epochs.iter().zip(&sums) {
                report(
                    &format!("ensemble of {} ", seeds.len()),
                    cfg,
                    *n,
                    pd,
                    pdc,
                    pa,
                    &dy,
                    &audit,
                );
            }
        }
    }
}

/// One probability vector per message.
type Probs = Vec<Vec<f32>>;

/// Prints one head's (or ensemble's) dev accuracy, dev copy flips and audit flips from its
/// probabilities on dev, dev's copies and the audit's fillings.
#[allow(clippy::too_many_arguments)]
fn report(
    who: &str,
    cfg: AttentionConfig,
    n: usize,
    pd: &[Vec<f32>],
    pdc: &[Vec<f32>],
    pa: &[Vec<f32>],
    dy: &[usize],
    audit: &AuditData,
) {
    let labels = &hearth_nlu::EMOTIONS;
    let top = |p: &Vec<f32>| {
        let i = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        labels[i]
    };
    let right = pd
        .iter()
        .zip(dy)
        .filter(|(p, &i)| top(p) == labels[i])
        .count();
    let dev_flips = flips(
        pd.iter()
            .zip(pdc.chunks(EMOTION_COPIES))
            .map(|(o, c)| std::iter::once(o).chain(c).map(top).collect()),
    );
    let audit_flips = flips(
        pa.chunks(audit.identities.len())
            .map(|g| g.iter().map(top).collect()),
    );
    println!(
        "{who}smoothing {:.1} pairing {:.1} weight decay {:.0e} epochs {n:3}: dev accuracy {:.3}, dev copy flips {dev_flips:.3}, audit emotion flips {audit_flips:.4}",
        cfg.smoothing,
        cfg.pairing,
        cfg.weight_decay,
        right as f64 / pd.len() as f64,
    );
}
