//! "Share with my clinician": the patient picks journal entries, check-ins, questionnaire
//! results and the safety plan; each kind is sealed to the clinician's key and dropped in
//! the clinic's inbox. The screen lists what was shared and when, and lets the patient stop
//! future sharing (shares still waiting to be sent are then withdrawn).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::crisis_panel::relay_of;
use super::state::{of_type, AppState, PatientSettings, Screen};
use super::{ClinicState, JournalEntry, SafetyPlan, ScreenHeading};
use crate::checkin::CheckIn;
use crate::consent::now_rfc3339;
use crate::questionnaires::Progress;
use crate::sharing::{
    when, SharePayload, ShareRecord, SharedCheckIn, SharedEntry, SharedSafetyPlan, SharedScore,
    SHARE_RECORD_TYPE,
};
use crate::vault_service::{Request, Response};

/// The id the safety plan has in the selection (records use their own ids).
const PLAN: &str = "safety-plan";

/// What the patient can pick from, and what was shared before.
#[derive(Debug, Clone, Default, PartialEq)]
struct Choices {
    journal: Vec<(String, JournalEntry)>,
    checkins: Vec<(String, CheckIn)>,
    scores: Vec<(String, SharedScore)>,
    plan: Option<SafetyPlan>,
    shared: Vec<(String, ShareRecord)>,
}

async fn load(state: &AppState) -> Choices {
    let records = state.entries().await;
    let mut journal: Vec<(String, JournalEntry)> = of_type(&records, "journal");
    crate::sorting::sort_by(&mut journal, |a, b| b.1.created_at.cmp(&a.1.created_at));
    let mut checkins: Vec<(String, CheckIn)> = of_type(&records, "checkin");
    crate::sorting::sort_by(&mut checkins, |a, b| b.1.at.cmp(&a.1.at));
    let mut scores: Vec<(String, SharedScore)> = of_type::<Progress>(&records, "questionnaire")
        .into_iter()
        .filter_map(|(id, p)| SharedScore::of(&p).map(|s| (id, s)))
        .collect();
    crate::sorting::sort_by(&mut scores, |a, b| b.1.completed_at.cmp(&a.1.completed_at));
    let plan = of_type::<SafetyPlan>(&records, "safety_plan")
        .into_iter()
        .map(|(_, plan)| plan)
        .find(|plan| !plan.is_empty());
    let mut shared: Vec<(String, ShareRecord)> = of_type(&records, SHARE_RECORD_TYPE);
    crate::sorting::sort_by(&mut shared, |a, b| {
        b.1.payload.shared_at.cmp(&a.1.payload.shared_at)
    });
    Choices {
        journal,
        checkins,
        scores,
        plan,
        shared,
    }
}

/// The first words of `text`, for a list.
fn preview(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= 80 {
        flat
    } else {
        format!("{}…", flat.chars().take(80).collect::<String>())
    }
}

/// The payload for the selected ids.
fn selection(choices: &Choices, picked: &BTreeSet<String>, from: &str) -> SharePayload {
    let from = from.trim();
    let mut payload =
        SharePayload::new(&now_rfc3339(), (!from.is_empty()).then(|| from.to_owned()));
    payload.journal = choices
        .journal
        .iter()
        .filter(|(id, _)| picked.contains(id))
        .map(|(_, e)| SharedEntry {
            written_at: e.created_at.clone(),
            text: e.text.clone(),
        })
        .collect();
    payload.checkins = choices
        .checkins
        .iter()
        .filter(|(id, _)| picked.contains(id))
        .map(|(_, c)| SharedCheckIn::from(c))
        .collect();
    payload.scores = choices
        .scores
        .iter()
        .filter(|(id, _)| picked.contains(id))
        .map(|(_, s)| s.clone())
        .collect();
    payload.safety_plan = choices
        .plan
        .as_ref()
        .filter(|_| picked.contains(PLAN))
        .map(|plan| SharedSafetyPlan {
            updated_at: plan.updated_at.clone(),
            steps: super::safety_plan::STEPS
                .iter()
                .zip(plan.steps.iter().chain(std::iter::repeat(&String::new())))
                .map(|(title, text)| ((*title).to_owned(), text.clone()))
                .collect(),
        });
    payload
}

/// Where a share stands, in plain words.
fn status_of(record: &ShareRecord) -> String {
    match (&record.delivered_at, record.withdrawn) {
        (Some(at), _) => format!("Sent to your clinic ({})", when(at)),
        (None, true) => "Withdrawn: you stopped sharing before it was sent, so it never was".into(),
        (None, false) => "Waiting to be sent: it goes the next time there is a connection".into(),
    }
}

