//! "About the AI model": the model card, reachable from the consent step and from
//! settings. Its words and numbers are `content/model-card.json`, written by
//! `hearth-nlu report` from the held-out evaluation and the bias audit — the same card as
//! `docs/model-card.md` — so clinicians and patients read what was measured, not a summary
//! someone typed.

use hearth_nlu::card::ModelCard;
use leptos::prelude::*;

use super::state::{AppState, Screen};
use super::ScreenHeading;

/// The card the widget ships.
pub const CARD_JSON: &str = include_str!("../../content/model-card.json");

/// The shipped card, read.
pub fn shipped_card() -> Result<ModelCard, serde_json::Error> {
    ModelCard::from_json(CARD_JSON)
}

/// The model card screen. "Back" returns to the consent step if the patient has not
/// chosen yet, otherwise to settings.
#[component]
pub fn ModelCardScreen(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let body = match shipped_card() {
        Ok(card) => card
            .sections
            .into_iter()
            .map(|section| {
                let rows = (!section.rows.is_empty()).then(|| {
                    view! {
                        <table class="model-card-table">
                            <tbody>
                                {section.rows.into_iter().map(|(label, value)| view! {
                                    <tr><th scope="row">{label}</th><td>{value}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                });
                view! {
                    <section class="card">
                        <h3>{section.heading}</h3>
                        {section.paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                        {rows}
                    </section>
                }
            })
            .collect_view()
            .into_any(),
        Err(_) => view! {
            <p role="alert">"The model card that came with this version of Hearth could not be read."</p>
        }
        .into_any(),
    };
    let back = move |_| {
        let to = if state.consent.get_untracked().is_some() {
            Screen::Settings
        } else {
            Screen::Consent
        };
        state.go(to);
    };
    view! {
        <section class="screen model-card" aria-labelledby="hearth-model-card-title">
            <ScreenHeading id="hearth-model-card-title" text="About the AI model" />
            <p class="lead">
                "What the software that reads your messages on this device is, what it is for, \
                 how well it works, and where it fails. It is software, not a person."
            </p>
            {body}
            <button type="button" class="button-secondary" on:click=back>"Back"</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_shipped_card_names_the_shipped_files_and_its_numbers() {
        let card = shipped_card().unwrap();
        let text = serde_json::to_string(&card).unwrap();
        for hash in [
            hearth_nlu::files::COMPACT_SHA256,
            hearth_nlu::files::TOKENIZER_SHA256,
            &hearth_nlu::files::sha256_hex(hearth_nlu::heads::HEADS_FILE),
        ] {
            assert!(text.contains(hash), "the card must name {hash}");
        }
        let headings: Vec<_> = card.sections.iter().map(|s| s.heading.as_str()).collect();
        for wanted in [
            "What it is",
            "What it is for, and what it is not for",
            "What it learned from",
            "How well it works (held-out messages)",
            "Fairness: the same message from different people",
            "Known failure modes",
            "Version and files",
        ] {
            assert!(headings.contains(&wanted), "{wanted} in {headings:?}");
        }
        // The documents say the same (both are written by `hearth-nlu report`).
        let doc = include_str!("../../docs/model-card.md");
        assert_eq!(
            doc,
            card.markdown(),
            "docs/model-card.md and content/model-card.json differ: run hearth-nlu report"
        );
    }
}
