// The patient experience end to end in real Chromium: consent → vault → a check-in whose
// note the assistant reads back and the patient corrects → a guided CBT thought record to
// the end → PHQ-9 → a journal entry → trends charts with the data → the FHIR export has the
// QuestionnaireResponse structure → the full export holds every entry; axe-core finds no
// serious or critical problem on the way. Then the journal's edit, search and delete, a
// questionnaire resumed after leaving half-way, PHQ-9 item 9 opening the crisis protocol,
// and a session stopped by a crisis answer.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, axeViolations, completeConsent, createVault, foreignRequests, launch, open, storedEnvelopes } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** axe's serious and critical violations inside the widget. */
const seriousViolations = (page) => axeViolations(page, { seriousOnly: true });

/** Clicks a download button and returns the file's JSON. */
async function downloaded(page, button) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
  return { name: download.suggestedFilename(), json: JSON.parse(readFileSync(await download.path(), "utf8")) };
}

async function answerPhq9(page, scores) {
  for (const [i, score] of scores.entries()) {
    await page.getByText(`Question ${i + 1} of 9`).waitFor();
    await page.getByRole("button", { name: ["Not at all", "Several days", "More than half the days", "Nearly every day"][score], exact: true }).click();
  }
}

test("consent → vault → check-in with correction → thought record → PHQ-9 → journal → trends → exports", async () => {
  const context = await browser.newContext({ bypassCSP: true, locale: "en-GB", acceptDownloads: true });
  const page = await context.newPage();
  const log = { requests: [] };
  page.on("request", (r) => log.requests.push(r.url()));
  await page.goto(new URL("/patient/", process.env.HEARTH_URL ?? "http://127.0.0.1:8080/").href);
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  const axe = {};

  // Check-in: mood, feelings, energy, sleep, a note the assistant reads back.
  await page.getByRole("button", { name: "Check in" }).click();
  await page.getByRole("heading", { name: "Check in" }).waitFor();
  await page.getByLabel(/^Mood/).fill("3");
  await page.getByRole("checkbox", { name: "worried" }).check();
  await page.getByRole("checkbox", { name: "tired" }).check();
  await page.getByLabel("Hours of sleep last night (optional)").fill("5.5");
  await page.getByLabel("Anything you'd like to add? (optional)").fill("I'm so nervous about my exam tomorrow, I keep worrying I'll fail it");
  axe.checkIn = await seriousViolations(page);
  await page.getByRole("button", { name: "Save check-in" }).click();
  const reading = page.locator(".reading");
  await reading.getByText(/It sounds like you might be feeling .* — is that right\?/).waitFor();
  assert.match(await reading.innerText(), /Automated message/i);
  await page.getByRole("button", { name: "Not quite" }).click();
  await page.getByRole("button", { name: "low or sad" }).click();
  await page.getByText("Check-in saved. Thank you.").waitFor();
  await page.getByRole("button", { name: "Back" }).click();

  // A guided CBT thought record, to the end.
  await page.getByText("Guided sessions").click();
  await page.getByRole("button", { name: "Thought record (CBT)" }).click();
  await page.getByRole("heading", { name: "Thought record (CBT)" }).waitFor();
  const texts = {
    "The situation": "My manager replied to my email with one word",
    "What I felt": "anxious, ashamed",
    "The upsetting thought": "She thinks my work is useless",
    "Evidence for the thought": "The reply was very short",
    "Evidence against the thought": "She praised my report last week and she is busy on Fridays",
    "A more balanced thought": "A short reply probably means she was busy, not that my work is bad",
  };
  for (let step = 0; step < 12; step++) {
    if (await page.getByText("Session finished.").count()) break;
    const label = page.locator(".session-step label.field span");
    if (await label.count()) {
      const name = await label.innerText();
      await page.getByLabel(name).fill(texts[name] ?? "something");
      await page.getByRole("button", { name: "Continue" }).click();
    } else if (await page.locator(".session-step .scale").count()) {
      await page.locator(".scale-point").nth(5).click();
      await page.getByRole("button", { name: /Continue|Finish/ }).click();
    } else {
      await page.getByRole("button", { name: /Continue|Finish/ }).click();
    }
    await page.waitForTimeout(100);
  }
  await page.getByText("Session finished.").waitFor();
  assert.equal(await page.locator(".session .message.assistant .automated").count(), 10, "every step is marked automated");
  axe.session = await seriousViolations(page);
  await page.getByRole("button", { name: "Back" }).click();

  // PHQ-9, exact scoring: 1+1+2+1+0+1+1+0+0 = 7 (mild).
  await page.getByRole("button", { name: "PHQ-9 (mood questionnaire)" }).click();
  axe.questionnaire = await seriousViolations(page);
  await answerPhq9(page, [1, 1, 2, 1, 0, 1, 1, 0, 0]);
  await page.getByText("PHQ-9 total: 7 out of 27 (mild)").waitFor();
  await page.getByRole("radio", { name: "Somewhat difficult" }).check();
  await page.getByRole("button", { name: "Done" }).click();

  // A journal entry.
  await page.getByRole("button", { name: "Journal" }).click();
  await page.getByLabel("New entry").fill("Walked to the river after work and felt a bit lighter");
  await page.getByRole("button", { name: "Save entry" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Back" }).click();

  // Trends: the charts show the data; the summary has the score.
  await page.getByRole("button", { name: "Trends" }).click();
  await page.getByRole("heading", { name: "Summary for my next appointment" }).waitFor();
  assert.match(await page.locator(".summary").innerText(), /PHQ-9: 7 \(mild\)/);
  assert.equal(await page.locator(".chart-mood circle").count(), 1);
  assert.match(await page.locator(".chart-mood svg").getAttribute("aria-label"), / 3$/);
  assert.equal(await page.locator(".chart-phq9 circle").count(), 1);
  assert.match(await page.locator(".chart-feelings svg").getAttribute("aria-label"), /low or sad: 1/);
  axe.trends = await seriousViolations(page);
  await page.screenshot({ path: join(ARTIFACTS, "widget-trends.png"), fullPage: true });

  // FHIR export: a Bundle of QuestionnaireResponses with the answers.
  const fhir = await downloaded(page, "Export questionnaires (FHIR)");
  assert.equal(fhir.json.resourceType, "Bundle");
  assert.equal(fhir.json.entry.length, 1);
  const response = fhir.json.entry[0].resource;
  assert.equal(response.resourceType, "QuestionnaireResponse");
  assert.equal(response.status, "completed");
  assert.equal(response.questionnaire, "http://loinc.org/q/44249-1");
  const items = response.item.filter((i) => /^\d$/.test(i.linkId));
  assert.equal(items.length, 9);
  for (const item of items) {
    assert.equal(item.answer.length, 1);
    assert.equal(item.answer[0].valueCoding.system, "http://loinc.org");
    assert.match(item.answer[0].valueCoding.code, /^LA657\d-\d$|^LA6568-5$|^LA6569-3$/);
  }
  assert.equal(response.item.find((i) => i.linkId === "total").answer[0].valueInteger, 7);

  // The full export holds every entry made above.
  const all = await downloaded(page, "Export everything (JSON)");
  const types = all.json.entries.map((e) => e.entry.type).sort();
  for (const type of ["checkin", "journal", "questionnaire", "session"]) assert.ok(types.includes(type), `${type} missing: ${types}`);
  const checkIn = all.json.entries.find((e) => e.entry.type === "checkin").entry;
  assert.equal(checkIn.mood, 3);
  assert.equal(checkIn.reading.confirmed, false);
  assert.equal(checkIn.reading.corrected_to, "sadness", "the correction is kept");
  const session = all.json.entries.find((e) => e.entry.type === "session").entry;
  assert.ok(session.completed_at);
  assert.ok(session.path.some(([, answer]) => answer === texts["A more balanced thought"]));
  assert.equal(all.json.consent.choice, "ai_self_help");
  // Nothing readable in IndexedDB; nothing sent anywhere else.
  const stored = await storedEnvelopes(page);
  for (const secret of [texts["A more balanced thought"], "Walked to the river", "nervous about my exam"]) {
    assert.ok(!stored.includes(secret), `"${secret}" stored in plaintext`);
  }
  const origin = new URL(page.url()).origin;
  assert.deepEqual(log.requests.filter((u) => !u.startsWith("data:") && !u.startsWith("blob:") && new URL(u).origin !== origin), []);
  assert.deepEqual(axe, { checkIn: [], session: [], questionnaire: [], trends: [] });
  await context.close();
});

/** The focused element inside the widget's shadow root, and whether its focus is visible. */
const focused = (page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const style = el ? getComputedStyle(el) : null;
    return {
      tag: el?.tagName,
      type: el?.type,
      text: (el?.textContent ?? "").trim(),
      label: el?.closest("label")?.textContent?.trim() ?? "",
      outline: style ? style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 : false,
    };
  });

/** Presses Tab until the focused element matches `match` (text, label or type). */
async function tabTo(page, match, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    if (match(now)) {
      assert.ok(now.outline, `focus on "${now.text || now.label}" is visible`);
      return now;
    }
  }
  assert.fail("not reachable with Tab");
}

