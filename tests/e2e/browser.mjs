// Shared set-up for the end-to-end tests: Debian's chromium through playwright-core, a
// fresh profile per context, and a record of everything a page asked for or complained
// about, so each test can assert that nothing left the widget's origin.
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const BASE = process.env.HEARTH_URL ?? "http://127.0.0.1:8080/";
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A new page in a fresh context, with its requests, console errors and page errors recorded. */
export async function open(browser, path = "/", { locale = "en-US" } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const log = { requests: [], errors: [] };
  page.on("request", (request) => log.requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") log.errors.push(message.text());
  });
  page.on("pageerror", (error) => log.errors.push(String(error)));
  const response = await page.goto(new URL(path, BASE).href);
  return { context, page, log, response };
}

/** Every request the page made went to the widget's own origin. */
export function foreignRequests(log) {
  const origin = new URL(BASE).origin;
  return log.requests.filter((url) => !url.startsWith("data:") && new URL(url).origin !== origin);
}

export const PASSPHRASE = "violet harbour lantern seventeen";

/** Completes the consent step with `choice` ("AI-guided self-help", "A human clinician", "Both"). */
export async function completeConsent(page, choice) {
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  await page.getByRole("radio", { name: new RegExp(`^${choice}`) }).check();
  await page.getByRole("checkbox", { name: /software, not a person/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Lock your space with a passphrase" }).waitFor();
}

/** Fills a new-passphrase field pair (the first "label" field and "Type it again"). */
export async function fillNewPassphrase(page, label, passphrase) {
  await page.getByLabel(label, { exact: true }).fill(passphrase);
  await page.getByLabel("Type it again").fill(passphrase);
  await page.getByText("strong enough").first().waitFor();
}

/** Creates the vault, confirms the recovery words, lands on home; returns the 24 words. */
export async function createVault(page, passphrase = PASSPHRASE) {
  await fillNewPassphrase(page, "Passphrase", passphrase);
  await page.getByRole("button", { name: "Create my vault" }).click();
  await page.getByRole("heading", { name: "Your recovery words" }).waitFor({ timeout: 60_000 });
  const words = await page.locator(".recovery-words li").allInnerTexts();
  await page.getByLabel("Word number 4").fill(words[3]);
  await page.getByLabel("Word number 19").fill(words[18]);
  await page.getByRole("checkbox", { name: /written down my recovery words/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Welcome", exact: true }).waitFor({ timeout: 30_000 });
  return words;
}

/** Unlocks a locked vault with `passphrase` and waits for home. */
export async function unlock(page, passphrase = PASSPHRASE) {
  await page.getByRole("heading", { name: "Welcome back" }).waitFor();
  await page.getByLabel("Passphrase", { exact: true }).fill(passphrase);
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("heading", { name: "Welcome", exact: true }).waitFor({ timeout: 60_000 });
}

/** Every sealed envelope in the vault's IndexedDB store, decoded as Latin-1 and joined (to
 * search for plaintext that must not be there). */
export async function storedEnvelopes(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open("hearth-vault");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all = await new Promise((resolve) => {
      const request = db.transaction("envelopes").objectStore("envelopes").getAll();
      request.onsuccess = () => resolve(request.result);
    });
    return all.map((bytes) => new TextDecoder("latin1").decode(bytes)).join("");
  });
}

/** The patient page with every model file request failing (rules only), after consent
 * (AI-guided self-help) and a new vault, once the widget says the model is unavailable. */
export async function openWithModelBlocked(browser) {
  const opened = await open(browser, "/patient/");
  await opened.context.route("**/model/**", (route) => route.abort());
  await opened.page.reload();
  await completeConsent(opened.page, "AI-guided self-help");
  await createVault(opened.page);
  await opened.page
    .getByText("On-device understanding isn't available right now")
    .waitFor({ timeout: 30_000 });
  return opened;
}

/**
 * axe-core's WCAG 2.1 A/AA violations inside the widget's shadow root, as "rule: target"
 * lines (only serious and critical ones with `seriousOnly`). Asserts that axe really
 * looked inside the shadow root. axe is injected by the test only; the relay's policy
 * forbids it for real pages, so the context needs `bypassCSP`.
 */
export async function axeViolations(page, { seriousOnly = false } = {}) {
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async (seriousOnly) => {
    const report = await window.axe.run(
      { include: [["hearth-widget"]] },
      { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } },
    );
    return {
      problems: report.violations
        .filter((v) => !seriousOnly || v.impact === "serious" || v.impact === "critical")
        .flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)}`)),
      checked: report.passes.reduce((sum, rule) => sum + rule.nodes.length, 0),
    };
  }, seriousOnly);
  assert.ok(result.checked > 10, `axe checked only ${result.checked} elements`);
  return result.problems;
}

/** Every file under `dir` (the relay's storage), concatenated, to search for plaintext. */
export function storedBytes(dir) {
  const parts = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    parts.push(statSync(path).isDirectory() ? storedBytes(path) : readFileSync(path));
  }
  return Buffer.concat(parts);
}

/** Collects the page's Content-Security-Policy violations (read them with `cspViolations`). */
export async function watchCsp(context) {
  await context.addInitScript(() => {
    window.__hearthCsp = [];
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__hearthCsp.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
}

/** The CSP violations the page reported since `watchCsp`. */
export function cspViolations(page) {
  return page.evaluate(() => window.__hearthCsp ?? ["not watched"]);
}
