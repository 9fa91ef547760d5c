// Steps the sync tests share: writing entries, moving between screens, syncing now, and
// reading what a server stored.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every file under `dir`, recursively. */
export function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export async function writeEntry(page, text) {
  await page.getByLabel("New entry").fill(text);
  await page.getByRole("button", { name: "Save entry" }).click();
  await page.locator(".journal-entry", { hasText: text }).waitFor();
}

/** Syncs now (on the settings screen); waits until that run is over and returns the status. */
export async function syncNow(page) {
  const status = page.locator(".sync-status");
  const button = page.getByRole("button", { name: "Sync now" });
  // A background run may be under way: wait for it, then count runs from there.
  await page.waitForFunction(() => {
    const b = document.querySelector("hearth-widget").shadowRoot.querySelector(".sync-settings button:not([type=submit])");
    return b && !b.disabled;
  }, null, { timeout: 60_000 }).catch(() => {});
  const before = Number(await status.getAttribute("data-runs"));
  await button.click();
  // That run is over; a background run may have started right after it (a save schedules
  // one), so wait until none is running before reading.
  await page.locator(`.sync-status:not([data-runs="${before}"]):not(:text("Syncing…"))`).waitFor({ timeout: 60_000 });
  return status.innerText();
}

export async function goSettings(page) {
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Settings" }).waitFor();
}

export async function goJournal(page) {
  await page.getByRole("button", { name: "Journal" }).click();
  await page.getByRole("heading", { name: "Journal" }).waitFor();
}

export async function back(page) {
  await page.getByRole("button", { name: "Back", exact: true }).last().click();
  await page.getByRole("heading", { name: "Welcome", exact: true }).waitFor();
}
