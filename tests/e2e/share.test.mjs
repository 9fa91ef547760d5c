// Sharing with the clinician, end to end in real Chromium against the real relay: the
// clinician creates a key in the console at /clinician/ (sealed under their passphrase in
// the browser) and registers the clinic inbox; the clinic's configuration carries that
// public key; a patient shares a journal entry and a PHQ-9 result; the console opens the
// inbox and shows exactly that; the relay's stored bytes hold none of it; a tampered item
// is refused with a clear message; the patient sees what was shared and when, and stops
// future sharing. Both pages run under the relay's strict CSP with no violation and no
// request to another origin.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import {
  ARTIFACTS,
  BASE,
  createVault,
  cspViolations,
  fillNewPassphrase,
  foreignRequests,
  launch,
  open,
  storedBytes,
  watchCsp,
} from "./browser.mjs";

const RELAY_DATA = process.env.HEARTH_RELAY_DATA;
const INBOX = `riverside-share-${Date.now()}`;
const CLINIC_TOKEN = `clinic-token-${Math.random().toString(36).slice(2)}-share-0123`;
const CLINICIAN_PASSPHRASE = "copper meadow ninety lanterns";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The console at /clinician/, with CSP violations watched. */
async function openConsole() {
  const opened = await open(browser, "/clinician/");
  await watchCsp(opened.context);
  await opened.page.reload();
  await opened.page.getByRole("heading", { name: "Clinician console" }).waitFor();
  return opened;
}

/** The patient page with `config` as its clinic.json. */
async function openPatient(config) {
  const opened = await open(browser, "/patient/");
  await watchCsp(opened.context);
  await opened.context.route("**/clinic.json", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(config) }),
  );
  await opened.page.reload();
  return opened;
}

async function answerPhq9(page, scores) {
  for (const [i, score] of scores.entries()) {
    await page.getByText(`Question ${i + 1} of 9`).waitFor();
    const answer = ["Not at all", "Several days", "More than half the days", "Nearly every day"][score];
    await page.getByRole("button", { name: answer, exact: true }).click();
  }
}

async function openInbox(page) {
  await page.getByLabel("Inbox id").fill(INBOX);
  await page.getByLabel("Inbox token").fill(CLINIC_TOKEN);
  await page.getByRole("button", { name: "Open inbox" }).click();
}

