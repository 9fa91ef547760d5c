//! How much storing each kind of encoder matrix in fewer bits moves the embeddings: the
//! measurement for choosing bit widths for a smaller compact file than today's int8 one
//! (`hearth_nlu::encoder::compact`); see issue 10's notes.
//!
//! ```sh
//! cargo run --release -p hearth-nlu --example quant_sensitivity -- \
//!     "emb=4,ffn1=6,ffn2=5,attn=6" "emb=4,ffn=4,attn=8"
//! ```
//!
//! Each argument gives bits per kind of matrix (`emb` word embeddings, `pos` position
//! embeddings, `ffn1` feed-forward input, `ffn2` feed-forward output, `ffn` both, `attn`
//! the attention projections; kinds not named stay F32). Every named matrix is rounded in
//! groups of 32 values (`GROUP=384`: one scale per row of a 384-column matrix) with one scale per group (the scale with the least squared error;
//! a file would also round that scale to what it stores), the encoder runs on
//! the rounded weights, and the example prints the cosine of its embeddings with the F32
//! model's over the benchmark's 40 messages (`tests/e2e/bench/messages.json`), and the
//! bytes the named matrices would take with a 16-bit scale per group.
//! `seen=B` stores the word-embedding rows of tokens that occur in our train texts
//! (`data/{crisis,emotion,intent}.jsonl`, split `train`) at `B` bits and the other rows at
//! `emb`'s. `HELDOUT=1` measures on the held-out messages (`data/heldout/`) instead of the
//! benchmark's 40, so a choice of tokens made from train texts cannot flatter the result.
//! Needs the set-up step's model files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::HashMap;

use hearth_nlu::{encoder, eval, files, Model};
use safetensors::{tensor::TensorView, Dtype, SafeTensors};

/// Values per scale unless `GROUP` says otherwise (384 = one scale per row of most matrices).
const DEFAULT_GROUP: usize = 32;

/// Rounds `group` to `bits`-bit levels at the scale with the least squared error.
fn round_group(group: &mut [f32], bits: u32) {
    let top = ((1i32 << (bits - 1)) - 1) as f32;
    let level = |x: f32, s: f32| (x / s).round().clamp(-top - 1.0, top);
    let error =
        |g: &[f32], s: f32| -> f32 { g.iter().map(|&x| (x - level(x, s) * s).powi(2)).sum() };
    let max = group.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return;
    }
    let mut best = (error(group, max / top), max / top);
    for step in 0..=40u8 {
        let guess = max / (top * (0.8 + f32::from(step) * 0.006));
        let (xq, qq) = group.iter().fold((0f32, 0f32), |(a, b), &x| {
            let q = level(x, guess);
            (a + x * q, b + q * q)
        });
        for s in [guess, if qq > 0.0 { xq / qq } else { guess }] {
            let e = error(group, s);
            if s > 0.0 && e < best.0 {
                best = (e, s);
            }
        }
    }
    group
        .iter_mut()
        .for_each(|x| *x = level(*x, best.1) * best.1);
}

/// The kind of matrix `name` is, as the arguments name them.
fn kind(name: &str) -> Option<&'static str> {
    if name == "embeddings.word_embeddings.weight" {
        Some("emb")
    } else if name == "embeddings.position_embeddings.weight" {
        Some("pos")
    } else if !name.ends_with(".weight") || name.contains("LayerNorm") {
        None
    } else if name.ends_with(".intermediate.dense.weight") {
        Some("ffn1")
    } else if name.ends_with(".output.dense.weight") && !name.contains(".attention.") {
        Some("ffn2")
    } else if name.contains(".attention.") {
        Some("attn")
    } else {
        None
    }
}

fn main() {
    let dir = files::model_dir();
    let read = |n: &str| std::fs::read(dir.join(n)).expect("run the set-up step first");
    let (source, tokenizer) = (read("model.safetensors"), read(files::TOKENIZER_NAME));
    let config = String::from_utf8(read("config.json")).unwrap();
    let tasks = [
        ("crisis", "risk"),
        ("emotion", "emotion"),
        ("intent", "intent"),
    ];
    let messages: Vec<String> = if std::env::var_os("HELDOUT").is_some() {
        tasks
            .iter()
            .flat_map(|(stem, field)| eval::load_heldout(stem, field).unwrap())
            .map(|e| e.text)
            .collect()
    } else {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/e2e/bench/messages.json"
        )))
        .unwrap()
    };
    // Token ids that occur in the train texts (for `seen=`).
    let words = tokenizers::Tokenizer::from_bytes(&tokenizer).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (stem, field) in tasks {
        for e in eval::load_task(stem, field).unwrap() {
            if e.split == "train" {
                seen.extend(
                    words
                        .encode(e.text.as_str(), true)
                        .unwrap()
                        .get_ids()
                        .to_vec(),
                );
            }
        }
    }
    println!(
        "{} messages; {} distinct tokens in the train texts",
        messages.len(),
        seen.len()
    );
    let reference = Model::load_reference(&source, &config, &tokenizer).unwrap();
    let wanted: Vec<Vec<f32>> = messages
        .iter()
        .map(|m| reference.embed(m).unwrap())
        .collect();
    let st = SafeTensors::deserialize(&source).unwrap();
    let group: usize = std::env::var("GROUP").map_or(DEFAULT_GROUP, |g| g.parse().expect("GROUP"));
    for spec in std::env::args().skip(1) {
        let bits: HashMap<&str, u32> = spec
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("kind=bits");
                (k, v.parse().expect("bits"))
            })
            .collect();
        let (mut tensors, mut bytes) = (Vec::new(), 0f64);
        for name in st.names() {
            let view = st.tensor(name).unwrap();
            if view.dtype() != Dtype::F32 {
                continue;
            }
            let mut values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let chosen = kind(name).and_then(|k| {
                bits.get(k)
                    .or_else(|| k.starts_with("ffn").then(|| bits.get("ffn")).flatten())
            });
            let seen_bits = bits.get("seen").filter(|_| kind(name) == Some("emb"));
            if let (Some(&b), Some(&sb)) = (chosen, seen_bits) {
                let width = view.shape()[1];
                for (token, row) in values.chunks_mut(width).enumerate() {
                    let rb = if seen.contains(&(token as u32)) {
                        sb
                    } else {
                        b
                    };
                    row.chunks_mut(group).for_each(|g| round_group(g, rb));
                    bytes += width as f64 * (f64::from(rb) + 16.0 / group as f64) / 8.0;
                }
            } else if let Some(&b) = chosen {
                values.chunks_mut(group).for_each(|g| round_group(g, b));
                bytes += values.len() as f64 * (f64::from(b) + 16.0 / group as f64) / 8.0;
            }
            let data: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            tensors.push((name.to_string(), view.shape().to_vec(), data));
        }
        let views: Vec<(String, TensorView<'_>)> = tensors
            .iter()
            .map(|(n, s, d)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, s.clone(), d).unwrap(),
                )
            })
            .collect();
        let weights = safetensors::serialize(views, None).unwrap();
        let model = Model::load_reference(&weights, &config, &tokenizer).unwrap();
        let cos: Vec<f32> = messages
            .iter()
            .zip(&wanted)
            .map(|(m, w)| encoder::dot(&model.embed(m).unwrap(), w))
            .collect();
        let min = cos.iter().copied().fold(1f32, f32::min);
        let mean = cos.iter().sum::<f32>() / cos.len() as f32;
        println!(
            "{spec}: cosine min {min:.4}, mean {mean:.4}; rounded matrices {:.2} MB",
            bytes / 1e6
        );
    }
}
