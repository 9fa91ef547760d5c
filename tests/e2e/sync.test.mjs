// Two devices, one vault, through the real relay: device A turns sync on and writes;
// device B opens the same vault with the relay address, the vault code and the passphrase,
// and sees A's entries; both edit the same entry without seeing each other's change, the
// patient sees both versions and chooses; both devices end up alike. The relay's data
// directory never holds a word of the entries.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, BASE, completeConsent, createVault, foreignRequests, launch, open } from "./browser.mjs";
import { back, filesUnder, goJournal, goSettings, syncNow, writeEntry } from "./sync-steps.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const MARK = `sync-e2e-${Date.now()}`;
const FIRST = `Walked by the canal with my sister ${MARK}-one`;
const SECOND = `Slept badly but the morning was calm ${MARK}-two`;

test("device B opens device A's vault from the relay; a concurrent edit is a conflict the patient resolves", async () => {
  const data = process.env.HEARTH_RELAY_DATA;
  assert.ok(data, "HEARTH_RELAY_DATA names the relay's data directory");
  const before = new Set(filesUnder(data));
  // Device A: a vault, two entries, sync on with the default server (the widget's own).
  const a = await open(browser, "/patient/");
  await completeConsent(a.page, "AI-guided self-help");
  await createVault(a.page);
  await goJournal(a.page);
  await writeEntry(a.page, FIRST);
  await writeEntry(a.page, SECOND);
  await back(a.page);
  await goSettings(a.page);
  const card = a.page.locator(".sync-settings");
  assert.match(await card.innerText(), /Off unless you turn it on/);
  await a.page.getByRole("checkbox", { name: "Keep an encrypted copy on a server" }).check();
  // The widget's own relay is the default choice.
  assert.equal(await a.page.getByRole("radio", { name: /A Hearth server/ }).isChecked(), true);
  assert.equal(await a.page.getByLabel("Server address").inputValue(), new URL(BASE).origin);
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  const statusA = await syncNow(a.page);
  assert.match(statusA, /Nothing is waiting to be sent/);
  const code = (await card.locator(".vault-code").innerText()).trim();
  assert.ok(code.length > 10, `vault code shown: ${code}`);

  // Device B: a fresh browser profile opens the same vault.
  const b = await open(browser, "/patient/");
  await completeConsent(b.page, "AI-guided self-help");
  await b.page.getByRole("button", { name: /Already use Hearth on another device/ }).click();
  await b.page.getByRole("heading", { name: "Open your vault from another device" }).waitFor();
  await b.page.getByLabel("Vault code").fill(code);
  await b.page.getByLabel("Passphrase", { exact: true }).fill("not the right passphrase");
  await b.page.getByRole("button", { name: "Open my vault" }).click();
  await b.page.getByText("That passphrase doesn't open this vault").waitFor({ timeout: 60_000 });
  await b.page.getByLabel("Passphrase", { exact: true }).fill("violet harbour lantern seventeen");
  await b.page.getByRole("button", { name: "Open my vault" }).click();
  await b.page.getByRole("heading", { name: "Welcome", exact: true }).waitFor({ timeout: 90_000 });
  await goJournal(b.page);
  await b.page.locator(".journal-entry", { hasText: FIRST }).waitFor();
  await b.page.locator(".journal-entry", { hasText: SECOND }).waitFor();
  await back(b.page);
  // The sync setting came with the vault.
  await goSettings(b.page);
  assert.match(await b.page.locator(".sync-status").innerText(), /Last synced|Syncing/);
  await back(b.page);

  // Both edit the first entry; A is offline meanwhile, so neither sees the other's change.
  await a.context.setOffline(true);
  await back(a.page);
  await goJournal(a.page);
  const editOn = async (page, from, to) => {
    const entry = page.locator(".journal-entry", { hasText: from });
    await entry.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Edit entry").fill(to);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator(".journal-entry", { hasText: to }).waitFor();
  };
  await goJournal(b.page);
  await editOn(b.page, FIRST, `${FIRST} — edited on the phone`);
  await back(b.page);
  await goSettings(b.page);
  assert.match(await syncNow(b.page), /Nothing is waiting to be sent/);
  await editOn(a.page, FIRST, `${FIRST} — edited on the laptop`);
  await back(a.page);
  await goSettings(a.page);
  const offline = await syncNow(a.page);
  assert.match(offline, /can't be reached/);
  assert.match(offline, /\d+ changes? (is|are) waiting to be sent/);
  await a.context.setOffline(false);
  assert.match(await syncNow(a.page), /changed on two devices/);

  // The journal shows both versions; the patient keeps the phone's.
  await back(a.page);
  await goJournal(a.page);
  const conflict = a.page.getByRole("group", { name: "Changed on two devices" });
  await conflict.waitFor();
  const text = await conflict.innerText();
  assert.match(text, /edited on the laptop/);
  assert.match(text, /edited on the phone/);
  await a.page.screenshot({ path: join(ARTIFACTS, "sync-conflict.png") });
  await conflict.locator("li", { hasText: "edited on the phone" }).getByRole("button", { name: "Keep this version" }).click();
  await a.page.getByText("Your choice is saved").waitFor();
  await conflict.waitFor({ state: "detached" });
  const entriesA = await a.page.locator(".journal-entry p").allInnerTexts();
  assert.ok(entriesA.some((t) => t.includes("edited on the phone")));
  assert.ok(!entriesA.some((t) => t.includes("edited on the laptop")), "the laptop's version was folded away");
  await back(a.page);
  await goSettings(a.page);
  assert.match(await syncNow(a.page), /Nothing is waiting to be sent/);

  // Device B follows the choice.
  await goSettings(b.page).catch(() => {});
  assert.doesNotMatch(await syncNow(b.page), /changed on two devices/);
  await back(b.page);
  await goJournal(b.page);
  // The list opens asynchronously ("Opening your entries…"): wait for it before reading it.
  await b.page.locator(".journal-entry", { hasText: "edited on the phone" }).waitFor();
  const entriesB = await b.page.locator(".journal-entry p").allInnerTexts();
  assert.deepEqual([...entriesB].sort(), [...entriesA].sort());
  assert.equal(await b.page.getByRole("group", { name: "Changed on two devices" }).count(), 0);

  // Only the widget's own origin was asked for anything.
  assert.deepEqual(foreignRequests(a.log), []);
  assert.deepEqual(foreignRequests(b.log), []);

  // The relay holds the vault, and not one word of it.
  const files = filesUnder(data);
  assert.ok(files.some((f) => f.includes("objects")), "objects were stored");
  for (const file of files) {
    const bytes = readFileSync(file).toString("latin1");
    for (const needle of [MARK, "canal", "sister", "edited on the", "Slept badly"]) {
      assert.ok(!bytes.includes(needle), `${file} contains "${needle}"`);
    }
  }

  // Erasing on A with sync on erases the relay's copy too (B is closed first: a device that
  // still holds the vault would upload it again on its next sync).
  await b.context.close();
  // A is still on its settings screen.
  assert.match(await a.page.locator(".sync-settings").innerText(), /Backup and sync/);
  await a.page.getByText("is erased first").waitFor();
  await a.page.getByLabel("Passphrase, to confirm").fill("violet harbour lantern seventeen");
  await a.page.getByRole("checkbox", { name: "I understand that this cannot be undone." }).check();
  await a.page.getByRole("button", { name: "Erase everything" }).click();
  await a.page.getByText("Everything Hearth kept on this device and on the sync server was erased.").waitFor({ timeout: 60_000 });
  const left = filesUnder(data).filter((f) => !before.has(f));
  assert.deepEqual(left, [], "nothing of the vault is left on the relay");
  await a.context.close();
});

test("a safety plan changed on two devices is shown in Settings with both versions, and the patient keeps one", async () => {
  const step2 = /^2\. Internal coping/;
  // The plan screen fills its fields once the plan is opened from the vault.
  const step2Text = async (page) => {
    const field = page.getByLabel(step2);
    for (let i = 0; i < 100 && !(await field.inputValue()); i++) await page.waitForTimeout(100);
    return field.inputValue();
  };
  const editPlan = async (page, text) => {
    await page.getByRole("button", { name: "My safety plan" }).click();
    await page.getByLabel(step2).fill(text);
    await page.getByRole("button", { name: "Save my plan" }).click();
    await page.getByText("Saved.", { exact: true }).waitFor();
    await back(page);
  };
  // Device A: a plan, then sync on with the widget's own relay.
  const a = await open(browser, "/patient/");
  await completeConsent(a.page, "Both");
  await createVault(a.page);
  await editPlan(a.page, "Music and a slow walk");
  await goSettings(a.page);
  await a.page.getByRole("checkbox", { name: "Keep an encrypted copy on a server" }).check();
  await a.page.getByRole("button", { name: "Save sync setting" }).click();
  assert.match(await syncNow(a.page), /Nothing is waiting to be sent/);
  const code = (await a.page.locator(".vault-code").innerText()).trim();
  await back(a.page);

  // Device B opens the vault.
  const b = await open(browser, "/patient/");
  await completeConsent(b.page, "Both");
  await b.page.getByRole("button", { name: /Already use Hearth on another device/ }).click();
  await b.page.getByLabel("Vault code").fill(code);
  await b.page.getByLabel("Passphrase", { exact: true }).fill("violet harbour lantern seventeen");
  await b.page.getByRole("button", { name: "Open my vault" }).click();
  await b.page.getByRole("heading", { name: "Welcome", exact: true }).waitFor({ timeout: 90_000 });

  // Both change step 2 without seeing each other's change (A is offline).
  await a.context.setOffline(true);
  await editPlan(b.page, "Call my sister Jo");
  await goSettings(b.page);
  assert.match(await syncNow(b.page), /Nothing is waiting to be sent/);
  await back(b.page);
  await editPlan(a.page, "A hot bath and tea");
  await a.context.setOffline(false);
  await goSettings(a.page);
  assert.match(await syncNow(a.page), /changed on two devices/);

  // Settings shows both plans in words; the patient keeps the phone's.
  const conflict = a.page.getByRole("group", { name: "Your safety plan was changed on two devices" });
  await conflict.waitFor();
  const text = await conflict.innerText();
  assert.match(text, /Step 2: A hot bath and tea/);
  assert.match(text, /Step 2: Call my sister Jo/);
  await a.page.locator(".sync-settings").screenshot({ path: join(ARTIFACTS, "sync-plan-conflict.png") });
  await conflict.locator("li", { hasText: "Call my sister Jo" }).getByRole("button", { name: "Keep this version" }).click();
  await a.page.getByText("Your choice is saved").waitFor();
  await conflict.waitFor({ state: "detached" });
  await a.page.locator(`.sync-status:not(:has-text("changed on two devices"))`).waitFor({ timeout: 60_000 });
  await back(a.page);
  await a.page.getByRole("button", { name: "My safety plan" }).click();
  assert.equal(await step2Text(a.page), "Call my sister Jo");

  // B follows the choice.
  await goSettings(b.page);
  assert.doesNotMatch(await syncNow(b.page), /changed on two devices/);
  await back(b.page);
  await b.page.getByRole("button", { name: "My safety plan" }).click();
  assert.equal(await step2Text(b.page), "Call my sister Jo");
  await a.context.close();
  await b.context.close();
});
