use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{of_type, AppState, Screen};
use super::ScreenHeading;
use crate::checkin::{feeling_word, CheckIn};
use crate::consent::now_rfc3339;
use crate::questionnaires::{Instrument, Progress};
use crate::trends::{
    feeling_counts, fhir_bundle, full_export, line_chart, mood_series, score_series, Point,
};
use crate::vault_service::{RecordKind, Request, Response};

const WIDTH: f64 = 316.0;
const HEIGHT: f64 = 116.0;

/// One line chart as SVG, with a text alternative listing its points.
#[component]
fn LineChart(
    /// The chart's title.
    title: &'static str,
    /// The points, oldest first.
    points: Vec<Point>,
    /// The top of the scale.
    y_max: f64,
    /// A CSS class for the chart.
    class: &'static str,
) -> impl IntoView {
    if points.is_empty() {
        return view! { <figure class=class><figcaption>{title}</figcaption><p class="hint">"Nothing yet."</p></figure> }.into_any();
    }
    let chart = line_chart(&points, y_max, WIDTH, HEIGHT);
    let summary = points
        .iter()
        .map(|(at, v)| format!("{} {v}", at.get(..10).unwrap_or(at)))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <figure class=class>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=format!("{title}: {summary}") class="chart">
                <line x1="8" y1="108" x2="308" y2="108" class="axis" />
                <path d=chart.path class="line" fill="none" />
                {chart.dots.into_iter().map(|(x, y, label)| view! {
                    <circle cx=x.to_string() cy=y.to_string() r="4" class="dot"><title>{label}</title></circle>
                }).collect_view()}
            </svg>
        </figure>
    }
    .into_any()
}

/// Everything the trends screen reads, decrypted.
#[derive(Clone, Default)]
struct Loaded {
    check_ins: Vec<CheckIn>,
    results: Vec<(String, Progress)>,
}

