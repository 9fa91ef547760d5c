//! Records changed on two devices at once, other than journal entries (the journal shows
//! its own chooser in place) and the risk state (merged automatically and cautiously): the
//! safety plan, check-ins, guided sessions, questionnaires, settings, the consent choice.
//! The "Backup and sync" card lists each with every version in plain words, and the patient
//! keeps one; nothing is dropped until they do.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use super::safety_plan::SafetyPlan;
use super::state::{AppState, PatientSettings};
use crate::checkin::CheckIn;
use crate::consent::ConsentRecord;
use crate::risk::RISK_STATE_TYPE;
use crate::vault_service::{Record, RecordKind, Request, Response};

/// One record in conflict, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflicted {
    /// Its kind.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// What it is, e.g. "Your safety plan".
    pub title: String,
    /// Each current version: its hash, and its lines in plain words (`None`: deleted).
    pub versions: Vec<(String, Option<Vec<String>>)>,
}

/// The JSON `type` of an entry body.
fn entry_type(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body)
        .ok()?
        .get("type")?
        .as_str()
        .map(str::to_owned)
}

/// The first ten characters of an RFC 3339 time: its date.
fn date_of(time: &str) -> &str {
    time.get(..10).unwrap_or(time)
}

/// An RFC 3339 time (as the app writes them, in UTC) to the minute: "2026-11-27 14:35 UTC".
fn minute_of(time: &str) -> String {
    match (time.get(..10), time.get(11..16)) {
        (Some(date), Some(clock)) if time.ends_with('Z') => format!("{date} {clock} UTC"),
        (Some(date), Some(clock)) => format!("{date} {clock}"),
        _ => time.to_owned(),
    }
}

/// What the record is, from any of its versions.
fn title(kind: RecordKind, body: &str) -> String {
    match kind {
        RecordKind::Settings => "Your settings".to_owned(),
        RecordKind::Consent => "Your choice of support".to_owned(),
        RecordKind::Entry => match entry_type(body).as_deref() {
            Some("safety_plan") => "Your safety plan".to_owned(),
            Some("checkin") => serde_json::from_str::<CheckIn>(body)
                .map(|c| format!("Your check-in of {}", date_of(&c.at)))
                .unwrap_or_else(|_| "A check-in".to_owned()),
            Some("session") => "A guided session in progress".to_owned(),
            Some("questionnaire") => "A questionnaire".to_owned(),
            Some("chat") => "A chat message".to_owned(),
            _ => "An item in your vault".to_owned(),
        },
    }
}

/// A JSON key as words: `sleep_hours` → "Sleep hours".
fn words(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| {
            std::iter::once(first.to_ascii_uppercase())
                .chain(chars)
                .collect()
        })
        .unwrap_or_default()
}

/// At most 200 characters of `text`.
fn clipped(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Any entry's fields as "Name: value" lines (text, numbers, yes/no and lists of text).
fn generic_lines(body: &str) -> Vec<String> {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) else {
        return vec![clipped(body)];
    };
    fields
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "type" | "id"))
        .filter_map(|(key, value)| {
            let shown = match value {
                Value::String(text) if !text.trim().is_empty() => clipped(text),
                Value::Number(n) => crate::json::number(n),
                Value::Bool(yes) => if *yes { "yes" } else { "no" }.to_owned(),
                Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|item| match item {
                        Value::String(text) => clipped(text),
                        other => clipped(&other.to_string()),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => return None,
            };
            Some(format!("{}: {shown}", words(key)))
        })
        .take(12)
        .collect()
}

/// One version in plain words. Credentials in settings are never shown.
fn lines(kind: RecordKind, body: &str) -> Vec<String> {
    match kind {
        RecordKind::Settings => match serde_json::from_str::<PatientSettings>(body) {
            Ok(settings) => vec![
                format!(
                    "Locks after {} minutes without use",
                    settings.auto_lock_minutes
                ),
                match &settings.sync {
                    None => "Backup and sync: off".to_owned(),
                    Some(endpoint) => {
                        format!("Backup and sync: on, at {}", super::sync::place(endpoint))
                    }
                },
            ],
            Err(_) => vec!["Settings this version of Hearth can't read".to_owned()],
        },
        RecordKind::Consent => match serde_json::from_str::<Option<ConsentRecord>>(body) {
            Ok(None) => vec!["Consent withdrawn".to_owned()],
            Ok(Some(consent)) => vec![
                format!("Support: {}", consent.choice.title()),
                format!(
                    "Alerting my clinician in a crisis: {}",
                    if consent.alerts {
                        "allowed"
                    } else {
                        "not allowed"
                    }
                ),
                format!(
                    "Chosen on {}",
                    date_of(
                        consent
                            .changed_at
                            .as_deref()
                            .unwrap_or(&consent.accepted_at)
                    )
                ),
            ],
            Err(_) => vec!["A choice this version of Hearth can't read".to_owned()],
        },
        RecordKind::Entry => match entry_type(body).as_deref() {
            Some("safety_plan") => match serde_json::from_str::<SafetyPlan>(body) {
                Ok(plan) => plan
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(_, text)| !text.trim().is_empty())
                    .map(|(i, text)| format!("Step {}: {}", i + 1, clipped(text)))
                    .chain(std::iter::once(format!(
                        "Changed {}",
                        minute_of(&plan.updated_at)
                    )))
                    .collect(),
                Err(_) => generic_lines(body),
            },
            Some("checkin") => match serde_json::from_str::<CheckIn>(body) {
                Ok(c) => {
                    let mut out = vec![format!("Mood {}/10, energy {}/10", c.mood, c.energy)];
                    if !c.emotions.is_empty() {
                        out.push(format!("Feelings: {}", c.emotions.join(", ")));
                    }
                    if !c.note.trim().is_empty() {
                        out.push(format!("Note: {}", clipped(&c.note)));
                    }
                    out
                }
                Err(_) => generic_lines(body),
            },
            _ => generic_lines(body),
        },
    }
}

