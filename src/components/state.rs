//! The widget's shared state: where the patient is, what they chose, and the handles on
//! storage and the vault. Components get a copy as a prop; every field is a cheap handle.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::consent::{now_rfc3339, ConsentRecord};
use crate::nlu_client::Understanding;
use crate::storage::Store;
use crate::vault_client::Vault;
use crate::vault_service::{FailureCode, RecordKind, Request, Response};
use hearth_nlu::Risk;

/// Where the patient is in the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Finding out whether this device has a vault.
    Starting,
    /// The informed-consent step and the choice of support.
    Consent,
    /// Create the vault (after consent, before anything is written).
    CreateVault,
    /// The recovery words and vault code, shown once after creation.
    RecoveryKey {
        /// The 24 words.
        words: String,
        /// The vault code.
        code: String,
    },
    /// The vault exists and is locked.
    Unlock,
    /// Unlock with the recovery words and set a new passphrase.
    Recover,
    /// The home screen for the chosen kind of support.
    Home,
    /// The journal.
    Journal,
    /// The patient's safety plan.
    SafetyPlan,
    /// Settings.
    Settings,
}

/// The patient's settings, kept in the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PatientSettings {
    /// Lock the vault after this many minutes without activity.
    pub auto_lock_minutes: u32,
}

impl Default for PatientSettings {
    fn default() -> Self {
        PatientSettings {
            auto_lock_minutes: 5,
        }
    }
}

/// The choices offered for auto-lock, in minutes.
pub const AUTO_LOCK_CHOICES: [u32; 5] = [1, 5, 15, 30, 60];

/// Everything the screens share.
#[derive(Clone)]
pub struct AppState {
    /// The vault (in a worker in the browser).
    pub vault: Vault,
    /// The small pre-vault store (`localStorage`).
    pub store: Store,
    /// The current screen.
    pub screen: RwSignal<Screen>,
    /// The patient's consent record, once known.
    pub consent: RwSignal<Option<ConsentRecord>>,
    /// The patient's settings, once the vault is unlocked.
    pub settings: RwSignal<PatientSettings>,
    /// Whether the vault is unlocked in this session.
    pub unlocked: RwSignal<bool>,
    /// A message for the patient about something that went wrong.
    pub notice: RwSignal<Option<String>>,
    /// Whether the next screen heading takes focus.
    pub focus: RwSignal<bool>,
    /// When the patient last did something (ms since the epoch), for auto-lock.
    pub last_activity: RwSignal<f64>,
    /// On-device understanding (a worker in the browser).
    pub understanding: Understanding,
    /// Whether the crisis card is open.
    pub crisis_open: RwSignal<bool>,
    /// The risk the crisis layer last found in the patient's words, if any.
    pub detected_risk: RwSignal<Option<Risk>>,
}

impl AppState {
    /// Runs the crisis layer over text the patient is about to save or send (in the
    /// understanding worker: rules at once, the model layers once loaded). Any crisis level
    /// opens the crisis card; the highest level found is kept. If the worker is not running
    /// the patient is told that automatic checks are off.
    pub fn check_text(&self, text: &str) {
        let (open, detected, notice) = (self.crisis_open, self.detected_risk, self.notice);
        let understanding = self.understanding.clone();
        let text = text.to_owned();
        leptos::task::spawn_local(async move {
            match understanding.classify(&text).await {
                Some(decision) => {
                    let risk = decision.risk_level();
                    if risk.is_crisis() {
                        detected.update(|d| *d = Some(d.map_or(risk, |was| was.max(risk))));
                        open.set(true);
                    }
                }
                None => notice.set(Some(
                    "Hearth's automatic safety check isn't running in this browser. If you \
                     need help now, use \"Crisis help\" at the top."
                        .to_owned(),
                )),
            }
        });
    }
}

/// Plain words for a failed vault request.
pub fn explain(code: FailureCode) -> &'static str {
    match code {
        FailureCode::WrongPassphrase => {
            "That passphrase doesn't open this vault. Check it and try again."
        }
        FailureCode::WrongRecoveryKey => {
            "Those recovery words are real words, but they don't open this vault."
        }
        FailureCode::BadRecoveryWords => {
            "Those aren't valid recovery words. Check for a missing or misspelt word; there are 24."
        }
        FailureCode::WeakPassphrase => {
            "That passphrase is too easy to guess. Try four or more unrelated words."
        }
        FailureCode::NoVault => "There is no vault on this device yet.",
        FailureCode::VaultExists => "This device already has a vault. Unlock it instead.",
        FailureCode::Locked => "Your vault locked itself. Unlock it to go on.",
        FailureCode::BadHeader => {
            "Your vault's key file on this device is damaged or doesn't belong to it. Nothing was \
             changed. Your recovery words may still open it."
        }
        FailureCode::Corrupt => {
            "Some saved items are damaged and could not be opened. They were left as they are."
        }
        FailureCode::Storage => {
            "This browser is not letting Hearth save on this device (it may be full or in private \
             mode). Nothing was lost."
        }
        FailureCode::BadRequest => "Something went wrong inside Hearth. Nothing was changed.",
    }
}

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }
}

impl AppState {
    /// Goes to `screen`, moving keyboard focus to its heading.
    pub fn go(&self, screen: Screen) {
        self.focus.set(true);
        self.screen.set(screen);
    }

    /// Shows a failure, or clears the notice on success.
    pub fn report(&self, response: &Response) {
        match response {
            Response::Failed(failure) => self.notice.set(Some(explain(failure.code).to_owned())),
            _ => self.notice.set(None),
        }
    }

