//! The encoder's own forward pass, multiplying the compact file's int8 matrices as integers.
//!
//! Widening every int8 matrix to F32 for candle costs 90 MB of memory at load and moves four
//! times the bytes through every multiply. Here the dense layers stay int8: a token's
//! activations are rounded to 16-bit integers with one scale per token, and the products are
//! summed eight at a time by one instruction (`i32x4.dot_i16x8_s` on wasm simd128;
//! natively a portable kernel the compiler vectorises), then one float multiply per
//! output applies both scales. Only the rounding of activations to 16 bits differs from the
//! F32 arithmetic on the same weights (a relative error of about 1/65 000 of a token's
//! largest value).
//!
//! The integer sums are exact (each of the four 32-bit lanes adds at most
//! [`MAX_INPUT`]` / 4` products of at most 127 × 32 767, which cannot overflow), so the SIMD
//! kernels and the portable one give the same numbers, and the browser and the CLI agree.
//! The rest (embeddings, layer norms, attention, GELU) is F32 in a fixed order.
//!
//! The layer is BERT's, as all-MiniLM-L6-v2 uses it: absolute positions, post-norm, GELU
//! with `erf`, no padding (each text runs at its own length, so there is no mask).

use half::f16;
use safetensors::{Dtype, SafeTensors};

use super::Error;

/// The longest input row a dense layer may have: the bound under which the integer sums of
/// the kernels cannot overflow a 32-bit lane.
pub const MAX_INPUT: usize = 2048;

/// The largest 16-bit magnitude a token's activations are rounded to.
const ACT_MAX: f32 = 32767.0;

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::BadWeights(msg.to_string())
}

/// The shape the encoder needs from the BERT config.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Width of a token's state.
    pub hidden: usize,
    /// Number of attention heads (`hidden` must be a multiple).
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate: usize,
    /// Number of layers.
    pub layers: usize,
    /// The layer norms' epsilon.
    pub eps: f32,
}

/// An int8 matrix stored by rows (`rows × cols`), each row with its own F32 scale.
#[derive(Debug)]
struct Rows {
    rows: usize,
    cols: usize,
    q: Vec<i8>,
    scale: Vec<f32>,
}

impl Rows {
    /// Reads `name` (I8) and `name.scale` (F16, one per row) from the compact file.
    fn read(st: &SafeTensors<'_>, name: &str) -> Result<Rows, Error> {
        let view = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
        let scales = st
            .tensor(&format!("{name}.scale"))
            .map_err(|e| bad(format!("{name}: scales: {e}")))?;
        let &[rows, cols] = view.shape() else {
            return Err(bad(format!("{name}: not a matrix")));
        };
        if view.dtype() != Dtype::I8 || scales.dtype() != Dtype::F16 || scales.shape() != [rows] {
            return Err(bad(format!("{name}: malformed int8 tensor")));
        }
        Ok(Rows {
            rows,
            cols,
            q: view.data().iter().map(|&b| b as i8).collect(),
            scale: scales
                .data()
                .chunks_exact(2)
                .map(|s| f16::from_le_bytes([s[0], s[1]]).to_f32())
                .collect(),
        })
    }

    /// Adds row `r`, widened to F32, to `out`.
    fn add_row(&self, r: usize, out: &mut [f32]) {
        let s = self.scale[r];
        let row = &self.q[r * self.cols..(r + 1) * self.cols];
        out.iter_mut()
            .zip(row)
            .for_each(|(o, &q)| *o += f32::from(q) * s);
    }

    fn row(&self, r: usize) -> &[i8] {
        &self.q[r * self.cols..(r + 1) * self.cols]
    }
}

/// Reads an F32 vector of `len` values.
fn vector(st: &SafeTensors<'_>, name: &str, len: usize) -> Result<Vec<f32>, Error> {
    let view = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
    let values = super::compact::f32_values(&view).map_err(|e| bad(format!("{name}: {e}")))?;
    if values.len() != len {
        return Err(bad(format!("{name}: expected {len} F32 values")));
    }
    Ok(values)
}

/// A dense layer: `y = W x + b` with `W` int8 by rows (one row per output).
#[derive(Debug)]
struct Dense {
    weight: Rows,
    bias: Vec<f32>,
}