/// Trends: mood, feelings, PHQ-9 and GAD-7 over time as SVG charts; a summary to print for
/// the next appointment; questionnaire results as FHIR R4; and a full export of the vault.
#[component]
pub fn TrendsScreen(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let loaded = RwSignal::new(None::<Loaded>);
    {
        let state = state.clone();
        spawn_local(async move {
            // One read of the vault for both series.
            let entries = state.entries().await;
            let check_ins = of_type::<CheckIn>(&entries, "checkin")
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            let results = of_type::<Progress>(&entries, "questionnaire");
            loaded.set(Some(Loaded { check_ins, results }));
        });
    }
    let charts = move || {
        let data = loaded.get()?;
        let completed: Vec<Progress> = data.results.iter().map(|(_, p)| p.clone()).collect();
        let feelings = feeling_counts(&data.check_ins);
        let most = feelings.first().map_or(1, |f| f.1).max(1);
        Some(view! {
            <LineChart title="Mood (0–10)" points=mood_series(&data.check_ins) y_max=10.0 class="chart-mood" />
            <LineChart title="PHQ-9 total (0–27)" points=score_series(&completed, Instrument::Phq9) y_max=27.0 class="chart-phq9" />
            <LineChart title="GAD-7 total (0–21)" points=score_series(&completed, Instrument::Gad7) y_max=21.0 class="chart-gad7" />
            <figure class="chart-feelings">
                <figcaption>"Feelings in your check-ins"</figcaption>
                {if feelings.is_empty() {
                    view! { <p class="hint">"Nothing yet."</p> }.into_any()
                } else {
                    let rows = feelings.len();
                    let label = feelings
                        .iter()
                        .map(|(f, n)| format!("{}: {n}", feeling_word(f)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <svg viewBox=format!("0 0 {WIDTH} {}", rows * 22 + 4) role="img" aria-label=label class="chart">
                            {feelings.iter().enumerate().map(|(i, (feeling, n))| {
                                let y = i * 22 + 2;
                                let w = 4.0 + 140.0 * (*n as f64) / (most as f64);
                                view! {
                                    <text x="0" y=(y + 14).to_string() class="bar-label">{feeling_word(feeling)}</text>
                                    <rect x="130" y=y.to_string() width=format!("{w:.1}") height="16" class="bar" />
                                    <text x=format!("{:.1}", 136.0 + w) y=(y + 14).to_string() class="bar-label">{n.to_string()}</text>
                                }
                            }).collect_view()}
                        </svg>
                    }.into_any()
                }}
            </figure>
        })
    };
    let summary = move || {
        let data = loaded.get()?;
        let latest = |instrument: Instrument| {
            data.results
                .iter()
                .map(|(_, p)| p)
                .filter(|p| p.instrument == instrument && p.is_complete())
                .max_by(|a, b| a.completed_at.cmp(&b.completed_at))
                .map(|p| {
                    format!(
                        "{}: {} ({}) on {}",
                        instrument.name(),
                        p.total().unwrap_or(0),
                        p.severity().map(|s| s.label(instrument)).unwrap_or(""),
                        p.completed_at
                            .as_deref()
                            .and_then(|d| d.get(..10))
                            .unwrap_or("")
                    )
                })
                .unwrap_or_else(|| format!("{}: not filled in yet", instrument.name()))
        };
        let moods: Vec<f64> = data.check_ins.iter().map(|c| f64::from(c.mood)).collect();
        let average = (!moods.is_empty()).then(|| moods.iter().sum::<f64>() / moods.len() as f64);
        let feelings = feeling_counts(&data.check_ins)
            .into_iter()
            .take(3)
            .map(|(f, _)| feeling_word(f))
            .collect::<Vec<_>>()
            .join(", ");
        Some(view! {
            <section class="card summary" aria-labelledby="hearth-summary-title">
                <h3 id="hearth-summary-title">"Summary for my next appointment"</h3>
                <ul>
                    <li>{latest(Instrument::Phq9)}</li>
                    <li>{latest(Instrument::Gad7)}</li>
                    <li>{format!("Check-ins: {}", data.check_ins.len())}
                        {average.map(|a| format!("; average mood {a:.1} out of 10"))}</li>
                    {(!feelings.is_empty()).then(|| view! { <li>{format!("Feelings that came up most: {feelings}")}</li> })}
                </ul>
                <p class="hint">"Made on this device from your own entries. Questionnaires are screening tools, not a diagnosis."</p>
                <button type="button" class="button-secondary" on:click=move |_| print()>"Print summary"</button>
            </section>
        })
    };
    let fhir_state = state.clone();
    let export_fhir = move |_| {
        let Some(data) = loaded.get_untracked() else {
            return;
        };
        let bundle = fhir_bundle(&data.results, &now_rfc3339());
        download(
            &fhir_state,
            "hearth-questionnaires-fhir.json",
            &bundle.to_string(),
        );
    };
    let export_state = state.clone();
    let export_all = move |_| {
        let state = export_state.clone();
        spawn_local(async move {
            let one = |response: Response| match response {
                Response::Records { records, .. } => records.into_iter().next().map(|r| r.body),
                _ => None,
            };
            let consent = one(state
                .vault
                .call(Request::List {
                    kind: RecordKind::Consent,
                })
                .await);
            let settings = one(state
                .vault
                .call(Request::List {
                    kind: RecordKind::Settings,
                })
                .await);
            let entries: Vec<(String, String)> = state
                .entries()
                .await
                .into_iter()
                .map(|r| (r.id, r.body))
                .collect();
            let export = full_export(
                consent.as_deref(),
                settings.as_deref(),
                &entries,
                &now_rfc3339(),
            );
            download(
                &state,
                "hearth-export.json",
                &crate::json::to_string_pretty(&export).unwrap_or_default(),
            );
        });
    };
    let back = state.clone();
    view! {
        <section class="screen trends" aria-labelledby="hearth-trends-title">
            <ScreenHeading id="hearth-trends-title" text="Trends" />
            {summary}
            {charts}
            <section class="card" aria-labelledby="hearth-export-title">
                <h3 id="hearth-export-title">"Take your data with you"</h3>
                <p>"These files are made on this device and saved where you choose. They are not encrypted: keep them somewhere safe."</p>
                <button type="button" class="button-secondary" on:click=export_fhir>"Export questionnaires (FHIR)"</button>
                <button type="button" class="button-secondary" on:click=export_all>"Export everything (JSON)"</button>
            </section>
            <button type="button" class="button-secondary" on:click=move |_| back.go(Screen::Home)>"Back"</button>
        </section>
    }
}

/// Opens the browser's print dialog (the summary prints with the page).
fn print() {
    #[cfg(target_arch = "wasm32")]
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

/// Saves `text` as a file the patient downloads (a `blob:` URL made on this device).
fn download(state: &AppState, name: &str, text: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let made = (|| -> Option<()> {
            let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("application/json");
            let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
            let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
            let document = web_sys::window()?.document()?;
            let link: web_sys::HtmlAnchorElement =
                document.create_element("a").ok()?.dyn_into().ok()?;
            link.set_href(&url);
            link.set_download(name);
            link.click();
            let _ = web_sys::Url::revoke_object_url(&url);
            Some(())
        })();
        if made.is_none() {
            state.notice.set(Some(
                "This browser would not save the file. Nothing was lost.".to_owned(),
            ));
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, name, text);
}