test("check-in and PHQ-9 with the keyboard alone, with visible focus", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "Both");
  await createVault(page);
  await tabTo(page, (f) => f.text === "Check in");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Check in" }).waitFor();
  await tabTo(page, (f) => f.type === "range" && f.label.startsWith("Mood"));
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowLeft");
  await tabTo(page, (f) => f.type === "checkbox" && f.label === "tired");
  await page.keyboard.press("Space");
  await tabTo(page, (f) => f.text === "Save check-in");
  await page.keyboard.press("Enter");
  await page.getByText("Check-in saved. Thank you.").waitFor();
  await tabTo(page, (f) => f.text === "Back");
  await page.keyboard.press("Enter");
  await tabTo(page, (f) => f.text === "GAD-7 (anxiety questionnaire)");
  await page.keyboard.press("Enter");
  for (let i = 0; i < 7; i++) {
    await page.getByText(`Question ${i + 1} of 7`).waitFor();
    await tabTo(page, (f) => f.text === "Nearly every day");
    await page.keyboard.press("Enter");
  }
  await page.getByText("GAD-7 total: 21 out of 21 (severe)").waitFor();
  await tabTo(page, (f) => f.text === "Done");
  await page.keyboard.press("Enter");
  await tabTo(page, (f) => f.text === "Trends");
  await page.keyboard.press("Enter");
  await page.locator(".chart-gad7 circle").waitFor();
  assert.match(await page.locator(".chart-mood svg").getAttribute("aria-label"), / 2$/);
  await context.close();
});

