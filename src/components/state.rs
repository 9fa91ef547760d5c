//! The widget's shared state: where the patient is, what they chose, and the handles on
//! storage and the vault. Components get a copy as a prop; every field is a cheap handle.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ClinicState;
use crate::consent::{now_rfc3339, ConsentRecord};
use crate::nlu_client::Understanding;
use crate::risk::{FollowUpAnswer, RiskSource, RiskState, RISK_STATE_TYPE};
use crate::storage::Store;
use crate::vault_client::Vault;
use crate::vault_service::{Endpoint, FailureCode, Record, RecordKind, Request, Response};
use hearth_nlu::{Decision, Risk};
use hearth_sync::Refusal;

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
    /// A conversation with the automated assistant.
    Chat,
    /// A questionnaire (PHQ-9 or GAD-7).
    Questionnaire(crate::questionnaires::Instrument),
    /// A check-in: mood, emotions, energy, sleep and a note.
    CheckIn,
    /// Trends over time, the printable summary and the exports.
    Trends,
    /// A guided session from a content pack.
    Session {
        /// The pack's id.
        pack: String,
    },
    /// Settings.
    Settings,
    /// Open a vault kept on a server, on a device that has none yet.
    JoinVault,
    /// "About the AI model": the model card.
    ModelCard,
    /// Share with my clinician.
    Share,
}

/// The patient's settings, kept in the vault.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "StoredSettings")]
pub struct PatientSettings {
    /// Lock the vault after this many minutes without activity.
    pub auto_lock_minutes: u32,
    /// Where an encrypted copy of the vault is kept, if the patient turned sync on (off by
    /// default: everything stays on this device). WebDAV and S3 credentials live here, so
    /// only inside the vault.
    #[serde(default)]
    pub sync: Option<Endpoint>,
    /// The patient stopped sharing with their clinician: nothing more is sent (shares still
    /// waiting are withdrawn) until they turn it back on.
    #[serde(default)]
    pub sharing_stopped: bool,
}

/// Settings as stored, in this version's form or an earlier one's: before WebDAV and S3, a
/// relay address was kept as `sync_url`; it is read as that relay, so a patient who had sync
/// on keeps it (and an erase still erases the server's copy).
#[derive(serde::Deserialize)]
struct StoredSettings {
    auto_lock_minutes: u32,
    #[serde(default)]
    sync: Option<Endpoint>,
    #[serde(default)]
    sync_url: Option<String>,
    #[serde(default)]
    sharing_stopped: bool,
}

impl From<StoredSettings> for PatientSettings {
    fn from(stored: StoredSettings) -> Self {
        PatientSettings {
            auto_lock_minutes: stored.auto_lock_minutes,
            sync: stored
                .sync
                .or_else(|| stored.sync_url.map(|url| Endpoint::Relay { url })),
            sharing_stopped: stored.sharing_stopped,
        }
    }
}

impl Default for PatientSettings {
    fn default() -> Self {
        PatientSettings {
            auto_lock_minutes: 5,
            sync: None,
            sharing_stopped: false,
        }
    }
}

/// What the patient sees about sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncView {
    /// A sync is running.
    pub running: bool,
    /// When the last complete sync finished (ms since the epoch).
    pub last_synced_ms: Option<u64>,
    /// Changes on this device not yet on the server.
    pub pending: usize,
    /// Entries that arrived from other devices in the last run.
    pub downloaded: usize,
    /// Items changed on two devices at once, waiting for the patient's choice.
    pub conflicts: usize,
    /// Objects on the server that were refused (damaged or forged).
    pub refused: usize,
    /// What went wrong in the last run, in plain words.
    pub problem: Option<String>,
    /// How many runs have finished in this session.
    pub runs: u32,
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
    /// The remembered risk state (from the vault) and its record id once saved.
    pub risk_state: RwSignal<Option<(Option<String>, RiskState)>>,
    /// Whether this visit should open with the gentle follow-up check.
    pub follow_up_due: RwSignal<bool>,
    /// Whether the risk state is being sealed right now.
    pub risk_saving: RwSignal<bool>,
    /// Whether it changed while it was being sealed (it is sealed again after).
    pub risk_dirty: RwSignal<bool>,
    /// The clinic's configuration.
    pub clinic: Signal<ClinicState>,
    /// The patient's locale (BCP 47), for crisis contacts.
    pub locale: String,
    /// The widget's own origin (`https://…`): the default relay for alerts and sync.
    pub widget_origin: String,
    /// The vault code, once the vault is open (shown for setting up another device).
    pub vault_code: RwSignal<Option<String>>,
    /// Sync status.
    pub sync: RwSignal<SyncView>,
}

