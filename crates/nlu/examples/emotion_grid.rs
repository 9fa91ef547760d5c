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
//! (default `train::EMOTION_EPOCHS`). Needs the set-up step's model files;
//! `HEARTH_STATES_CACHE` keeps the encoder's token states between runs (about 10 minutes of
//! encoding on two cores the first time).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use hearth_nlu::audit::{majority, AuditData};
use hearth_nlu::encoder::TokenStates;
use hearth_nlu::eval::{self, Example};
use hearth_nlu::files::{self, COMPACT_NAME, COMPACT_SHA256, TOKENIZER_NAME};
use hearth_nlu::heads::AttentionHead;
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
    for cfg in grid {
        let heads =
            train::fit_attention(&x, &y, &pairs, labels, 0x9e37_79b9, cfg, &epochs).unwrap();
        for (n, head) in epochs.iter().zip(&heads) {
            let top = |s: &TokenStates| AttentionHead::top(head, std::slice::from_ref(s)).0;
            let right = xd
                .iter()
                .zip(&dy)
                .filter(|(s, &i)| top(s) == labels[i])
                .count();
            let dev_flips = flips(
                xd.iter()
                    .zip(xdc.chunks(EMOTION_COPIES))
                    .map(|(o, c)| std::iter::once(o).chain(c).map(top).collect()),
            );
            let audit_flips = flips(
                xa.chunks(audit.identities.len())
                    .map(|g| g.iter().map(top).collect()),
            );
            println!(
                "smoothing {:.1} pairing {:.1} weight decay {:.0e} epochs {n:3}: dev accuracy {:.3}, dev copy flips {dev_flips:.3}, audit emotion flips {audit_flips:.4}",
                cfg.smoothing,
                cfg.pairing,
                cfg.weight_decay,
                right as f64 / xd.len() as f64,
            );
        }
    }
}
