//! The compact model file browsers download (`minilm-q8.safetensors`).
//!
//! It is a safetensors file made from the pinned F32 `model.safetensors` by [`convert`],
//! deterministically (the same input gives the same bytes, so its SHA-256 can be committed):
//!
//! - every weight matrix with at least [`QUANTIZE_MIN`] elements (the word and position
//!   embeddings and the dense layers) is stored as `I8` with one `F16` scale per row under
//!   `<name>.scale`: `w[r][c] ≈ q[r][c] × scale[r]`, `scale[r] = max|w[r]| / 127`;
//! - the small tensors (biases, layer norms, token-type embeddings) stay `F32`;
//! - tensors the sentence encoder never reads (`pooler.*`, `position_ids`) are dropped;
//! - the metadata key `hearth` holds `{"format": FORMAT, "config": <BERT config>}`.
//!
//! [`open`] hands the stored tensors to the int8 encoder ([`super::int8`]), which multiplies
//! them as integers. About a quarter of the F32 size.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use candle_transformers::models::bert::Config;
use half::f16;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use super::{parse_config, Error, Tensors};

/// The format name written into (and required from) the file's metadata.
pub const FORMAT: &str = "hearth-minilm-q8/1";

/// Matrices with at least this many elements are stored as int8 rows.
pub const QUANTIZE_MIN: usize = 65_536;

const SCALE_SUFFIX: &str = ".scale";

#[derive(Serialize, Deserialize)]
struct Meta {
    format: String,
    config: serde_json::Value,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::BadWeights(msg.to_string())
}

/// Reads an F32 tensor's values out of a safetensors view.
pub(super) fn f32_values(view: &TensorView<'_>) -> Result<Vec<f32>, Error> {
    if view.dtype() != Dtype::F32 {
        return Err(bad(format!("expected F32, found {:?}", view.dtype())));
    }
    Ok(super::f32s_le(view.data()))
}

/// One tensor of the output file, owned.
struct Out {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
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
        let shape = view.shape().to_vec();
        let values = f32_values(&view).map_err(|e| bad(format!("{name}: {e}")))?;
        if shape.len() == 2 && values.len() >= QUANTIZE_MIN {
            let cols = shape[1];
            let mut q = Vec::with_capacity(values.len());
            let mut scales = Vec::with_capacity(shape[0] * 2);
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
            out.push((
                format!("{name}{SCALE_SUFFIX}"),
                Out {
                    dtype: Dtype::F16,
                    shape: vec![shape[0]],
                    data: scales,
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
        } else {
            out.push((
                name,
                Out {
                    dtype: Dtype::F32,
                    shape,
                    data: view.data().to_vec(),
                },
            ));
        }
    }
    let config: serde_json::Value = serde_json::from_str(config_json).map_err(bad)?;
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

/// Opens the compact file: checks its format name and returns the BERT config and the
/// tensors as stored (the int8 encoder reads them without widening).
pub fn open(bytes: &[u8]) -> Result<(Config, SafeTensors<'_>), Error> {
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
    Ok((config, st))
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
