use leptos::prelude::*;

use crate::nlu_protocol::ModelStatus;

/// One line about on-device understanding: a progress bar while the model downloads,
/// nothing once it is ready, and a plain note if it cannot load (safety checks still work).
#[component]
pub fn ModelStatusLine(
    /// The model's status, from the understanding worker.
    status: RwSignal<ModelStatus>,
) -> impl IntoView {
    move || match status.get() {
        ModelStatus::Loading { loaded, total } => {
            let percent = (total > 0).then(|| (loaded.saturating_mul(100) / total).min(100));
            let label = match percent {
                Some(p) => format!("Preparing on-device understanding: {p}%"),
                None => "Preparing on-device understanding…".to_owned(),
            };
            view! {
                <div class="model-status">
                    <span id="hearth-model-label">{label}</span>
                    <progress
                        aria-labelledby="hearth-model-label"
                        max="100"
                        value=percent.map(|p| p.to_string())
                    ></progress>
                </div>
            }
            .into_any()
        }
        ModelStatus::Ready => {
            view! { <div class="model-status ready" data-ready="true"></div> }.into_any()
        }
        ModelStatus::Unavailable(_) => view! {
            <p class="model-status unavailable">
                "On-device understanding isn't available right now. Safety checks still work, \
                 and nothing you write leaves this device."
            </p>
        }
        .into_any(),
    }
}
