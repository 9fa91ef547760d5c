//! The compact model file browsers download (`minilm-compact.safetensors`).
//!
//! It is a safetensors file made from the pinned F32 `model.safetensors` by [`convert`],
//! deterministically (the same input gives the same bytes, so its SHA-256 can be committed).
//! The 22.7 M weights take about 5 bits each, chosen by how much each kind of matrix moves
//! the embeddings (measured against the F32 model, see `docs/BENCHMARKS.md`):
//!
//! | matrices | bits |
//! |---|---:|
//! | word embeddings (only looked up, a row per token) | 4 |
//! | feed-forward output (`output.dense`) | 5 |
//! | attention projections, feed-forward input (`intermediate.dense`) | 6 |
//!
//! Each of those rows is cut into groups of [`GROUP`] values. A value is a signed integer
//! `q` of that many bits times its group's scale; the scales are stored as one `F16` per
//! row (`<name>.scale`) and one `U8` exponent per group (`<name>.groups`): the group's scale
//! is the row's times `2^(-e/32)`. Each group's exponent is searched for the least squared
//! error. The integers, offset to be unsigned, are packed least significant bit first, row
//! by row, into the `U8` tensor `<name>` (shape `[rows, cols × bits / 8]`).
//!
//! The position embeddings are stored as `I8` rows with one `F16` scale per row
//! (`w[r][c] ≈ q[r][c] × scale[r]`), and only their first [`MAX_TOKENS`] rows: no text
//! is ever longer (the config in the file says so). The small tensors (biases, layer
//! norms, token-type embeddings) stay `F32`; tensors the sentence encoder never reads
//! (`pooler.*`, `position_ids`) are dropped; the metadata key `hearth` holds
//! `{"format": FORMAT, "config": <BERT config>}`.
//!
//! [`read`] turns it back into F32 tensors for candle, with the same arithmetic natively and
//! in the browser. About a sixth of the F32 size.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use candle_transformers::models::bert::Config;
use half::f16;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use super::{parse_config, Error, Tensors, MAX_TOKENS};

/// The format name written into (and required from) the file's metadata.
pub const FORMAT: &str = "hearth-minilm-compact/2";

/// How many consecutive values of a row share one scale.
pub const GROUP: usize = 32;

/// How many bits each stored value of the matrix `name` takes: 4, 5 or 6 for the packed
/// matrices, 8 for the position embeddings, `None` for tensors kept as `F32`.
pub fn bits(name: &str) -> Option<u32> {
    if name == "embeddings.word_embeddings.weight" {
        Some(4)
    } else if name == "embeddings.position_embeddings.weight" {
        Some(8)
    } else if !name.ends_with(".weight") || name.contains("LayerNorm") {
        None
    } else if name.ends_with(".output.dense.weight") && !name.contains(".attention.") {
        Some(5)
    } else if name.ends_with(".intermediate.dense.weight") || name.contains(".attention.") {
        Some(6)
    } else {
        None
    }
}

const SCALE_SUFFIX: &str = ".scale";
const GROUPS_SUFFIX: &str = ".groups";

#[derive(Serialize, Deserialize)]
struct Meta {
    format: String,
    config: serde_json::Value,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::BadWeights(msg.to_string())
}

