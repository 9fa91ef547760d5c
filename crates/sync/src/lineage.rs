//! Lineage merge: which version of each item is current, and which items are in conflict.
//!
//! Every version of an item is an immutable envelope that names its parent version by hash
//! (DESIGN.md section 4). Nothing is ever overwritten, so merging two devices' histories is
//! only a question of reading the graph:
//!
//! - a version is **superseded** when any other version of the same item names it as parent;
//! - the **heads** of an item are its versions that are not superseded (merge envelopes
//!   are never heads: they exist only to supersede a branch);
//! - one head: that is the item's state — a live version, or a tombstone (deleted);
//! - several heads: two devices changed the item from the same starting point without
//!   seeing each other's change. That is a **conflict**. Nothing is dropped: the app shows
//!   every head and the patient chooses. Only tombstones among the heads is simply "deleted".
//!
//! The patient resolves a conflict by writing a new version whose parent is the head they
//! keep (it may carry an edited text) and one [`EnvelopeKind::Merge`] envelope per other head,
//! whose parent is that head. Every old head is then superseded and the item has one head
//! again, on every device, whatever order the envelopes arrive in.
//!
//! Ordering never depends on clocks: a device whose clock is wrong merges the same way.

use std::collections::{BTreeMap, BTreeSet};

use hearth_vault::{EnvelopeKind, EnvelopeMeta, ItemId, VersionHash};

/// One stored version, as the merge sees it: its hash and its authenticated metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// The envelope's version hash (its content address).
    pub hash: VersionHash,
    /// Its metadata (kind, item, version number, device, parent).
    pub meta: EnvelopeMeta,
}

impl Version {
    fn is_tombstone(&self) -> bool {
        self.meta.kind == EnvelopeKind::Tombstone
    }
}

/// The merged state of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemState {
    /// One current version.
    Live(Version),
    /// Deleted: every head is a tombstone.
    Deleted(Version),
    /// Two or more heads. `heads` lists them all, the one to show first (the highest version
    /// number, live before deleted, ties broken by hash so every device agrees) at index 0.
    Conflict {
        /// Every head, the one to show first at index 0.
        heads: Vec<Version>,
    },
}

impl ItemState {
    /// The version to show the patient (for a conflict, the first head).
    pub fn shown(&self) -> &Version {
        match self {
            ItemState::Live(v) | ItemState::Deleted(v) => v,
            ItemState::Conflict { heads } => &heads[0],
        }
    }

    /// Whether the item is in conflict.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ItemState::Conflict { .. })
    }
}

/// Order in which heads are shown: live before deleted, then the highest version number,
/// then the hash (so every device shows the same head first).
fn show_order(a: &Version, b: &Version) -> std::cmp::Ordering {
    a.is_tombstone()
        .cmp(&b.is_tombstone())
        .then(b.meta.item_version.cmp(&a.meta.item_version))
        .then(b.hash.cmp(&a.hash))
}

/// Merges every known version of every item (in any order; duplicates are harmless) into
/// each item's state.
pub fn merge(versions: impl IntoIterator<Item = Version>) -> BTreeMap<ItemId, ItemState> {
    let mut by_item: BTreeMap<ItemId, BTreeMap<VersionHash, Version>> = BTreeMap::new();
    for version in versions {
        by_item
            .entry(version.meta.item_id)
            .or_default()
            .insert(version.hash, version);
    }
    by_item
        .into_iter()
        .filter_map(|(id, versions)| item_state(&versions).map(|state| (id, state)))
        .collect()
}