    /// Sends a request that runs the KDF, with `busy` set while it runs (the screens show
    /// progress from it), and reports a failure to the patient.
    pub async fn call_busy(&self, busy: RwSignal<bool>, request: Request) -> Response {
        busy.set(true);
        let response = self.vault.call(request).await;
        busy.set(false);
        self.report(&response);
        response
    }

    /// Sends a request that opens the vault (unlock or recovery) and, if it did, loads what
    /// the patient had and goes home. Returns whether the vault opened.
    pub async fn open_with(&self, busy: RwSignal<bool>, request: Request) -> bool {
        let opened = matches!(
            self.call_busy(busy, request).await,
            Response::Unlocked { .. }
        );
        if opened {
            self.after_unlock().await;
        }
        opened
    }

    /// Decides the first screen: unlock if a vault exists, otherwise consent or creation.
    pub fn start(&self) {
        let state = self.clone();
        spawn_local(async move {
            let next = match state.vault.call(Request::Status).await {
                Response::Status { exists: true, .. } => Screen::Unlock,
                Response::Status { exists: false, .. } => match state.consent.get_untracked() {
                    Some(_) => Screen::CreateVault,
                    None => Screen::Consent,
                },
                other => {
                    state.report(&other);
                    Screen::Consent
                }
            };
            state.screen.set(next);
        });
    }

    /// Records consent: in the vault when it is unlocked, otherwise in `localStorage`
    /// until the vault is created.
    pub fn save_consent(&self, record: ConsentRecord) {
        self.consent.set(Some(record.clone()));
        if self.unlocked.get_untracked() {
            self.put_singleton(RecordKind::Consent, &Some(record));
        } else if let Err(err) = record.save(&*self.store) {
            self.notice.set(Some(format!(
                "Hearth couldn't save your choice on this device ({err}). You can go on; you'll \
                 be asked again next time."
            )));
        }
    }

    /// Withdraws consent: the receipt says so, and the consent step is shown again.
    pub fn withdraw_consent(&self) {
        self.consent.set(None);
        if self.unlocked.get_untracked() {
            self.put_singleton(RecordKind::Consent, &None::<ConsentRecord>);
        }
        let _ = ConsentRecord::withdraw(&*self.store);
        self.go(Screen::Consent);
    }

    /// Saves the patient's settings in the vault.
    pub fn save_settings(&self, settings: PatientSettings) {
        self.settings.set(settings);
        self.put_singleton(RecordKind::Settings, &settings);
    }

    fn put_singleton<T: serde::Serialize>(&self, kind: RecordKind, value: &T) {
        let Ok(body) = serde_json::to_string(value) else {
            return;
        };
        let state = self.clone();
        spawn_local(async move {
            let response = state
                .vault
                .call(Request::Put {
                    kind,
                    id: None,
                    body,
                })
                .await;
            if matches!(response, Response::Failed(_)) {
                state.report(&response);
            }
        });
    }

    /// After creation, unlock or recovery: move a pre-vault consent into the vault, load the
    /// consent receipt and settings, and go home (or to consent if there is none).
    pub async fn after_unlock(&self) {
        self.unlocked.set(true);
        self.last_activity.set(now_ms());
        if let Some(pending) = ConsentRecord::load(&*self.store).ok().flatten() {
            if let Ok(body) = serde_json::to_string(&Some(&pending)) {
                let saved = self
                    .vault
                    .call(Request::Put {
                        kind: RecordKind::Consent,
                        id: None,
                        body,
                    })
                    .await;
                if matches!(saved, Response::Saved(_)) {
                    let _ = ConsentRecord::withdraw(&*self.store);
                }
            }
        }
        let consent = match self
            .vault
            .call(Request::List {
                kind: RecordKind::Consent,
            })
            .await
        {
            Response::Records { records, .. } => records
                .first()
                .and_then(|r| serde_json::from_str::<Option<ConsentRecord>>(&r.body).ok())
                .flatten(),
            _ => None,
        };
        if let Response::Records { records, .. } = self
            .vault
            .call(Request::List {
                kind: RecordKind::Settings,
            })
            .await
        {
            if let Some(settings) = records
                .first()
                .and_then(|r| serde_json::from_str::<PatientSettings>(&r.body).ok())
            {
                self.settings.set(settings);
            }
        }
        let home = consent.is_some();
        self.consent.set(consent);
        self.go(if home { Screen::Home } else { Screen::Consent });
    }

    /// After an erase: forget everything, including the pre-vault choice, and start over.
    pub fn forget_everything(&self) {
        let _ = ConsentRecord::withdraw(&*self.store);
        self.unlocked.set(false);
        self.consent.set(None);
        self.settings.set(PatientSettings::default());
        self.go(Screen::Consent);
    }

    /// Locks the vault and forgets everything decrypted.
    pub fn lock(&self) {
        let state = self.clone();
        spawn_local(async move {
            state.vault.call(Request::Lock).await;
        });
        self.unlocked.set(false);
        self.consent.set(None);
        self.settings.set(PatientSettings::default());
        self.go(Screen::Unlock);
    }

    /// A consent record for `choice`, keeping the original time if one exists.
    pub fn consent_for(&self, choice: crate::consent::SupportChoice) -> ConsentRecord {
        match self.consent.get_untracked() {
            Some(mut record) => {
                record.choice = choice;
                record.changed_at = Some(now_rfc3339());
                record
            }
            None => ConsentRecord::new(choice, &now_rfc3339()),
        }
    }
}
