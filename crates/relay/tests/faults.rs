//! Fault injection: five devices sync one vault through a proxy that drops 20% of
//! connections, answers 5xx to 10% of requests and adds random latency, in front of the real
//! relay binary. Each device makes 200 edits to 25 shared items, often to the same item as
//! another device at the same time. Afterwards every replica holds the same objects (the
//! same hash), every edit is on the relay exactly once, and concurrent edits are surfaced as
//! conflicts — identically on every device.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth_sync::{
    merge, BlobStore, Engine, ItemState, MemoryReplica, RelayStore, Replica, ReqwestTransport,
    RetryPolicy, Sleeper, Version,
};
use hearth_vault::{
    DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, ItemId, KdfParams, Passphrase, UnlockedVault,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const WRITERS: usize = 5;
const EDITS: usize = 200;
const ITEMS: usize = 25;
const SYNC_EVERY: usize = 5;

/// splitmix64: a small deterministic generator for the test's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the proxy did to the requests it saw.
#[derive(Default)]
struct Faults {
    requests: AtomicUsize,
    dropped_before: AtomicUsize,
    dropped_after: AtomicUsize,
    failed_before: AtomicUsize,
    failed_after: AtomicUsize,
    seed: AtomicU64,
}

impl Faults {
    fn roll(&self) -> u64 {
        let seed = self.seed.fetch_add(1, Ordering::Relaxed);
        Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d)).next()
    }
}

/// Reads one HTTP/1.1 message (head and a Content-Length body) from `stream`.
async fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

const UNAVAILABLE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// One connection through the proxy: one request, then the connection closes.
async fn relay_one(mut client: TcpStream, upstream: SocketAddr, faults: Arc<Faults>) {
    let roll = faults.roll();
    let Some(request) = read_message(&mut client).await else {
        return;
    };
    faults.requests.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(roll % 10)).await;
    // 20% of connections dropped (half before the relay sees the request, half after it
    // answered), 10% of requests answered 503 (half without reaching the relay, half after).
    match (roll >> 16) % 100 {
        0..10 => {
            faults.dropped_before.fetch_add(1, Ordering::Relaxed);
            return;
        }
        10..15 => {
            faults.failed_before.fetch_add(1, Ordering::Relaxed);
            let _ = client.write_all(UNAVAILABLE).await;
            return;
        }
        _ => {}
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    if server.write_all(&request).await.is_err() {
        return;
    }
    let Some(response) = read_message(&mut server).await else {
        return;
    };
    tokio::time::sleep(Duration::from_millis((roll >> 8) % 10)).await;
    match (roll >> 16) % 100 {
        15..25 => {
            faults.dropped_after.fetch_add(1, Ordering::Relaxed);
        }
        25..30 => {
            faults.failed_after.fetch_add(1, Ordering::Relaxed);
            let _ = client.write_all(UNAVAILABLE).await;
        }
        _ => {
            let _ = client.write_all(&response).await;
        }
    }
}

async fn start_proxy(upstream: SocketAddr, faults: Arc<Faults>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay_one(client, upstream, Arc::clone(&faults)));
        }
    });
    addr
}

/// A device's merged state, as its journal would show it.
fn merged(device: &MemoryReplica) -> BTreeMap<ItemId, ItemState> {
    merge(device.stored().values().map(|bytes| {
        let envelope = Envelope::parse(bytes).unwrap();
        Version {
            hash: envelope.version_hash(),
            meta: *envelope.meta(),
        }
    }))
}

struct Tokio;

impl Sleeper for Tokio {
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Faster backoff than the app's (the proxy fails a third of requests on purpose).
const POLICY: RetryPolicy = RetryPolicy {
    attempts: 8,
    base_ms: 20,
    max_ms: 500,
};

fn store(url: &str, vault: &UnlockedVault) -> RelayStore<ReqwestTransport> {
    // One connection per request, so the proxy's faults fall on single requests.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    RelayStore::new(
        ReqwestTransport::with_client(client),
        url,
        &vault.vault_id().to_relay_id(),
        &vault.relay_token().to_base64url(),
    )
}

/// Runs sync until a run ends without error and nothing is pending. Returns the runs made.
async fn settle(
    remote: &RelayStore<ReqwestTransport>,
    device: &MemoryReplica,
    vault: &UnlockedVault,
) -> usize {
    for run in 1..=50 {
        let engine = Engine {
            remote,
            local: device,
            vault,
            endpoint: "relay",
            policy: POLICY,
            sleeper: &Tokio,
        };
        let report = engine.run(0).await.unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        if report.error.is_none() && report.pending == 0 {
            return run;
        }
    }
    panic!("sync never settled");
}

