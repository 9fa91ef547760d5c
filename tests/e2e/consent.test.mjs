// The first real screens: the demo clinic page embeds the widget, which opens at the
// informed-consent step; the patient's choice is kept across reloads and can be changed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { ARTIFACTS, completeConsent, createVault, foreignRequests, launch, open, unlock } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const consentHeading = (page) => page.getByRole("heading", { name: "Before we start" });

test("the clinic page shows the widget at its consent step, under a strict policy", async () => {
  const { context, page, log, response } = await open(browser, "/");
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);

  await page.getByRole("heading", { name: "Support between your sessions" }).waitFor();
  await consentHeading(page).waitFor();
  const widget = page.locator("hearth-widget");
  // Playwright's CSS locators pierce the widget's open shadow root.
  const text = await page.locator(".hearth-widget").innerText();
  for (const phrase of [
    "software, not a person",
    "cannot respond to an emergency",
    "stays on this device, encrypted",
    "The risks",
  ]) {
    assert.ok(text.includes(phrase), `consent text mentions "${phrase}"`);
  }
  for (const choice of ["AI-guided self-help", "A human clinician", "Both"]) {
    assert.ok(await page.getByRole("radio", { name: new RegExp(`^${choice}`) }).isVisible(), choice);
  }
  assert.equal(await page.getByRole("button", { name: "Continue" }).isDisabled(), true);
  // The host page's uppercase button style must not reach into the widget.
  const transform = await page
    .getByRole("button", { name: "Continue" })
    .evaluate((b) => getComputedStyle(b).textTransform);
  assert.equal(transform, "none");
  await widget.screenshot({ path: join(ARTIFACTS, "widget-consent.png") });
  await page.screenshot({ path: join(ARTIFACTS, "clinic-page.png"), fullPage: true });
  assert.deepEqual(log.errors, [], "no console errors or CSP violations");
  assert.deepEqual(foreignRequests(log), [], "no request to any other origin");
  await context.close();
});

test("the choice is kept across reloads, moves into the vault, and can be changed", async () => {
  const { context, page, log } = await open(browser, "/");
  await completeConsent(page, "Both");
  assert.equal(await page.locator(".chosen-path").innerText(), "Both");

  // Before a vault exists only the consent choice is kept, and it holds no free text.
  await page.reload();
  await page.getByRole("heading", { name: "Lock your space with a passphrase" }).waitFor();
  assert.equal(await page.locator(".chosen-path").innerText(), "Both");
  const stored = await page.evaluate(() => ({ ...localStorage }));
  assert.deepEqual(Object.keys(stored), ["hearth.consent"]);
  const record = JSON.parse(stored["hearth.consent"]);
  assert.deepEqual(Object.keys(record).sort(), ["accepted_at", "alerts", "choice", "consent_version"]);
  assert.equal(record.alerts, false, "the demo clinic offers no alerts");
  assert.equal(record.choice, "both");

  // Once the vault exists the receipt lives in it, encrypted, and localStorage is empty.
  await createVault(page);
  assert.equal(await page.locator(".chosen-path").innerText(), "Both");
  await page.locator("hearth-widget").screenshot({ path: join(ARTIFACTS, "widget-home.png") });
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  await page.reload();
  await unlock(page);
  assert.equal(await page.locator(".chosen-path").innerText(), "Both");

  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("radio", { name: /^A human clinician/ }).check();
  await page.getByRole("button", { name: "Save choice" }).click();
  await page.getByRole("status").filter({ hasText: "Saved. You chose: A human clinician." }).waitFor();
  await page.reload();
  await unlock(page);
  assert.equal(await page.locator(".chosen-path").innerText(), "A human clinician");
  // A human clinician: the clinic's contact options are on the home screen.
  const call = page.getByRole("link", { name: "Call reception" }).first();
  assert.equal(await call.getAttribute("href"), "tel:+15550100200");
  assert.deepEqual(log.errors, []);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("consent can be completed with the keyboard alone", async () => {
  const { context, page } = await open(browser, "/");
  await consentHeading(page).waitFor();
  const focused = () =>
    page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return { tag: el?.tagName, type: el?.type, value: el?.value, text: el?.textContent?.trim() };
    });
  let current;
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    current = await focused();
    if (current.type === "radio") break;
  }
  assert.equal(current.type, "radio", "the choices are reachable by Tab");
  await page.keyboard.press("ArrowDown"); // moves to, and selects, the next choice
  await page.keyboard.press("Tab");
  assert.equal((await focused()).type, "checkbox");
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab");
  assert.equal((await focused()).text, "Continue");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Lock your space with a passphrase" }).waitFor();
  assert.equal(await page.locator(".chosen-path").innerText(), "A human clinician");
  assert.equal(
    (await focused()).text,
    "Lock your space with a passphrase",
    "focus moves to the new screen's heading",
  );
  await context.close();
});

test("crisis help is one tap away before consent, with lines for the patient's country", async () => {
  const { context, page, log } = await open(browser, "/", { locale: "en-AU" });
  await consentHeading(page).waitFor();
  await page.getByRole("button", { name: "Crisis help" }).click();
  await page.getByRole("heading", { name: "Get help now" }).waitFor();
  // The demo clinic's own line for everyone comes first, then the built-in lines, the
  // patient's country first.
  await page.locator(".clinic-line").getByText("Riverside out-of-hours line").waitFor();
  const first = page.locator(".crisis-line:not(.clinic-line)").first();
  assert.equal(await first.locator("h3").innerText(), "Australia");
  assert.equal(await page.getByRole("link", { name: "Call 13 11 14" }).getAttribute("href"), "tel:131114");
  assert.equal(await page.getByRole("link", { name: "Call 988" }).first().getAttribute("href"), "tel:988");
  await page.locator("hearth-widget").screenshot({ path: join(ARTIFACTS, "widget-crisis.png") });
  assert.deepEqual(log.errors, []);
  await context.close();
});

test("the launcher page opens the widget from a button, and the patient page stands alone", async () => {
  const { context, page, log } = await open(browser, "/launcher/");
  const launcher = page.getByRole("button", { name: "Open Hearth support" });
  await launcher.waitFor();
  assert.equal(await consentHeading(page).count(), 0, "closed until asked");
  await launcher.click();
  await consentHeading(page).waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Open Hearth support" }).waitFor();
  assert.equal(await consentHeading(page).isVisible(), false);

  await page.goto(new URL("/patient/", page.url()).href);
  await consentHeading(page).waitFor();
  assert.deepEqual(log.errors, []);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});
