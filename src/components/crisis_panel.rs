use leptos::prelude::*;
use leptos::task::spawn_local;

use super::safety_plan::{load_plan, SafetyPlan, STEPS};
use super::state::{of_type, AppState, Screen};
use super::{ClinicState, ScreenHeading};
use crate::clinic::{AlertSettings, CrisisResource};
use crate::consent::now_rfc3339;
use crate::crisis::lines_for_locale;
use crate::cssrs::Screener;
use crate::risk::{Alert, AlertRecord, RiskSource, ALERT_MESSAGES};
use crate::vault_service::{Record, Request, Response};
use hearth_nlu::Risk;

/// The crisis card, reachable from every screen and opened by the crisis layer. Built into
/// the widget: it needs no network and no model. It offers the clinic's own crisis contacts
/// for the patient's locale, then the built-in lines for their country first, their safety
/// plan (when the vault is open), "I'm safe right now" / "I need help now", the C-SSRS
/// screener and, when the clinic set it up and the patient agreed, "alert my clinician".
#[component]
pub fn CrisisPanel(
    /// Shared state (the vault, for the safety plan; the risk found, if any; the clinic).
    state: AppState,
    /// Closes the panel.
    on_close: Callback<()>,
) -> impl IntoView {
    let lines = lines_for_locale(&state.locale);
    let emergency = lines.first().map(|l| l.emergency);
    let detected = state.detected_risk;
    // "I need help now", or a high result from the screener, turns the card urgent.
    let urgent = RwSignal::new(false);
    let screening = RwSignal::new(None::<Screener>);
    let plan = RwSignal::new(None::<SafetyPlan>);
    if state.unlocked.get_untracked() {
        let state = state.clone();
        spawn_local(async move {
            plan.set(
                load_plan(&state)
                    .await
                    .map(|(_, p)| p)
                    .filter(|p| !p.is_empty()),
            );
        });
    }
    let because = move || {
        let risk = detected.get()?;
        let (class, text) = if risk == Risk::High || urgent.get() {
            (
                "detected urgent",
                "What you wrote sounds like you may be in danger right now. Please call your \
                 local emergency number or a crisis line below now.",
            )
        } else {
            (
                "detected",
                "What you wrote sounds really hard. You don't have to face it alone: the people \
                 below are there to talk, any time.",
            )
        };
        Some(view! { <p class=class role="alert" data-risk=risk.as_str()>{text}</p> })
    };
    let urgent_view = move || {
        (urgent.get() || detected.get() == Some(Risk::High)).then(|| {
            let call =
                emergency.map(|a| view! { <a class="call urgent-call" href=a.href>{a.label}</a> });
            view! {
                <div class="urgent" role="alert">
                    <p><strong>"Contact emergency services now."</strong>
                    " If you can, tell someone near you and stay with them."</p>
                    {call}
                </div>
            }
        })
    };
    let plan_state = state.clone();
    let plan_view = move || {
        let state = plan_state.clone();
        // Locked (by hand or auto-lock): the plan is not shown, even if the card is open.
        if !state.unlocked.get() {
            return ().into_any();
        }
        match plan.get() {
            Some(p) => view! {
                <section class="card safety-plan-card" aria-labelledby="hearth-card-plan">
                    <h3 id="hearth-card-plan">"My safety plan"</h3>
                    <ol>
                        {STEPS.iter().zip(p.steps).filter(|(_, t)| !t.trim().is_empty()).map(|(step, text)| view! {
                            <li><span class="step">{*step}</span><p>{text}</p></li>
                        }).collect_view()}
                    </ol>
                </section>
            }.into_any(),
            None => view! {
                <button type="button" class="button-secondary" on:click=move |_| {
                    state.crisis_open.set(false);
                    state.go(Screen::SafetyPlan);
                }>"Make a safety plan"</button>
            }.into_any(),
        }
    };
    let clinic = state.clinic;
    let locale = state.locale.clone();
    let clinic_view = move || clinic_resources(&clinic.get(), &locale);
    // A memo, so the offer (and what it says about a sent alert) is built once and stays
    // while the card is open, whatever else changes.
    let offer = {
        let state = state.clone();
        Memo::new(move |_| {
            let high = urgent.get() || detected.get() == Some(Risk::High);
            let agreed = state.consent.get().is_some_and(|c| c.alerts);
            high && agreed && state.unlocked.get() && state.alerts_offered()
        })
    };
    let alert_state = state.clone();
    let alert_view = move || {
        let state = alert_state.clone();
        view! { <Show when=move || offer.get()><AlertOffer state=state.clone() /></Show> }
    };
    let safe_state = state.clone();
    let screener_state = state.clone();
    view! {
        <section class="panel crisis-panel" aria-labelledby="hearth-crisis-title">
            <ScreenHeading id="hearth-crisis-title" text="Get help now" />
            {because}
            {urgent_view}
            {clinic_view}
            <p class="lead">
                "If you might act on thoughts of harming yourself or someone else, or you are in \
                 danger, call your local emergency number now. These services are free and \
                 confidential, and a person answers."
            </p>
            <ul class="crisis-lines">
                {lines
                    .into_iter()
                    .map(|line| {
                        view! {
                            <li class="crisis-line">
                                <h3>{line.region}</h3>
                                <p>{line.service}</p>
                                <p class="actions">
                                    {line
                                        .actions
                                        .iter()
                                        .chain([&line.emergency])
                                        .map(|a| view! { <a class="call" href=a.href>{a.label}</a> })
                                        .collect_view()}
                                </p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {alert_view}
            {plan_view}
            <div class="crisis-choices">
                <button type="button" class="button-crisis" on:click=move |_| urgent.set(true)>
                    "I need help now"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| {
                    safe_state.mark_safe();
                    on_close.run(());
                }>
                    "I'm safe right now"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| screening.set(Some(Screener::new()))>
                    "Answer six short questions"
                </button>
            </div>
            {move || screening.get().map(|s| view! { <ScreenerView state=screener_state.clone() screener=s screening=screening urgent=urgent /> })}
            <button type="button" class="button-secondary" on:click=move |_| on_close.run(())>
                "Close"
            </button>
        </section>
    }
}

/// The C-SSRS screener inside the crisis card: one yes/no question at a time, then the
/// triage in plain words (high also turns the card urgent).
/// The answers are sealed in the vault (`{"type":"cssrs", …}`) and a positive triage raises
/// the remembered risk state.
#[component]
fn ScreenerView(
    state: AppState,
    screener: Screener,
    screening: RwSignal<Option<Screener>>,
    urgent: RwSignal<bool>,
) -> impl IntoView {
    let answer = Callback::new(move |yes: bool| {
        let mut completed = None;
        screening.update(|s| {
            if let Some(s) = s {
                let _ = s.answer(yes);
                if s.is_complete() {
                    completed = Some(s.clone());
                }
            }
        });
        if let Some(done) = completed {
            let triage = done.triage();
            if triage == Risk::High {
                urgent.set(true);
            }
            state.raise_risk(triage, RiskSource::Screener);
            if state.unlocked.get_untracked() {
                let state = state.clone();
                spawn_local(async move {
                    state.save_entry(None, &ScreenerResult::of(&done)).await;
                });
            }
        }
    });
    let body = match screener.next() {
        Some(step) => view! {
            <p class="question-number">{format!("Question {} of 6", step.number())}</p>
            <p class="question" id="hearth-cssrs-q">{step.question()}</p>
            {step.examples().map(|e| view! { <p class="examples">{e}</p> })}
            <div class="answers" role="group" aria-labelledby="hearth-cssrs-q">
                <button type="button" class="button-secondary" on:click=move |_| answer.run(true)>"Yes"</button>
                <button type="button" class="button-secondary" on:click=move |_| answer.run(false)>"No"</button>
            </div>
        }
        .into_any(),
        None => {
            let text = match screener.triage() {
                Risk::High => "Your answers suggest you are at high risk right now. Please contact emergency services now, or call a crisis line above.",
                Risk::Moderate => "Your answers suggest you are at moderate risk. Please contact your clinician or a crisis line above today.",
                Risk::Low => "Your answers suggest a lower level of risk, but these thoughts matter. Please tell your clinician, and use the lines above if things get worse.",
                Risk::None => "Thank you for answering. If anything changes, the lines above are there any time.",
            };
            view! { <p class="triage" role="status">{text}</p> }.into_any()
        }
    };
    view! {
        <section class="card screener" aria-labelledby="hearth-cssrs-title">
            <h3 id="hearth-cssrs-title">"Six questions (C-SSRS screener)"</h3>
            {body}
        </section>
    }
}

/// C-SSRS answers as sealed in the vault.
#[derive(serde::Serialize)]
struct ScreenerResult {
    #[serde(rename = "type")]
    entry_type: &'static str,
    /// `[question number, answer]` in the order asked.
    answers: Vec<(u8, bool)>,
    risk: Risk,
    at: String,
}

impl ScreenerResult {
    fn of(screener: &Screener) -> Self {
        ScreenerResult {
            entry_type: "cssrs",
            answers: screener
                .answers()
                .iter()
                .map(|(step, yes)| (step.number(), *yes))
                .collect(),
            risk: screener.triage(),
            at: now_rfc3339(),
        }
    }
}

/// The clinic's own crisis contacts for the locale, and a discreet note when its
/// configuration had mistakes (the built-in lines below always show).
fn clinic_resources(clinic: &ClinicState, locale: &str) -> Option<AnyView> {
    let (name, resources, problems): (String, Vec<CrisisResource>, Vec<String>) = match clinic {
        ClinicState::Loaded(config) => (
            config.name.clone(),
            config.resources_for(locale).into_iter().cloned().collect(),
            config.problems.iter().map(ToString::to_string).collect(),
        ),
        ClinicState::Failed(err) => ("your clinic".to_owned(), Vec::new(), vec![err.to_string()]),
        ClinicState::Loading | ClinicState::None => return None,
    };
    let note = (!problems.is_empty()).then(|| {
        view! {
            <div class="config-problems">
                <p>"Some of your clinic's settings could not be used, so they are not shown here. \
                    The crisis lines below always work."</p>
                <details>
                    <summary>"Details for your clinic"</summary>
                    <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                </details>
            </div>
        }
    });
    let list = (!resources.is_empty()).then(|| {
        view! {
            <section class="clinic-crisis" aria-labelledby="hearth-clinic-crisis-title">
                <h3 id="hearth-clinic-crisis-title">{format!("From {name}")}</h3>
                <ul class="crisis-lines">
                    {resources.into_iter().map(|r| view! {
                        <li class="crisis-line clinic-line">
                            <h4>{r.name.clone()}</h4>
                            {r.description.clone().map(|d| view! { <p>{d}</p> })}
                            {r.hours.clone().map(|h| view! { <p class="hours">{h}</p> })}
                            <p class="actions">
                                {r.links().into_iter().map(|l| view! { <a class="call" href=l.href>{l.label}</a> }).collect_view()}
                            </p>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    });
    Some(view! { {list} {note} }.into_any())
}

/// What became of an alert the patient sent.
#[derive(Clone, PartialEq)]
pub(super) enum AlertStatus {
    Writing,
    Sending,
    Delivered(String),
    Queued(String),
    Failed(String),
}

/// "Alert my clinician": never sent without the patient's tap on "Send alert". The patient
/// picks or writes the message; it is sealed to the clinician's key in the vault worker,
/// kept in the vault until the relay confirms it, and dropped into the clinic's inbox.
#[component]
fn AlertOffer(state: AppState) -> impl IntoView {
    let open = RwSignal::new(false);
    let chosen = RwSignal::new(ALERT_MESSAGES[0].to_owned());
    let own = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let status = RwSignal::new(AlertStatus::Writing);
    let send_state = state.clone();
    let send = Callback::new(move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let message = match own.get_untracked().trim() {
            "" => chosen.get_untracked(),
            written => written.to_owned(),
        };
        let risk = send_state
            .detected_risk
            .get_untracked()
            .unwrap_or(Risk::High)
            .max(Risk::High);
        let alert = match Alert::new(risk, &now_rfc3339(), &message, &from.get_untracked()) {
            Ok(alert) => alert,
            Err(err) => return status.set(AlertStatus::Failed(err.to_string())),
        };
        status.set(AlertStatus::Sending);
        let state = send_state.clone();
        spawn_local(async move {
            status.set(send_alert(&state, alert).await);
        });
    });
    view! {
        <section class="card alert-offer" aria-labelledby="hearth-alert-title">
            <h3 id="hearth-alert-title">"Alert my clinician"</h3>
            <p>"You agreed that you could send your clinician a short alert. It is locked so only \
                they can read it. It is not an emergency service: they see it when they next check."</p>
            {move || match status.get() {
                AlertStatus::Delivered(at) => view! {
                    <p class="alert-status sent" role="status">{format!("Alert sent to your clinician at {at}.")}</p>
                }.into_any(),
                AlertStatus::Queued(why) => view! {
                    <p class="alert-status queued" role="alert">
                        <strong>"Your alert has NOT been sent yet. "</strong>
                        {format!("{why}. It is saved, locked, on this device and will be sent the next time you \
                                  unlock Hearth with a connection. If you need someone now, phone your clinic \
                                  or a crisis line on this card.")}
                    </p>
                }.into_any(),
                _ if !open.get() => view! {
                    <button type="button" class="button-primary" on:click=move |_| open.set(true)>"Alert my clinician"</button>
                }.into_any(),
                current => view! {
                    <form class="alert-form" on:submit=move |ev| send.run(ev)>
                        <fieldset class="choices">
                            <legend>"Message for your clinician"</legend>
                            {ALERT_MESSAGES.iter().map(|m| view! {
                                <label class="choice">
                                    <input type="radio" name="hearth-alert-message" value=*m
                                        prop:checked=move || chosen.get() == *m
                                        on:change=move |_| chosen.set((*m).to_owned()) />
                                    <span>{*m}</span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <label class="field">
                            <span>"Or write your own (optional)"</span>
                            <textarea rows="2" prop:value=move || own.get() on:input=move |ev| own.set(event_target_value(&ev))></textarea>
                        </label>
                        <label class="field">
                            <span>"Your name, as your clinic knows you (optional)"</span>
                            <input type="text" autocomplete="name" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                        </label>
                        {match current {
                            AlertStatus::Failed(why) => Some(view! { <p class="field-error" role="alert">{why}</p> }),
                            _ => None,
                        }}
                        <button type="submit" class="button-crisis" disabled=move || status.get() == AlertStatus::Sending>"Send alert"</button>
                        <button type="button" class="button-secondary" on:click=move |_| open.set(false)>"Don't send"</button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// Seals `alert`, keeps it in the vault, and posts it to the clinic inbox.
async fn send_alert(state: &AppState, alert: Alert) -> AlertStatus {
    let ClinicState::Loaded(config) = state.clinic.get_untracked() else {
        return AlertStatus::Failed("your clinic's settings are not loaded".to_owned());
    };
    let Some((settings, key)) = config.alert_target() else {
        return AlertStatus::Failed("your clinic has not set up alerts".to_owned());
    };
    let relay = relay_of(state, settings);
    let sealed = state
        .vault
        .call(Request::SealAlert {
            recipient: key.to_base64url(),
            alert: alert.to_json(),
        })
        .await;
    let Response::Sealed { name, share } = sealed else {
        return AlertStatus::Failed(
            "the alert could not be locked; please phone your clinic instead".to_owned(),
        );
    };
    let mut record = AlertRecord {
        entry_type: "alert_sent".to_owned(),
        alert,
        name,
        sealed: Some(share),
        delivered_at: None,
    };
    let Some(saved) = state.save_entry(None, &record).await else {
        return AlertStatus::Failed("it could not be saved on this device".to_owned());
    };
    deliver(state, &relay, &settings.inbox, saved.id, &mut record).await
}

/// Posts a kept alert to the inbox and records the delivery (dropping the sealed copy).
pub(super) async fn deliver(
    state: &AppState,
    relay: &str,
    inbox: &str,
    id: String,
    record: &mut AlertRecord,
) -> AlertStatus {
    let Some(sealed) = record.sealed.as_deref() else {
        return AlertStatus::Failed("the saved alert is damaged".to_owned());
    };
    match crate::inbox::post_sealed(relay, inbox, &record.name, sealed).await {
        Ok(()) => {
            let at = now_rfc3339();
            record.delivered_at = Some(at.clone());
            record.sealed = None;
            state.save_entry(Some(id), record).await;
            AlertStatus::Delivered(local_time(&at, &state.locale))
        }
        Err(crate::inbox::InboxError::Damaged) => {
            AlertStatus::Failed("the saved alert is damaged".to_owned())
        }
        Err(err) => AlertStatus::Queued(err.to_string()),
    }
}

/// Sends the alerts still waiting on this device (after an unlock): each was sealed and
/// kept when the patient tapped "Send alert" but the inbox could not be reached then.
pub(super) async fn send_queued_alerts(state: &AppState, entries: &[Record]) {
    if !state.consent.get_untracked().is_some_and(|c| c.alerts) {
        return;
    }
    let ClinicState::Loaded(config) = state.clinic.get_untracked() else {
        return;
    };
    let Some((settings, _)) = config.alert_target() else {
        return;
    };
    let relay = relay_of(state, settings);
    for (id, mut record) in of_type::<AlertRecord>(entries, "alert_sent") {
        if record.delivered_at.is_none() && record.sealed.is_some() {
            deliver(state, &relay, &settings.inbox, id, &mut record).await;
        }
    }
}

/// The relay an alert or share goes to: the clinic's, or by default the widget's own origin.
pub(super) fn relay_of(state: &AppState, settings: &AlertSettings) -> String {
    settings
        .relay
        .clone()
        .unwrap_or_else(|| state.widget_origin.clone())
}

/// `at` (RFC 3339) as the patient's local time of day, e.g. "14:05" or "2:05 PM".
fn local_time(at: &str, locale: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(at));
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"numeric".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        let text: String = date
            .to_locale_time_string_with_options(locale, &options)
            .into();
        if !text.is_empty() && text != "Invalid Date" {
            return text;
        }
    }
    let _ = locale;
    at.get(11..16)
        .map_or_else(|| at.to_owned(), |t| format!("{t} UTC"))
}