test("the journal: edit, search on the device, delete (gone from storage)", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "A human clinician");
  await createVault(page);
  await page.getByRole("button", { name: "Journal" }).click();
  for (const text of ["Lunch with Priya by the canal", "Rainy Tuesday, stayed in", "Evening swim felt good"]) {
    await page.getByLabel("New entry").fill(text);
    await page.getByRole("button", { name: "Save entry" }).click();
    await page.getByText("Saved.", { exact: true }).waitFor();
  }
  await page.getByLabel("Search your entries").fill("SWIM");
  assert.deepEqual(await page.locator(".journal-entry p").allInnerTexts(), ["Evening swim felt good"]);
  await page.getByLabel("Search your entries").fill("zebra");
  await page.getByText("No entries match your search.").waitFor();
  await page.getByLabel("Search your entries").fill("");
  // Edit.
  const rainy = page.locator(".journal-entry").filter({ hasText: "Rainy Tuesday" });
  await rainy.getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Edit entry").fill("Rainy Tuesday, stayed in and read a whole book");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Changes saved.").waitFor();
  await page.locator(".journal-entry p").filter({ hasText: "read a whole book" }).waitFor();
  assert.equal(await page.locator(".journal-entry").count(), 3);
  // Delete asks first, then removes every version.
  const priya = page.locator(".journal-entry").filter({ hasText: "Priya" });
  await priya.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Keep it" }).click();
  assert.equal(await page.locator(".journal-entry").count(), 3);
  await priya.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Delete entry" }).click();
  await page.getByText("Deleted.").waitFor();
  assert.equal(await page.locator(".journal-entry").count(), 2);
  // An empty entry is refused; nothing is lost.
  await page.getByLabel("New entry").fill("   ");
  assert.equal(await page.getByRole("button", { name: "Save entry" }).isDisabled(), true);
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByLabel("Passphrase", { exact: true }).fill("violet harbour lantern seventeen");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("button", { name: "Journal" }).click();
  await page.locator(".journal-entry").nth(1).waitFor();
  assert.deepEqual((await page.locator(".journal-entry p").allInnerTexts()).sort(), [
    "Evening swim felt good",
    "Rainy Tuesday, stayed in and read a whole book",
  ]);
  await context.close();
});