impl Dense {
    fn read(st: &SafeTensors<'_>, prefix: &str) -> Result<Dense, Error> {
        let weight = Rows::read(st, &format!("{prefix}.weight"))?;
        if weight.cols % 8 != 0 || weight.cols > MAX_INPUT {
            return Err(bad(format!(
                "{prefix}: {} inputs (a multiple of 8 up to {MAX_INPUT} is needed)",
                weight.cols
            )));
        }
        let bias = vector(st, &format!("{prefix}.bias"), weight.rows)?;
        Ok(Dense { weight, bias })
    }

    /// Stacks layers with the same input into one (the query, key and value projections).
    fn stack(parts: Vec<Dense>) -> Dense {
        let cols = parts[0].weight.cols;
        let mut weight = Rows {
            rows: 0,
            cols,
            q: Vec::new(),
            scale: Vec::new(),
        };
        let mut bias = Vec::new();
        for p in parts {
            weight.rows += p.weight.rows;
            weight.q.extend(p.weight.q);
            weight.scale.extend(p.weight.scale);
            bias.extend(p.bias);
        }
        Dense { weight, bias }
    }

    /// Applies the layer to every token of `x` (quantised), writing `tokens × rows` floats.
    fn forward(&self, x: &Quantized, out: &mut Vec<f32>) {
        let w = &self.weight;
        debug_assert_eq!(x.cols, w.cols);
        let n = x.scale.len();
        out.clear();
        out.resize(n * w.rows, 0.0);
        let mut put = |t: usize, r: usize, acc: i64| {
            out[t * w.rows + r] = acc as f32 * (x.scale[t] * w.scale[r]) + self.bias[r];
        };
        let mut r = 0;
        while r + 2 <= w.rows {
            let rows = [w.row(r), w.row(r + 1)];
            let mut t = 0;
            while t + 4 <= n {
                let sums = kernel::dots_2x4(rows, [0, 1, 2, 3].map(|i| x.row(t + i)));
                for (i, row_sums) in sums.iter().enumerate() {
                    for (j, &s) in row_sums.iter().enumerate() {
                        put(t + j, r + i, s);
                    }
                }
                t += 4;
            }
            for t in t..n {
                let [a, b] = kernel::dots_2x1(rows, x.row(t));
                put(t, r, a);
                put(t, r + 1, b);
            }
            r += 2;
        }
        for r in r..w.rows {
            for t in 0..n {
                put(t, r, kernel::dot(w.row(r), x.row(t)));
            }
        }
    }
}

/// Token activations rounded to 16-bit integers, one scale per token.
#[derive(Debug, Default)]
struct Quantized {
    cols: usize,
    q: Vec<i16>,
    scale: Vec<f32>,
}

impl Quantized {
    /// Rounds every `cols`-wide row of `x` so that its largest magnitude becomes 32 767.
    fn of(&mut self, x: &[f32], cols: usize) {
        self.cols = cols;
        self.q.clear();
        self.scale.clear();
        for row in x.chunks_exact(cols) {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            if max > 0.0 && max.is_finite() {
                let inv = ACT_MAX / max;
                // Ties to even: one instruction (`f32.nearest`), where `round` is a libm call.
                self.q.extend(
                    row.iter()
                        .map(|v| (v * inv).round_ties_even().clamp(-ACT_MAX, ACT_MAX) as i16),
                );
                self.scale.push(max / ACT_MAX);
            } else {
                self.q.extend(std::iter::repeat_n(0, cols));
                self.scale.push(0.0);
            }
        }
    }

    fn row(&self, t: usize) -> &[i16] {
        &self.q[t * self.cols..(t + 1) * self.cols]
    }
}

/// Layer normalisation's learned gain and bias.
#[derive(Debug)]
struct Norm {
    gain: Vec<f32>,
    bias: Vec<f32>,
}

impl Norm {
    fn read(st: &SafeTensors<'_>, prefix: &str, len: usize) -> Result<Norm, Error> {
        Ok(Norm {
            gain: vector(st, &format!("{prefix}.weight"), len)?,
            bias: vector(st, &format!("{prefix}.bias"), len)?,
        })
    }

    /// Normalises every row of `x` in place.
    fn apply(&self, x: &mut [f32], eps: f32) {
        let d = self.gain.len();
        for row in x.chunks_exact_mut(d) {
            let mean = row.iter().sum::<f32>() / d as f32;
            row.iter_mut().for_each(|v| *v -= mean);
            let var = row.iter().map(|v| v * v).sum::<f32>() / d as f32;
            let inv = 1.0 / (var + eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.gain).zip(&self.bias) {
                *v = *v * inv * g + b;
            }
        }
    }
}