impl AppState {
    /// Runs the crisis layer over text the patient is about to save or send (in the
    /// understanding worker: rules at once, the model layers once loaded) and returns its
    /// reading. Any crisis level opens the crisis card and raises the remembered risk state.
    /// If the worker is not running the patient is told that automatic checks are off.
    pub async fn assess(&self, text: &str) -> Option<Decision> {
        let decision = self.understanding.classify(text).await;
        match &decision {
            Some(decision) => self.raise_risk(decision.risk_level(), RiskSource::Message),
            None => self.notice.set(Some(
                "Hearth's automatic safety check isn't running in this browser. If you \
                 need help now, use \"Crisis help\" at the top."
                    .to_owned(),
            )),
        }
        decision
    }

    /// [`AppState::assess`] without waiting for the answer (the journal's save).
    pub fn check_text(&self, text: &str) {
        let state = self.clone();
        let text = text.to_owned();
        spawn_local(async move {
            state.assess(&text).await;
        });
    }

    /// A crisis level was found (by the crisis layer or the screener): open the card, keep
    /// the highest level for this visit, and seal the raised risk state in the vault.
    pub fn raise_risk(&self, risk: Risk, source: RiskSource) {
        if !risk.is_crisis() {
            return;
        }
        self.detected_risk
            .update(|d| *d = Some(d.map_or(risk, |was| was.max(risk))));
        self.crisis_open.set(true);
        // A new detection supersedes this visit's "how are you since last time?" check: it
        // must not be answered "better" over what was just written.
        self.follow_up_due.set(false);
        if !self.unlocked.get_untracked() {
            return;
        }
        let previous = self.risk_state.get_untracked();
        let Some(raised) = RiskState::raised(
            previous.as_ref().map(|(_, s)| s),
            risk,
            source,
            &now_rfc3339(),
        ) else {
            return;
        };
        let id = previous.and_then(|(id, _)| id);
        self.save_risk_state(id, raised);
    }

    /// "I'm safe right now": recorded with the risk state (which stays open for the next
    /// visit's check); the assistant resumes its normal flow.
    pub fn mark_safe(&self) {
        if let Some((id, mut current)) = self.risk_state.get_untracked() {
            current.mark_safe(&now_rfc3339());
            self.save_risk_state(id, current);
        }
    }

    /// Records the answer to the follow-up check; "worse" opens the crisis card.
    pub fn answer_follow_up(&self, answer: FollowUpAnswer) {
        self.follow_up_due.set(false);
        if let Some((id, mut current)) = self.risk_state.get_untracked() {
            current.answer_follow_up(answer, &now_rfc3339());
            self.save_risk_state(id, current);
        }
        if answer == FollowUpAnswer::Worse {
            self.crisis_open.set(true);
        }
    }

    /// Whether the clinic offers crisis alerts (alerts enabled, with a valid inbox and key).
    pub fn alerts_offered(&self) -> bool {
        matches!(self.clinic.get(), ClinicState::Loaded(config) if config.alert_target().is_some())
    }

    /// Whether the assistant's normal flow is stopped: a moderate or high risk is open and
    /// the patient has not said they are safe right now since it was raised.
    pub fn flow_stopped(&self) -> bool {
        self.risk_state
            .get_untracked()
            .is_some_and(|(_, s)| !s.closed && s.risk.stops_normal_flow() && s.safe_at.is_none())
    }

    /// Keeps `risk_state` and seals it. Saves run one at a time: a change made while one is
    /// in flight is saved after it, under the record id the first save returned, so there
    /// is only ever one risk-state record.
    fn save_risk_state(&self, id: Option<String>, risk_state: RiskState) {
        self.risk_state.set(Some((id, risk_state)));
        if self.risk_saving.get_untracked() {
            self.risk_dirty.set(true);
            return;
        }
        self.risk_saving.set(true);
        let state = self.clone();
        spawn_local(async move {
            loop {
                state.risk_dirty.set(false);
                let Some((id, current)) = state.risk_state.get_untracked() else {
                    break;
                };
                if let Some(record) = state.save_entry(id, &current).await {
                    state
                        .risk_state
                        .update(|r| *r = r.take().map(|(_, s)| (Some(record.id), s)));
                }
                if !state.risk_dirty.get_untracked() {
                    break;
                }
            }
            state.risk_saving.set(false);
        });
    }

    /// Every entry in the vault (latest versions), or nothing if the vault can't be read
    /// (the failure is shown).
    pub async fn entries(&self) -> Vec<Record> {
        match self
            .vault
            .call(Request::List {
                kind: RecordKind::Entry,
            })
            .await
        {
            Response::Records { records, .. } => records,
            other => {
                self.report(&other);
                Vec::new()
            }
        }
    }

