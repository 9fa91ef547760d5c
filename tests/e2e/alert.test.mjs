// Escalation with consent, in real Chromium against the real relay: a clinic configuration
// with crisis contacts per locale (one of them invalid), alert settings and a clinician key;
// a patient who agreed to alerts taps "Alert my clinician" in the urgent state; the sealed
// alert lands in the clinic's inbox, opens with the clinician's secret key (hearth-share),
// and neither the relay's answer nor its stored bytes contain the patient's words. Offline,
// the alert waits on the device and is sent after the next unlock.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ARTIFACTS,
  BASE,
  createVault,
  foreignRequests,
  launch,
  open,
  storedBytes,
  unlock,
} from "./browser.mjs";

const SHARE_BIN =
  process.env.HEARTH_SHARE_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? "target", "debug", "hearth-share");
const RELAY_DATA = process.env.HEARTH_RELAY_DATA;
const INBOX = `riverside-test-${Date.now()}`;
const CLINIC_TOKEN = `clinic-token-${Math.random().toString(36).slice(2)}-0123456789`;

let browser;
let keys;
before(async () => {
  browser = await launch();
  const out = execFileSync(SHARE_BIN, ["keygen"], { encoding: "utf8" });
  keys = Object.fromEntries(out.trim().split("\n").map((line) => line.split(" ")));
  const registered = await fetch(new URL(`/v1/inbox/${INBOX}`, BASE), {
    method: "PUT",
    headers: { Authorization: `Bearer ${CLINIC_TOKEN}` },
  });
  assert.equal(registered.status, 201);
});
after(async () => {
  await browser?.close();
});

function clinicConfig() {
  return {
    version: 1,
    name: "Riverside Test Clinic",
    contact_options: [{ label: "Call reception", kind: "phone", value: "+44 1632 960 100" }],
    crisis_resources: {
      "en-GB": [{ name: "Riverside night team", phone: "01632 960 999", sms: "07700 900 999", hours: "24/7" }],
      "*": [
        { name: "Riverside duty clinician", phone: "01632 960 111" },
        { name: "Broken entry", phone: "ring us" },
      ],
    },
    alerts: { enabled: true, inbox: INBOX },
    clinician_key: keys.public,
  };
}

/** A page whose clinic.json is `config` (everything else comes from the real relay). */
async function openWithClinic(config, options) {
  const { context, page, log } = await open(browser, "/patient/", options);
  await context.route("**/clinic.json", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(config) }),
  );
  await page.reload();
  return { context, page, log };
}