/// Seals each part of `payload`, keeps it in the vault and posts it. Returns what happened,
/// in plain words.
async fn share(state: &AppState, payload: SharePayload) -> Result<String, String> {
    let ClinicState::Loaded(config) = state.clinic.get_untracked() else {
        return Err("Your clinic's settings are not loaded, so nothing was shared.".into());
    };
    let Some((settings, key)) = config.share_target() else {
        return Err("Your clinic has not set up sharing, so nothing was shared.".into());
    };
    let relay = relay_of(state, settings);
    let (mut sent, mut waiting) = (0, 0);
    for (topic, part) in payload.split() {
        if state.settings.get_untracked().sharing_stopped {
            return Err("Sharing was stopped, so nothing more was sent.".into());
        }
        let sealed = state
            .vault
            .call(Request::SealShare {
                recipient: key.to_base64url(),
                topic,
                payload: part.to_json(),
            })
            .await;
        let Response::Sealed { name, share } = sealed else {
            return Err("It could not be locked for your clinician; nothing more was sent.".into());
        };
        let mut record = ShareRecord {
            entry_type: SHARE_RECORD_TYPE.to_owned(),
            payload: part,
            name,
            sealed: Some(share),
            delivered_at: None,
            withdrawn: false,
        };
        let Some(saved) = state.save_entry(None, &record).await else {
            return Err("It could not be saved on this device; nothing more was sent.".into());
        };
        if deliver(state, &relay, &settings.inbox, saved.id, &mut record).await {
            sent += 1;
        } else {
            waiting += 1;
        }
    }
    Ok(match (sent, waiting) {
        (_, 0) => "Shared. Your clinician can now read what you picked.".to_owned(),
        (0, _) => "Saved, but your clinic's inbox could not be reached. It will be sent the \
                   next time you open Hearth with a connection."
            .to_owned(),
        _ => "Part of it was sent; the rest will be sent the next time you open Hearth with a \
              connection."
            .to_owned(),
    })
}

/// Posts a kept share to the inbox and records the delivery (dropping the sealed copy).
/// Returns whether the inbox has it.
async fn deliver(
    state: &AppState,
    relay: &str,
    inbox: &str,
    id: String,
    record: &mut ShareRecord,
) -> bool {
    let Some(sealed) = record.sealed.as_deref() else {
        return false;
    };
    // A stop made while this share waited (or was being sealed) wins.
    if state.settings.get_untracked().sharing_stopped {
        return false;
    }
    if crate::inbox::post_sealed(relay, inbox, &record.name, sealed)
        .await
        .is_err()
    {
        return false;
    }
    record.delivered_at = Some(now_rfc3339());
    record.sealed = None;
    state.save_entry(Some(id), record).await.is_some()
}

/// Whether the patient stopped sharing, as the vault says now: a stop made on another
/// device arrives with a sync, after the settings were first read.
async fn stopped(state: &AppState) -> bool {
    let kind = crate::vault_service::RecordKind::Settings;
    if let Response::Records { records, .. } = state.vault.call(Request::List { kind }).await {
        let stored = records
            .first()
            .and_then(|r| serde_json::from_str::<PatientSettings>(&r.body).ok());
        if stored.as_ref().is_some_and(|s| s.sharing_stopped) {
            state.settings.update(|s| s.sharing_stopped = true);
        }
    }
    state.settings.get_untracked().sharing_stopped
}

/// Sends the shares still waiting on this device (after an unlock and a sync), or, if the
/// patient stopped sharing (here or on another device), withdraws them.
pub(super) async fn send_queued_shares(state: &AppState) {
    if stopped(state).await {
        withdraw_waiting(state).await;
        return;
    }
    let ClinicState::Loaded(config) = state.clinic.get_untracked() else {
        return;
    };
    let Some((settings, _)) = config.share_target() else {
        return;
    };
    // Read (and decrypt) the entries only when there is somewhere to send shares.
    let entries = state.entries().await;
    let relay = relay_of(state, settings);
    for (id, mut record) in of_type::<ShareRecord>(&entries, SHARE_RECORD_TYPE) {
        if record.delivered_at.is_none() && !record.withdrawn && record.sealed.is_some() {
            deliver(state, &relay, &settings.inbox, id, &mut record).await;
        }
    }
}

/// Stops future sharing: the setting, and every share still waiting is withdrawn (its
/// sealed copy dropped, so it can never be sent).
async fn stop_sharing(state: &AppState) {
    state.save_settings(PatientSettings {
        sharing_stopped: true,
        ..state.settings.get_untracked()
    });
    withdraw_waiting(state).await;
}