test("a questionnaire left half-way resumes; PHQ-9 item 9 above zero opens the crisis protocol", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "Both");
  await createVault(page);
  await page.getByRole("button", { name: "PHQ-9 (mood questionnaire)" }).click();
  await answerPhq9(page, [2, 2, 1]);
  await page.getByRole("button", { name: "Stop for now" }).click();
  await page.getByRole("button", { name: "PHQ-9 (mood questionnaire)" }).click();
  await page.getByText("Welcome back: you can carry on where you stopped.").waitFor();
  await page.getByText("Question 4 of 9").waitFor();
  for (let i = 3; i < 8; i++) {
    await page.getByText(`Question ${i + 1} of 9`).waitFor();
    await page.getByRole("button", { name: "Several days", exact: true }).click();
  }
  await page.getByText("Question 9 of 9").waitFor();
  await page.getByRole("button", { name: "Several days", exact: true }).click();
  await page.getByRole("heading", { name: "Get help now" }).waitFor({ timeout: 1_000 });
  await page.getByRole("button", { name: "Answer six short questions" }).waitFor();
  await page.getByText("PHQ-9 total: 11 out of 27 (moderate)").waitFor();
  await context.close();
});

test("the assistant offers guided sessions that fit the message, by meaning on the device", async () => {
  const { context, page } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  await page.getByRole("button", { name: "Talk with the assistant" }).click();
  await page.getByLabel("Your message").fill("my heart is racing and I can't calm down, everything feels too much");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const offers = page.locator(".message.assistant .offers button");
  await offers.first().waitFor();
  const titles = await offers.allInnerTexts();
  assert.equal(titles.length, 2);
  assert.ok(
    titles.some((t) => /grounding|Paced breathing|Understanding anxiety/.test(t)),
    `offers for a racing heart: ${titles.join(" | ")}`,
  );
  await offers.first().click();
  await page.locator(".session .message.assistant.current").waitFor();
  await context.close();
});

test("after the clinic's session length the assistant suggests a break or a person, once", async () => {
  const { context, page } = await open(browser, "/patient/");
  const config = JSON.parse(readFileSync(new URL("../../public/clinic.json", import.meta.url), "utf8"));
  config.session_nudge_minutes = 2;
  await context.route("**/clinic.json", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(config) }),
  );
  await page.clock.install();
  await page.reload();
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.getByRole("button", { name: "Talk with the assistant" }).click();
  const send = async (text) => {
    const before = await page.locator(".message.assistant").count();
    await page.getByLabel("Your message").fill(text);
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.locator(".message.assistant").nth(before).waitFor();
  };
  await send("hello");
  assert.equal(await page.getByText("We've been talking for a while.").count(), 0);
  await page.clock.fastForward("02:30");
  await send("work was long today");
  await page.getByText("We've been talking for a while.").waitFor();
  assert.match(await page.locator(".message.assistant").last().innerText(), /Automated message[\s\S]*Talk to a person/i);
  await send("thanks");
  assert.equal(await page.getByText("We've been talking for a while.").count(), 1, "suggested once");
  await context.close();
});

test("a crisis answer inside a guided session stops it and opens the crisis card", async () => {
  const { context, page, log } = await open(browser, "/patient/");
  await completeConsent(page, "AI-guided self-help");
  await createVault(page);
  await page.getByText("Guided sessions").click();
  await page.getByRole("button", { name: "5-4-3-2-1 grounding" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator(".scale-point").nth(8).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Five things I can see").fill("I can see the pills I'm going to take tonight");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Get help now" }).waitFor({ timeout: 1_000 });
  await page.getByText("I've stopped this exercise.").waitFor();
  assert.equal(await page.getByLabel("Four things I can feel").count(), 0);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});