/// Makes one edit: a new version of `item` on top of the head this device shows.
fn edit(
    device: &MemoryReplica,
    vault: &UnlockedVault,
    id: DeviceId,
    item: ItemId,
    text: &str,
) -> String {
    let merged = merged(device);
    let head = merged[&item].shown();
    let meta = EnvelopeMeta {
        kind: EnvelopeKind::Item,
        item_id: item,
        item_version: head.meta.item_version + 1,
        device_id: id,
        parent: Some(head.hash),
    };
    let envelope = vault.seal(&meta, text.as_bytes()).unwrap();
    device.keep(envelope.into_bytes())
}

/// Resolves a conflict the way the app does when the patient keeps the shown version: one
/// merge envelope per other head. Returns the new envelopes' names.
fn resolve(
    device: &MemoryReplica,
    vault: &UnlockedVault,
    id: DeviceId,
    item: ItemId,
) -> Vec<String> {
    let ItemState::Conflict { heads } = &merged(device)[&item] else {
        return Vec::new();
    };
    let top = heads.iter().map(|h| h.meta.item_version).max().unwrap_or(0) + 1;
    heads[1..]
        .iter()
        .map(|other| {
            let meta = EnvelopeMeta {
                kind: EnvelopeKind::Merge,
                item_id: item,
                item_version: top,
                device_id: id,
                parent: Some(other.hash),
            };
            let envelope = vault.seal(&meta, heads[0].hash.as_bytes()).unwrap();
            device.keep(envelope.into_bytes())
        })
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn five_writers_through_a_faulty_network_lose_nothing_and_duplicate_nothing() {
    let relay = support::start_relay();
    let faults = Arc::new(Faults::default());
    let proxy = start_proxy(relay.addr.parse().unwrap(), Arc::clone(&faults)).await;
    let proxied = format!("http://{proxy}");
    let passphrase = Passphrase::new("five devices one vault".into()).unwrap();
    let vault = Rc::new(
        UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
            .unwrap()
            .0,
    );
    let started = Instant::now();

    // The first device creates the shared items; every device starts from them.
    let first = MemoryReplica::default();
    let items: Vec<ItemId> = (0..ITEMS).map(|_| ItemId::random().unwrap()).collect();
    let mut created: BTreeSet<String> = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let meta = EnvelopeMeta {
            kind: EnvelopeKind::Item,
            item_id: *item,
            item_version: 1,
            device_id: DeviceId::random().unwrap(),
            parent: None,
        };
        let envelope = vault.seal(&meta, format!("item {i}").as_bytes()).unwrap();
        created.insert(envelope.object_name());
        first
            .store(&envelope.object_name(), envelope.as_bytes())
            .await
            .unwrap();
    }
    let remote = store(&proxied, &vault);
    remote.register().await.ok();
    store(&relay.url(), &vault).register().await.unwrap();
    settle(&remote, &first, &vault).await;

    let devices: Vec<Rc<MemoryReplica>> = (0..WRITERS)
        .map(|_| Rc::new(MemoryReplica::default()))
        .collect();
    let local = tokio::task::LocalSet::new();
    let mut writers = Vec::new();
    for (w, device) in devices.iter().enumerate() {
        let device = Rc::clone(device);
        let vault = Rc::clone(&vault);
        let items = items.clone();
        let proxied = proxied.clone();
        writers.push(local.spawn_local(async move {
            let remote = store(&proxied, &vault);
            settle(&remote, &device, &vault).await;
            let id = DeviceId::random().unwrap();
            let mut rng = Rng(w as u64 + 1);
            let mut mine = Vec::new();
            let mut runs = 0;
            let mut stopped = 0;
            let mut resolved = 0;
            for n in 0..EDITS {
                // Mostly a handful of "hot" items, so devices often edit the same one.
                let pick = if rng.below(3) == 0 {
                    rng.below(ITEMS as u64)
                } else {
                    rng.below(4)
                };
                let item = items[pick as usize];
                mine.push(edit(
                    &device,
                    &vault,
                    id,
                    item,
                    &format!("device {w} edit {n}"),
                ));
                // Now and then the patient on this device settles a conflict they see.
                if rng.below(8) == 0 {
                    let target = items[rng.below(ITEMS as u64) as usize];
                    let merges = resolve(&device, &vault, id, target);
                    resolved += merges.len();
                    mine.extend(merges);
                }
                if (n + 1) % SYNC_EVERY == 0 {
                    let engine = Engine {
                        remote: &remote,
                        local: &*device,
                        vault: &vault,
                        endpoint: "relay",
                        policy: POLICY,
                        sleeper: &Tokio,
                    };
                    let report = engine.run(0).await.unwrap();
                    runs += 1;
                    stopped += usize::from(report.error.is_some());
                }
            }
            runs += settle(&remote, &device, &vault).await;
            (mine, runs, stopped, resolved)
        }));
    }
    let mut runs = 0;
    let mut stopped = 0;
    let mut merges = 0;
    local
        .run_until(async {
            for writer in writers {
                let (mine, r, s, m) = writer.await.unwrap();
                created.extend(mine);
                runs += r;
                stopped += s;
                merges += m;
            }
        })
        .await;
    // A last round so every device has seen every other device's last edits.
    for device in &devices {
        settle(&remote, device, &vault).await;
    }
    let elapsed = started.elapsed();

    // The relay, read directly: every edit exactly once, nothing else.
    let direct = store(&relay.url(), &vault);
    let mut on_relay = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = direct.list(after.as_deref(), 1000).await.unwrap();
        on_relay.extend(page.objects.into_iter().map(|o| o.name));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let unique: BTreeSet<String> = on_relay.iter().cloned().collect();
    assert_eq!(unique.len(), on_relay.len(), "no name listed twice");
    assert_eq!(created.len(), WRITERS * EDITS + ITEMS + merges);
    let lost: Vec<_> = created.difference(&unique).collect();
    assert!(lost.is_empty(), "{} edits lost", lost.len());
    assert_eq!(unique, created, "nothing but the edits is stored");
    let mut bodies = BTreeSet::new();
    for name in &unique {
        let bytes = direct.get_object(name).await.unwrap();
        let (meta, plaintext) = vault.open_bytes(&bytes).unwrap();
        if meta.kind == EnvelopeKind::Item {
            assert!(
                bodies.insert(plaintext.as_bytes().to_vec()),
                "an edit stored twice"
            );
        }
    }

    // Every replica: the same objects, the same merged state.
    let digest = |names: &BTreeSet<String>| {
        let mut hasher = Sha256::new();
        for name in names {
            hasher.update(name.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let expected = digest(&unique);
    let states: Vec<_> = devices.iter().map(|d| merged(d)).collect();
    for (device, state) in devices.iter().zip(&states) {
        assert_eq!(digest(&device.names()), expected, "a replica differs");
        assert_eq!(state, &states[0], "the merged state differs");
    }
    let conflicts = states[0].values().filter(|s| s.is_conflict()).count();
    let heads: usize = states[0]
        .values()
        .map(|s| match s {
            ItemState::Conflict { heads } => heads.len(),
            _ => 1,
        })
        .sum();
    assert!(
        conflicts > 0,
        "concurrent edits to the same items are surfaced"
    );

    let f = |a: &AtomicUsize| a.load(Ordering::Relaxed);
    let requests = f(&faults.requests);
    let dropped = f(&faults.dropped_before) + f(&faults.dropped_after);
    let failed = f(&faults.failed_before) + f(&faults.failed_after);
    println!(
        "FAULTS {{\"writers\":{WRITERS},\"edits\":{},\"objects_on_relay\":{},\"lost\":0,\"duplicates\":0,\
         \"replica_hash\":\"{}\",\"items\":{ITEMS},\"merge_envelopes\":{merges},\"items_in_conflict\":{conflicts},\"heads\":{heads},\
         \"requests_through_proxy\":{requests},\"connections_dropped\":{dropped},\"answered_5xx\":{failed},\
         \"sync_runs\":{runs},\"runs_ended_early\":{stopped},\"seconds\":{:.1}}}",
        WRITERS * EDITS,
        unique.len(),
        &expected[..16],
        elapsed.as_secs_f64()
    );
    let share = |n: usize| n as f64 / requests as f64;
    assert!((0.15..0.25).contains(&share(dropped)), "about 20% dropped");
    assert!(
        (0.06..0.14).contains(&share(failed)),
        "about 10% answered 5xx"
    );
}