/// Reads an F32 tensor's values out of a safetensors view.
fn f32_values(view: &TensorView<'_>) -> Result<Vec<f32>, Error> {
    if view.dtype() != Dtype::F32 {
        return Err(bad(format!("expected F32, found {:?}", view.dtype())));
    }
    Ok(view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// One tensor of the output file, owned.
struct Out {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// Int8 rows: the values (as bytes) and one little-endian `F16` scale per row.
fn int8_rows(values: &[f32], cols: usize) -> (Vec<u8>, Vec<u8>) {
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / cols * 2);
    for row in values.chunks_exact(cols) {
        let max = row.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = f16::from_f32(if max > 0.0 { max / 127.0 } else { 1.0 });
        let s = scale.to_f32();
        q.extend(
            row.iter()
                .map(|x| ((x / s).round().clamp(-127.0, 127.0) as i8) as u8),
        );
        scales.extend(scale.to_le_bytes());
    }
    (q, scales)
}

/// `2^(-j/32)` for `j` in `0..32`, from square roots and products only, so the table is
/// bit-identical on every platform (both are exactly rounded in IEEE arithmetic).
fn fine_powers() -> [f32; 32] {
    let step = 0.5f32.sqrt().sqrt().sqrt().sqrt().sqrt();
    let mut table = [1f32; 32];
    for j in 1..32 {
        table[j] = table[j - 1] * step;
    }
    table
}

/// A group's scale: the row's scale times `2^(-exponent/32)`.
fn group_scale(row_scale: f32, exponent: u8, table: &[f32; 32]) -> f32 {
    // 2^(-exponent/32) = table[exponent % 32] × 2^-(exponent / 32); the power of two is
    // built from its bits, so the product is the same everywhere.
    let whole = f32::from_bits((127 - u32::from(exponent / 32)) << 23);
    row_scale * table[usize::from(exponent % 32)] * whole
}

/// The signed integer of `bits` bits nearest to `x / scale`.
fn level(x: f32, scale: f32, bits: u32) -> i32 {
    let top = (1i32 << (bits - 1)) as f32;
    (x / scale).round().clamp(-top, top - 1.0) as i32
}

/// Squared error of `group` stored in `bits` bits at `scale`.
fn squared_error(group: &[f32], scale: f32, bits: u32) -> f32 {
    group
        .iter()
        .map(|&x| {
            let d = x - level(x, scale, bits) as f32 * scale;
            d * d
        })
        .sum()
}

/// The scale with the least squared error for `group` in `bits` bits, before rounding to
/// the exponent grid: candidates `max|x| / d` for `d` from 0.8 to 1.04 of the largest
/// positive level, each refined once to the least-squares scale for the levels it chose.
fn best_scale(group: &[f32], bits: u32) -> f32 {
    let max = group.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return 0.0;
    }
    let top = ((1i32 << (bits - 1)) - 1) as f32;
    let mut best = (squared_error(group, max / top, bits), max / top);
    for step in 0..=40u8 {
        let guess = max / (top * (0.8 + f32::from(step) * 0.006));
        let (xq, qq) = group.iter().fold((0f32, 0f32), |(xq, qq), &x| {
            let q = level(x, guess, bits) as f32;
            (xq + x * q, qq + q * q)
        });
        for candidate in [guess, if qq > 0.0 { xq / qq } else { guess }] {
            if candidate > 0.0 && candidate.is_finite() {
                let e = squared_error(group, candidate, bits);
                if e < best.0 {
                    best = (e, candidate);
                }
            }
        }
    }
    best.1
}

/// One matrix in `bits` bits: the packed rows, one `F16` scale per row and one exponent
/// per group. `values` holds whole rows of `cols` values, a multiple of [`GROUP`].
fn pack(values: &[f32], cols: usize, bits: u32) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let table = fine_powers();
    let offset = 1i32 << (bits - 1);
    let mut packed = Vec::with_capacity(values.len() * bits as usize / 8);
    let mut row_scales = Vec::with_capacity(values.len() / cols * 2);
    let mut exponents = Vec::with_capacity(values.len() / GROUP);
    for row in values.chunks_exact(cols) {
        let wanted: Vec<f32> = row
            .chunks_exact(GROUP)
            .map(|g| best_scale(g, bits))
            .collect();
        let row_scale = f16::from_f32(wanted.iter().copied().fold(0f32, f32::max));
        let rs = if row_scale.to_f32() > 0.0 {
            row_scale.to_f32()
        } else {
            1.0
        };
        row_scales.extend(f16::from_f32(rs).to_le_bytes());
        let (mut acc, mut filled) = (0u32, 0u32);
        for (group, &want) in row.chunks_exact(GROUP).zip(&wanted) {
            // The nearest exponent to the wanted scale, then the best of its neighbours.
            let near = if want > 0.0 {
                (-32.0 * (want / rs).log2()).round().clamp(0.0, 255.0) as i32
            } else {
                255
            };
            let (mut best, mut exponent) = (f32::INFINITY, 255u8);
            for e in (near - 4).max(0)..=(near + 4).min(255) {
                let e = e as u8;
                let err = squared_error(group, group_scale(rs, e, &table), bits);
                if err < best {
                    (best, exponent) = (err, e);
                }
            }
            exponents.push(exponent);
            let scale = group_scale(rs, exponent, &table);
            for &x in group {
                acc |= ((level(x, scale, bits) + offset) as u32) << filled;
                filled += bits;
                while filled >= 8 {
                    packed.push(acc as u8);
                    acc >>= 8;
                    filled -= 8;
                }
            }
        }
    }
    (packed, row_scales, exponents)
}

