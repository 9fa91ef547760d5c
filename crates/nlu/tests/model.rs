//! The model path natively: the pinned files, the committed heads, decisions, and the CLI
//! on bad input. Needs the set-up step's model files (`scripts/setup.sh`, run by both README
//! commands); a missing file fails with that hint rather than skipping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use hearth_nlu::files::{self, COMPACT_NAME, COMPACT_SHA256, TOKENIZER_NAME, TOKENIZER_SHA256};
use hearth_nlu::{encoder, Classifier, Heads, Model, Risk};

fn read_model_file(name: &str) -> Vec<u8> {
    let path = files::model_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. The set-up step makes it: `source scripts/setup.sh && setup_all`",
            path.display()
        )
    })
}

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| {
        let model = Model::load(
            &read_model_file(COMPACT_NAME),
            &read_model_file(TOKENIZER_NAME),
        )
        .expect("the compact model loads");
        Classifier::with_model(model, Heads::builtin().expect("the committed heads parse"))
    })
}

#[test]
fn the_heldout_split_is_the_frozen_one_in_the_report() {
    let report = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/nlu-eval.md"
    ))
    .unwrap();
    for stem in ["crisis", "emotion", "intent"] {
        let path = hearth_nlu::eval::data_dir().join(format!("heldout/{stem}.jsonl"));
        let sha = files::sha256_hex(&std::fs::read(path).unwrap());
        assert!(
            report.contains(&format!("`data/heldout/{stem}.jsonl`: `{sha}`")),
            "data/heldout/{stem}.jsonl changed (sha256 {sha}) or docs/nlu-eval.md is stale"
        );
    }
}

#[test]
fn an_emotion_only_refit_refuses_heads_trained_on_another_model() {
    let model = Model::load(
        &read_model_file(COMPACT_NAME),
        &read_model_file(TOKENIZER_NAME),
    )
    .unwrap();
    let mut heads = Heads::builtin().unwrap();
    heads.meta.model_sha256 = "0".repeat(64);
    let err = hearth_nlu::train::train_emotion_only(&model, COMPACT_SHA256, &heads).unwrap_err();
    assert!(err.to_string().contains("train every head"), "{err}");
}

#[test]
fn the_committed_heads_were_trained_on_the_pinned_compact_model() {
    let heads = Heads::builtin().unwrap();
    assert_eq!(heads.meta.model_sha256, COMPACT_SHA256);
    assert_eq!(heads.emotion.labels, hearth_nlu::EMOTIONS);
    assert_eq!(heads.intent.labels, hearth_nlu::INTENTS);
    assert!(!heads.prototypes.is_empty());
    assert!(
        hearth_nlu::heads::HEADS_FILE.len() < 1_000_000,
        "heads stay small"
    );
}

#[test]
fn the_model_files_match_their_pins_and_conversion_is_deterministic() {
    files::verify(
        TOKENIZER_NAME,
        &read_model_file(TOKENIZER_NAME),
        TOKENIZER_SHA256,
    )
    .unwrap();
    files::verify(COMPACT_NAME, &read_model_file(COMPACT_NAME), COMPACT_SHA256).unwrap();
    let source = read_model_file("model.safetensors");
    let config = String::from_utf8(read_model_file("config.json")).unwrap();
    let made = encoder::compact::convert(&source, &config).unwrap();
    assert_eq!(files::sha256_hex(&made), COMPACT_SHA256);
    assert!(
        made.len() < source.len() / 3,
        "compact is {} bytes",
        made.len()
    );
}

#[test]
fn the_compact_model_agrees_with_the_f32_model_on_the_benchmark_messages() {
    let weights = read_model_file(COMPACT_NAME);
    let tokenizer = read_model_file(TOKENIZER_NAME);
    let config = String::from_utf8(read_model_file("config.json")).unwrap();
    let reference =
        Model::load_reference(&read_model_file("model.safetensors"), &config, &tokenizer).unwrap();
    let compact = Model::load(&weights, &tokenizer).unwrap();
    let messages: Vec<String> = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/e2e/bench/messages.json"
    )))
    .unwrap();
    assert_eq!(messages.len(), 40);
    for text in &messages {
        let cos = encoder::dot(
            &reference.embed(text).unwrap(),
            &compact.embed(text).unwrap(),
        );
        assert!(cos >= 0.99, "cosine {cos} for {text:?}");
    }
}