/// One transformer layer.
#[derive(Debug)]
struct Layer {
    /// Query, key and value projections stacked: `3 × hidden` outputs.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    ffn_in: Dense,
    ffn_out: Dense,
    ffn_norm: Norm,
}

/// The whole encoder, ready to run.
#[derive(Debug)]
pub struct Encoder {
    shape: Shape,
    word: Rows,
    position: Rows,
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    gelu: GeluTable,
}

impl std::fmt::Debug for GeluTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GeluTable({} points)", self.values.len())
    }
}

/// Buffers one forward pass reuses from layer to layer.
#[derive(Default)]
struct Scratch {
    quantized: Quantized,
    qkv: Vec<f32>,
    context: Vec<f32>,
    projected: Vec<f32>,
    wide: Vec<f32>,
    scores: Vec<f32>,
}

impl Encoder {
    /// Builds the encoder from a parsed compact file.
    pub fn read(st: &SafeTensors<'_>, shape: Shape) -> Result<Encoder, Error> {
        let h = shape.hidden;
        if shape.heads == 0 || h % shape.heads != 0 || (h / shape.heads) % 4 != 0 {
            return Err(bad(
                "the hidden width is not a multiple of the head count, or a head's width of 4",
            ));
        }
        let word = Rows::read(st, "embeddings.word_embeddings.weight")?;
        let position = Rows::read(st, "embeddings.position_embeddings.weight")?;
        if word.cols != h || position.cols != h {
            return Err(bad("embedding width differs from the hidden width"));
        }
        let token_type = vector(
            st,
            "embeddings.token_type_embeddings.weight",
            st.tensor("embeddings.token_type_embeddings.weight")
                .map_err(bad)?
                .shape()
                .iter()
                .product(),
        )?;
        if token_type.is_empty() || token_type.len() % h != 0 {
            return Err(bad("token type embeddings have the wrong width"));
        }
        let embedding_norm = Norm::read(st, "embeddings.LayerNorm", h)?;
        let layers = (0..shape.layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                let attn = format!("{p}.attention.self");
                let qkv = Dense::stack(vec![
                    Dense::read(st, &format!("{attn}.query"))?,
                    Dense::read(st, &format!("{attn}.key"))?,
                    Dense::read(st, &format!("{attn}.value"))?,
                ]);
                let layer = Layer {
                    qkv,
                    attention_out: Dense::read(st, &format!("{p}.attention.output.dense"))?,
                    attention_norm: Norm::read(st, &format!("{p}.attention.output.LayerNorm"), h)?,
                    ffn_in: Dense::read(st, &format!("{p}.intermediate.dense"))?,
                    ffn_out: Dense::read(st, &format!("{p}.output.dense"))?,
                    ffn_norm: Norm::read(st, &format!("{p}.output.LayerNorm"), h)?,
                };
                let dims = [
                    (&layer.qkv, 3 * h, h),
                    (&layer.attention_out, h, h),
                    (&layer.ffn_in, shape.intermediate, h),
                    (&layer.ffn_out, h, shape.intermediate),
                ];
                if dims
                    .iter()
                    .any(|(d, rows, cols)| d.weight.rows != *rows || d.weight.cols != *cols)
                {
                    return Err(bad(format!("{p}: a matrix has the wrong shape")));
                }
                Ok(layer)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Encoder {
            shape,
            word,
            position,
            token_type,
            embedding_norm,
            layers,
            gelu: GeluTable::new(),
        })
    }

    /// The most tokens the position embeddings cover.
    pub fn max_tokens(&self) -> usize {
        self.position.rows
    }