/// Of `records` (all of one `kind`), those in conflict that this list shows: not journal
/// entries, not the risk state.
pub fn conflicted(kind: RecordKind, records: &[Record]) -> Vec<Conflicted> {
    records
        .iter()
        .filter(|r| !r.conflict.is_empty())
        .filter(|r| {
            kind != RecordKind::Entry
                || !matches!(
                    entry_type(&r.body).as_deref(),
                    Some("journal") | Some(RISK_STATE_TYPE)
                )
        })
        .map(|r| Conflicted {
            kind,
            id: r.id.clone(),
            title: title(kind, &r.body),
            versions: std::iter::once((r.head.clone(), Some(lines(kind, &r.body))))
                .chain(r.conflict.iter().map(|a| {
                    (
                        a.head.clone(),
                        a.body.as_deref().map(|body| lines(kind, body)),
                    )
                }))
                .collect(),
        })
        .collect()
}

/// Every record in conflict that this list shows.
async fn load(state: &AppState) -> Vec<Conflicted> {
    let mut all = Vec::new();
    for kind in [RecordKind::Consent, RecordKind::Settings, RecordKind::Entry] {
        if let Response::Records { records, .. } = state.vault.call(Request::List { kind }).await {
            all.extend(conflicted(kind, &records));
        }
    }
    all
}

