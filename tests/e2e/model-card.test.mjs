// "About the AI model": the model card in the widget, from the consent step and from
// settings, shows the same words and numbers as docs/model-card.md (both are written by
// `hearth-nlu report` from the held-out evaluation and the bias audit), and passes axe.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { axeViolations, BASE, completeConsent, createVault, launch, open } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const DOC = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../docs/model-card.md"), "utf8");

/** The document's table rows, as [label, value]. */
function rows() {
  return DOC.split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| |"))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
}

/** The document's section headings. */
function headings() {
  return DOC.split("\n").filter((line) => line.startsWith("## ")).map((line) => line.slice(3));
}

async function assertSameAsTheDocument(page) {
  await page.getByRole("heading", { name: "About the AI model", exact: true }).waitFor();
  for (const heading of headings()) {
    await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  }
  const shown = await page.locator(".model-card").innerText();
  const table = rows();
  assert.ok(table.length >= 15, `the document has its tables (${table.length} rows)`);
  for (const [label, value] of table) {
    assert.ok(shown.includes(label), `the widget shows "${label}"`);
    assert.ok(shown.includes(value), `the widget shows "${value}" for "${label}"`);
  }
  assert.match(shown, /Crisis messages that open the crisis card/);
  assert.match(shown, /flip with identity/);
}

test("the model card is reachable from the consent step and shows what docs/model-card.md says", async () => {
  // axe is injected as a script, which the page's policy rightly refuses: bypass it here.
  const context = await browser.newContext({ bypassCSP: true, locale: "en-US" });
  const page = await context.newPage();
  await page.goto(new URL("/patient/", BASE).href);
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  await page.getByRole("button", { name: /About the AI model/ }).click();
  await assertSameAsTheDocument(page);
  assert.deepEqual(await axeViolations(page), []);
  await page.getByRole("button", { name: "Back", exact: true }).click();
  await page.getByRole("heading", { name: "Before we start" }).waitFor();
  await context.close();
});

test("the model card is reachable from settings and goes back there", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "Both");
  await createVault(page);
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  await page.getByRole("button", { name: "About the AI model" }).click();
  await assertSameAsTheDocument(page);
  await page.getByRole("button", { name: "Back", exact: true }).click();
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  await context.close();
});
