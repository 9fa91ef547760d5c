use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::consent::now_rfc3339;
use crate::content::{shipped, Ask, Pack};

/// A guided session as sealed in the vault (`{"type":"session", …}`): which pack, where the
/// patient is, and what they answered. Saved after every step, so it can be resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Always `"session"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// The pack's id.
    pub pack: String,
    /// The pack's version when the session started.
    pub pack_version: u32,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it finished, if it did.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// Whether it was stopped by the crisis layer.
    #[serde(default)]
    pub stopped_for_safety: bool,
    /// The current step's id.
    pub current: String,
    /// The steps done so far, in order, each with what the patient wrote or chose (if the
    /// step asked anything).
    pub path: Vec<(String, Option<String>)>,
}

impl SessionRecord {
    fn new(pack: &Pack) -> Self {
        SessionRecord {
            entry_type: "session".to_owned(),
            pack: pack.id.clone(),
            pack_version: pack.version,
            started_at: now_rfc3339(),
            completed_at: None,
            stopped_for_safety: false,
            current: pack.steps[0].id.clone(),
            path: Vec::new(),
        }
    }
}

/// A guided session: the pack's steps said by the assistant (each marked automated), the
/// patient's answers, one step at a time. Written answers pass through the crisis layer
/// first; at moderate or high risk the session stops and the crisis card opens.
#[component]
pub fn SessionScreen(
    /// Shared state.
    state: AppState,
    /// The pack's id.
    pack: String,
) -> impl IntoView {
    let Some(pack) = shipped().0.iter().find(|p| p.id == pack) else {
        let back = state.clone();
        return view! {
            <section class="screen session">
                <ScreenHeading id="hearth-session-title" text="Guided session" />
                <p role="alert">"This session is not available."</p>
                <button type="button" class="button-secondary" on:click=move |_| back.go(Screen::Home)>"Back"</button>
            </section>
        }
        .into_any();
    };
    let record = RwSignal::new(SessionRecord::new(pack));
    let record_id = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let scale = RwSignal::new(None::<u8>);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<&'static str>);

    let save = {
        let state = state.clone();
        move || {
            let state = state.clone();
            spawn_local(async move {
                let current = record.get_untracked();
                if let Some(saved) = state.save_entry(record_id.get_untracked(), &current).await {
                    record_id.set(Some(saved.id));
                }
            });
        }
    };
    // Moves on from the current step after `answer` (if any), or to `to` for a choice.
    let advance = {
        let save = save.clone();
        move |answer: Option<String>, to: Option<String>| {
            record.update(|r| {
                r.path.push((r.current.clone(), answer));
                let next = to.or_else(|| pack.next_after(&r.current).map(|s| s.id.clone()));
                match next {
                    Some(next) => r.current = next,
                    None => r.completed_at = Some(now_rfc3339()),
                }
            });
            draft.set(String::new());
            scale.set(None);
            save();
        }
    };
    let submit_state = state.clone();
    let submit_advance = advance.clone();
    let submit = Callback::new(move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let current = record.get_untracked();
        let Some(step) = pack.step(&current.current) else {
            return;
        };
        problem.set(None);
        match &step.ask {
            Some(Ask::Text { .. }) => {
                let text = draft.get_untracked().trim().to_owned();
                if text.is_empty() {
                    return problem.set(Some("Write a few words, or tap Skip."));
                }
                if text.chars().count() > 4_000 {
                    return problem.set(Some("That's long for this step; please shorten it."));
                }
                busy.set(true);
                let state = submit_state.clone();
                let advance = submit_advance.clone();
                spawn_local(async move {
                    // The crisis layer reads the answer before the session goes on.
                    let decision = state.assess(&text).await;
                    busy.set(false);
                    if decision
                        .as_ref()
                        .is_some_and(|d| d.risk_level().stops_normal_flow())
                    {
                        record.update(|r| {
                            r.path.push((r.current.clone(), Some(text.clone())));
                            r.stopped_for_safety = true;
                        });
                        draft.set(String::new());
                        let state2 = state.clone();
                        let current = record.get_untracked();
                        if let Some(saved) =
                            state2.save_entry(record_id.get_untracked(), &current).await
                        {
                            record_id.set(Some(saved.id));
                        }
                    } else {
                        advance(Some(text), None);
                    }
                });
            }
            Some(Ask::Scale { .. }) => match scale.get_untracked() {
                Some(value) => submit_advance(Some(value.to_string()), None),
                None => problem.set(Some("Choose a number, or tap Skip.")),
            },
            None => submit_advance(None, None),
        }
    });
    let skip_advance = advance.clone();
    let choose_advance = advance.clone();
    let transcript = move || {
        record
            .get()
            .path
            .into_iter()
            .filter_map(|(id, answer)| {
                let step = pack.step(&id)?;
                Some(view! {
                    <li class="message assistant"><span class="who automated">"Automated message"</span><p>{step.say.clone()}</p></li>
                    {answer.map(|a| view! { <li class="message patient"><span class="who">"You"</span><p>{a}</p></li> })}
                })
            })
            .collect_view()
    };
    let current_message = move || {
        let r = record.get();
        let step = pack.step(&r.current)?;
        (r.completed_at.is_none() && !r.stopped_for_safety).then(|| view! {
            <li class="message assistant current"><span class="who automated">"Automated message"</span><p>{step.say.clone()}</p></li>
        })
    };
    let current_view = move || {
        let r = record.get();
        if r.stopped_for_safety {
            return view! {
                <p class="stopped" role="status">
                    "I've stopped this exercise. What you wrote matters more than finishing it: \
                     the crisis options are open, and a person is better placed to help now."
                </p>
            }
            .into_any();
        }
        if r.completed_at.is_some() {
            return view! {
                <p class="session-done" role="status">"Session finished. Your answers are saved on this device."</p>
            }
            .into_any();
        }
        let Some(step) = pack.step(&r.current).cloned() else {
            return ().into_any();
        };
        let choose_advance = choose_advance.clone();
        let skip_advance = skip_advance.clone();
        let input = match step.ask.clone() {
            Some(Ask::Text { label }) => view! {
                <label class="field">
                    <span>{label}</span>
                    <textarea rows="3" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                </label>
            }
            .into_any(),
            Some(Ask::Scale { label, min, max }) => view! {
                <fieldset class="scale">
                    <legend>{label}</legend>
                    {(min..=max)
                        .filter(|v| max - min <= 10 || (v - min) % 10 == 0)
                        .map(|v| view! {
                            <label class="scale-point">
                                <input type="radio" name=format!("hearth-scale-{}", step.id) value=v.to_string()
                                    prop:checked=move || scale.get() == Some(v)
                                    on:change=move |_| scale.set(Some(v)) />
                                <span>{v.to_string()}</span>
                            </label>
                        })
                        .collect_view()}
                </fieldset>
            }
            .into_any(),
            None => ().into_any(),
        };
        let buttons = if step.choices.is_empty() {
            let asks = step.ask.is_some();
            view! {
                <button type="submit" class="button-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Reading…" } else if step.end { "Finish" } else { "Continue" }}
                </button>
                {asks.then(|| view! {
                    <button type="button" class="button-secondary" on:click=move |_| skip_advance(Some("(skipped)".to_owned()), None)>"Skip"</button>
                })}
            }
            .into_any()
        } else {
            step.choices
                .iter()
                .map(|c| {
                    let (label, next) = (c.label.clone(), c.next.clone());
                    let advance = choose_advance.clone();
                    view! {
                        <button type="button" class="button-secondary" on:click=move |_| advance(Some(label.clone()), Some(next.clone()))>
                            {c.label.clone()}
                        </button>
                    }
                })
                .collect_view()
                .into_any()
        };
        view! {
            <form class="session-step" on:submit=move |ev| submit.run(ev)>
                {input}
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                <div class="session-buttons">{buttons}</div>
            </form>
        }
        .into_any()
    };
    let back = state.clone();
    let title: &'static str = pack.title.as_str();
    view! {
        <section class="screen session" aria-labelledby="hearth-session-title">
            <ScreenHeading id="hearth-session-title" text=title />
            <p class="automated-note">
                {format!("A guided session from Hearth's content, about {} minutes. The assistant is software; \
                          every step was written in advance by {}.", pack.minutes, pack.author)}
            </p>
            <div class="chat-log" role="log" aria-live="polite" aria-label="Session" tabindex="0">
                <ol class="messages">{transcript}{current_message}</ol>
            </div>
            {current_view}
            <button type="button" class="button-secondary" on:click=move |_| back.go(Screen::Home)>
                {move || if record.get().completed_at.is_some() { "Back" } else { "Stop for now" }}
            </button>
        </section>
    }
    .into_any()
}
