// The vault in a real browser: entries are sealed in the vault worker before they are
// stored, no plaintext reaches IndexedDB, localStorage or the Cache API, and the entries
// come back after locking, unlocking, recovering and changing the passphrase.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import {
  ARTIFACTS,
  PASSPHRASE,
  completeConsent,
  createVault,
  fillNewPassphrase,
  foreignRequests,
  launch,
  open,
  unlock,
} from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const MARKER = `HEARTH-MARKER-${Date.now()}-zq`;

/** Every byte the page can reach in IndexedDB, localStorage and the Cache API, as text. */
async function everythingStored(page) {
  return page.evaluate(async () => {
    const chunks = [];
    const text = (value) => {
      if (value instanceof ArrayBuffer) value = new Uint8Array(value);
      if (ArrayBuffer.isView(value)) {
        return new TextDecoder("latin1").decode(value) + new TextDecoder("utf-8").decode(value);
      }
      return JSON.stringify(value);
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const storeName of db.objectStoreNames) {
        const [keys, values] = await Promise.all(
          ["getAllKeys", "getAll"].map(
            (method) =>
              new Promise((resolve, reject) => {
                const request = db.transaction(storeName).objectStore(storeName)[method]();
                request.onsuccess = () => resolve(request.result);
                request.onerror = () => reject(request.error);
              }),
          ),
        );
        chunks.push(`${name}/${storeName}: ${values.length}`);
        for (const key of keys) chunks.push(text(key));
        for (const value of values) chunks.push(text(value));
      }
      db.close();
    }
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      chunks.push(key, localStorage.getItem(key));
    }
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName);
      for (const request of await cache.keys()) {
        chunks.push(request.url, await (await cache.match(request)).text());
      }
    }
    return chunks.join("\n");
  });
}

