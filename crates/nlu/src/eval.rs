//! Labelled text from `data/`, and the evaluation report (native only).
//!
//! `data/{emotion,intent,crisis}.jsonl` hold the `train` and `dev` splits; the frozen
//! held-out split lives in `data/heldout/` and is read only here, by `hearth-nlu evaluate`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::classify::{Classifier, Decision};
use crate::files::sha256_hex;

/// One labelled message.
#[derive(Debug, Clone)]
pub struct Example {
    /// The message.
    pub text: String,
    /// Its label.
    pub label: String,
    /// `train`, `dev`, or `heldout`.
    pub split: String,
}

/// The three labelled tasks, each with its file stem and label field.
pub const TASKS: [(&str, &str); 3] = [
    ("emotion", "emotion"),
    ("intent", "intent"),
    ("crisis", "risk"),
];

/// The repository's `data/` directory: `HEARTH_DATA_DIR` if set (the test command sets it,
/// so a binary built from another checkout sharing the build cache still reads this one's
/// data), else the checkout this binary was built from.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("HEARTH_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"),
    }
}

/// Why labelled text could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: line {line}: {msg}")]
pub struct DataError {
    /// The file.
    pub path: String,
    /// 1-based line number (0 for the whole file).
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

/// Reads one JSONL file; `split_override` names the split for files without a split field.
pub fn load_file(
    path: &Path,
    field: &str,
    split_override: Option<&str>,
) -> Result<Vec<Example>, DataError> {
    let err = |line, msg: String| DataError {
        path: path.display().to_string(),
        line,
        msg,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(0, e.to_string()))?;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(l).map_err(|e| err(i + 1, e.to_string()))?;
        let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let text = get("text").ok_or_else(|| err(i + 1, "no text".into()))?;
        let label = get(field).ok_or_else(|| err(i + 1, format!("no {field}")))?;
        let split = match split_override {
            Some(s) => s.to_string(),
            None => get("split").ok_or_else(|| err(i + 1, "no split".into()))?,
        };
        out.push(Example { text, label, split });
    }
    Ok(out)
}

/// The train and dev examples of one task.
pub fn load_task(stem: &str, field: &str) -> Result<Vec<Example>, DataError> {
    load_file(&data_dir().join(format!("{stem}.jsonl")), field, None)
}

/// The held-out examples of one task.
pub fn load_heldout(stem: &str, field: &str) -> Result<Vec<Example>, DataError> {
    load_file(
        &data_dir().join("heldout").join(format!("{stem}.jsonl")),
        field,
        Some("heldout"),
    )
}

/// Precision, recall and a confusion matrix over a fixed label list.
#[derive(Debug, Clone)]
pub struct Confusion {
    /// Labels, in row/column order.
    pub labels: Vec<String>,
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// Counts `(true, predicted)` pairs; predictions outside the label list are dropped.
    pub fn new(labels: &[&str], pairs: impl IntoIterator<Item = (String, String)>) -> Confusion {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        let mut counts = vec![vec![0; labels.len()]; labels.len()];
        for (t, p) in pairs {
            let ti = labels.iter().position(|l| *l == t);
            let pi = labels.iter().position(|l| *l == p);
            if let (Some(ti), Some(pi)) = (ti, pi) {
                counts[ti][pi] += 1;
            }
        }
        Confusion { labels, counts }
    }

    /// Precision and recall of label `i` (0 when undefined).
    pub fn precision_recall(&self, i: usize) -> (f64, f64) {
        let tp = self.counts[i][i] as f64;
        let predicted: usize = self.counts.iter().map(|r| r[i]).sum();
        let actual: usize = self.counts[i].iter().sum();
        let ratio = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
        (ratio(tp, predicted), ratio(tp, actual))
    }

    /// Share of all examples on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let total: usize = self.counts.iter().flatten().sum();
        let right: usize = (0..self.labels.len()).map(|i| self.counts[i][i]).sum();
        if total == 0 {
            0.0
        } else {
            right as f64 / total as f64
        }
    }

    /// A Markdown table of per-class precision/recall, then the confusion matrix.
    pub fn markdown(&self) -> String {
        let mut s = String::from("| class | n | precision | recall |\n|---|---:|---:|---:|\n");
        for (i, l) in self.labels.iter().enumerate() {
            let (p, r) = self.precision_recall(i);
            let n: usize = self.counts[i].iter().sum();
            let _ = writeln!(s, "| {l} | {n} | {p:.3} | {r:.3} |");
        }
        let _ = writeln!(s, "\nAccuracy {:.3}.\n", self.accuracy());
        s.push_str("| true \\ predicted |");
        for l in &self.labels {
            let _ = write!(s, " {l} |");
        }
        s.push_str("\n|---|");
        s.push_str(&"---:|".repeat(self.labels.len()));
        s.push('\n');
        for (i, l) in self.labels.iter().enumerate() {
            let _ = write!(s, "| {l} |");
            for c in &self.counts[i] {
                let _ = write!(s, " {c} |");
            }
            s.push('\n');
        }
        s
    }
}

/// Binary crisis detection: recall on positives, false alarms on `none`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CrisisRates {
    /// Messages labelled low, moderate or high.
    pub positives: usize,
    /// Of those, how many opened the crisis card.
    pub detected: usize,
    /// Messages labelled none.
    pub negatives: usize,
    /// Of those, how many opened the crisis card.
    pub false_alarms: usize,
}

