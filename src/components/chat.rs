use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::chat::{nudge_due, reply, ChatMessage, Speaker, CHAT_TYPE, NUDGE};
use crate::clinic::DEFAULT_SESSION_NUDGE_MINUTES;
use crate::consent::now_rfc3339;
use crate::content::{rank, shipped};

/// The longest chat message, in characters (longer text belongs in the journal).
const MAX_CHARS: usize = 4_000;

/// A conversation with the automated assistant. Every message the patient sends passes
/// through the crisis layer before the assistant answers; the answer is one of the messages
/// we wrote (see [`crate::chat`]), marked as automated. Messages are sealed in the vault.
/// "New conversation" starts afresh but does not reset the remembered risk.
#[component]
pub fn ChatScreen(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let messages = RwSignal::new(Vec::<ChatMessage>::new());
    let conversation = RwSignal::new(now_rfc3339());
    let draft = RwSignal::new(String::new());
    let waiting = RwSignal::new(false);
    let problem = RwSignal::new(None::<&'static str>);
    let loaded = RwSignal::new(false);
    {
        let state = state.clone();
        spawn_local(async move {
            let mut all: Vec<ChatMessage> = state
                .entries_of::<ChatMessage>(CHAT_TYPE)
                .await
                .into_iter()
                .map(|(_, m)| m)
                .collect();
            if let Some(latest) = all.iter().map(|m| m.conversation.clone()).max() {
                all.retain(|m| m.conversation == latest);
                crate::sorting::sort_by(&mut all, |a, b| a.seq.cmp(&b.seq));
                conversation.set(latest);
                messages.set(all);
            }
            loaded.set(true);
        });
    }
    let send_state = state.clone();
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() || waiting.get_untracked() || !loaded.get_untracked() {
            return;
        }
        if text.chars().count() > MAX_CHARS {
            // Too long to send, but never too long for the crisis layer to read.
            send_state.check_text(&text);
            problem.set(Some(
                "That's a long message for a chat. Please shorten it, or write it in your journal.",
            ));
            return;
        }
        problem.set(None);
        waiting.set(true);
        let state = send_state.clone();
        let seq0 = messages.with_untracked(|m| m.is_empty());
        if seq0 {
            conversation.set(now_rfc3339());
        }
        let talk = conversation.get_untracked();
        let message = move |speaker, text: String, seq| ChatMessage {
            entry_type: CHAT_TYPE.to_owned(),
            conversation: talk.clone(),
            seq,
            speaker,
            text,
            at: now_rfc3339(),
            offers: Vec::new(),
        };
        let seq = messages.with_untracked(|m| m.last().map_or(0, |l| l.seq + 1));
        let mine = message(Speaker::Patient, text.clone(), seq);
        messages.update(|m| m.push(mine.clone()));
        draft.set(String::new());
        spawn_local(async move {
            // The crisis layer reads the message before the assistant says anything.
            let decision = state.assess(&text).await;
            let answer = reply(decision.as_ref(), state.flow_stopped());
            let mut theirs = message(Speaker::Assistant, answer.text.to_owned(), seq + 1);
            if answer.kind.may_offer_sessions() {
                let emotion = decision.as_ref().map_or("unknown", |d| d.emotion.as_str());
                theirs.offers = offers_for(&state, &text, emotion).await;
            }
            messages.update(|m| m.push(theirs.clone()));
            // After the clinic's session length, once: a break, or a person.
            let minutes = match state.clinic.get_untracked() {
                super::ClinicState::Loaded(config) => config.session_nudge_minutes,
                _ => DEFAULT_SESSION_NUDGE_MINUTES,
            };
            let started = started_ms(&mine.conversation);
            let already = messages.with_untracked(|m| m.iter().any(|x| x.text == NUDGE));
            let nudge = (answer.kind.may_offer_sessions()
                || answer.kind == crate::chat::ReplyKind::Greeting)
                && nudge_due(started, super::state::now_ms(), minutes, already);
            let nudge = nudge.then(|| message(Speaker::Assistant, NUDGE.to_owned(), seq + 2));
            if let Some(n) = &nudge {
                messages.update(|m| m.push(n.clone()));
            }
            if state.save_entry(None, &mine).await.is_none() {
                // Not stored: give the words back so nothing is lost.
                draft.update(|d| {
                    if d.trim().is_empty() {
                        *d = text.clone();
                    }
                });
            }
            state.save_entry(None, &theirs).await;
            if let Some(n) = &nudge {
                state.save_entry(None, n).await;
            }
            waiting.set(false);
        });
    };
    let stopped_state = state.clone();
    let banner = move || {
        let _ = stopped_state.risk_state.get();
        stopped_state.flow_stopped().then(|| {
            let open = stopped_state.crisis_open;
            view! {
                <p class="stopped" role="status">
                    "Earlier you shared something serious, so the assistant is paused. When you \
                     are safe right now, say so in the crisis options. "
                    <button type="button" class="button-crisis" on:click=move |_| open.set(true)>
                        "Open crisis help"
                    </button>
                </p>
            }
        })
    };
    let back_state = state.clone();
    // Keep the newest message in view.
    let log = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        messages.track();
        if let Some(el) = log.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        <section class="screen chat" aria-labelledby="hearth-chat-title">
            <ScreenHeading id="hearth-chat-title" text="Talk with the assistant" />
            <p class="automated-note">
                "You are talking with automated software, not a person. Everything it says was \
                 written in advance by people; it picks a message by reading your words on this \
                 device."
            </p>
            {banner}
            // A focusable log (it scrolls) around a plain list, so screen readers hear new
            // messages and keyboard users can scroll back.
            <div node_ref=log class="chat-log" role="log" aria-live="polite" aria-label="Conversation" tabindex="0">
            <ol class="messages">
                <For each=move || messages.get() key=|m| (m.conversation.clone(), m.seq) let:m>
                    {match m.speaker {
                        Speaker::Patient => view! {
                            <li class="message patient"><span class="who">"You"</span><p>{m.text}</p></li>
                        }.into_any(),
                        Speaker::Assistant => {
                            let offers = offer_buttons(&state, &m.offers);
                            view! {
                                <li class="message assistant">
                                    <span class="who automated">"Automated message"</span>
                                    <p>{m.text}</p>
                                    {offers}
                                </li>
                            }.into_any()
                        }
                    }}
                </For>
            </ol>
            </div>
            <form class="chat-form" on:submit=send>
                <label class="field">
                    <span>"Your message"</span>
                    <textarea
                        rows="3"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                    ></textarea>
                </label>
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                // Until the conversation is read back, a message could not be placed in it:
                // the button says so instead of ignoring a tap (the draft is kept).
                <button type="submit" class="button-primary" disabled=move || waiting.get() || !loaded.get()>
                    {move || if !loaded.get() { "Opening your conversation…" } else if waiting.get() { "Reading…" } else { "Send" }}
                </button>
            </form>
            <div class="chat-actions">
                <button type="button" class="button-secondary" disabled=move || waiting.get() on:click=move |_| {
                    conversation.set(now_rfc3339());
                    messages.set(Vec::new());
                }>
                    "New conversation"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| back_state.go(Screen::Home)>
                    "Back"
                </button>
            </div>
        </section>
    }
}

