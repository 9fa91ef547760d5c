use leptos::html::H2;
use leptos::prelude::*;

/// Whether the next screen heading should take keyboard focus. Set on every navigation, so
/// a keyboard or screen-reader user lands on the new screen, but not on first load, so the
/// widget never steals focus from the clinic's page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FocusOnNavigate(pub RwSignal<bool>);

/// A screen's main heading; it takes focus when the patient arrives by navigating.
#[component]
pub fn ScreenHeading(
    /// The heading's text.
    text: &'static str,
    /// The heading's id, for `aria-labelledby` on the section it titles.
    id: &'static str,
) -> impl IntoView {
    let node = NodeRef::<H2>::new();
    let focus = use_context::<FocusOnNavigate>();
    Effect::new(move |_| {
        if let (Some(h), Some(FocusOnNavigate(flag))) = (node.get(), focus) {
            if flag.get_untracked() {
                let _ = h.focus();
            }
        }
    });
    view! { <h2 id=id tabindex="-1" node_ref=node>{text}</h2> }
}
