//! Trends: the series the charts draw (mood, feelings, PHQ-9, GAD-7 over time), the SVG
//! geometry of a line chart, the summary for the next appointment, and the two exports —
//! questionnaire results as a FHIR R4 `Bundle` of `QuestionnaireResponse`s, and everything
//! in the vault as JSON. Pure functions over the decrypted entries; nothing leaves the
//! device unless the patient downloads it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::checkin::CheckIn;
use crate::questionnaires::{Instrument, Progress};

/// One point: when (RFC 3339) and the value.
pub type Point = (String, f64);

/// A line chart's drawable geometry in a `width` × `height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The `d` attribute of the line's `<path>` (empty without points).
    pub path: String,
    /// Each point's position and label, for dots and their titles.
    pub dots: Vec<(f64, f64, String)>,
}

/// Lays `points` (in time order) out left to right, evenly spaced, with 0..=`y_max` from
/// the bottom to the top of the box (a margin of 8 on each side).
pub fn line_chart(points: &[Point], y_max: f64, width: f64, height: f64) -> Chart {
    let margin = 8.0;
    let (w, h) = (width - 2.0 * margin, height - 2.0 * margin);
    let n = points.len();
    let dots: Vec<(f64, f64, String)> = points
        .iter()
        .enumerate()
        .map(|(i, (at, v))| {
            let x = if n <= 1 {
                margin + w / 2.0
            } else {
                margin + w * i as f64 / (n - 1) as f64
            };
            let y = margin + h * (1.0 - (v / y_max).clamp(0.0, 1.0));
            (
                round(x),
                round(y),
                format!("{}: {v}", at.get(..10).unwrap_or(at)),
            )
        })
        .collect();
    let path = dots
        .iter()
        .enumerate()
        .map(|(i, (x, y, _))| format!("{}{x} {y}", if i == 0 { "M" } else { " L" }))
        .collect();
    Chart { path, dots }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Mood over time, from check-ins (oldest first).
pub fn mood_series(check_ins: &[CheckIn]) -> Vec<Point> {
    let mut points: Vec<Point> = check_ins
        .iter()
        .map(|c| (c.at.clone(), f64::from(c.mood)))
        .collect();
    crate::sorting::sort_by(&mut points, |a, b| a.0.cmp(&b.0));
    points
}

/// Totals of completed questionnaires of one kind over time (oldest first).
pub fn score_series(results: &[Progress], instrument: Instrument) -> Vec<Point> {
    let mut points: Vec<Point> = results
        .iter()
        .filter(|p| p.instrument == instrument)
        .filter_map(|p| Some((p.completed_at.clone()?, f64::from(p.total()?))))
        .collect();
    crate::sorting::sort_by(&mut points, |a, b| a.0.cmp(&b.0));
    points
}

/// How often each core feeling came up in check-ins (picked, or the reading as confirmed or
/// corrected), most frequent first.
pub fn feeling_counts(check_ins: &[CheckIn]) -> Vec<(&'static str, usize)> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in check_ins {
        for core in c.core_feelings() {
            *counts.entry(core).or_default() += 1;
        }
    }
    let mut list: Vec<_> = counts.into_iter().collect();
    crate::sorting::sort_by(&mut list, |a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list
}

/// Questionnaire results as a FHIR R4 `Bundle` (type `collection`) of
/// `QuestionnaireResponse`s, completed ones only.
pub fn fhir_bundle(results: &[(String, Progress)], now: &str) -> Value {
    let entries: Vec<Value> = results
        .iter()
        .filter(|(_, p)| p.is_complete())
        .map(|(id, p)| json!({ "fullUrl": format!("urn:uuid:{}", uuid_like(id)), "resource": p.to_fhir(id) }))
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now,
        "entry": entries,
    })
}

/// A record id (32 hex digits) in UUID form, for `urn:uuid:` URLs.
fn uuid_like(id: &str) -> String {
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        format!(
            "{}-{}-{}-{}-{}",
            &id[..8],
            &id[8..12],
            &id[12..16],
            &id[16..20],
            &id[20..]
        )
    } else {
        id.to_owned()
    }
}

/// Everything in the vault as one JSON document: the consent receipt, the settings, and
/// every entry (parsed), each with its record id.
pub fn full_export(
    consent: Option<&str>,
    settings: Option<&str>,
    entries: &[(String, String)],
    now: &str,
) -> Value {
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_owned()))
    };
    json!({
        "format": "hearth-export/1",
        "exported_at": now,
        "consent": consent.map(parse),
        "settings": settings.map(parse),
        "entries": entries.iter().map(|(id, body)| json!({ "id": id, "entry": parse(body) })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn check_in(at: &str, mood: u8, emotions: &[&str]) -> CheckIn {
        CheckIn {
            entry_type: "checkin".into(),
            at: at.into(),
            mood,
            emotions: emotions.iter().map(|e| (*e).to_owned()).collect(),
            energy: 5,
            sleep_hours: None,
            sleep_quality: None,
            note: String::new(),
            reading: None,
        }
    }

    #[test]
    fn the_chart_spans_the_box_in_time_order() {
        let series = mood_series(&[
            check_in("2026-11-02T09:00:00Z", 8, &[]),
            check_in("2026-11-01T09:00:00Z", 2, &[]),
        ]);
        assert_eq!(series[0].1, 2.0);
        let chart = line_chart(&series, 10.0, 316.0, 116.0);
        assert_eq!(chart.path, "M8 88 L308 28");
        assert_eq!(chart.dots[1].2, "2026-11-02: 8");
        assert_eq!(line_chart(&[], 10.0, 100.0, 100.0).path, "");
    }

    #[test]
    fn feelings_are_counted_by_core() {
        let counts = feeling_counts(&[
            check_in("a", 3, &["worried", "panicky"]),
            check_in("b", 3, &["nervous", "down"]),
        ]);
        assert_eq!(counts, [("anxiety", 2), ("sadness", 1)]);
    }

    #[test]
    fn the_fhir_bundle_holds_completed_responses_only() {
        let mut done = Progress::new(Instrument::Gad7, "2026-11-01T09:00:00Z");
        for i in 0..7 {
            done.answer(i, 1, "2026-11-01T09:05:00Z").unwrap();
        }
        let open = Progress::new(Instrument::Phq9, "2026-11-02T09:00:00Z");
        let id = "0123456789abcdef0123456789abcdef".to_owned();
        let bundle = fhir_bundle(&[(id, done), ("x".into(), open)], "2026-11-03T00:00:00Z");
        assert_eq!(bundle["resourceType"], "Bundle");
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0]["fullUrl"],
            "urn:uuid:01234567-89ab-cdef-0123-456789abcdef"
        );
        assert_eq!(
            entries[0]["resource"]["resourceType"],
            "QuestionnaireResponse"
        );
        assert!(score_series(&[Progress::new(Instrument::Gad7, "x")], Instrument::Gad7).is_empty());
    }

    #[test]
    fn the_full_export_keeps_every_entry() {
        let export = full_export(
            Some(r#"{"choice":"both"}"#),
            None,
            &[
                ("a".into(), r#"{"type":"journal","text":"hi"}"#.into()),
                ("b".into(), "not json".into()),
            ],
            "now",
        );
        assert_eq!(export["entries"].as_array().unwrap().len(), 2);
        assert_eq!(export["entries"][0]["entry"]["text"], "hi");
        assert_eq!(export["entries"][1]["entry"], "not json");
        assert_eq!(export["consent"]["choice"], "both");
    }
}
