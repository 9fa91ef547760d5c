// The crisis card in real Chromium: the safety plan is sealed in the vault and survives
// lock/unlock, the card shows it, the C-SSRS screener branches and triages, "I need help
// now" turns the card urgent, and chat messages and journal entries open the card within a
// second for 32 crisis messages and never for 32 everyday ones, online and offline, and
// with the model blocked (rules only) for the explicit and coded ones. The risk found
// survives a new conversation and a new visit, which opens with a follow-up check.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ARTIFACTS,
  completeConsent,
  createVault,
  foreignRequests,
  launch,
  open,
  openWithModelBlocked,
  storedEnvelopes,
  unlock,
} from "./browser.mjs";

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
  const stored = await storedEnvelopes(page);
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

const STOP_OR_GENTLE = /crisis options|ways to reach someone/;

/** Sends one chat message; returns the assistant's reply text. */
async function say(page, text) {
  const replies = page.locator(".message.assistant");
  // The button reads "Send" once the conversation has been read back from the vault.
  await page.getByRole("button", { name: "Send", exact: true }).waitFor();
  const before = await replies.count();
  await page.getByLabel("Your message").fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await replies.nth(before).waitFor();
  return replies.nth(before).innerText();
}

/**
 * Types the everyday messages, then the crisis ones, into the chat. Every crisis message
 * opens the card within a second and the assistant's reply stops its normal flow; no
 * everyday message opens it (the reply arriving proves the reading is done). Returns the
 * slowest time to the card.
 */
async function chatCrisisRun(page, label, crisis = MESSAGES.crisis, calm = MESSAGES.calm) {
  await page.getByRole("button", { name: "Talk with the assistant" }).click();
  await page.getByRole("heading", { name: "Talk with the assistant" }).waitFor();
  for (const text of calm) {
    const reply = await say(page, text);
    assert.equal(
      await page.getByRole("heading", { name: "Get help now" }).count(),
      0,
      `${label} chat: the crisis card opened for "${text}"`,
    );
    assert.match(reply, /automated message/i);
    assert.doesNotMatch(reply, STOP_OR_GENTLE, `${label} chat: "${text}" got a crisis reply`);
  }
  let slowest = 0;
  for (const text of crisis) {
    const replies = page.locator(".message.assistant");
    const before = await replies.count();
    await page.getByLabel("Your message").fill(text);
    const start = Date.now();
    await page.getByRole("button", { name: "Send", exact: true }).click();
    try {
      await page.getByRole("heading", { name: "Get help now" }).waitFor({ timeout: 1_000 });
    } catch {
      assert.fail(`${label} chat: no crisis card within 1 s for "${text}"`);
    }
    slowest = Math.max(slowest, Date.now() - start);
    await replies.nth(before).waitFor();
    const reply = await replies.nth(before).innerText();
    assert.match(reply, STOP_OR_GENTLE, `${label} chat: the assistant carried on after "${text}"`);
    // At moderate or high risk the normal flow stops (not just a gentle word).
    const risk = await page.locator(".crisis-panel [data-risk]").getAttribute("data-risk");
    if (risk === "moderate" || risk === "high") {
      assert.match(reply, /crisis options/, `${label} chat: "${text}" (${risk}) did not stop the assistant`);
    }
    assert.doesNotMatch(reply, /breathe in slowly|short exercise/);
    await page.getByRole("button", { name: "Close" }).click();
  }
  console.log(`${label} chat: ${crisis.length} crisis messages, slowest card ${slowest} ms; ${calm.length} everyday messages, no card`);
  await page.getByRole("button", { name: "Back" }).click();
  return slowest;
}

test("with the model: every crisis message opens the card within a second, no everyday one does", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  await chatCrisisRun(page, "model");
  await journalCrisisRun(page, "model");
  await context.close();
});

test("with the network gone after the model loaded: the same", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  await context.setOffline(true);
  await chatCrisisRun(page, "offline");
  await journalCrisisRun(page, "offline");
  await context.close();
});

test("with the model blocked (rules only): explicit and coded messages still open the card from the chat", async () => {
  const { context, page, log } = await openWithModelBlocked(browser);
  // The five implicit messages (a bridge, an intruder, giving things away, researching
  // doses, a method without a frame) need the model; the rules catch the other 27.
  const rulesCatch = MESSAGES.crisis.filter((m) => !MESSAGES.model_only.includes(m));
  assert.equal(rulesCatch.length, 27);
  const idioms = MESSAGES.calm.filter((m) => /kill|die|dead|murder|shoot/i.test(m));
  await chatCrisisRun(page, "rules only", rulesCatch, idioms);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("the risk survives a new conversation and a new visit, which opens with a follow-up check", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.getByRole("button", { name: "Talk with the assistant" }).click();
  assert.match(await say(page, "hello there"), /automated|software/);
  const marker = `paracetamol-${Date.now()}`;
  assert.match(await say(page, `I'm going to kill myself tonight with ${marker}`), /crisis options/);
  await page.getByRole("button", { name: "Close" }).click();
  // A new conversation does not reset the risk: the assistant stays paused.
  await page.getByRole("button", { name: "New conversation" }).click();
  assert.equal(await page.locator(".message").count(), 0);
  await page.locator(".stopped").waitFor();
  assert.match(await say(page, "can we do a breathing exercise"), /crisis options/);
  // Nothing readable in IndexedDB: the chat is sealed like everything else.
  const stored = await storedEnvelopes(page);
  assert.ok(!stored.includes(marker) && !stored.includes("risk_state"));
  // A new visit opens with the follow-up check; "about the same" keeps it for next time.
  await page.reload();
  await unlock(page);
  const check = page.getByRole("heading", { name: "Checking in" });
  await check.waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "widget-follow-up.png") });
  await page.getByRole("button", { name: "About the same" }).click();
  await page.getByRole("button", { name: "Open my safety plan" }).waitFor();
  await page.reload();
  await unlock(page);
  await check.waitFor();
  // "I'm safe right now" lets the assistant carry on, but does not close the check...
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("button", { name: "I'm safe right now" }).click();
  await page.getByRole("button", { name: "Talk with the assistant" }).click();
  assert.doesNotMatch(await say(page, "can we do a breathing exercise"), /crisis options/);
  await page.getByRole("button", { name: "Back" }).click();
  // ..."a bit better" does.
  await page.getByRole("button", { name: "A bit better" }).click();
  await page.getByText("I'm glad to hear that").waitFor();
  await page.reload();
  await unlock(page);
  await page.waitForTimeout(500);
  assert.equal(await check.count(), 0);
  await context.close();
});