/// Unpacks one matrix stored by [`pack`] into F32 values.
fn unpack(packed: &[u8], row_scales: &[u8], exponents: &[u8], cols: usize, bits: u32) -> Vec<f32> {
    let table = fine_powers();
    let offset = 1i32 << (bits - 1);
    let mask = (1u32 << bits) - 1;
    let row_bytes = cols * bits as usize / 8;
    let mut out = Vec::with_capacity(packed.len() * 8 / bits as usize);
    for ((row, rs), groups) in packed
        .chunks_exact(row_bytes)
        .zip(row_scales.chunks_exact(2))
        .zip(exponents.chunks_exact(cols / GROUP))
    {
        let rs = f16::from_le_bytes([rs[0], rs[1]]).to_f32();
        let (mut acc, mut filled, mut bytes) = (0u32, 0u32, row.iter());
        for &e in groups {
            let scale = group_scale(rs, e, &table);
            for _ in 0..GROUP {
                while filled < bits {
                    acc |= u32::from(bytes.next().copied().unwrap_or(0)) << filled;
                    filled += 8;
                }
                out.push(((acc & mask) as i32 - offset) as f32 * scale);
                acc >>= bits;
                filled -= bits;
            }
        }
    }
    out
}

/// Makes the compact file from the pinned F32 weights and its `config.json` text.
pub fn convert(f32_weights: &[u8], config_json: &str) -> Result<Vec<u8>, Error> {
    parse_config(config_json)?;
    let src = SafeTensors::deserialize(f32_weights).map_err(bad)?;
    let mut names: Vec<String> = src.names().into_iter().map(str::to_string).collect();
    names.sort();
    let mut out: Vec<(String, Out)> = Vec::new();
    for name in names {
        if name.starts_with("pooler.") || name.ends_with("position_ids") {
            continue;
        }
        let view = src.tensor(&name).map_err(bad)?;
        let mut shape = view.shape().to_vec();
        let mut values = f32_values(&view).map_err(|e| bad(format!("{name}: {e}")))?;
        let (Some(bits), &[rows, cols]) = (bits(&name), &shape[..]) else {
            out.push((
                name,
                Out {
                    dtype: Dtype::F32,
                    shape,
                    data: view.data().to_vec(),
                },
            ));
            continue;
        };
        if bits == 8 {
            // The position embeddings: only the rows a text of MAX_TOKENS can reach.
            let rows = rows.min(MAX_TOKENS);
            values.truncate(rows * cols);
            shape[0] = rows;
            let (q, s) = int8_rows(&values, cols);
            out.push((
                format!("{name}{SCALE_SUFFIX}"),
                Out {
                    dtype: Dtype::F16,
                    shape: vec![rows],
                    data: s,
                },
            ));
            out.push((
                name,
                Out {
                    dtype: Dtype::I8,
                    shape,
                    data: q,
                },
            ));
            continue;
        }
        if cols % GROUP != 0 {
            return Err(bad(format!("{name}: {cols} columns, not whole groups")));
        }
        let (packed, row_scales, exponents) = pack(&values, cols, bits);
        out.push((
            format!("{name}{SCALE_SUFFIX}"),
            Out {
                dtype: Dtype::F16,
                shape: vec![rows],
                data: row_scales,
            },
        ));
        out.push((
            format!("{name}{GROUPS_SUFFIX}"),
            Out {
                dtype: Dtype::U8,
                shape: vec![rows, cols / GROUP],
                data: exponents,
            },
        ));
        out.push((
            name,
            Out {
                dtype: Dtype::U8,
                shape: vec![rows, cols * bits as usize / 8],
                data: packed,
            },
        ));
    }
    let mut config: serde_json::Value = serde_json::from_str(config_json).map_err(bad)?;
    // Only MAX_TOKENS position rows are stored; the config says so, so the encoder's
    // embedding table has the shape of what is stored.
    config["max_position_embeddings"] = MAX_TOKENS.into();
    let meta = serde_json::to_string(&Meta {
        format: FORMAT.to_string(),
        config,
    })
    .map_err(bad)?;
    let views: Vec<(String, TensorView<'_>)> = out
        .iter()
        .map(|(n, o)| {
            TensorView::new(o.dtype, o.shape.clone(), &o.data)
                .map(|v| (n.clone(), v))
                .map_err(bad)
        })
        .collect::<Result<_, _>>()?;
    let metadata = HashMap::from([("hearth".to_string(), meta)]);
    safetensors::serialize(views, Some(metadata)).map_err(bad)
}

/// The scales stored beside the quantised matrix `name`.
fn scales_of<'a>(st: &SafeTensors<'a>, name: &str) -> Result<TensorView<'a>, Error> {
    st.tensor(&format!("{name}{SCALE_SUFFIX}"))
        .map_err(|e| bad(format!("{name}: scales: {e}")))
}