/// The two guided sessions closest in meaning to the patient's message (by the model's
/// embeddings, on the device), or those suiting its emotion when the model is not loaded.
async fn offers_for(state: &AppState, text: &str, emotion: &str) -> Vec<String> {
    static SUMMARIES: std::sync::OnceLock<Vec<Vec<f32>>> = std::sync::OnceLock::new();
    let packs = &shipped().0;
    if SUMMARIES.get().is_none() {
        let texts = packs.iter().map(|p| p.summary.clone()).collect();
        if let Some(vectors) = state.understanding.embed(texts).await {
            let _ = SUMMARIES.set(vectors);
        }
    }
    let message = match SUMMARIES.get() {
        Some(_) => state
            .understanding
            .embed(vec![text.to_owned()])
            .await
            .and_then(|mut v| v.pop()),
        None => None,
    };
    rank(
        packs,
        emotion,
        message.as_deref(),
        SUMMARIES.get().map(Vec::as_slice),
    )
    .into_iter()
    .take(2)
    .map(|i| packs[i].id.clone())
    .collect()
}

/// Buttons that start the offered sessions.
fn offer_buttons(state: &AppState, offers: &[String]) -> Option<impl IntoView> {
    if offers.is_empty() {
        return None;
    }
    let buttons = offers
        .iter()
        .filter_map(|id| shipped().0.iter().find(|p| &p.id == id))
        .map(|pack| {
            let state = state.clone();
            let id = pack.id.clone();
            view! {
                <button type="button" class="button-secondary offer" on:click=move |_| state.go(Screen::Session { pack: id.clone() })>
                    {format!("Try: {} ({} min)", pack.title, pack.minutes)}
                </button>
            }
        })
        .collect_view();
    Some(view! { <div class="offers" role="group" aria-label="Suggested sessions">{buttons}</div> })
}

/// A conversation id (its start, RFC 3339) as ms since the epoch; now if it can't be read.
fn started_ms(conversation: &str) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        let ms = js_sys::Date::parse(conversation);
        if !ms.is_nan() {
            return ms;
        }
    }
    let _ = conversation;
    super::state::now_ms()
}
