//! The widget's screens. [`App`] owns the navigation state and switches between them; each
//! screen lives in its own file.

mod app;
mod consent_step;
mod contact;
mod crisis_panel;
mod heading;
mod home;
mod settings;

pub use app::{App, ClinicState, Screen};
pub use consent_step::{ChoicePicker, ConsentStep, ConsentText};
pub use contact::ContactPanel;
pub use crisis_panel::CrisisPanel;
pub use heading::ScreenHeading;
pub use home::Home;
pub use settings::Settings;