    /// Runs the encoder over one text's token ids and type ids; returns the last layer's
    /// state of every token, `ids.len() × hidden` floats by rows.
    pub fn forward(&self, ids: &[u32], type_ids: &[u32]) -> Result<Vec<f32>, Error> {
        let h = self.shape.hidden;
        let n = ids.len();
        if n > self.position.rows {
            return Err(Error::Inference(format!(
                "{n} tokens, more than the {} positions",
                self.position.rows
            )));
        }
        let mut x = vec![0f32; n * h];
        for (t, (row, (&id, &ty))) in x
            .chunks_exact_mut(h)
            .zip(ids.iter().zip(type_ids))
            .enumerate()
        {
            let (id, ty) = (id as usize, ty as usize);
            if id >= self.word.rows || (ty + 1) * h > self.token_type.len() {
                return Err(Error::Inference(format!(
                    "token {id} (type {ty}) is unknown"
                )));
            }
            self.word.add_row(id, row);
            self.position.add_row(t, row);
            row.iter_mut()
                .zip(&self.token_type[ty * h..(ty + 1) * h])
                .for_each(|(v, e)| *v += e);
        }
        self.embedding_norm.apply(&mut x, self.shape.eps);
        let mut s = Scratch::default();
        for layer in &self.layers {
            self.layer(layer, &mut x, &mut s);
        }
        Ok(x)
    }

    fn layer(&self, layer: &Layer, x: &mut [f32], s: &mut Scratch) {
        let Shape {
            hidden: h,
            intermediate,
            eps,
            ..
        } = self.shape;
        s.quantized.of(x, h);
        layer.qkv.forward(&s.quantized, &mut s.qkv);
        self.attention(s);
        s.quantized.of(&s.context, h);
        layer.attention_out.forward(&s.quantized, &mut s.projected);
        x.iter_mut().zip(&s.projected).for_each(|(v, p)| *v += p);
        layer.attention_norm.apply(x, eps);
        s.quantized.of(x, h);
        layer.ffn_in.forward(&s.quantized, &mut s.wide);
        s.wide.iter_mut().for_each(|v| *v = self.gelu.apply(*v));
        s.quantized.of(&s.wide, intermediate);
        layer.ffn_out.forward(&s.quantized, &mut s.projected);
        x.iter_mut().zip(&s.projected).for_each(|(v, p)| *v += p);
        layer.ffn_norm.apply(x, eps);
    }

    /// Scaled dot-product attention of every head, from `s.qkv` into `s.context`.
    fn attention(&self, s: &mut Scratch) {
        let h = self.shape.hidden;
        let d = h / self.shape.heads;
        let n = s.qkv.len() / (3 * h);
        let scale = 1.0 / (d as f32).sqrt();
        s.context.clear();
        s.context.resize(n * h, 0.0);
        s.scores.resize(n, 0.0);
        for head in 0..self.shape.heads {
            let (q0, k0, v0) = (head * d, h + head * d, 2 * h + head * d);
            for i in 0..n {
                let q = &s.qkv[i * 3 * h + q0..][..d];
                let mut max = f32::NEG_INFINITY;
                for (j, score) in s.scores.iter_mut().enumerate() {
                    let k = &s.qkv[j * 3 * h + k0..][..d];
                    *score = dot4(q, k) * scale;
                    max = max.max(*score);
                }
                s.scores
                    .iter_mut()
                    .for_each(|x| *x = exp_below_zero(*x - max));
                let inverse = 1.0 / s.scores.iter().sum::<f32>();
                let out = &mut s.context[i * h + head * d..][..d];
                for (j, p) in s.scores.iter().enumerate() {
                    let v = &s.qkv[j * 3 * h + v0..][..d];
                    let p = p * inverse;
                    out.iter_mut().zip(v).for_each(|(o, v)| *o += p * v);
                }
            }
        }
    }
}

/// `Σ a[i] b[i]` in four interleaved partial sums (so compilers vectorise it, in the same
/// order on every platform); the length must be a multiple of 4.
fn dot4(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 4];
    for (a, b) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for l in 0..4 {
            lanes[l] += a[l] * b[l];
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
}