fn item_state(versions: &BTreeMap<VersionHash, Version>) -> Option<ItemState> {
    let superseded: BTreeSet<VersionHash> =
        versions.values().filter_map(|v| v.meta.parent).collect();
    let content = versions
        .values()
        .filter(|v| v.meta.kind != EnvelopeKind::Merge);
    let mut heads: Vec<Version> = content
        .clone()
        .filter(|v| !superseded.contains(&v.hash))
        .copied()
        .collect();
    if heads.is_empty() {
        // Only possible while a merge has arrived before the version it chose: show the
        // newest content version until the rest arrives.
        heads.extend(content.copied().min_by(show_order));
    }
    heads.sort_by(show_order);
    let first = *heads.first()?;
    Some(if heads.iter().all(Version::is_tombstone) {
        ItemState::Deleted(first)
    } else if heads.len() == 1 {
        ItemState::Live(first)
    } else {
        ItemState::Conflict { heads }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hearth_vault::DeviceId;

    fn item() -> ItemId {
        ItemId::from_bytes(*b"lineage-item-001")
    }

    fn version(tag: u8, kind: EnvelopeKind, number: u64, parent: Option<&Version>) -> Version {
        Version {
            hash: VersionHash::from_bytes([tag; 32]),
            meta: EnvelopeMeta {
                kind,
                item_id: item(),
                item_version: number,
                device_id: DeviceId::from_bytes([tag; 16]),
                parent: parent.map(|p| p.hash),
            },
        }
    }

    fn state(versions: &[Version]) -> ItemState {
        merge(versions.iter().copied()).remove(&item()).unwrap()
    }

    #[test]
    fn a_straight_history_has_one_head() {
        let v1 = version(1, EnvelopeKind::Item, 1, None);
        let v2 = version(2, EnvelopeKind::Item, 2, Some(&v1));
        let v3 = version(3, EnvelopeKind::Item, 3, Some(&v2));
        // Any arrival order gives the same answer.
        assert_eq!(state(&[v3, v1, v2]), ItemState::Live(v3));
        assert_eq!(state(&[v1, v2, v3, v2]), ItemState::Live(v3));
    }

    #[test]
    fn two_edits_of_the_same_version_are_a_conflict_not_an_overwrite() {
        let v1 = version(1, EnvelopeKind::Item, 1, None);
        let a = version(2, EnvelopeKind::Item, 2, Some(&v1));
        let b = version(3, EnvelopeKind::Item, 2, Some(&v1));
        let merged = state(&[v1, a, b]);
        let ItemState::Conflict { heads } = &merged else {
            panic!("{merged:?}")
        };
        assert_eq!(heads.len(), 2);
        // Every device shows the same head first.
        assert_eq!(state(&[b, a, v1]), merged);
        // A longer branch does not silently win either.
        let a2 = version(4, EnvelopeKind::Item, 3, Some(&a));
        assert!(state(&[v1, a, b, a2]).is_conflict());
    }

    #[test]
    fn resolving_with_a_new_version_and_merges_leaves_one_head() {
        let v1 = version(1, EnvelopeKind::Item, 1, None);
        let a = version(2, EnvelopeKind::Item, 2, Some(&v1));
        let b = version(3, EnvelopeKind::Item, 2, Some(&v1));
        let chosen = version(4, EnvelopeKind::Item, 3, Some(&b));
        let fold_a = version(5, EnvelopeKind::Merge, 3, Some(&a));
        assert_eq!(state(&[v1, a, b, chosen, fold_a]), ItemState::Live(chosen));
        // The merge alone, before the chosen version arrives: still readable, no panic.
        assert!(matches!(state(&[v1, a, b, fold_a]), ItemState::Live(v) if v == b));
    }

    #[test]
    fn tombstones_delete_and_a_concurrent_edit_is_surfaced() {
        let v1 = version(1, EnvelopeKind::Item, 1, None);
        let gone = version(2, EnvelopeKind::Tombstone, 2, Some(&v1));
        assert_eq!(state(&[v1, gone]), ItemState::Deleted(gone));
        // Deleted on one device while edited on another: the edit is shown first, not lost.
        let edit = version(3, EnvelopeKind::Item, 2, Some(&v1));
        let merged = state(&[v1, gone, edit]);
        let ItemState::Conflict { heads } = merged else {
            panic!("{merged:?}")
        };
        assert_eq!(heads, vec![edit, gone]);
        // Only the tombstone may be present after the versions were purged locally.
        assert_eq!(state(&[gone]), ItemState::Deleted(gone));
    }
}