/// The versions of one record, each in its lines (or "Deleted on your other device."), with
/// "Keep this version" / "Keep it deleted" calling `keep` with that version's hash.
pub fn version_list(
    versions: Vec<(String, Option<Vec<String>>)>,
    keep: impl Fn(String) + Clone + 'static,
) -> impl IntoView {
    view! {
        <ul>
            {versions.into_iter().map(|(head, text)| {
                let keep = keep.clone();
                let deleted = text.is_none();
                view! {
                    <li>
                        {match text {
                            Some(lines) => lines.into_iter().map(|line| view! { <p>{line}</p> }).collect_view().into_any(),
                            None => view! { <p>"Deleted on your other device."</p> }.into_any(),
                        }}
                        <button type="button" class="button-secondary" on:click=move |_| keep(head.clone())>
                            {if deleted { "Keep it deleted" } else { "Keep this version" }}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The list of records changed on two devices, with a "Keep this version" for each version.
/// Shown in the "Backup and sync" card; reloads after every sync run.
#[component]
pub fn ConflictChooser(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let items = RwSignal::new(Vec::<Conflicted>::new());
    let saved = RwSignal::new(false);
    let sync = state.sync;
    let load_state = state.clone();
    Effect::new(move |_| {
        let _ = sync.with(|s| (s.runs, s.conflicts));
        let state = load_state.clone();
        spawn_local(async move { items.set(load(&state).await) });
    });
    let keep = move |item: Conflicted, head: String| {
        let state = state.clone();
        spawn_local(async move {
            let response = state
                .vault
                .call(Request::Resolve {
                    kind: item.kind,
                    id: item.id.clone(),
                    keep: head,
                    body: None,
                })
                .await;
            state.report(&response);
            if let Response::Saved(record) = &response {
                // Settings and consent take effect at once.
                match item.kind {
                    RecordKind::Settings => {
                        if let Ok(settings) = serde_json::from_str(&record.body) {
                            state.settings.set(settings);
                        }
                    }
                    RecordKind::Consent => {
                        if let Ok(consent) = serde_json::from_str(&record.body) {
                            state.consent.set(consent);
                        }
                    }
                    RecordKind::Entry => {}
                }
            }
            if matches!(response, Response::Saved(_) | Response::Deleted) {
                saved.set(true);
                items.update(|list| list.retain(|c| c.id != item.id || c.kind != item.kind));
                state.sync_now().await;
            }
        });
    };
    view! {
        <Show when=move || !items.with(Vec::is_empty) || saved.get()>
            <div class="conflicts">
                <Show when=move || saved.get()>
                    <p class="status" role="status">"Your choice is saved, and your other devices will follow it."</p>
                </Show>
                {
                    let keep = keep.clone();
                    move || items.get().into_iter().map(|item| {
                        let keep = keep.clone();
                        let versions = item.versions.clone();
                        view! {
                            <div class="conflict" role="group" aria-label=format!("{} was changed on two devices", item.title)>
                                <h4>{item.title.clone()}</h4>
                                <p>"Changed on two devices at the same time. Nothing was lost: choose the version to keep."</p>
                                {
                                    let item = item.clone();
                                    version_list(versions, move |head| keep(item.clone(), head))
                                }
                            </div>
                        }
                    }).collect_view()
                }
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::vault_service::Alternative;

    fn record(body: &str, others: &[Option<&str>]) -> Record {
        Record {
            id: "item-1".into(),
            version: 2,
            body: body.into(),
            head: "head-a".into(),
            conflict: others
                .iter()
                .enumerate()
                .map(|(i, body)| Alternative {
                    head: format!("head-{i}"),
                    body: body.map(str::to_owned),
                })
                .collect(),
        }
    }

    #[test]
    fn a_safety_plan_in_conflict_shows_both_plans_in_words() {
        let laptop = r#"{"type":"safety_plan","steps":["Tight chest","Walk the dog","","","",""],"updated_at":"2026-11-20T10:00:00Z"}"#;
        let phone = r#"{"type":"safety_plan","steps":["Tight chest","Call my sister","","","",""],"updated_at":"2026-11-21T09:00:00Z"}"#;
        let list = conflicted(RecordKind::Entry, &[record(laptop, &[Some(phone)])]);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].title, "Your safety plan");
        let shown: Vec<_> = list[0]
            .versions
            .iter()
            .map(|(_, l)| l.clone().unwrap())
            .collect();
        assert!(shown[0].contains(&"Step 2: Walk the dog".to_owned()));
        assert!(shown[1].contains(&"Step 2: Call my sister".to_owned()));
        assert!(shown[1].contains(&"Changed 2026-11-21 09:00 UTC".to_owned()));
    }

    #[test]
    fn journal_entries_and_the_risk_state_are_left_to_their_own_screens() {
        let journal = r#"{"type":"journal","text":"a","created_at":"2026-11-20T10:00:00Z"}"#;
        let risk = r#"{"type":"risk_state","level":"low"}"#;
        let records = [record(journal, &[None]), record(risk, &[Some(risk)])];
        assert!(conflicted(RecordKind::Entry, &records).is_empty());
        let calm = record(journal, &[]);
        assert!(
            conflicted(RecordKind::Entry, &[calm]).is_empty(),
            "no conflict"
        );
    }

    #[test]
    fn settings_from_before_webdav_and_s3_keep_their_relay() {
        let old: PatientSettings =
            serde_json::from_str(r#"{"auto_lock_minutes":10,"sync_url":"https://relay.example"}"#)
                .unwrap();
        assert_eq!(
            old.sync,
            Some(crate::vault_service::Endpoint::Relay {
                url: "https://relay.example".into()
            })
        );
        let off: PatientSettings = serde_json::from_str(r#"{"auto_lock_minutes":5}"#).unwrap();
        assert_eq!(off, PatientSettings::default());
        let again: PatientSettings =
            serde_json::from_str(&serde_json::to_string(&old).unwrap()).unwrap();
        assert_eq!(again, old);
    }

    #[test]
    fn settings_never_show_credentials_and_deletions_are_named() {
        let with_dav = r#"{"auto_lock_minutes":5,"sync":{"kind":"webdav","url":"https://dav.example/Hearth","user":"alex","password":"hunter2-app"}}"#;
        let list = conflicted(
            RecordKind::Settings,
            &[record(with_dav, &[Some(r#"{"auto_lock_minutes":15}"#)])],
        );
        let text = format!("{:?}", list[0].versions);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("Backup and sync: on, at https://dav.example/Hearth"));
        assert!(text.contains("Locks after 15 minutes"));
        assert!(text.contains("Backup and sync: off"));
        let session =
            r#"{"type":"session","pack":"grounding","step":3,"answers":["the kettle","blue sky"]}"#;
        let list = conflicted(RecordKind::Entry, &[record(session, &[None])]);
        assert_eq!(list[0].title, "A guided session in progress");
        assert_eq!(list[0].versions[1], ("head-0".to_owned(), None));
        let first = list[0].versions[0].1.clone().unwrap();
        assert!(first.contains(&"Pack: grounding".to_owned()), "{first:?}");
        assert!(
            first.contains(&"Answers: the kettle, blue sky".to_owned()),
            "{first:?}"
        );
    }
}
