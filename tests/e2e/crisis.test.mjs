// The crisis card in real Chromium: the safety plan is sealed in the vault and survives
// lock/unlock, the card shows it, the C-SSRS screener branches and triages, "I need help
// now" turns the card urgent, and journal entries open the card within a second for 32
// crisis messages and never for 32 everyday ones, online and offline.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, completeConsent, createVault, launch, open, unlock } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const PLAN_MARKER = `walk-to-the-park-${Date.now()}`;

test("the safety plan is encrypted, survives lock/unlock and shows in the crisis card", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "Both");
  await createVault(page);
  await page.getByRole("button", { name: "My safety plan" }).click();
  await page.getByLabel(/^1\. Warning signs/).fill("Not sleeping, skipping meals");
  await page.getByLabel(/^2\. Internal coping/).fill(`Music, a shower, ${PLAN_MARKER}`);
  await page.getByLabel(/^4\. People whom I can ask/).fill("My brother Sam 07700 900123");
  await page.getByRole("button", { name: "Save my plan" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  // Nothing readable in IndexedDB.
  const stored = await page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open("hearth-vault");
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const all = await new Promise((res) => {
      const r = db.transaction("envelopes").objectStore("envelopes").getAll();
      r.onsuccess = () => res(r.result);
    });
    return all.map((v) => new TextDecoder("latin1").decode(v)).join("");
  });
  assert.ok(!stored.includes(PLAN_MARKER), "the plan is stored only as ciphertext");
  await page.getByRole("button", { name: "Lock" }).click();
  await unlock(page);
  await page.getByRole("button", { name: "Crisis help" }).click();
  const card = page.locator(".safety-plan-card");
  await card.waitFor();
  assert.match(await card.innerText(), new RegExp(PLAN_MARKER));
  assert.match(await card.innerText(), /My brother Sam/);
  await page.screenshot({ path: join(ARTIFACTS, "widget-crisis-plan.png") });
  // Editing keeps one plan, updated.
  await page.getByRole("button", { name: "Close" }).click();
  await page.getByRole("button", { name: "My safety plan" }).click();
  await page.getByLabel(/^6\. Making the environment safe/).fill("Pills kept at my brother's");
  await page.getByRole("button", { name: "Save my plan" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Crisis help" }).click();
  await card.waitFor();
  assert.match(await card.innerText(), /Pills kept at my brother's/);
  assert.match(await card.innerText(), /Not sleeping/);
  await context.close();
});

test("the C-SSRS screener branches, triages, and high turns the card urgent", async () => {
  const { context, page } = await open(browser, "/patient/");
  const answer = async (yes) =>
    page.locator(".screener").getByRole("button", { name: yes ? "Yes" : "No" }).click();
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("button", { name: "Answer six short questions" }).click();
  await page.getByText("Have you wished you were dead").waitFor();
  await answer(true);
  await page.getByText("Have you actually had any thoughts of killing yourself?").waitFor();
  await answer(false);
  // No to 2: straight to question 6.
  await page.getByText("Question 6 of 6").waitFor();
  assert.match(await page.locator(".screener").innerText(), /collected pills/);
  await answer(false);
  await page.getByText("Your answers suggest a lower level of risk").waitFor();
  assert.equal(await page.locator(".urgent").count(), 0);
  // Again: yes to 2 opens 3, 4, 5; yes to 4 is high.
  await page.getByRole("button", { name: "Answer six short questions" }).click();
  for (const yes of [true, true, false, true, false, false]) await answer(yes);
  await page.getByText("Your answers suggest you are at high risk right now").waitFor();
  await page.locator(".urgent").getByText("Contact emergency services now.").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "widget-crisis-urgent.png") });
  await context.close();
});

test("\"I need help now\" shows the urgent state with the emergency number", async () => {
  const { context, page } = await open(browser, "/patient/", { locale: "en-GB" });
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("button", { name: "I need help now" }).click();
  const urgent = page.locator(".urgent");
  await urgent.getByText("Contact emergency services now.").waitFor();
  assert.equal(await urgent.locator("a.urgent-call").getAttribute("href"), "tel:999");
  await page.getByRole("button", { name: "I'm safe right now" }).click();
  assert.equal(await page.getByRole("heading", { name: "Get help now" }).count(), 0);
  await context.close();
});

// 32 crisis messages (explicit, plans and means, overdose taken, coded slang, passive
// wishes, self-harm, harm to others, danger now) and 32 idioms and everyday sad or stressed
// messages, written for this test (not from the training or held-out data).
const MESSAGES = JSON.parse(readFileSync(new URL("./crisis-messages.json", import.meta.url), "utf8"));

/** Saves each message as a journal entry; returns the slowest time to the crisis card. */
async function journalCrisisRun(page, label) {
  await page.getByRole("button", { name: "Journal" }).click();
  let slowest = 0;
  for (const text of MESSAGES.crisis) {
    await page.getByLabel("New entry").fill(text);
    const start = Date.now();
    await page.getByRole("button", { name: "Save entry" }).click();
    try {
      await page.getByRole("heading", { name: "Get help now" }).waitFor({ timeout: 1_000 });
    } catch {
      assert.fail(`${label}: no crisis card within 1 s for "${text}"`);
    }
    slowest = Math.max(slowest, Date.now() - start);
    await page.getByRole("button", { name: "Close" }).click();
  }
  for (const text of MESSAGES.calm) {
    await page.getByLabel("New entry").fill(text);
    await page.getByRole("button", { name: "Save entry" }).click();
    await page.getByText("Saved.", { exact: true }).waitFor();
    // The worker answers in milliseconds; give it ample time before checking.
    await page.waitForTimeout(300);
    assert.equal(
      await page.getByRole("heading", { name: "Get help now" }).count(),
      0,
      `${label}: the crisis card opened for "${text}"`,
    );
  }
  console.log(`${label}: ${MESSAGES.crisis.length} crisis messages, slowest card ${slowest} ms; ${MESSAGES.calm.length} everyday messages, no card`);
  return slowest;
}

test("with the model: every crisis message opens the card within a second, no everyday one does", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  await journalCrisisRun(page, "model");
  await context.close();
});

test("with the network gone after the model loaded: the same", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  await context.setOffline(true);
  await journalCrisisRun(page, "offline");
  await context.close();
});