async function writeEntry(page, text) {
  await page.getByLabel("New entry").fill(text);
  await page.getByRole("button", { name: "Save entry" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
}

async function journalEntries(page) {
  await page.getByRole("button", { name: "Journal" }).click();
  await page.getByRole("heading", { name: "Journal" }).waitFor();
  await page.locator(".journal-entry, .journal-entries .empty").first().waitFor();
  return (await page.locator(".journal-entry p").allInnerTexts()).sort();
}

test("entries are sealed before storage and survive lock, recovery and a passphrase change", async () => {
  const { context, page, log } = await open(browser, "/");
  await completeConsent(page, "AI-guided self-help");
  const words = await createVault(page);
  assert.equal(words.length, 24);

  await page.getByRole("button", { name: "Journal" }).click();
  const written = [`Slept badly again. ${MARKER} one`, `The walk helped a bit. ${MARKER} two`];
  for (const text of written) await writeEntry(page, text);
  assert.deepEqual((await page.locator(".journal-entry p").allInnerTexts()).sort(), written.sort());
  const shownTime = await page.locator(".journal-entry time").first().innerText();
  assert.doesNotMatch(shownTime, /T\d\d:/, "times are shown the way the browser writes them");
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByRole("heading", { name: "Welcome", exact: true }).waitFor();

  const stored = await everythingStored(page);
  assert.match(stored, /hearth-vault\/envelopes: [2-9]/, "the entries are stored");
  assert.ok(!stored.includes(MARKER), "no plaintext in IndexedDB, localStorage or the Cache API");
  assert.ok(!stored.includes("Slept badly"), "no plaintext fragments either");
  assert.ok(!stored.includes(PASSPHRASE), "the passphrase is never stored");
  assert.ok(!stored.includes(words.join(" ")), "the recovery words are never stored");

  // Lock, then a wrong passphrase: a clear message, and nothing changes.
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByRole("heading", { name: "Welcome back" }).waitFor();
  assert.equal(await page.locator(".journal-entry").count(), 0, "nothing decrypted stays on screen");
  await page.getByLabel("Passphrase", { exact: true }).fill("violet harbour lantern eighteen");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("alert").filter({ hasText: "doesn't open this vault" }).waitFor({ timeout: 60_000 });
  assert.equal(await everythingStored(page), stored, "a failed unlock changes nothing");
  await unlock(page);
  assert.deepEqual(await journalEntries(page), written.sort());

  // Forgotten passphrase: the recovery words open the vault and set a new one.
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByRole("button", { name: /Forgot your passphrase/ }).click();
  await page.getByLabel(/Your 24 recovery words/).fill(words.join(" "));
  const recovered = "copper meadow thunder quietly";
  await fillNewPassphrase(page, "New passphrase", recovered);
  await page.getByRole("button", { name: "Recover and set the new passphrase" }).click();
  await page.getByRole("heading", { name: "Welcome", exact: true }).waitFor({ timeout: 60_000 });
  assert.deepEqual(await journalEntries(page), written.sort());
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("alert").filter({ hasText: "doesn't open this vault" }).waitFor({ timeout: 60_000 });
  await unlock(page, recovered);

  // Change the passphrase in settings; after a reload only the new one opens the vault.
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByLabel("Current passphrase").fill(recovered);
  const changed = "granite kite harvest balcony";
  await fillNewPassphrase(page, "New passphrase", changed);
  await page.getByRole("button", { name: "Change passphrase" }).click();
  await page.getByRole("status").filter({ hasText: "Your passphrase was changed" }).waitFor({ timeout: 60_000 });
  await page.reload();
  await unlock(page, changed);
  assert.deepEqual(await journalEntries(page), written.sort());
  assert.ok(!(await everythingStored(page)).includes(MARKER));
  await page.locator("hearth-widget").screenshot({ path: join(ARTIFACTS, "widget-journal.png") });
  assert.deepEqual(log.errors, []);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("the vault locks itself after the chosen time without activity", async () => {
  const { context, page } = await open(browser, "/");
  await page.clock.install();
  await page.reload();
  await completeConsent(page, "Both");
  await createVault(page);
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByLabel(/Lock automatically/).selectOption("1");
  await page.getByRole("button", { name: "Back" }).click();
  await page.clock.fastForward("00:30");
  assert.equal(await page.getByRole("heading", { name: "Welcome", exact: true }).isVisible(), true);
  await page.clock.fastForward("01:10");
  await page.getByRole("heading", { name: "Welcome back" }).waitFor();
  await page.getByRole("alert").filter({ hasText: "locked itself" }).waitFor();
  await unlock(page);
  await context.close();
});

test("a damaged entry is reported plainly and everything else still opens", async () => {
  const { context, page, log } = await open(browser, "/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.getByRole("button", { name: "Journal" }).click();
  await writeEntry(page, "first entry, will be damaged");
  // Flip one bit in the stored journal entry (envelope kind 1 at byte 5, per
  // docs/envelope.md), as a failing disk or a tamperer might.
  const damaged = await page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open("hearth-vault");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const store = db.transaction("envelopes", "readwrite").objectStore("envelopes");
    const keys = await new Promise((resolve) => (store.getAllKeys().onsuccess = (e) => resolve(e.target.result)));
    let flipped = 0;
    for (const key of keys) {
      const bytes = await new Promise((resolve) => (store.get(key).onsuccess = (e) => resolve(e.target.result)));
      if (bytes[5] !== 1) continue;
      bytes[bytes.length - 20] ^= 1;
      store.put(bytes, key);
      flipped += 1;
    }
    await new Promise((resolve) => (store.transaction.oncomplete = resolve));
    db.close();
    return flipped;
  });
  assert.equal(damaged, 1);
  await page.reload();
  await unlock(page);
  await page.getByRole("button", { name: "Journal" }).click();
  await page.getByRole("alert").filter({ hasText: "1 saved item(s) could not be opened" }).waitFor();
  await writeEntry(page, "second entry, after the damage");
  assert.deepEqual(await page.locator(".journal-entry p").allInnerTexts(), ["second entry, after the damage"]);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("erasing everything needs the passphrase and leaves nothing on the device", async () => {
  const { context, page, log } = await open(browser, "/");
  await completeConsent(page, "Both");
  await createVault(page);
  await page.getByRole("button", { name: "Journal" }).click();
  await writeEntry(page, `to be erased ${MARKER}`);
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByLabel("Passphrase, to confirm").fill("not my passphrase at all");
  await page.getByRole("checkbox", { name: "I understand that this cannot be undone." }).check();
  await page.getByRole("button", { name: "Erase everything" }).click();
  await page.getByRole("alert").filter({ hasText: "doesn't open this vault" }).waitFor({ timeout: 60_000 });
  assert.match(await everythingStored(page), /hearth-vault\/envelopes: [1-9]/, "a refused erase deletes nothing");

  await page.getByLabel("Passphrase, to confirm").fill(PASSPHRASE);
  await page.getByRole("button", { name: "Erase everything" }).click();
  await page.getByRole("heading", { name: "Before we start" }).waitFor({ timeout: 60_000 });
  await page.getByRole("alert").filter({ hasText: "was erased" }).waitFor();
  const left = await everythingStored(page);
  assert.match(left, /hearth-vault\/meta: 0/);
  assert.match(left, /hearth-vault\/envelopes: 0/);
  assert.ok(!left.includes("hearth.consent"), "the pre-vault choice is gone too");
  await page.reload();
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  assert.deepEqual(log.errors, []);
  await context.close();
});
