// Accessibility of the main screens, checked by axe-core (WCAG 2.1 A and AA rules) inside
// the widget's shadow root: labelled controls, contrast, headings, landmarks.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { axeViolations as violations, BASE, completeConsent, createVault, launch, unlock } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("the consent step, vault creation, home, journal, settings, the crisis card, the screener, the safety plan, the chat and the follow-up check pass axe", async () => {
  const context = await browser.newContext({ bypassCSP: true, locale: "en-US" });
  const page = await context.newPage();
  await page.goto(BASE);
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  const found = { consent: await violations(page) };
  await completeConsent(page, "Both");
  found.create = await violations(page);
  await createVault(page);
  found.home = await violations(page);
  await page.getByRole("button", { name: "Journal" }).click();
  await page.getByRole("heading", { name: "Journal" }).waitFor();
  found.journal = await violations(page);
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  found.settings = await violations(page);
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("heading", { name: "Get help now" }).waitFor();
  found.crisis = await violations(page);
  await page.getByRole("button", { name: "Answer six short questions" }).click();
  await page.getByText("Question 1 of 6").waitFor();
  found.screener = await violations(page);
  await page.getByRole("button", { name: "Close" }).click();
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByRole("button", { name: "My safety plan" }).click();
  await page.getByRole("heading", { name: "My safety plan" }).waitFor();
  found.safetyPlan = await violations(page);
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByRole("button", { name: "Talk with the assistant" }).click();
  await page.getByLabel("Your message").fill("I've had a long week at work");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.locator(".message.assistant").first().waitFor();
  found.chat = await violations(page);
  await page.getByLabel("Your message").fill("I keep having thoughts about killing myself");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.locator(".message.assistant").nth(1).waitFor();
  await page.locator(".stopped").waitFor();
  found.chatStopped = await violations(page);
  await page.reload();
  await unlock(page);
  await page.getByRole("heading", { name: "Checking in" }).waitFor();
  found.followUp = await violations(page);
  assert.deepEqual(found, {
    consent: [],
    create: [],
    home: [],
    journal: [],
    settings: [],
    crisis: [],
    screener: [],
    safetyPlan: [],
    chat: [],
    chatStopped: [],
    followUp: [],
  });
  await context.close();
});
