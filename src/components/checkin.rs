use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::checkin::{feeling_word, reflection, CheckIn, Reading, WHEEL};
use crate::consent::now_rfc3339;

/// A 0–10 slider with its label and current value.
#[component]
fn Rating(
    /// The label.
    label: &'static str,
    /// Words for the two ends.
    ends: (&'static str, &'static str),
    /// The value.
    value: RwSignal<u8>,
) -> impl IntoView {
    view! {
        <label class="field rating">
            <span>{label}</span>
            <span class="value" aria-hidden="true">{move || format!("{} / 10", value.get())}</span>
            <input type="range" min="0" max="10" step="1"
                prop:value=move || value.get().to_string()
                on:input=move |ev| value.set(event_target_value(&ev).parse().unwrap_or(0)) />
            <span class="ends"><span>{ends.0}</span><span>{ends.1}</span></span>
        </label>
    }
}

/// The check-in: mood, feelings on the emotion wheel, energy, sleep and a note. The crisis
/// layer reads the note first; the model's reading of it is reflected back as a question
/// ("it sounds like you might be feeling anxious — is that right?"), and the patient's
/// answer or correction is kept with the check-in.
#[component]
pub fn CheckInScreen(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let mood = RwSignal::new(5_u8);
    let energy = RwSignal::new(5_u8);
    let sleep_quality = RwSignal::new(5_u8);
    let sleep_hours = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<String>::new());
    let note = RwSignal::new(String::new());
    let model_reading = RwSignal::new(None::<String>);
    let correcting = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);

    let build = move |reading: Option<Reading>| -> Result<CheckIn, String> {
        let hours =
            match sleep_hours.get_untracked().trim() {
                "" => None,
                text => Some(crate::checkin::parse_hours(text).ok_or_else(|| {
                    "Hours of sleep should be a number, like 7 or 6.5.".to_owned()
                })?),
            };
        let check_in = CheckIn {
            entry_type: "checkin".into(),
            at: now_rfc3339(),
            mood: mood.get_untracked(),
            emotions: picked.get_untracked(),
            energy: energy.get_untracked(),
            sleep_hours: hours,
            sleep_quality: Some(sleep_quality.get_untracked()),
            note: note.get_untracked().trim().to_owned(),
            reading,
        };
        check_in.validate().map_err(|e| {
            let mut text = e.to_string();
            if let Some(first) = text.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{text}.")
        })?;
        Ok(check_in)
    };
    let save_state = state.clone();
    let save = Callback::new(move |reading: Option<Reading>| {
        let check_in = match build(reading) {
            Ok(c) => c,
            Err(e) => return problem.set(Some(e)),
        };
        busy.set(true);
        let state = save_state.clone();
        spawn_local(async move {
            if state.save_entry(None, &check_in).await.is_some() {
                done.set(true);
            }
            busy.set(false);
        });
    });
    let submit_state = state.clone();
    let submit = Callback::new(move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        if let Err(e) = build(None) {
            return problem.set(Some(e));
        }
        let text = note.get_untracked().trim().to_owned();
        if text.is_empty() {
            return save.run(None);
        }
        busy.set(true);
        let state = submit_state.clone();
        spawn_local(async move {
            // The crisis layer reads the note before anything else happens.
            let decision = state.assess(&text).await;
            busy.set(false);
            let reading = decision
                .filter(|d| !d.risk_level().stops_normal_flow())
                .map(|d| d.emotion)
                .filter(|e| reflection(e).is_some());
            match reading {
                Some(emotion) => model_reading.set(Some(emotion)),
                None => save.run(None),
            }
        });
    });
    // Built afresh each time the form shows (views are not Clone once components are
    // type-erased, as the wasm build does for size).
    let wheel = move || {
        WHEEL
        .iter()
        .map(|(core, finer)| {
            let words: Vec<&'static str> = std::iter::once(*core).chain(finer.iter().copied()).collect();
            view! {
                <fieldset class="wheel-group">
                    <legend>{feeling_word(core)}</legend>
                    {words.into_iter().map(|word| {
                        let label = if word == *core { format!("{} (in general)", feeling_word(core)) } else { word.to_owned() };
                        view! {
                            <label class="chip">
                                <input type="checkbox"
                                    prop:checked=move || picked.get().iter().any(|p| p == word)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        picked.update(|p| {
                                            p.retain(|w| w != word);
                                            if on { p.push(word.to_owned()); }
                                        });
                                    } />
                                <span>{label}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
        })
        .collect_view()
    };
    let confirm = move || {
        let emotion = model_reading.get()?;
        let question = reflection(&emotion)?;
        let model = emotion.clone();
        let yes = {
            let model = model.clone();
            move |_| {
                save.run(Some(Reading {
                    model: model.clone(),
                    confirmed: true,
                    corrected_to: None,
                }))
            }
        };
        Some(view! {
            <section class="card reading" aria-labelledby="hearth-reading-title">
                <h3 id="hearth-reading-title" class="automated">"Automated message"</h3>
                <p>{question}</p>
                <p class="hint">"This is the assistant's guess from your note, made on this device. You know best."</p>
                <Show when=move || !correcting.get() && !done.get()>
                    <div class="answers">
                        <button type="button" class="button-primary" on:click=yes.clone()>"Yes, that's right"</button>
                        <button type="button" class="button-secondary" on:click=move |_| correcting.set(true)>"Not quite"</button>
                    </div>
                </Show>
                <Show when=move || correcting.get() && !done.get()>
                    {
                        let model = model.clone();
                        view! {
                            <fieldset class="choices">
                                <legend>"How would you put it?"</legend>
                                {WHEEL.iter().map(|(core, _)| {
                                    let model = model.clone();
                                    view! {
                                        <button type="button" class="button-secondary" on:click=move |_| save.run(Some(Reading {
                                            model: model.clone(),
                                            confirmed: false,
                                            corrected_to: Some((*core).to_owned()),
                                        }))>{feeling_word(core)}</button>
                                    }
                                }).collect_view()}
                            </fieldset>
                        }
                    }
                </Show>
            </section>
        })
    };
    let back = state.clone();
    let trends = state.clone();
    view! {
        <section class="screen checkin" aria-labelledby="hearth-checkin-title">
            <ScreenHeading id="hearth-checkin-title" text="Check in" />
            <Show when=move || !done.get() fallback=move || {
                let trends = trends.clone();
                view! {
                    <p class="status" role="status">"Check-in saved. Thank you."</p>
                    <button type="button" class="button-secondary" on:click=move |_| trends.go(Screen::Trends)>"See my trends"</button>
                }
            }>
                <form class="checkin-form" on:submit=move |ev| submit.run(ev)>
                    <Rating label="Mood" ends=("very low", "very good") value=mood />
                    <fieldset class="wheel">
                        <legend>"How do you feel? Pick any that fit."</legend>
                        {wheel()}
                    </fieldset>
                    <Rating label="Energy" ends=("none", "lots") value=energy />
                    <label class="field">
                        <span>"Hours of sleep last night (optional)"</span>
                        <input type="text" inputmode="decimal" prop:value=move || sleep_hours.get() on:input=move |ev| sleep_hours.set(event_target_value(&ev)) />
                    </label>
                    <Rating label="Sleep quality" ends=("very poor", "very good") value=sleep_quality />
                    <label class="field">
                        <span>"Anything you'd like to add? (optional)"</span>
                        <textarea rows="3" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </label>
                    {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                    <Show when=move || model_reading.get().is_none()>
                        <button type="submit" class="button-primary" disabled=move || busy.get()>"Save check-in"</button>
                    </Show>
                </form>
                {confirm}
            </Show>
            <button type="button" class="button-secondary" on:click=move |_| back.go(Screen::Home)>"Back"</button>
        </section>
    }
}