#[test]
fn a_damaged_model_file_is_a_clear_error() {
    let tokenizer = read_model_file(TOKENIZER_NAME);
    let mut weights = read_model_file(COMPACT_NAME);
    weights.truncate(weights.len() / 2);
    let err = Model::load(&weights, &tokenizer).unwrap_err();
    assert!(matches!(err, encoder::Error::BadWeights(_)), "{err}");
    let err = Model::load(b"not a model", &tokenizer).unwrap_err();
    assert!(
        err.to_string().contains("not a valid Hearth compact model"),
        "{err}"
    );
    let weights = read_model_file(COMPACT_NAME);
    let err = Model::load(&weights, b"{").unwrap_err();
    assert!(matches!(err, encoder::Error::BadTokenizer(_)), "{err}");
}

#[test]
fn embeddings_are_unit_vectors_that_put_like_with_like() {
    let c = classifier();
    let e = |t: &str| c.embed_message(t).unwrap().unwrap();
    let a = e("I can't stop worrying about my exam tomorrow");
    let b = e("I'm so anxious about the test in the morning");
    let far = e("We had pizza and watched a film with the kids");
    assert_eq!(a.len(), encoder::DIM);
    let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    assert!(encoder::dot(&a, &b) > encoder::dot(&a, &far) + 0.2);
}

#[test]
fn clear_messages_get_the_expected_decisions() {
    let c = classifier();
    let cases: [(&str, Risk); 6] = [
        (
            "i'm going to kill myself tonight, i have the pills ready",
            Risk::High,
        ),
        ("kms", Risk::Moderate),
        ("I just wish I could go to sleep and not wake up", Risk::Low),
        ("this commute is killing me lol", Risk::None),
        ("my phone died halfway through the call", Risk::None),
        ("had a lovely walk by the river with my sister", Risk::None),
    ];
    for (text, want) in cases {
        let d = c.classify(text);
        let got = d.risk_level();
        if want == Risk::None {
            assert_eq!(got, Risk::None, "{text}: {d:?}");
        } else {
            assert!(
                got >= want.min(Risk::Moderate).max(Risk::Low),
                "{text}: {d:?}"
            );
        }
        assert_eq!(d.crisis, got.is_crisis());
    }
    assert_eq!(
        c.classify("I feel so anxious about tomorrow, my heart is racing")
            .emotion,
        "anxiety"
    );
    assert_eq!(
        c.classify("can I speak to my therapist please").intent,
        "human"
    );
    assert_eq!(c.classify("hiya, how are you today?").intent, "greeting");
}

