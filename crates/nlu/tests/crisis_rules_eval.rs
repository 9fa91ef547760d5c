//! Evaluation of the rules layer on `data/crisis.jsonl`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth_nlu::rules::screen;
use hearth_nlu::Risk;

fn parse_risk(s: &str) -> Risk {
    Risk::parse(s).unwrap_or_else(|| panic!("unknown risk {s}"))
}

/// Every crisis line: train and dev from `data/crisis.jsonl`, and the frozen held-out split.
fn load() -> Vec<(String, Risk, String)> {
    let mut lines = hearth_nlu::eval::load_task("crisis", "risk").unwrap();
    lines.extend(hearth_nlu::eval::load_heldout("crisis", "risk").unwrap());
    lines
        .into_iter()
        .map(|e| (e.text, parse_risk(&e.label), e.split))
        .collect()
}

const LEVELS: [Risk; 4] = [Risk::None, Risk::Low, Risk::Moderate, Risk::High];

/// Per-split results: for each true level, (lines, flagged as crisis, exact level, rated none).
struct Report {
    rows: [(usize, usize, usize, usize); 4],
}

impl Report {
    fn of(lines: &[(String, Risk, String)], split: &str) -> Report {
        let mut rows = [(0, 0, 0, 0); 4];
        for (text, want, s) in lines {
            if s != split {
                continue;
            }
            let got = screen(text).risk;
            let row = &mut rows[*want as usize];
            row.0 += 1;
            row.1 += usize::from(got.is_crisis());
            row.2 += usize::from(got == *want);
            row.3 += usize::from(got == Risk::None);
        }
        Report { rows }
    }

    fn rate(&self, level: Risk) -> f64 {
        let (n, flagged, _, _) = self.rows[level as usize];
        flagged as f64 / n as f64
    }

    fn print(&self, split: &str) {
        eprintln!("\n{split} split (rules only)");
        eprintln!("| true level | lines | flagged crisis | rate | exact level | rate |");
        eprintln!("|---|---:|---:|---:|---:|---:|");
        for level in LEVELS {
            let (n, flagged, exact, _) = self.rows[level as usize];
            eprintln!(
                "| {level} | {n} | {flagged} | {:.3} | {exact} | {:.3} |",
                flagged as f64 / n as f64,
                exact as f64 / n as f64
            );
        }
        let crisis: usize = self.rows[1..].iter().map(|r| r.0).sum();
        let caught: usize = self.rows[1..].iter().map(|r| r.1).sum();
        eprintln!(
            "crisis recall (any level) {caught}/{crisis} = {:.3}; false-positive rate on none {:.3}",
            caught as f64 / crisis as f64,
            self.rate(Risk::None)
        );
    }
}

/// Thresholds asserted on each split: a few points below what the rules measure on the
/// held-out split, so the test is honest but not flaky (the data and rules are fixed).
struct Thresholds {
    high: f64,
    moderate: f64,
    low: f64,
    max_false_positive: f64,
    /// Largest share of `high` lines rated `none`. The goal is zero; on the held-out split
    /// the rules alone miss some high lines entirely (the model layers must catch them).
    max_high_as_none: f64,
}

fn check(report: &Report, split: &str, t: &Thresholds) {
    assert!(
        report.rate(Risk::High) >= t.high,
        "{split}: high recall {}",
        report.rate(Risk::High)
    );
    assert!(
        report.rate(Risk::Moderate) >= t.moderate,
        "{split}: moderate recall {}",
        report.rate(Risk::Moderate)
    );
    assert!(
        report.rate(Risk::Low) >= t.low,
        "{split}: low recall {}",
        report.rate(Risk::Low)
    );
    assert!(
        report.rate(Risk::None) <= t.max_false_positive,
        "{split}: false-positive rate {}",
        report.rate(Risk::None)
    );
    let (n, _, _, as_none) = report.rows[Risk::High as usize];
    let high_as_none = as_none as f64 / n as f64;
    assert!(
        high_as_none <= t.max_high_as_none,
        "{split}: high rated none {high_as_none}"
    );
}

#[test]
fn rules_meet_recall_and_false_positive_targets() {
    let lines = load();
    Report::of(&lines, "train").print("train");
    Report::of(&lines, "dev").print("dev");
    let test = Report::of(&lines, "heldout");
    test.print("held out (never tuned on)");
    let thresholds = Thresholds {
        high: THRESHOLD_HIGH,
        moderate: THRESHOLD_MODERATE,
        low: THRESHOLD_LOW,
        max_false_positive: THRESHOLD_FP,
        max_high_as_none: THRESHOLD_HIGH_AS_NONE,
    };
    check(&test, "heldout", &thresholds);
}

// Measured on the held-out split (rules only, 171 lines): crisis-flag recall high 0.581,
// moderate 0.828, low 0.500; false-positive rate on none 0.025; high rated none 13/31.
// The rules were written against the first train lines; the dev split (written later,
// harder on purpose) measures lower, which is what the model layers are for.
const THRESHOLD_HIGH: f64 = 0.55;
const THRESHOLD_MODERATE: f64 = 0.78;
const THRESHOLD_LOW: f64 = 0.45;
const THRESHOLD_FP: f64 = 0.06;
const THRESHOLD_HIGH_AS_NONE: f64 = 0.45;

/// Developer aid: `HEARTH_DUMP=train` or `dev` (or `heldout`, for reporting only: never tune on it)
/// prints every line whose level differs from its label.
#[test]
fn dump_disagreements() {
    let Ok(which) = std::env::var("HEARTH_DUMP") else {
        return;
    };
    for (text, want, split) in load() {
        if split != which {
            continue;
        }
        let v = screen(&text);
        if v.risk != want {
            eprintln!("[{} -> {}] {:?} {text}", want, v.risk, v.reasons);
        }
    }
}

/// Developer aid: `HEARTH_SCREEN_FILE=path cargo test --test crisis_rules_eval screen_file -- --nocapture`
/// prints the verdict for each line of a file.
#[test]
fn screen_file() {
    let Ok(path) = std::env::var("HEARTH_SCREEN_FILE") else {
        return;
    };
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v = screen(line);
        eprintln!(
            "{:<8} {:?} {:?} | {line}",
            v.risk.as_str(),
            v.reasons,
            v.guards
        );
    }
}

/// Developer aid: `HEARTH_BENCH=1 cargo test --release --test crisis_rules_eval bench -- --nocapture`
/// prints the median and p90 time per message over the whole data file.
#[test]
fn bench() {
    if std::env::var("HEARTH_BENCH").is_err() {
        return;
    }
    let lines = load();
    let start = std::time::Instant::now();
    let _ = screen("first call compiles the rules");
    eprintln!(
        "first call (compiling every pattern): {:?}",
        start.elapsed()
    );
    // One pass to warm the regex engines' lazily built automata, then the timed pass.
    for (text, _, _) in &lines {
        let _ = screen(text);
    }
    let mut times: Vec<std::time::Duration> = lines
        .iter()
        .map(|(text, _, _)| {
            let start = std::time::Instant::now();
            let _ = screen(text);
            start.elapsed()
        })
        .collect();
    times.sort();

    eprintln!(
        "{} messages: median {:?}, p90 {:?}, max {:?}",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() - 1]
    );
}