    /// The entries whose JSON `type` is `entry_type`, with their record ids.
    pub async fn entries_of<T: serde::de::DeserializeOwned>(
        &self,
        entry_type: &str,
    ) -> Vec<(String, T)> {
        of_type(&self.entries().await, entry_type)
    }

    /// Seals `value` as an entry (a new version of `id`, or a new entry). Returns the saved
    /// record, or `None` after telling the patient what went wrong.
    pub async fn save_entry<T: serde::Serialize>(
        &self,
        id: Option<String>,
        value: &T,
    ) -> Option<Record> {
        let body = crate::json::to_string(value).ok()?;
        match self
            .vault
            .call(Request::Put {
                kind: RecordKind::Entry,
                id,
                body,
            })
            .await
        {
            Response::Saved(record) => {
                self.sync_soon();
                Some(record)
            }
            other => {
                self.report(&other);
                None
            }
        }
    }

    /// The endpoint the patient chose, if sync is on.
    pub fn sync_endpoint(&self) -> Option<Endpoint> {
        self.settings.get_untracked().sync
    }

    /// Syncs now with the chosen endpoint (if sync is on and no run is under way), and
    /// updates what the patient sees.
    pub async fn sync_now(&self) {
        let Some(endpoint) = self.sync_endpoint() else {
            return;
        };
        if !self.unlocked.get_untracked() || self.sync.get_untracked().running {
            return;
        }
        self.sync.update(|s| s.running = true);
        let mut response = self
            .vault
            .call(Request::Sync {
                endpoint: endpoint.clone(),
            })
            .await;
        // The risk state is the app's own record: a conflict in it is merged at once (the
        // cautious reading of both), and the merge goes up in a second run.
        if matches!(response, Response::Synced { conflicts, .. } if conflicts > 0)
            && self.merge_risk_conflicts().await
        {
            response = self.vault.call(Request::Sync { endpoint }).await;
        }
        self.sync.update(|view| {
            view.running = false;
            view.runs += 1;
            match response {
                Response::Synced {
                    report,
                    passphrase_changed,
                    conflicts,
                } => {
                    if report.error.is_none() {
                        view.last_synced_ms = Some(now_ms() as u64);
                    }
                    view.pending = report.pending;
                    view.downloaded = report.downloaded;
                    view.conflicts = conflicts;
                    view.refused += report.rejected.len();
                    view.problem = report.error.map(|_| {
                        if report.refusal == Some(Refusal::Credentials) {
                            explain(FailureCode::SignInRefused).to_owned()
                        } else if report.refusal == Some(Refusal::Clock) {
                            explain(FailureCode::ClockRefused).to_owned()
                        } else if report.retry_later {
                            explain(FailureCode::Offline).to_owned()
                        } else {
                            explain(FailureCode::Endpoint).to_owned()
                        }
                    });
                    if passphrase_changed {
                        view.problem = Some(
                            "Your passphrase was changed on another device. Use the new one \
                             next time you unlock."
                                .to_owned(),
                        );
                    }
                }
                Response::Failed(failure) => {
                    view.problem = Some(explain(failure.code).to_owned());
                }
                _ => {}
            }
        });
    }

    /// Merges risk-state records that two devices changed at once ([`RiskState::merged`]);
    /// returns whether any was merged.
    async fn merge_risk_conflicts(&self) -> bool {
        let mut merged_any = false;
        for record in self
            .entries()
            .await
            .iter()
            .filter(|r| !r.conflict.is_empty())
        {
            let Ok(first) = serde_json::from_str::<RiskState>(&record.body) else {
                continue;
            };
            if first.entry_type != RISK_STATE_TYPE {
                continue;
            }
            let merged = record
                .conflict
                .iter()
                .filter_map(|a| serde_json::from_str::<RiskState>(a.body.as_deref()?).ok())
                .fold(first, |acc, other| acc.merged(&other));
            let Ok(body) = crate::json::to_string(&merged) else {
                continue;
            };
            let response = self
                .vault
                .call(Request::Resolve {
                    kind: RecordKind::Entry,
                    id: record.id.clone(),
                    keep: record.head.clone(),
                    body: Some(body),
                })
                .await;
            merged_any |= matches!(response, Response::Saved(_));
        }
        if merged_any {
            self.load_risk_state(&self.entries().await);
        }
        merged_any
    }

    /// Starts a sync in the background (after a save, at unlock).
    pub fn sync_soon(&self) {
        if self.sync_endpoint().is_some() {
            let state = self.clone();
            spawn_local(async move { state.sync_now().await });
        }
    }