/// `e^x` for `x ≤ 0` (softmax scores less their maximum), to within 5e-6 relative (most of
/// it from rounding `t` in f32 when `x` is far below zero): `2^t` with
/// `t = x log2(e)` split into an integer `k` (the float's exponent field) and `f ∈ [-½, ½]`
/// (the Taylor series of `e^(f ln 2)` to the 7th power). Plain arithmetic, so compilers
/// vectorise it and every platform gets the same bits, where `exp` is a libm call.
fn exp_below_zero(x: f32) -> f32 {
    if x < -87.0 || x.is_nan() {
        return 0.0;
    }
    let t = x * std::f32::consts::LOG2_E;
    let k = t.round_ties_even();
    let g = (t - k) * std::f32::consts::LN_2;
    let p = 1.0
        + g * (1.0
            + g * (1.0 / 2.0
                + g * (1.0 / 6.0
                    + g * (1.0 / 24.0 + g * (1.0 / 120.0 + g * (1.0 / 720.0 + g / 5040.0))))));
    // k ≥ -126 here, so 2^k is a normal float.
    p * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// GELU read from a table with linear interpolation (the `erf` behind it is exact to
/// 1.5e-7; the interpolation error is below 1e-5 anywhere): the feed-forward layer applies it
/// to 1,536 values per token per layer, and a call to `exp` each cost a fifth of the time.
struct GeluTable {
    values: Vec<f32>,
}

impl GeluTable {
    /// Points per unit of input.
    const STEPS: f32 = 128.0;
    /// The table covers `[-LIMIT, LIMIT]`; beyond it GELU is 0 or the identity to within f32.
    const LIMIT: f32 = 10.0;

    fn new() -> GeluTable {
        let n = (2.0 * Self::LIMIT * Self::STEPS) as usize + 2;
        let values = (0..n)
            .map(|i| gelu(i as f32 / Self::STEPS - Self::LIMIT))
            .collect();
        GeluTable { values }
    }

    fn apply(&self, x: f32) -> f32 {
        if x <= -Self::LIMIT {
            return 0.0;
        }
        if x >= Self::LIMIT || x.is_nan() {
            return x;
        }
        let pos = (x + Self::LIMIT) * Self::STEPS;
        let i = pos as usize;
        let frac = pos - i as f32;
        let (a, b) = (self.values[i], self.values[i + 1]);
        a + (b - a) * frac
    }
}

/// GELU with the exact `erf` form BERT was trained with.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// The error function, to within 1.5e-7 (Abramowitz and Stegun, formula 7.1.26).
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * (-x * x).exp();
    if x < 0.0 {
        -y
    } else {
        y
    }
}

