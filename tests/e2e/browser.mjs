// Shared set-up for the end-to-end tests: Debian's chromium through playwright-core, a
// fresh profile per context, and a record of everything a page asked for or complained
// about, so each test can assert that nothing left the widget's origin.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