test("a patient shares an entry and a PHQ-9 result; only the clinician's console can read them", async () => {
  // The clinician makes a key and registers the inbox.
  const clinician = await openConsole();
  const cpage = clinician.page;
  await fillNewPassphrase(cpage, "Passphrase", CLINICIAN_PASSPHRASE);
  await cpage.getByRole("button", { name: "Create my key" }).click();
  await cpage.getByRole("heading", { name: "Your recovery words" }).waitFor({ timeout: 60_000 });
  assert.equal((await cpage.locator(".recovery-words").innerText()).trim().split(/\s+/).length, 24);
  await cpage.getByRole("button", { name: "I have written them down" }).click();
  const publicKey = await cpage.getByLabel("Clinician public key").inputValue();
  assert.match(publicKey, /^[A-Za-z0-9_-]{43}$/);
  // The key is kept only sealed: the secret never appears in the page's storage as text.
  const kept = await cpage.evaluate(() => localStorage.getItem("hearth.clinician.sealed_key"));
  assert.ok(kept && kept.length > 200);
  await cpage.getByLabel("Inbox id").fill(INBOX);
  await cpage.getByLabel("Inbox token").fill(CLINIC_TOKEN);
  await cpage.getByRole("button", { name: "Register this inbox" }).click();
  await cpage.getByText("The inbox is registered with this token.").waitFor();

  // The clinic publishes the key; the patient shares.
  const config = {
    version: 1,
    name: "Riverside Test Clinic",
    contact_options: [{ label: "Call reception", kind: "phone", value: "+44 1632 960 100" }],
    alerts: { enabled: false, inbox: INBOX },
    sharing: { enabled: true },
    clinician_key: publicKey,
  };
  const patient = await openPatient(config);
  const page = patient.page;
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  await page.getByRole("radio", { name: /^Both/ }).check();
  await page.getByRole("checkbox", { name: /software, not a person/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await createVault(page);
  const words = `Slept badly again and argued with my sister ${Date.now()}`;
  await page.getByRole("button", { name: "Journal" }).click();
  await page.getByLabel("New entry").fill(words);
  await page.getByRole("button", { name: "Save entry" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.getByLabel("New entry").fill("A private entry that stays on this device");
  await page.getByRole("button", { name: "Save entry" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Back" }).click();
  // PHQ-9: 2+1+2+1+1+1+1+0+0 = 9 (mild).
  await page.getByRole("button", { name: "PHQ-9 (mood questionnaire)" }).click();
  await answerPhq9(page, [2, 1, 2, 1, 1, 1, 1, 0, 0]);
  await page.getByText("PHQ-9 total: 9 out of 27 (mild)").waitFor();
  await page.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "Share with my clinician" }).click();
  await page.getByRole("heading", { name: "Share with my clinician" }).waitFor();
  await page.getByText("You have not shared anything yet.").waitFor();
  await page.getByRole("checkbox", { name: new RegExp(`Slept badly again`) }).check();
  await page.getByRole("checkbox", { name: /PHQ-9 on .*: 9 of 27 \(mild\)/ }).check();
  await page.getByLabel("Your name, as your clinic knows you (optional)").fill("Robin Example");
  await page.getByRole("button", { name: "Share selected" }).click();
  await page.getByText("Shared. Your clinician can now read what you picked.").waitFor({ timeout: 15_000 });
  // What was shared, and when.
  const history = page.locator(".share-history li");
  await history.first().waitFor();
  const listed = (await history.allInnerTexts()).join("\n");
  assert.match(listed, /1 journal entry — shared \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Sent to your clinic/);
  assert.match(listed, /PHQ-9 result — shared .* Sent to your clinic/);
  await page.screenshot({ path: join(ARTIFACTS, "widget-shared.png") });

  // The console reads exactly that.
  await openInbox(cpage);
  await cpage.getByText("2 items.").waitFor({ timeout: 15_000 });
  const items = cpage.locator(".inbox-item");
  const texts = await items.allInnerTexts();
  const entry = texts.find((t) => t.includes("1 journal entry"));
  const score = texts.find((t) => t.includes("PHQ-9 result"));
  assert.ok(entry && score, texts.join("\n---\n"));
  assert.ok(entry.includes(words), entry);
  assert.ok(!entry.includes("A private entry"), "only the picked entry was shared");
  assert.match(entry, /signed “Robin Example”/);
  assert.match(score, /Total 9 of 27 \(mild\)\./);
  assert.match(score, /Answers, item by item \(0–3\): 2, 1, 2, 1, 1, 1, 1, 0, 0\./);
  await cpage.screenshot({ path: join(ARTIFACTS, "console-inbox.png"), fullPage: true });

  // The relay holds none of it in plaintext.
  if (RELAY_DATA) {
    const stored = storedBytes(RELAY_DATA);
    for (const secret of [words, "Robin Example", "hearth_share", "PHQ-9"]) {
      assert.ok(!stored.includes(secret), `the relay stored "${secret}" in plaintext`);
    }
  }

  // A tampered item (anyone may post to an inbox) is refused plainly, the rest still shows.
  const listing = await (
    await fetch(new URL(`/v1/inbox/${INBOX}/items`, BASE), { headers: { Authorization: `Bearer ${CLINIC_TOKEN}` } })
  ).json();
  const original = await fetch(new URL(`/v1/inbox/${INBOX}/items/${listing.objects[0].name}`, BASE), {
    headers: { Authorization: `Bearer ${CLINIC_TOKEN}` },
  });
  const tampered = Buffer.from(await original.arrayBuffer());
  tampered[tampered.length - 3] ^= 1;
  const posted = await fetch(new URL(`/v1/inbox/${INBOX}/items/tampered-${Date.now()}`, BASE), {
    method: "PUT",
    body: tampered,
  });
  assert.equal(posted.status, 201);
  await openInbox(cpage);
  await cpage.getByText("3 items.").waitFor({ timeout: 15_000 });
  await cpage
    .locator(".inbox-refused")
    .getByText("This item could not be opened: it was changed after it was sealed")
    .waitFor();
  assert.equal(await cpage.locator(".inbox-title").count(), 2);
  // The clinician deletes it.
  await cpage.locator(".inbox-item").filter({ has: cpage.locator(".inbox-refused") })
    .getByRole("button", { name: "Delete from the inbox" }).click();
  await cpage.getByText("2 items.").waitFor({ timeout: 15_000 });

  // The patient stops sharing: nothing more can be sent.
  await page.getByRole("button", { name: "Stop sharing with my clinician" }).click();
  await page.getByText("Sharing is off.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Share selected" }).count(), 0);

  for (const { page: p, log } of [clinician, patient]) {
    assert.deepEqual(await cspViolations(p), []);
    assert.deepEqual(foreignRequests(log), []);
  }
  await clinician.context.close();
  await patient.context.close();
});

test("the console's key opens only with its passphrase, survives a reload, and recovers with its words", async () => {
  const { context, page, log } = await openConsole();
  await fillNewPassphrase(page, "Passphrase", CLINICIAN_PASSPHRASE);
  await page.getByRole("button", { name: "Create my key" }).click();
  await page.getByRole("heading", { name: "Your recovery words" }).waitFor({ timeout: 60_000 });
  const words = (await page.locator(".recovery-words").innerText()).trim();
  await page.getByRole("button", { name: "I have written them down" }).click();
  const publicKey = await page.getByLabel("Clinician public key").inputValue();
  await page.reload();
  await page.getByRole("heading", { name: "Open your clinician key" }).waitFor();
  await page.getByLabel("Passphrase", { exact: true }).fill("copper meadow ninety lantern");
  await page.getByRole("button", { name: "Open", exact: true }).click();
  await page.locator(".field-error").first().waitFor({ timeout: 60_000 });
  assert.equal(await page.getByLabel("Clinician public key").count(), 0);
  await page.getByLabel("Passphrase", { exact: true }).fill(CLINICIAN_PASSPHRASE);
  await page.getByRole("button", { name: "Open", exact: true }).click();
  await page.getByLabel("Clinician public key").waitFor({ timeout: 60_000 });
  assert.equal(await page.getByLabel("Clinician public key").inputValue(), publicKey);
  // Passphrase forgotten: the recovery words set a new one; the key is the same.
  await page.reload();
  await page.getByRole("button", { name: "Forgot your passphrase?" }).click();
  await page.getByLabel("Recovery words").fill(words);
  await fillNewPassphrase(page, "New passphrase", "harbour willow seventy kites");
  await page.getByRole("button", { name: "Set new passphrase" }).click();
  await page.getByLabel("Clinician public key").waitFor({ timeout: 60_000 });
  assert.equal(await page.getByLabel("Clinician public key").inputValue(), publicKey);
  await page.reload();
  await page.getByLabel("Passphrase", { exact: true }).fill("harbour willow seventy kites");
  await page.getByRole("button", { name: "Open", exact: true }).click();
  await page.getByLabel("Clinician public key").waitFor({ timeout: 60_000 });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});