/// The values of an `F16` tensor as `f32`.
fn f16_values<'a>(view: &'a TensorView<'_>) -> impl Iterator<Item = f32> + 'a {
    view.data()
        .chunks_exact(2)
        .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
}

/// Reads the compact file back: the BERT config and every tensor as F32.
pub fn read(bytes: &[u8]) -> Result<(Config, Tensors), Error> {
    let st = SafeTensors::deserialize(bytes).map_err(bad)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(bad)?;
    let meta_json = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get("hearth"))
        .ok_or_else(|| bad("no `hearth` metadata (not a compact model file)"))?;
    let meta: Meta = serde_json::from_str(meta_json).map_err(bad)?;
    if meta.format != FORMAT {
        return Err(bad(format!(
            "format {:?}, expected {FORMAT:?}",
            meta.format
        )));
    }
    let config = parse_config(&meta.config.to_string())?;
    let device = Device::Cpu;
    let mut tensors = HashMap::new();
    for name in st.names() {
        if name.ends_with(SCALE_SUFFIX) || name.ends_with(GROUPS_SUFFIX) {
            continue;
        }
        let view = st.tensor(name).map_err(bad)?;
        let mut shape = view.shape().to_vec();
        let values = match view.dtype() {
            Dtype::F32 => f32_values(&view)?,
            Dtype::I8 => {
                let scales = scales_of(&st, name)?;
                let rows = shape.first().copied().unwrap_or(0);
                if scales.dtype() != Dtype::F16 || scales.shape() != [rows] || shape.len() != 2 {
                    return Err(bad(format!("{name}: malformed int8 tensor")));
                }
                let cols = shape[1];
                let mut v = Vec::with_capacity(rows * cols);
                for (row, s) in view.data().chunks_exact(cols).zip(f16_values(&scales)) {
                    v.extend(row.iter().map(|&b| f32::from(b as i8) * s));
                }
                v
            }
            Dtype::U8 => {
                let malformed = || bad(format!("{name}: malformed packed tensor"));
                let scales = scales_of(&st, name)?;
                let exponents = st
                    .tensor(&format!("{name}{GROUPS_SUFFIX}"))
                    .map_err(|e| bad(format!("{name}: group exponents: {e}")))?;
                let (&[rows, row_bytes], &[exp_rows, groups]) = (&shape[..], exponents.shape())
                else {
                    return Err(malformed());
                };
                let cols = groups * GROUP;
                let bits = row_bytes * 8 / cols.max(1);
                if cols == 0
                    || !(2..=8).contains(&bits)
                    || bits * cols != row_bytes * 8
                    || exp_rows != rows
                    || exponents.dtype() != Dtype::U8
                    || scales.dtype() != Dtype::F16
                    || scales.shape() != [rows]
                {
                    return Err(malformed());
                }
                shape = vec![rows, cols];
                unpack(
                    view.data(),
                    scales.data(),
                    exponents.data(),
                    cols,
                    bits as u32,
                )
            }
            other => return Err(bad(format!("{name}: unexpected dtype {other:?}"))),
        };
        let t = Tensor::from_vec(values, shape, &device)?;
        tensors.insert(name.to_string(), t);
    }
    Ok((config, tensors))
}

