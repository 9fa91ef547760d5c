//! The widget's screens. [`App`] owns the navigation state ([`AppState`]) and switches
//! between them; each screen lives in its own file.

mod app;
mod chat;
mod checkin;
mod conflicts;
mod consent_step;
mod console;
mod contact;
mod crisis_panel;
mod heading;
mod home;
mod journal;
mod model_card;
mod model_status;
mod questionnaire;
mod safety_plan;
mod session;
mod settings;
mod share;
mod state;
mod sync;
mod trends;
mod vault_screens;

pub use app::{App, ClinicState};
pub use chat::ChatScreen;
pub use checkin::CheckInScreen;
pub use consent_step::{AlertConsent, ChoicePicker, ConsentStep, ConsentText};
pub use console::ClinicianConsole;
pub use contact::ContactPanel;
pub use crisis_panel::CrisisPanel;
pub use heading::ScreenHeading;
pub use home::Home;
pub use journal::{Journal, JournalEntry};
pub use model_card::ModelCardScreen;
pub use model_status::ModelStatusLine;
pub use questionnaire::QuestionnaireScreen;
pub use safety_plan::{SafetyPlan, SafetyPlanScreen};
pub use session::{SessionRecord, SessionScreen};
pub use settings::Settings;
pub use share::ShareScreen;
pub use state::{explain, AppState, PatientSettings, Screen, SyncView, AUTO_LOCK_CHOICES};
pub use sync::{JoinVault, SyncSettings};
pub use trends::TrendsScreen;
pub use vault_screens::{
    ChangePassphrase, CreateVault, EraseVault, NewPassphrase, Recover, RecoveryKeyShown, Unlock,
    Working,
};