    /// Takes the remembered risk state from the entries read at unlock and decides whether
    /// this visit opens with the follow-up check.
    fn load_risk_state(&self, entries: &[Record]) {
        let latest = of_type::<RiskState>(entries, RISK_STATE_TYPE)
            .into_iter()
            .max_by(|a, b| a.1.detected_at.cmp(&b.1.detected_at));
        self.follow_up_due
            .set(latest.as_ref().is_some_and(|(_, s)| s.needs_follow_up()));
        self.risk_state.set(latest.map(|(id, s)| (Some(id), s)));
    }
}

/// Of `records`, those whose JSON `type` is `entry_type`, read as `T`, with their ids.
pub fn of_type<T: serde::de::DeserializeOwned>(
    records: &[Record],
    entry_type: &str,
) -> Vec<(String, T)> {
    records
        .iter()
        .filter_map(|r| {
            let tag = serde_json::from_str::<TypeTag>(&r.body).ok()?;
            if tag.kind.as_deref() != Some(entry_type) {
                return None;
            }
            serde_json::from_str(&r.body)
                .ok()
                .map(|v| (r.id.clone(), v))
        })
        .collect()
}

/// An entry's `type` field alone. Entries are read from their text twice (this first)
/// rather than through a `serde_json::Value`: every entry type is also read straight from
/// text elsewhere, and a second way of reading each would double its code in the `.wasm`.
#[derive(serde::Deserialize)]
struct TypeTag {
    #[serde(rename = "type")]
    kind: Option<String>,
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
        FailureCode::Offline => {
            "The sync server can't be reached right now. Everything is kept on this device and \
             will be sent when the connection is back."
        }
        FailureCode::SignInRefused => {
            "The sync server did not accept this device's sign-in: check the user name and \
             password or the access keys under Backup and sync (on a Hearth server, ask your \
             clinic). Everything is kept on this device and will be sent once it is accepted."
        }
        FailureCode::ClockRefused => {
            "The sync server says this device's date or time is wrong. Set them correctly (or let \
             the device set them automatically), then sync again. Everything is kept on this \
             device."
        }
        FailureCode::Endpoint => {
            "The sync server refused. Check the server address and the vault code; nothing on \
             this device was changed."
        }
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
        let opened = match self.call_busy(busy, request).await {
            Response::Unlocked { vault_code } => {
                self.vault_code.set(Some(vault_code));
                true
            }
            _ => false,
        };
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
        self.put_singleton(RecordKind::Settings, &settings);
        self.settings.set(settings);
    }

    fn put_singleton<T: serde::Serialize>(&self, kind: RecordKind, value: &T) {
        let Ok(body) = crate::json::to_string(value) else {
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
            } else {
                state.sync_soon();
            }
        });
    }

    /// After creation, unlock or recovery: move a pre-vault consent into the vault, load the
    /// consent receipt and settings, and go home (or to consent if there is none).
    pub async fn after_unlock(&self) {
        self.unlocked.set(true);
        self.last_activity.set(now_ms());
        if let Some(pending) = ConsentRecord::load(&*self.store).ok().flatten() {
            if let Ok(body) = crate::json::to_string(&Some(&pending)) {
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
        // One read (and decryption) of the entries serves the risk state and the queue.
        let entries = self.entries().await;
        self.load_risk_state(&entries);
        let home = consent.is_some();
        self.consent.set(consent);
        // Alerts that could not be sent wait sealed in the vault; they go now, unless the
        // patient has since withdrawn their agreement to alerts.
        let queued = self.clone();
        // So do shares, unless the patient stopped sharing.
        // Shares wait for a sync first, so a stop made on another device is seen.
        spawn_local(async move {
            super::crisis_panel::send_queued_alerts(&queued, &entries).await;
            queued.sync_now().await;
            super::share::send_queued_shares(&queued).await;
        });
        self.sync_soon();
        self.go(if home { Screen::Home } else { Screen::Consent });
    }

    /// After an erase: forget everything, including the pre-vault choice, and start over.
    pub fn forget_everything(&self) {
        let _ = ConsentRecord::withdraw(&*self.store);
        self.unlocked.set(false);
        self.consent.set(None);
        self.settings.set(PatientSettings::default());
        self.vault_code.set(None);
        self.sync.set(SyncView::default());
        self.forget_risk();
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
        self.vault_code.set(None);
        self.sync.set(SyncView::default());
        self.forget_risk();
        self.go(Screen::Unlock);
    }

    /// Forgets what this visit knew about risk (on lock: the next person at this device
    /// must not see it).
    fn forget_risk(&self) {
        self.detected_risk.set(None);
        self.risk_state.set(None);
        self.follow_up_due.set(false);
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