/// Runs the CLI with `input` on stdin; returns (stdout lines, stderr).
fn cli(input: &[u8], env: &[(&str, &str)]) -> (Vec<String>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth-nlu"));
    cmd.arg("classify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    let stdout = String::from_utf8(out.stdout).unwrap();
    (
        stdout.lines().map(str::to_string).collect(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Empty lines, a huge line, emoji, other scripts, control characters and invalid UTF-8.
fn awkward_input() -> (Vec<u8>, usize) {
    let mut input = Vec::new();
    let lines: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        "   ".as_bytes().to_vec(),
        "word ".repeat(12_000).into_bytes(),
        format!("{} I'm going to kill myself tonight", "blah ".repeat(3_000)).into_bytes(),
        "😭😭😭 🔪".as_bytes().to_vec(),
        "Мне очень грустно сегодня".as_bytes().to_vec(),
        "我很难过".as_bytes().to_vec(),
        "tab\there\u{7}bell\u{1b}[31m escape".as_bytes().to_vec(),
        vec![0xff, 0xfe, b'h', b'i', 0x80],
        b"carriage return\r".to_vec(),
        "kms".as_bytes().to_vec(),
    ];
    for l in &lines {
        input.extend(l);
        input.push(b'\n');
    }
    (input, lines.len())
}

fn check_lines(lines: &[String], n: usize, model: bool) -> Vec<serde_json::Value> {
    assert_eq!(lines.len(), n, "one JSON line per input line");
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let risk = v["risk"].as_str().unwrap();
            assert!(Risk::parse(risk).is_some());
            assert_eq!(v["crisis"].as_bool().unwrap(), risk != "none");
            assert!(v["reasons"].is_array());
            if model {
                assert!(
                    hearth_nlu::EMOTIONS.contains(&v["emotion"].as_str().unwrap()),
                    "{l}"
                );
                assert!(
                    hearth_nlu::INTENTS.contains(&v["intent"].as_str().unwrap()),
                    "{l}"
                );
            } else {
                assert_eq!(v["emotion"], "unknown");
                assert_eq!(v["intent"], "unknown");
                let reasons = v["reasons"].as_array().unwrap();
                assert_eq!(
                    reasons.last().unwrap(),
                    "model:unavailable",
                    "as the browser says"
                );
            }
            v
        })
        .collect()
}

#[test]
fn the_cli_answers_every_awkward_line_with_the_model() {
    let (input, n) = awkward_input();
    let (lines, _) = cli(&input, &[]);
    let v = check_lines(&lines, n, true);
    assert_eq!(
        v[3]["risk"], "high",
        "a crisis late in a long message is still found"
    );
    assert_eq!(v[10]["crisis"], true);
}

#[test]
fn the_cli_without_a_model_answers_with_the_rules() {
    let (input, n) = awkward_input();
    let (lines, _) = cli(&input, &[("HEARTH_NLU_NO_MODEL", "1")]);
    let v = check_lines(&lines, n, false);
    assert_eq!(v[3]["risk"], "high");
    assert_eq!(v[10]["crisis"], true);
}

#[test]
fn a_missing_or_corrupt_model_warns_and_the_rules_still_answer() {
    let dir = std::env::temp_dir().join(format!("hearth-nlu-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(COMPACT_NAME), b"corrupt").unwrap();
    std::fs::write(dir.join(TOKENIZER_NAME), read_model_file(TOKENIZER_NAME)).unwrap();
    let input = b"I'm going to kill myself tonight\nthis commute is killing me\n";
    let (lines, stderr) = cli(input, &[("HEARTH_MODEL_DIR", dir.to_str().unwrap())]);
    let v = check_lines(&lines, 2, false);
    assert!(
        stderr.contains("warning") && stderr.contains(COMPACT_NAME),
        "{stderr}"
    );
    assert_eq!(v[0]["risk"], "high");
    assert_eq!(v[1]["risk"], "none");
    std::fs::remove_dir_all(dir.join("missing")).ok();
    let (lines, stderr) = cli(
        input,
        &[("HEARTH_MODEL_DIR", dir.join("missing").to_str().unwrap())],
    );
    check_lines(&lines, 2, false);
    assert!(stderr.contains("warning"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The audit's per-term emotion flips add up to its per-template ones: each filling that
/// differs from its template's majority is counted once, against the term it was filled with.
#[test]
fn the_audits_emotion_flips_per_term_add_up_to_those_per_template() {
    use hearth_nlu::audit::{self, AuditData};
    let mut data = AuditData::load().expect("data/audit/ loads");
    data.templates
        .retain(|t| t.id == "sad-13" || t.id == "positive-07");
    data.variants.clear();
    let audit = audit::run(classifier(), &data);
    let per_template: usize = audit.templates.iter().map(|t| t.emotion_flips).sum();
    let per_term: usize = audit.terms.iter().map(|t| t.emotion_flips).sum();
    assert_eq!(per_term, per_template);
    assert!(
        per_template > 0,
        "these templates flip with the committed heads"
    );
    assert!(audit
        .terms
        .iter()
        .all(|t| t.emotion_flips <= data.templates.len()));
}
