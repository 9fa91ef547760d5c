// Accessibility of the main screens, checked by axe-core (WCAG 2.1 A and AA rules) inside
// the widget's shadow root: labelled controls, contrast, headings, landmarks.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { BASE, completeConsent, createVault, launch, unlock } from "./browser.mjs";

const require = createRequire(import.meta.url);
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** axe's violations inside the widget, as "rule: target" lines. */
async function violations(page) {
  // axe is injected by the test only; the relay's policy forbids it for real pages.
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () => {
    const report = await window.axe.run(
      { include: [["hearth-widget"]] },
      { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } },
    );
    return {
      problems: report.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)}`)),
      // Proof that axe looked inside the shadow root: elements it checked and passed there.
      checked: report.passes.reduce((sum, rule) => sum + rule.nodes.length, 0),
    };
  });
  assert.ok(result.checked > 10, `axe checked only ${result.checked} elements`);
  return result.problems;
}

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