impl CrisisRates {
    /// Counts one decision.
    pub fn add(&mut self, truth: &str, crisis: bool) {
        if truth == "none" {
            self.negatives += 1;
            self.false_alarms += usize::from(crisis);
        } else {
            self.positives += 1;
            self.detected += usize::from(crisis);
        }
    }

    /// Detected / positives.
    pub fn recall(&self) -> f64 {
        self.detected as f64 / self.positives.max(1) as f64
    }

    /// False alarms / negatives.
    pub fn false_positive_rate(&self) -> f64 {
        self.false_alarms as f64 / self.negatives.max(1) as f64
    }
}

/// The evaluation of one split: decisions for every task.
#[derive(Debug)]
pub struct Evaluation {
    /// Which split.
    pub split: String,
    /// Emotion confusion (empty without a model).
    pub emotion: Confusion,
    /// Intent confusion (empty without a model).
    pub intent: Confusion,
    /// Risk-level confusion.
    pub risk: Confusion,
    /// Binary crisis detection.
    pub crisis: CrisisRates,
    /// Crisis messages the card missed, and false alarms: (text, truth, decision).
    pub errors: Vec<(String, String, Decision)>,
    /// Files read, with their SHA-256.
    pub files: Vec<(String, String)>,
}

/// Runs the classifier over one split (`dev` or `heldout`) of every task.
pub fn evaluate(classifier: &Classifier, split: &str) -> Result<Evaluation, DataError> {
    let mut files = Vec::new();
    let mut load = |stem: &str, field: &str| -> Result<Vec<Example>, DataError> {
        let (rel, examples) = if split == "heldout" {
            (format!("heldout/{stem}.jsonl"), load_heldout(stem, field)?)
        } else {
            (format!("{stem}.jsonl"), load_task(stem, field)?)
        };
        let bytes = std::fs::read(data_dir().join(&rel)).unwrap_or_default();
        files.push((format!("data/{rel}"), sha256_hex(&bytes)));
        Ok(examples.into_iter().filter(|e| e.split == split).collect())
    };
    let emotions = load("emotion", "emotion")?;
    let intents = load("intent", "intent")?;
    let crisis_lines = load("crisis", "risk")?;
    let decide = |lines: &[Example]| crate::par::map(lines, |e| classifier.classify(&e.text));
    let emotion = Confusion::new(
        &crate::EMOTIONS,
        emotions
            .iter()
            .zip(decide(&emotions))
            .map(|(e, d)| (e.label.clone(), d.emotion)),
    );
    let intent = Confusion::new(
        &crate::INTENTS,
        intents
            .iter()
            .zip(decide(&intents))
            .map(|(e, d)| (e.label.clone(), d.intent)),
    );
    let mut crisis = CrisisRates::default();
    let mut errors = Vec::new();
    let mut pairs = Vec::new();
    for (e, d) in crisis_lines.iter().zip(decide(&crisis_lines)) {
        crisis.add(&e.label, d.crisis);
        if d.crisis != (e.label != "none") {
            errors.push((e.text.clone(), e.label.clone(), d.clone()));
        }
        pairs.push((e.label.clone(), d.risk));
    }
    let risk = Confusion::new(&["none", "low", "moderate", "high"], pairs);
    Ok(Evaluation {
        split: split.to_string(),
        emotion,
        intent,
        risk,
        crisis,
        errors,
        files,
    })
}

impl Evaluation {
    /// The report `docs/nlu-eval.md` holds.
    pub fn markdown(&self, model: &str, heads_sha: &str) -> String {
        let mut s = String::new();
        let c = &self.crisis;
        let _ = writeln!(
            s,
            "## Crisis detection ({} split)\n\nThe crisis card opens for {} of {} crisis messages: \
             **recall {:.3}**. It opens for {} of {} hard negatives: **false-positive rate {:.3}**.\n",
            self.split,
            c.detected,
            c.positives,
            c.recall(),
            c.false_alarms,
            c.negatives,
            c.false_positive_rate()
        );
        let _ = writeln!(s, "### Risk level\n\n{}", self.risk.markdown());
        if !self.errors.is_empty() {
            s.push_str(
                "### Crisis errors\n\n| message | label | decided | reasons |\n|---|---|---|---|\n",
            );
            for (text, truth, d) in &self.errors {
                let _ = writeln!(
                    s,
                    "| {} | {truth} | {} | {} |",
                    text.replace('|', "\\|"),
                    d.risk,
                    d.reasons.join(", ")
                );
            }
            s.push('\n');
        }
        if model != "rules only" {
            let _ = writeln!(
                s,
                "## Emotion ({} split)\n\n{}",
                self.split,
                self.emotion.markdown()
            );
            let _ = writeln!(
                s,
                "## Intent ({} split)\n\n{}",
                self.split,
                self.intent.markdown()
            );
        }
        let _ = writeln!(s, "## Inputs\n\n- model: {model}\n- heads: `{heads_sha}`");
        for (f, h) in &self.files {
            let _ = writeln!(s, "- `{f}`: `{h}`");
        }
        s
    }
}
