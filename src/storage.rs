//! Where the app keeps small records before (and alongside) the encrypted vault.
//!
//! The app talks to a [`KeyValueStore`]; the browser build uses [`LocalStorage`], tests use
//! [`MemoryStore`]. Only records without any free text or health information may be written
//! here: today that is the consent choice alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Why a read or write of the key-value store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The browser refused storage (private mode, blocked by settings, or no window).
    #[error("this browser is not letting Hearth save anything on this device")]
    Unavailable,
    /// The device's storage is full.
    #[error("this device's storage is full")]
    Full,
}

/// A small string key-value store.
pub trait KeyValueStore: Send + Sync {
    /// Reads `key`; `Ok(None)` when it was never written.
    fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Writes `value` under `key`, replacing what was there.
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Removes `key` (no error if it is absent).
    fn remove(&self, key: &str) -> Result<(), StoreError>;
}

/// A shared handle to the store the app uses, cheap to clone into components.
#[derive(Clone)]
pub struct Store(Arc<dyn KeyValueStore>);

impl Store {
    /// Wraps a store implementation.
    pub fn new(inner: impl KeyValueStore + 'static) -> Self {
        Store(Arc::new(inner))
    }
}

impl std::ops::Deref for Store {
    type Target = dyn KeyValueStore;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// An in-memory store for tests; clones share the same map.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(Arc<Mutex<HashMap<String, String>>>);

impl MemoryStore {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl KeyValueStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.map().get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.map().insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.map().remove(key);
        Ok(())
    }
}

/// The browser's `localStorage` for this origin.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalStorage;

#[cfg(target_arch = "wasm32")]
impl LocalStorage {
    fn storage() -> Result<web_sys::Storage, StoreError> {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .ok_or(StoreError::Unavailable)
    }
}

#[cfg(target_arch = "wasm32")]
impl KeyValueStore for LocalStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Self::storage()?
            .get_item(key)
            .map_err(|_| StoreError::Unavailable)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        // The only failure setItem reports is QuotaExceededError.
        Self::storage()?
            .set_item(key, value)
            .map_err(|_| StoreError::Full)
    }
    fn remove(&self, key: &str) -> Result<(), StoreError> {
        Self::storage()?
            .remove_item(key)
            .map_err(|_| StoreError::Unavailable)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl KeyValueStore for LocalStorage {
    fn get(&self, _key: &str) -> Result<Option<String>, StoreError> {
        Err(StoreError::Unavailable)
    }
    fn set(&self, _key: &str, _value: &str) -> Result<(), StoreError> {
        Err(StoreError::Unavailable)
    }
    fn remove(&self, _key: &str) -> Result<(), StoreError> {
        Err(StoreError::Unavailable)
    }
}
