// A patient who keeps their backup in their own storage instead of the clinic's relay: a
// WebDAV folder and an S3 bucket (real `rclone serve webdav` and `rclone serve s3`, started
// by scripts/test with CORS for the widget's origin; the relay's page policy lets the widget
// reach them through `--storage-origin`). Device A chooses the storage in Settings and syncs;
// wrong credentials are said plainly and lose nothing; device B opens the vault with the
// storage details, the vault code and the passphrase. The storage holds ciphertext only, and
// erasing on A removes the vault from it.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, BASE, completeConsent, createVault, launch, open, PASSPHRASE } from "./browser.mjs";
import { back, filesUnder, goJournal, goSettings, syncNow, writeEntry } from "./sync-steps.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const [DAV_URL, DAV_USER, DAV_PASS] = (process.env.HEARTH_WEBDAV ?? "").split("|");
const DAV_ROOT = process.env.HEARTH_WEBDAV_ROOT;
const [S3_URL, S3_REGION, S3_BUCKET, S3_KEY, S3_SECRET] = (process.env.HEARTH_S3 ?? "").split("|");
const S3_ROOT = process.env.HEARTH_S3_ROOT;
const MARK = `dav${Math.random().toString(36).slice(2, 8).replace(/\d/g, "q")}`;
const ENTRY = `Made soup with my neighbour and laughed a lot ${MARK}`;
const FOLDER = `${DAV_URL}/Hearth backups`;

/** Device A: a vault with `entry` in its journal, on the settings screen with sync ticked. */
async function deviceA(entry) {
  const a = await open(browser, "/patient/");
  await completeConsent(a.page, "AI-guided self-help");
  await createVault(a.page);
  await goJournal(a.page);
  await writeEntry(a.page, entry);
  await back(a.page);
  await goSettings(a.page);
  await a.page.getByRole("checkbox", { name: "Keep an encrypted copy on a server" }).check();
  return a;
}

/** Device B: opens the vault with `code`, its storage chosen by `choose(page)`; checks `entry`. */
async function deviceB(choose, code, entry) {
  const b = await open(browser, "/patient/");
  await completeConsent(b.page, "AI-guided self-help");
  await b.page.getByRole("button", { name: /Already use Hearth on another device/ }).click();
  await b.page.getByRole("heading", { name: "Open your vault from another device" }).waitFor();
  await choose(b.page);
  await b.page.getByLabel("Vault code").fill(code);
  await b.page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await b.page.getByRole("button", { name: "Open my vault" }).click();
  await b.page.getByRole("heading", { name: "Welcome", exact: true }).waitFor({ timeout: 90_000 });
  await goJournal(b.page);
  await b.page.locator(".journal-entry", { hasText: entry }).waitFor();
  await back(b.page);
  await goSettings(b.page);
  assert.match(await b.page.locator(".sync-status").innerText(), /Last synced|Syncing/);
  return b;
}

/** Erases everything on A, which is on its settings screen with sync on. */
async function eraseOn(a) {
  await a.page.getByText("is erased first").waitFor();
  await a.page.getByLabel("Passphrase, to confirm").fill(PASSPHRASE);
  await a.page.getByRole("checkbox", { name: "I understand that this cannot be undone." }).check();
  await a.page.getByRole("button", { name: "Erase everything" }).click();
  await a.page.getByText("Everything Hearth kept on this device and on the sync server was erased.").waitFor({ timeout: 60_000 });
}

/** No file under `dir` holds any of `needles`. */
function assertCiphertextOnly(dir, needles) {
  const files = filesUnder(dir);
  assert.ok(files.length > 0, `something was stored under ${dir}`);
  for (const file of files) {
    const bytes = readFileSync(file).toString("latin1");
    for (const needle of needles) {
      assert.ok(!bytes.includes(needle), `${file} contains "${needle}"`);
    }
  }
  return files;
}

/** Requests to anything but the widget's origin and the patient's storage at `storage`. */
function unexpectedRequests(log, storage) {
  const allowed = [new URL(BASE).origin, new URL(storage).origin];
  return log.requests.filter((url) => !url.startsWith("data:") && !allowed.includes(new URL(url).origin));
}

async function chooseWebdav(page, password) {
  await page.getByRole("radio", { name: /A WebDAV folder/ }).check();
  await page.getByLabel("Folder address").fill(FOLDER);
  await page.getByLabel("User name").fill(DAV_USER);
  await page.getByLabel("Password or app password").fill(password);
}