/// The integer dot products. [`kernel::dots_2x4`] multiplies two int8 weight rows with four
/// 16-bit token rows at once, so each weight load serves four tokens and each token load two
/// rows; the eight sums stay in registers (written out by hand: the compiler keeps generic
/// arrays of vectors in memory).
mod kernel {
    /// Checks what both kernels rely on: equal lengths, a multiple of 8.
    #[inline(always)]
    fn check(w: &[&[i8]], x: &[&[i16]]) -> usize {
        let k = w[0].len();
        assert!(k % 8 == 0 && w.iter().all(|r| r.len() == k) && x.iter().all(|r| r.len() == k));
        k
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod lanes {
        use core::arch::wasm32::*;

        pub use core::arch::wasm32::v128 as Acc;

        pub fn zero() -> Acc {
            i32x4_splat(0)
        }

        /// Eight int8 weights (a slice of eight) widened to 16 bits (the compiler emits
        /// `v128.load8x8_s`).
        #[inline(always)]
        pub fn weights(s: &[i8]) -> v128 {
            i16x8(
                s[0].into(),
                s[1].into(),
                s[2].into(),
                s[3].into(),
                s[4].into(),
                s[5].into(),
                s[6].into(),
                s[7].into(),
            )
        }

        /// Eight 16-bit activations, a slice of eight (`v128.load`).
        #[inline(always)]
        pub fn tokens(s: &[i16]) -> v128 {
            i16x8(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
        }

        /// `acc + (w0 x0 + w1 x1, …)`: eight products summed into four 32-bit lanes.
        #[inline(always)]
        pub fn mul_add(acc: Acc, w: v128, x: v128) -> Acc {
            i32x4_add(acc, i32x4_dot_i16x8(w, x))
        }

        /// The lane sums of four accumulators, when each fits 32 bits.
        #[inline(always)]
        pub fn totals(a: Acc, b: Acc, c: Acc, d: Acc) -> [i64; 4] {
            let ab = i32x4_add(
                i32x4_shuffle::<0, 4, 1, 5>(a, b),
                i32x4_shuffle::<2, 6, 3, 7>(a, b),
            );
            let cd = i32x4_add(
                i32x4_shuffle::<0, 4, 1, 5>(c, d),
                i32x4_shuffle::<2, 6, 3, 7>(c, d),
            );
            let t = i32x4_add(
                i32x4_shuffle::<0, 1, 4, 5>(ab, cd),
                i32x4_shuffle::<2, 3, 6, 7>(ab, cd),
            );
            [
                i32x4_extract_lane::<0>(t).into(),
                i32x4_extract_lane::<1>(t).into(),
                i32x4_extract_lane::<2>(t).into(),
                i32x4_extract_lane::<3>(t).into(),
            ]
        }

        #[inline(always)]
        pub fn total(a: Acc) -> i64 {
            i64::from(i32x4_extract_lane::<0>(a))
                + i64::from(i32x4_extract_lane::<1>(a))
                + i64::from(i32x4_extract_lane::<2>(a))
                + i64::from(i32x4_extract_lane::<3>(a))
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    use lanes::{mul_add, tokens, total, weights, zero};

    /// `sums[r][t] = Σ_k w[r][k] × x[t][k]`, exactly. Every row must have the same length, a
    /// multiple of 8 no longer than [`super::MAX_INPUT`].
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub fn dots_2x4(w: [&[i8]; 2], x: [&[i16]; 4]) -> [[i64; 4]; 2] {
        let k = check(&w, &x);
        let z = zero();
        let (mut a00, mut a01, mut a02, mut a03) = (z, z, z, z);
        let (mut a10, mut a11, mut a12, mut a13) = (z, z, z, z);
        let mut i = 0;
        while i < k {
            let w0 = weights(&w[0][i..i + 8]);
            let w1 = weights(&w[1][i..i + 8]);
            let x0 = tokens(&x[0][i..i + 8]);
            let x1 = tokens(&x[1][i..i + 8]);
            let x2 = tokens(&x[2][i..i + 8]);
            let x3 = tokens(&x[3][i..i + 8]);
            a00 = mul_add(a00, w0, x0);
            a01 = mul_add(a01, w0, x1);
            a02 = mul_add(a02, w0, x2);
            a03 = mul_add(a03, w0, x3);
            a10 = mul_add(a10, w1, x0);
            a11 = mul_add(a11, w1, x1);
            a12 = mul_add(a12, w1, x2);
            a13 = mul_add(a13, w1, x3);
            i += 8;
        }
        if k <= 512 {
            // A row's four totals fit 32 bits here (at most 512 products of 127 × 32 767):
            // add the lanes with shuffles, four tokens at once.
            return [
                lanes::totals(a00, a01, a02, a03),
                lanes::totals(a10, a11, a12, a13),
            ];
        }
        [
            [total(a00), total(a01), total(a02), total(a03)],
            [total(a10), total(a11), total(a12), total(a13)],
        ]
    }

    /// `[Σ_k w[0][k] × x[k], Σ_k w[1][k] × x[k]]`, exactly (the tokens left over by
    /// [`dots_2x4`]).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub fn dots_2x1(w: [&[i8]; 2], x: &[i16]) -> [i64; 2] {
        let k = check(&w, &[x]);
        let (mut a0, mut a1) = (zero(), zero());
        let mut i = 0;
        while i < k {
            let xv = tokens(&x[i..i + 8]);
            a0 = mul_add(a0, weights(&w[0][i..i + 8]), xv);
            a1 = mul_add(a1, weights(&w[1][i..i + 8]), xv);
            i += 8;
        }
        [total(a0), total(a1)]
    }

    /// `Σ_k w[k] × x[k]`, exactly (for the rows and tokens left over by [`dots_2x4`]).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub fn dot(w: &[i8], x: &[i16]) -> i64 {
        let k = check(&[w], &[x]);
        let mut acc = zero();
        let mut i = 0;
        while i < k {
            acc = mul_add(acc, weights(&w[i..i + 8]), tokens(&x[i..i + 8]));
            i += 8;
        }
        total(acc)
    }

    /// `sums[r][t] = Σ_k w[r][k] × x[t][k]`, exactly (natively: one dot product at a time).
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    #[inline(always)]
    pub fn dots_2x4(w: [&[i8]; 2], x: [&[i16]; 4]) -> [[i64; 4]; 2] {
        check(&w, &x);
        w.map(|w| x.map(|x| dot(w, x)))
    }

    /// `[Σ_k w[0][k] × x[k], Σ_k w[1][k] × x[k]]`, exactly.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    #[inline(always)]
    pub fn dots_2x1(w: [&[i8]; 2], x: &[i16]) -> [i64; 2] {
        w.map(|w| dot(w, x))
    }

    /// `Σ_k w[k] × x[k]`, exactly: 32-bit sums over blocks of 256 (at most 256 × 127 × 32 767
    /// each, so they cannot overflow), which compilers vectorise, added up in 64 bits.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    #[inline(always)]
    pub fn dot(w: &[i8], x: &[i16]) -> i64 {
        check(&[w], &[x]);
        w.chunks(256)
            .zip(x.chunks(256))
            .map(|(w, x)| {
                let block: i32 = w
                    .iter()
                    .zip(x)
                    .map(|(&a, &b)| i32::from(a) * i32::from(b))
                    .sum();
                i64::from(block)
            })
            .sum()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_kernel_sums_exactly_at_the_largest_values() {
            let k = super::super::MAX_INPUT;
            let w = vec![-127i8; k];
            let w2: Vec<i8> = (0..k).map(|i| (i % 255) as i8).collect();
            let x = vec![-32767i16; k];
            let x2: Vec<i16> = (0..k).map(|i| (i as i16).wrapping_mul(31)).collect();
            let sums = super::dots_2x4([&w, &w2], [&x, &x2, &x2, &x]);
            let exact = |a: &[i8], b: &[i16]| -> i64 {
                a.iter()
                    .zip(b)
                    .map(|(&a, &b)| i64::from(a) * i64::from(b))
                    .sum()
            };
            assert_eq!(sums[0][0], 127 * 32767 * k as i64);
            assert_eq!(sums[0][3], sums[0][0]);
            assert_eq!(sums[0][1], exact(&w, &x2));
            assert_eq!(sums[1][0], exact(&w2, &x));
            assert_eq!(sums[1][2], exact(&w2, &x2));
            assert_eq!(super::dot(&w2, &x2), exact(&w2, &x2));
            assert_eq!(super::dots_2x1([&w, &w2], &x2), [sums[0][1], sums[1][2]]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        // erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(2) = 0.9953222650.
        for (x, want) in [(0.5, 0.520_499_9), (1.0, 0.842_700_8), (2.0, 0.995_322_3)] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + want).abs() < 1e-6);
        }
        assert_eq!(gelu(0.0), 0.0);
    }

    #[test]
    fn exp_below_zero_matches_exp() {
        let worst = (0..=870_000)
            .map(|i| -(i as f32) * 1e-4)
            .map(|x| ((exp_below_zero(x) - x.exp()) / x.exp()).abs())
            .fold(0f32, f32::max);
        assert!(worst < 5e-6, "worst relative error {worst}");
        assert_eq!(exp_below_zero(0.0), 1.0);
        assert_eq!(exp_below_zero(-100.0), 0.0);
        assert!(exp_below_zero(-87.5) < 2e-38);
        assert_eq!(exp_below_zero(f32::NEG_INFINITY), 0.0);
    }

    #[test]
    fn the_gelu_table_stays_within_1e_5_of_gelu() {
        let table = GeluTable::new();
        let worst = (-1_300_000..1_300_000)
            .map(|i| i as f32 * 1e-5)
            .map(|x| (table.apply(x) - gelu(x)).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-5, "worst error {worst}");
        assert_eq!(table.apply(-20.0), 0.0);
        assert_eq!(table.apply(20.0), 20.0);
    }

    #[test]
    fn a_dense_layer_matches_float_arithmetic_on_its_weights() {
        let (rows, cols, n) = (5, 16, 6);
        let q: Vec<i8> = (0..rows * cols).map(|i| ((i * 37) % 255) as i8).collect();
        let scale: Vec<f32> = (0..rows).map(|r| 0.01 * (r + 1) as f32).collect();
        let bias: Vec<f32> = (0..rows).map(|r| r as f32 - 2.0).collect();
        let dense = Dense {
            weight: Rows {
                rows,
                cols,
                q: q.clone(),
                scale: scale.clone(),
            },
            bias: bias.clone(),
        };
        let x: Vec<f32> = (0..n * cols)
            .map(|i| ((i as f32) * 0.37).sin() * 3.0)
            .collect();
        let mut xq = Quantized::default();
        xq.of(&x, cols);
        let mut out = Vec::new();
        dense.forward(&xq, &mut out);
        for t in 0..n {
            for r in 0..rows {
                let want: f32 = (0..cols)
                    .map(|c| f32::from(q[r * cols + c]) * scale[r] * x[t * cols + c])
                    .sum::<f32>()
                    + bias[r];
                let got = out[t * rows + r];
                assert!(
                    (got - want).abs() < 1e-3 * want.abs().max(1.0),
                    "{got} vs {want}"
                );
            }
        }
    }
}