async function inboxItems() {
  const response = await fetch(new URL(`/v1/inbox/${INBOX}/items`, BASE), {
    headers: { Authorization: `Bearer ${CLINIC_TOKEN}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()).objects;
}

/** Downloads every inbox item into a fresh directory; returns the file paths. */
async function downloadInbox() {
  const dir = mkdtempSync(join(tmpdir(), "hearth-inbox-"));
  const files = [];
  for (const { name } of await inboxItems()) {
    const response = await fetch(new URL(`/v1/inbox/${INBOX}/items/${name}`, BASE), {
      headers: { Authorization: `Bearer ${CLINIC_TOKEN}` },
    });
    assert.equal(response.status, 200);
    const file = join(dir, name);
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    files.push(file);
  }
  return files;
}

/** Opens share files with the clinician's secret key; one JSON object per file. */
function openShares(files) {
  let out;
  try {
    out = execFileSync(SHARE_BIN, ["open", ...files], {
      encoding: "utf8",
      env: { ...process.env, HEARTH_CLINICIAN_SECRET: keys.secret },
    });
  } catch (error) {
    out = error.stdout;
  }
  return out.trim().split("\n").map((line) => JSON.parse(line));
}

/** The consent step with the optional alert agreement ticked. */
async function consentWithAlerts(page, choice) {
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  await page.getByRole("radio", { name: new RegExp(`^${choice}`) }).check();
  await page.getByRole("checkbox", { name: /software, not a person/ }).check();
  await page.getByRole("checkbox", { name: /let me choose to send my clinician a short alert/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Lock your space with a passphrase" }).waitFor();
}

async function sendAlert(page, message, name) {
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("button", { name: "I need help now" }).click();
  await page.getByRole("button", { name: "Alert my clinician" }).click();
  await page.getByRole("radio", { name: "I'm safe for now, but I need to talk to you soon." }).check();
  if (message) await page.getByLabel("Or write your own (optional)").fill(message);
  await page.getByLabel("Your name, as your clinic knows you (optional)").fill(name);
  await page.getByRole("button", { name: "Send alert" }).click();
}

test("the clinic's crisis contacts come first for the locale; an invalid one is reported, the defaults still show", async () => {
  const { context, page, log } = await openWithClinic(clinicConfig(), { locale: "en-GB" });
  await page.getByRole("button", { name: "Crisis help" }).click();
  const clinic = page.locator(".clinic-crisis");
  await clinic.waitFor();
  assert.deepEqual(await clinic.locator("h4").allInnerTexts(), ["Riverside night team", "Riverside duty clinician"]);
  assert.equal(await clinic.getByRole("link", { name: "Call 01632 960 999" }).getAttribute("href"), "tel:01632960999");
  assert.equal(await clinic.getByRole("link", { name: "Text 07700 900 999" }).getAttribute("href"), "sms:07700900999");
  const problems = page.locator(".config-problems");
  await problems.getByText("Some of your clinic's settings could not be used").waitFor();
  await problems.locator("summary").click();
  assert.match(await problems.innerText(), /crisis_resources\.\*\[1\]/);
  // The built-in lines follow, the patient's country first.
  const regions = await page.locator(".crisis-line:not(.clinic-line) h3").allInnerTexts();
  assert.equal(regions[0], "United Kingdom");
  const order = await page.locator(".crisis-panel h3, .crisis-panel h4").allInnerTexts();
  assert.ok(order.indexOf("Riverside night team") < order.indexOf("United Kingdom"), order.join(" | "));
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("an alert is never offered without the patient's agreement", async () => {
  const { context, page } = await openWithClinic(clinicConfig());
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  await page.getByRole("radio", { name: /^Both/ }).check();
  await page.getByRole("checkbox", { name: /software, not a person/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await createVault(page);
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("button", { name: "I need help now" }).click();
  await page.locator(".urgent").waitFor();
  assert.equal(await page.getByRole("button", { name: "Alert my clinician" }).count(), 0);
  await context.close();
});

test("alert my clinician: sealed to the clinician's key, in the inbox, no plaintext on the relay", async () => {
  const { context, page, log } = await openWithClinic(clinicConfig());
  await consentWithAlerts(page, "Both");
  await createVault(page);
  const marker = `please-ring-my-mobile-${Date.now()}`;
  const before = (await inboxItems()).length;
  await sendAlert(page, marker, "Jordan Example");
  await page.getByText("Alert sent to your clinician at").waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(ARTIFACTS, "widget-alert-sent.png") });
  assert.equal((await inboxItems()).length, before + 1);
  const opened = openShares(await downloadInbox()).filter((o) => o.plaintext?.includes(marker));
  assert.equal(opened.length, 1, "exactly one alert carries the patient's message");
  assert.equal(opened[0].kind, "alert");
  const alert = JSON.parse(opened[0].plaintext);
  assert.equal(alert.type, "crisis_alert");
  assert.equal(alert.risk, "high");
  assert.equal(alert.message, marker);
  assert.equal(alert.from, "Jordan Example");
  assert.ok(!Number.isNaN(Date.parse(alert.sent_at)));
  // No plaintext anywhere the relay can see: not in what it serves...
  const bytes = readFileSync(opened[0].file);
  assert.ok(!bytes.includes(marker) && !bytes.includes("Jordan"));
  // ...nor in what it stored.
  if (RELAY_DATA) {
    const stored = storedBytes(RELAY_DATA);
    assert.ok(stored.length > 0);
    for (const secret of [marker, "Jordan Example", "crisis_alert"]) {
      assert.ok(!stored.includes(secret), `the relay stored "${secret}" in plaintext`);
    }
  }
  // A tampered share is refused with a clear reason.
  const tampered = Buffer.from(bytes);
  tampered[tampered.length - 5] ^= 1;
  const tamperedFile = join(mkdtempSync(join(tmpdir(), "hearth-tampered-")), "share");
  writeFileSync(tamperedFile, tampered);
  const [refused] = openShares([tamperedFile]);
  assert.match(refused.error, /cannot open/);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("offline, the alert waits sealed on the device and is sent after the next unlock", async () => {
  const { context, page } = await openWithClinic(clinicConfig());
  await consentWithAlerts(page, "AI-guided self-help");
  await createVault(page);
  const marker = `offline-alert-${Date.now()}`;
  const before = (await inboxItems()).length;
  await context.setOffline(true);
  await sendAlert(page, marker, "");
  const queued = page.locator(".alert-status.queued");
  await queued.getByText("Your alert has NOT been sent yet.").waitFor({ timeout: 10_000 });
  assert.match(await queued.innerText(), /will be sent the next time you unlock Hearth/);
  assert.match(await queued.innerText(), /phone your clinic or a crisis line/);
  assert.equal((await inboxItems()).length, before);
  await context.setOffline(false);
  await page.getByRole("button", { name: "Lock" }).click();
  await unlock(page);
  for (let i = 0; i < 50 && (await inboxItems()).length === before; i++) await page.waitForTimeout(200);
  assert.equal((await inboxItems()).length, before + 1);
  const opened = openShares(await downloadInbox()).filter((o) => o.plaintext?.includes(marker));
  assert.equal(opened.length, 1);
  await context.close();
});