/// Reads the original F32 weights (only to measure how close the compact file stays).
pub fn read_reference(f32_weights: &[u8], config_json: &str) -> Result<(Config, Tensors), Error> {
    let config = parse_config(config_json)?;
    let st = SafeTensors::deserialize(f32_weights).map_err(bad)?;
    let mut tensors = HashMap::new();
    for name in st.names() {
        let view = st.tensor(name).map_err(bad)?;
        if view.dtype() != Dtype::F32 {
            continue;
        }
        let t = Tensor::from_vec(f32_values(&view)?, view.shape().to_vec(), &Device::Cpu)?;
        tensors.insert(name.to_string(), t);
    }
    Ok((config, tensors))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Rows with different ranges and signs, an outlier, and a zero group.
    fn sample(rows: usize, cols: usize) -> Vec<f32> {
        (0..rows * cols)
            .map(|i| {
                let (r, c) = (i / cols, i % cols);
                if r == 1 && c < GROUP {
                    0.0
                } else if c == 5 {
                    2.5
                } else {
                    (i as f32 * 1.618).sin() / (1 + r) as f32
                }
            })
            .collect()
    }

    #[test]
    fn packed_rows_round_trip_for_every_width() {
        let (rows, cols) = (3, 4 * GROUP);
        let values = sample(rows, cols);
        for bits in [4, 5, 6] {
            let (packed, scales, exponents) = pack(&values, cols, bits);
            assert_eq!(packed.len(), rows * cols * bits as usize / 8);
            assert_eq!(scales.len(), rows * 2);
            assert_eq!(exponents.len(), rows * cols / GROUP);
            let back = unpack(&packed, &scales, &exponents, cols, bits);
            assert_eq!(back.len(), values.len());
            for (i, (group, got)) in values
                .chunks_exact(GROUP)
                .zip(back.chunks_exact(GROUP))
                .enumerate()
            {
                let max = group.iter().fold(0f32, |m, x| m.max(x.abs()));
                let err: f32 = group.iter().zip(got).map(|(x, y)| (x - y).powi(2)).sum();
                // Near the error at the best scale before it is rounded to the exponent grid
                // (2^(1/32) apart; the error is a jagged function of the scale), and never
                // much more than a step from any value.
                let ideal =
                    squared_error(group, best_scale(group, bits).max(f32::MIN_POSITIVE), bits);
                assert!(
                    err <= ideal * 1.5 + 1e-12,
                    "{bits} bits, group {i}: {err} > {ideal}"
                );
                let step = max / ((1 << (bits - 1)) - 1) as f32;
                assert!(group
                    .iter()
                    .zip(got)
                    .all(|(x, y)| (x - y).abs() <= step * 1.3 + 1e-7));
            }
            assert!(back[cols..cols + GROUP].iter().all(|&y| y == 0.0));
        }
    }

    #[test]
    fn more_bits_mean_less_error() {
        let (rows, cols) = (2, 8 * GROUP);
        let values = sample(rows, cols);
        let error = |bits| -> f32 {
            let (p, s, e) = pack(&values, cols, bits);
            let back = unpack(&p, &s, &e, cols, bits);
            values.iter().zip(&back).map(|(x, y)| (x - y).powi(2)).sum()
        };
        assert!(error(6) < error(5) && error(5) < error(4));
    }

    #[test]
    fn the_searched_scale_beats_the_largest_value_rule_on_an_outlier() {
        // One outlier: scaling by it wastes most of the levels on the rest.
        let group: Vec<f32> = (0..GROUP)
            .map(|i| ((i * 37 % 29) as f32 - 14.0) / 10.0 + if i == 3 { 4.0 } else { 0.0 })
            .collect();
        let max = group.iter().fold(0f32, |m, x| m.max(x.abs()));
        assert!(
            squared_error(&group, best_scale(&group, 4), 4) < squared_error(&group, max / 7.0, 4)
        );
    }

    #[test]
    fn group_scales_are_exact_powers_of_the_thirty_second_root() {
        let table = fine_powers();
        assert_eq!(table[0], 1.0);
        assert!((table[16] - 0.5f32.sqrt()).abs() < 1e-6);
        assert_eq!(group_scale(3.0, 32, &table), 1.5);
        assert_eq!(group_scale(3.0, 80, &table), 3.0 * table[16] / 4.0);
    }

    #[test]
    fn int8_rows_keep_each_row_within_half_a_step() {
        let values: Vec<f32> = (0..64)
            .map(|i| (i as f32).sin() * (1 + i / 32) as f32)
            .collect();
        let (q, scales) = int8_rows(&values, 32);
        for ((row, qrow), s) in values
            .chunks_exact(32)
            .zip(q.chunks_exact(32))
            .zip(scales.chunks_exact(2))
        {
            let s = f16::from_le_bytes([s[0], s[1]]).to_f32();
            for (x, &b) in row.iter().zip(qrow) {
                assert!((x - f32::from(b as i8) * s).abs() <= s / 2.0 + 1e-6);
            }
        }
    }

    #[test]
    fn each_kind_of_matrix_gets_its_width() {
        assert_eq!(bits("embeddings.word_embeddings.weight"), Some(4));
        assert_eq!(bits("embeddings.position_embeddings.weight"), Some(8));
        assert_eq!(bits("encoder.layer.5.output.dense.weight"), Some(5));
        assert_eq!(bits("encoder.layer.0.intermediate.dense.weight"), Some(6));
        assert_eq!(
            bits("encoder.layer.5.attention.output.dense.weight"),
            Some(6)
        );
        assert_eq!(bits("encoder.layer.0.attention.self.query.weight"), Some(6));
        assert_eq!(bits("encoder.layer.0.output.dense.bias"), None);
        assert_eq!(bits("encoder.layer.0.output.LayerNorm.weight"), None);
        assert_eq!(bits("embeddings.token_type_embeddings.weight"), None);
    }
}
