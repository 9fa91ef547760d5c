use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::vault_service::{RecordKind, Request, Response};

/// The six steps of the Stanley–Brown Safety Planning Intervention (Stanley & Brown 2012,
/// Cognitive and Behavioral Practice 19(2)), worded as in `../shared/clinical/instruments.md`.
pub const STEPS: [&str; 6] = [
    "Warning signs (thoughts, images, mood, situations, behaviour) that a crisis may be developing",
    "Internal coping strategies — things I can do on my own to take my mind off my problems",
    "People and social settings that provide distraction",
    "People whom I can ask for help",
    "Professionals or agencies I can contact during a crisis (including the local emergency number and crisis lines)",
    "Making the environment safe (reducing access to lethal means)",
];

/// The patient's safety plan as sealed in the vault (an entry of type `safety_plan`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPlan {
    /// Always `"safety_plan"`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// What the patient wrote for each of the six steps, in order.
    pub steps: Vec<String>,
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
}

impl SafetyPlan {
    /// Whether the patient has written anything yet.
    pub fn is_empty(&self) -> bool {
        self.steps.iter().all(|s| s.trim().is_empty())
    }
}

/// Loads the safety plan: its record id (to update it) and the plan, if there is one.
pub async fn load_plan(state: &AppState) -> Option<(String, SafetyPlan)> {
    state
        .entries_of::<SafetyPlan>("safety_plan")
        .await
        .into_iter()
        .next()
}

/// The safety plan screen: six steps the patient fills in and edits; sealed in the vault.
#[component]
pub fn SafetyPlanScreen(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let fields: Vec<RwSignal<String>> =
        STEPS.iter().map(|_| RwSignal::new(String::new())).collect();
    let record_id = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    // The fields stay closed until the stored plan is in them: typing before it arrived was
    // overwritten by it, and a save then sealed the old words (or a second plan).
    let opened = RwSignal::new(false);
    {
        let (state, fields) = (state.clone(), fields.clone());
        spawn_local(async move {
            if let Some((id, plan)) = load_plan(&state).await {
                record_id.set(Some(id));
                for (field, text) in fields.iter().zip(plan.steps) {
                    field.set(text);
                }
            }
            opened.set(true);
        });
    }
    let save_state = state.clone();
    let save_fields = fields.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || !opened.get_untracked() {
            return;
        }
        let plan = SafetyPlan {
            entry_type: "safety_plan".into(),
            steps: save_fields.iter().map(|f| f.get_untracked()).collect(),
            updated_at: crate::consent::now_rfc3339(),
        };
        let Ok(body) = crate::json::to_string(&plan) else {
            return;
        };
        saving.set(true);
        saved.set(false);
        let state = save_state.clone();
        spawn_local(async move {
            let response = state
                .vault
                .call(Request::Put {
                    kind: RecordKind::Entry,
                    id: record_id.get_untracked(),
                    body,
                })
                .await;
            saving.set(false);
            state.report(&response);
            if let Response::Saved(record) = response {
                record_id.set(Some(record.id));
                saved.set(true);
            }
        });
    };
    view! {
        <section class="screen safety-plan" aria-labelledby="hearth-plan-title">
            <ScreenHeading id="hearth-plan-title" text="My safety plan" />
            <p>
                "A plan for hard moments, in your own words, best made with your clinician. It is \
                 encrypted on this device and shown whenever you open Crisis help."
            </p>
            <form on:submit=save>
                {STEPS
                    .iter()
                    .zip(fields)
                    .enumerate()
                    .map(|(i, (step, field))| view! {
                        <label class="field">
                            <span>{format!("{}. {step}", i + 1)}</span>
                            <textarea rows="3" disabled=move || !opened.get() prop:value=move || field.get() on:input=move |ev| field.set(event_target_value(&ev))></textarea>
                        </label>
                    })
                    .collect_view()}
                <button type="submit" class="button-primary" disabled=move || saving.get() || !opened.get()>
                    "Save my plan"
                </button>
                <p class="status" role="status">
                    {move || {
                        if !opened.get() {
                            Some("Opening your plan…")
                        } else {
                            saved.get().then_some("Saved.")
                        }
                    }}
                </p>
            </form>
            <button type="button" class="button-secondary" on:click=move |_| state.go(Screen::Home)>
                "Back"
            </button>
        </section>
    }
}