/// Withdraws every share still waiting: its sealed copy is dropped, so it can never go.
async fn withdraw_waiting(state: &AppState) {
    let entries = state.entries().await;
    for (id, mut record) in of_type::<ShareRecord>(&entries, SHARE_RECORD_TYPE) {
        if record.delivered_at.is_none() && !record.withdrawn {
            record.withdrawn = true;
            record.sealed = None;
            state.save_entry(Some(id), &record).await;
        }
    }
}

/// A checkbox for one item.
fn pick(id: String, label: String, picked: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let (check_id, toggle_id) = (id.clone(), id);
    view! {
        <label class="choice share-item">
            <input type="checkbox"
                prop:checked=move || picked.with(|p| p.contains(&check_id))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    picked.update(|p| {
                        if on {
                            p.insert(toggle_id.clone());
                        } else {
                            p.remove(&toggle_id);
                        }
                    });
                } />
            <span>{label}</span>
        </label>
    }
}

/// The "Share with my clinician" screen.
#[component]
pub fn ShareScreen(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let choices = RwSignal::new(None::<Choices>);
    let picked = RwSignal::new(BTreeSet::<String>::new());
    let from = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let reload = {
        let state = state.clone();
        move || {
            let state = state.clone();
            spawn_local(async move { choices.set(Some(load(&state).await)) });
        }
    };
    reload();
    let clinic_name = {
        let clinic = state.clinic;
        move || match clinic.get() {
            ClinicState::Loaded(config) => config.name,
            _ => "your clinic".to_owned(),
        }
    };
    let offered = {
        let clinic = state.clinic;
        move || matches!(clinic.get(), ClinicState::Loaded(config) if config.share_target().is_some())
    };
    let stopped = {
        let settings = state.settings;
        move || settings.with(|s| s.sharing_stopped)
    };
    let send = {
        let (state, reload) = (state.clone(), reload.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let Some(current) = choices.get_untracked() else {
                return;
            };
            let payload = selection(&current, &picked.get_untracked(), &from.get_untracked());
            if payload.is_empty() {
                outcome.set(Some(Err("Pick at least one thing to share.".into())));
                return;
            }
            busy.set(true);
            let (state, reload) = (state.clone(), reload.clone());
            spawn_local(async move {
                let result = share(&state, payload).await;
                busy.set(false);
                if result.is_ok() {
                    picked.set(BTreeSet::new());
                }
                outcome.set(Some(result));
                reload();
            });
        }
    };
    let stop = {
        let (state, reload) = (state.clone(), reload.clone());
        move |_| {
            let (state, reload) = (state.clone(), reload.clone());
            spawn_local(async move {
                stop_sharing(&state).await;
                outcome.set(None);
                reload();
            });
        }
    };
    let resume = {
        let state = state.clone();
        move |_| {
            state.save_settings(PatientSettings {
                sharing_stopped: false,
                ..state.settings.get_untracked()
            });
        }
    };
    let list = move || {
        let Some(c) = choices.get() else {
            return view! { <p role="status">"Loading…"</p> }.into_any();
        };
        let journal = c
            .journal
            .iter()
            .map(|(id, e)| {
                pick(
                    id.clone(),
                    format!("{} — {}", when(&e.created_at), preview(&e.text)),
                    picked,
                )
            })
            .collect_view();
        let checkins = c
            .checkins
            .iter()
            .map(|(id, ch)| {
                pick(
                    id.clone(),
                    format!(
                        "{} — mood {}/10, energy {}/10",
                        when(&ch.at),
                        ch.mood,
                        ch.energy
                    ),
                    picked,
                )
            })
            .collect_view();
        let scores = c
            .scores
            .iter()
            .map(|(id, s)| {
                pick(
                    id.clone(),
                    format!(
                        "{} on {}: {} of {} ({})",
                        s.instrument,
                        when(&s.completed_at),
                        s.total,
                        s.max_total,
                        s.band
                    ),
                    picked,
                )
            })
            .collect_view();
        let plan = c.plan.as_ref().map(|p| {
            pick(
                PLAN.to_owned(),
                format!("My safety plan (last changed {})", when(&p.updated_at)),
                picked,
            )
        });
        let nothing = c.journal.is_empty()
            && c.checkins.is_empty()
            && c.scores.is_empty()
            && c.plan.is_none();
        view! {
            {nothing.then(|| view! { <p>"There is nothing to share yet: journal entries, check-ins, finished questionnaires and your safety plan will show here."</p> })}
            {(!c.journal.is_empty()).then(|| view! { <fieldset class="share-group"><legend>"Journal entries"</legend>{journal}</fieldset> })}
            {(!c.checkins.is_empty()).then(|| view! { <fieldset class="share-group"><legend>"Check-ins"</legend>{checkins}</fieldset> })}
            {(!c.scores.is_empty()).then(|| view! { <fieldset class="share-group"><legend>"Questionnaire results"</legend>{scores}</fieldset> })}
            {plan.map(|p| view! { <fieldset class="share-group"><legend>"Safety plan"</legend>{p}</fieldset> })}
        }
        .into_any()
    };
    let history = move || {
        let shared = choices.with(|c| c.as_ref().map(|c| c.shared.clone()).unwrap_or_default());
        if shared.is_empty() {
            return view! { <p>"You have not shared anything yet."</p> }.into_any();
        }
        view! {
            <ul class="share-history">
                {shared.into_iter().map(|(_, record)| {
                    let sections = record.payload.sections();
                    view! {
                        <li>
                            <details>
                                <summary>
                                    <strong>{record.payload.summary()}</strong>
                                    {format!(" — shared {}. ", when(&record.payload.shared_at))}
                                    <span class="share-status">{status_of(&record)}</span>
                                </summary>
                                {sections.into_iter().map(|s| view! {
                                    <h4>{s.heading}</h4>
                                    {s.lines.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                                }).collect_view()}
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let back_state = state.clone();
    view! {
        <section class="screen share" aria-labelledby="hearth-share-title">
            <ScreenHeading id="hearth-share-title" text="Share with my clinician" />
            {move || if !offered() {
                view! { <p>{move || format!("{} has not set up sharing in Hearth. You can still show your clinician things in person, or print a summary from Trends.", clinic_name())}</p> }.into_any()
            } else if stopped() {
                view! {
                    <div class="card">
                        <p role="status">"Sharing is off. Nothing more will be sent to your clinician from this device, nor from your other devices once they have synced."</p>
                        <button type="button" class="button-secondary" on:click=resume.clone()>"Start sharing again"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <form class="share-form" on:submit=send.clone()>
                        <p>
                            {move || format!("Pick what {} should see. It is locked on this device so that only your clinician can open it — not Hearth, not the server that carries it. Once sent, it can't be taken back from them.", clinic_name())}
                        </p>
                        {list}
                        <label class="field">
                            <span>"Your name, as your clinic knows you (optional)"</span>
                            <input type="text" autocomplete="name" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                        </label>
                        <button type="submit" class="button-primary" disabled=move || busy.get()>"Share selected"</button>
                        {move || outcome.get().map(|o| match o {
                            Ok(text) => view! { <p class="status" role="status">{text}</p> }.into_any(),
                            Err(text) => view! { <p class="field-error" role="alert">{text}</p> }.into_any(),
                        })}
                    </form>
                    <div class="card">
                        <h3>"Stop sharing"</h3>
                        <p>"Stops all future sharing with your clinician. Anything still waiting to be sent is withdrawn. What your clinician already has stays with them: ask them if you want it deleted."</p>
                        <button type="button" class="button-secondary" disabled=move || busy.get() on:click=stop.clone()>"Stop sharing with my clinician"</button>
                    </div>
                }.into_any()
            }}
            <section aria-labelledby="hearth-shared-title">
                <h3 id="hearth-shared-title">"What you have shared"</h3>
                {history}
            </section>
            <button type="button" class="button-secondary" on:click=move |_| back_state.go(Screen::Home)>"Back"</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn previews_are_short_and_on_one_line() {
        assert_eq!(preview("Hard day.\nBetter now."), "Hard day. Better now.");
        let long = "word ".repeat(40);
        assert!(preview(&long).ends_with('…'));
        assert!(preview(&long).chars().count() <= 81);
    }

    #[test]
    fn only_the_picked_items_are_shared() {
        let entry = |text: &str, at: &str| JournalEntry {
            entry_type: "journal".into(),
            text: text.into(),
            created_at: at.into(),
        };
        let choices = Choices {
            journal: vec![
                ("a".into(), entry("Keep this one", "2026-11-26T10:00:00Z")),
                ("b".into(), entry("Not this one", "2026-11-25T10:00:00Z")),
            ],
            plan: Some(SafetyPlan {
                entry_type: "safety_plan".into(),
                steps: vec!["Pacing at night".into()],
                updated_at: "2026-11-20T10:00:00Z".into(),
            }),
            ..Choices::default()
        };
        let picked: BTreeSet<String> = ["a".to_owned(), PLAN.to_owned()].into();
        let payload = selection(&choices, &picked, "  ");
        assert_eq!(payload.from, None);
        assert_eq!(payload.journal.len(), 1);
        assert_eq!(payload.journal[0].text, "Keep this one");
        let plan = payload.safety_plan.unwrap();
        assert_eq!(plan.steps.len(), 6);
        assert_eq!(plan.steps[0].1, "Pacing at night");
        assert_eq!(plan.steps[5].1, "");
    }
}
