//! The sentence encoder: all-MiniLM-L6-v2, from bytes.
//!
//! [`Model::load`] takes the compact weights file and `tokenizer.json` as bytes and does no
//! I/O, so the CLI and the browser's worker run the very same code. A text becomes one
//! 384-d embedding: tokenised without padding (truncated to 128 tokens, the length the
//! encoder was trained on), run through the six BERT layers, mean-pooled over its tokens
//! and L2-normalised. [`Model::encode`] also keeps every token's state, which
//! the emotion head pools with its own learned attention.
//!
//! The compact file ([`compact`]) is what browsers download: int8 weight matrices with one
//! scale per row, the small vectors in F32, the BERT config in the safetensors metadata.
//! [`int8`] runs it without widening the matrices (integer dot products; `i32x4.dot_i16x8_s`
//! in the browser). The original F32 weights run on candle-transformers' BERT, only to
//! measure how close the compact model stays ([`Model::load_reference`]).

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

pub mod compact;
pub mod int8;

/// The width of every embedding this encoder produces.
pub const DIM: usize = 384;

/// The most tokens one pass of the encoder sees (including `[CLS]` and `[SEP]`).
pub const MAX_TOKENS: usize = 128;

/// What can go wrong loading or running the encoder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The weights file is not a Hearth compact model (or it is damaged).
    #[error("the model file is not a valid Hearth compact model: {0}")]
    BadWeights(String),
    /// `tokenizer.json` could not be parsed.
    #[error("the tokenizer file is not valid: {0}")]
    BadTokenizer(String),
    /// Tokenisation or a tensor operation failed while embedding a text.
    #[error("the encoder failed: {0}")]
    Inference(String),
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Inference(e.to_string())
    }
}

/// A sentence embedding: 384 floats with unit length.
pub type Embedding = Vec<f32>;

/// The loaded encoder and its tokenizer.
pub struct Model {
    engine: Engine,
    tokenizer: Tokenizer,
}

/// What runs the layers: our int8 forward pass for the compact file, candle's BERT in F32
/// for the original weights (the reference the compact file is measured against).
enum Engine {
    Int8(int8::Encoder),
    Reference(BertModel),
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").finish_non_exhaustive()
    }
}

impl Model {
    /// Loads the encoder from the compact weights file and `tokenizer.json`, both as bytes.
    ///
    /// Padding in the tokenizer file is switched off (it pads to a fixed 128) and truncation
    /// set to [`MAX_TOKENS`], so every text is encoded at its own length.
    pub fn load(weights: &[u8], tokenizer_json: &[u8]) -> Result<Model, Error> {
        let (config, st) = compact::open(weights)?;
        let shape = int8::Shape {
            hidden: config.hidden_size,
            heads: config.num_attention_heads,
            intermediate: config.intermediate_size,
            layers: config.num_hidden_layers,
            eps: config.layer_norm_eps as f32,
        };
        let encoder = int8::Encoder::read(&st, shape)?;
        Ok(Model {
            engine: Engine::Int8(encoder),
            tokenizer: tokenizer(tokenizer_json)?,
        })
    }

    /// Loads the original F32 weights — only to measure how close the compact file stays.
    pub fn load_reference(
        f32_weights: &[u8],
        config_json: &str,
        tokenizer_json: &[u8],
    ) -> Result<Model, Error> {
        let (config, tensors) = compact::read_reference(f32_weights, config_json)?;
        Model::reference(&config, tensors, tokenizer_json)
    }

    /// Builds candle's F32 BERT from tensors by name.
    fn reference(config: &Config, tensors: Tensors, tokenizer_json: &[u8]) -> Result<Model, Error> {
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let bert = BertModel::load(vb, config).map_err(|e| Error::BadWeights(e.to_string()))?;
        Ok(Model {
            engine: Engine::Reference(bert),
            tokenizer: tokenizer(tokenizer_json)?,
        })
    }

    /// How many tokens the encoder would see for `text` (after truncation).
    pub fn token_count(&self, text: &str) -> Result<usize, Error> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Inference(e.to_string()))?;
        Ok(enc.get_ids().len())
    }

    /// Embeds one text: a unit-length, mean-pooled 384-d vector.
    pub fn embed(&self, text: &str) -> Result<Embedding, Error> {
        Ok(self.forward(text)?.0)
    }

    /// Embeds one text and keeps the last layer's state of every token, for the heads that
    /// pool the tokens themselves (the emotion head's attention).
    pub fn encode(&self, text: &str) -> Result<(Embedding, TokenStates), Error> {
        let (v, values) = self.forward(text)?;
        Ok((v, TokenStates { values }))
    }

    /// The mean-pooled unit embedding and the last layer's states, `tokens × DIM` by rows.
    /// Texts are never padded, so every token counts in the mean.
    fn forward(&self, text: &str) -> Result<(Embedding, Vec<f32>), Error> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Inference(e.to_string()))?;
        let ids = enc.get_ids();
        let types = enc.get_type_ids();
        let hidden = match &self.engine {
            Engine::Int8(encoder) => encoder.forward(ids, types)?,
            Engine::Reference(bert) => {
                let n = ids.len();
                let input = Tensor::from_slice(ids, (1, n), &Device::Cpu)?;
                let types = Tensor::from_slice(types, (1, n), &Device::Cpu)?;
                bert.forward(&input, &types, None)?
                    .flatten_all()?
                    .to_vec1()?
            }
        };
        let mut v = vec![0f32; DIM];
        for row in hidden.chunks_exact(DIM) {
            v.iter_mut().zip(row).for_each(|(s, x)| *s += x);
        }
        let n = (hidden.len() / DIM).max(1) as f32;
        v.iter_mut().for_each(|s| *s /= n);
        normalize(&mut v);
        Ok((v, hidden))
    }
}

/// Parses `tokenizer.json` with padding off (the file pads to a fixed 128) and truncation at
/// [`MAX_TOKENS`], so every text is encoded at its own length.
fn tokenizer(json: &[u8]) -> Result<Tokenizer, Error> {
    let mut tokenizer =
        Tokenizer::from_bytes(json).map_err(|e| Error::BadTokenizer(e.to_string()))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
            direction: TruncationDirection::Right,
        }))
        .map_err(|e| Error::BadTokenizer(e.to_string()))?;
    Ok(tokenizer)
}

/// The encoder's last-layer state of every token of one text (`[CLS]` and `[SEP]` included),
/// row-major: token `t` is `values[t * DIM..(t + 1) * DIM]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenStates {
    /// `tokens × DIM` floats.
    pub values: Vec<f32>,
}

impl TokenStates {
    /// How many tokens.
    pub fn len(&self) -> usize {
        self.values.len() / DIM
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The tokens' states, one `DIM`-long slice each.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.values.chunks_exact(DIM)
    }
}

/// Little-endian F32 values from `bytes` (a trailing partial value is ignored).
pub fn f32s_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The dot product of two equally long vectors (the cosine for unit vectors).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Tensors by name, as candle's `VarBuilder` takes them.
pub(crate) type Tensors = HashMap<String, Tensor>;

/// Parses the BERT config the compact file carries.
pub(crate) fn parse_config(json: &str) -> Result<Config, Error> {
    serde_json::from_str(json).map_err(|e| Error::BadWeights(format!("config: {e}")))
}