test("a patient keeps the encrypted copy in their own WebDAV folder and opens it on a second device", async () => {
  assert.ok(DAV_URL && DAV_ROOT, "scripts/test starts rclone's WebDAV server (HEARTH_WEBDAV, HEARTH_WEBDAV_ROOT)");
  const a = await deviceA(ENTRY);
  // An address that is not https (nor this computer) is refused before anything is sent.
  await chooseWebdav(a.page, "not the password");
  await a.page.getByLabel("Folder address").fill("http://dav.example/remote.php/dav");
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  await a.page.getByText("The address must start with https://").waitFor();
  assert.equal(await a.page.locator(".sync-status").count(), 0, "sync stays off");
  // A wrong password: said plainly, and the entry waits on this device.
  await a.page.getByLabel("Folder address").fill(FOLDER);
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  const refused = await syncNow(a.page);
  assert.match(refused, /did not accept this device.s sign-in/);
  assert.match(refused, /\d+ changes? (is|are) waiting to be sent/);
  await a.page.locator(".sync-settings").screenshot({ path: join(ARTIFACTS, "sync-webdav-refused.png") });
  // The right one.
  await a.page.getByLabel("Password or app password").fill(DAV_PASS);
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  assert.match(await syncNow(a.page), /Nothing is waiting to be sent/);
  const code = (await a.page.locator(".vault-code").innerText()).trim();

  // The folder holds the vault, in its own folder, and not a word of it.
  const vaults = readdirSync(join(DAV_ROOT, "Hearth backups"));
  assert.equal(vaults.length, 1, `one vault folder: ${vaults}`);
  assert.match(vaults[0], /^hearth-[0-9a-f]{32}$/);
  const files = assertCiphertextOnly(join(DAV_ROOT, "Hearth backups"), [MARK, "soup", "neighbour", DAV_PASS]);
  assert.ok(files.some((f) => f.endsWith("header")) && files.some((f) => f.includes("objects")));

  // Device B opens it from the same folder; the choice came with the vault.
  const b = await deviceB((page) => chooseWebdav(page, DAV_PASS), code, ENTRY);
  assert.equal(await b.page.getByRole("radio", { name: /A WebDAV folder/ }).isChecked(), true);
  await b.context.close();

  // Nothing went anywhere but the widget's origin and the patient's folder.
  assert.deepEqual(unexpectedRequests(a.log, DAV_URL), []);
  assert.deepEqual(unexpectedRequests(b.log, DAV_URL), []);

  // Erasing on A erases the folder's copy too.
  await eraseOn(a);
  assert.ok(!existsSync(join(DAV_ROOT, "Hearth backups", vaults[0])), "the vault's folder is gone");
  await a.context.close();
});

test("a patient keeps the encrypted copy in an S3 bucket and opens it on a second device", async () => {
  assert.ok(S3_URL && S3_ROOT, "scripts/test starts rclone's S3 server (HEARTH_S3, HEARTH_S3_ROOT)");
  const entry = `Planted tulip bulbs along the fence ${MARK}`;
  const chooseS3 = async (page, secret) => {
    await page.getByRole("radio", { name: /S3-compatible storage/ }).check();
    await page.getByLabel("Service address").fill(S3_URL);
    await page.getByLabel("Region").fill(S3_REGION);
    await page.getByLabel("Bucket", { exact: true }).fill(S3_BUCKET);
    await page.getByLabel("Folder in the bucket (optional)").fill("patients");
    await page.getByLabel("Access key ID").fill(S3_KEY);
    await page.getByLabel("Secret access key").fill(secret);
  };
  const a = await deviceA(entry);
  await chooseS3(a.page, "not-the-secret");
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  assert.match(await syncNow(a.page), /did not accept this device.s sign-in/);
  await a.page.getByLabel("Secret access key").fill(S3_SECRET);
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  assert.match(await syncNow(a.page), /Nothing is waiting to be sent/);
  const code = (await a.page.locator(".vault-code").innerText()).trim();

  const vaults = readdirSync(join(S3_ROOT, "patients"));
  assert.equal(vaults.length, 1, `one vault prefix: ${vaults}`);
  assert.match(vaults[0], /^hearth-[0-9a-f]{32}$/);
  assertCiphertextOnly(join(S3_ROOT, "patients"), [MARK, "tulip", "fence", S3_SECRET]);

  const b = await deviceB((page) => chooseS3(page, S3_SECRET), code, entry);
  assert.equal(await b.page.getByRole("radio", { name: /S3-compatible storage/ }).isChecked(), true);
  await b.context.close();
  assert.deepEqual(unexpectedRequests(a.log, S3_URL), []);
  assert.deepEqual(unexpectedRequests(b.log, S3_URL), []);

  await eraseOn(a);
  const left = existsSync(join(S3_ROOT, "patients")) ? filesUnder(join(S3_ROOT, "patients")) : [];
  assert.deepEqual(left, [], "nothing of the vault is left in the bucket");
  await a.context.close();
});
