// On-device understanding in real Chromium: the worker gives the same embeddings and
// decisions as the native CLI, downloads the model once with a progress bar and then serves
// it from the Cache API, refuses a corrupt file, and without a model the crisis rules still
// open the crisis card from the journal.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { ARTIFACTS, foreignRequests, launch, open, openWithModelBlocked } from "./browser.mjs";

const CLI = process.env.HEARTH_NLU_BIN;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const SENTENCES = [
  "hi there",
  "I can't stop worrying about my exam tomorrow",
  "i'm going to kill myself tonight, i have the pills ready",
  "this commute is killing me lol",
  "kms fr",
  "I just wish I could go to sleep and not wake up",
  "thank you, the breathing exercise really helped 🙏",
  "can I talk to my therapist instead of the app?",
  "is my journal encrypted? who can read it",
  "Мне очень грустно сегодня",
  "my phone died and I missed the bus, what a day",
  ("I have been thinking a lot about the summer and my job and everything else going on " +
    "with the family, it's a lot to hold at once. ").repeat(6) + "and honestly I want to die",
];

/** Runs the native CLI over lines; returns one parsed JSON value per line. */
function cli(command, lines) {
  assert.ok(CLI, "HEARTH_NLU_BIN names the release hearth-nlu binary (scripts/test sets it)");
  const out = spawnSync(CLI, [command], { input: lines.join("\n") + "\n", encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

/** Starts the understanding worker in the page, waits for the model, then asks it things. */
async function askWorker(page, sentences) {
  return page.evaluate(async (texts) => {
    const worker = new Worker("/nlu-worker.js", { type: "module" });
    const answers = new Map();
    const kinds = [];
    let id = 0;
    const settled = new Promise((resolve) => {
      // Externally tagged JSON (`"listening"`, `{"ready":{…}}`) as `{ kind, …fields }`.
      const untag = (value, key) =>
        typeof value === "string" ? { [key]: value } : { [key]: Object.keys(value)[0], ...Object.values(value)[0] };
      worker.onmessage = (event) => {
        const message = untag(JSON.parse(event.data), "kind");
        kinds.push(message.kind);
        if (message.kind === "ready" || message.kind === "unavailable") resolve(message);
        if (message.kind === "answer") answers.get(message.id)?.(untag(message.response, "type"));
      };
    });
    const call = (request) =>
      new Promise((resolve) => {
        id += 1;
        answers.set(id, resolve);
        worker.postMessage(JSON.stringify({ id, request }));
      });
    const status = await settled;
    const embedded = await call({ embed: { texts } });
    const decisions = [];
    for (const text of texts) decisions.push(await call({ classify: { text } }));
    worker.terminate();
    return { status, kinds, embedded, decisions };
  }, sentences);
}

const cosine = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

test("the browser's embeddings and decisions equal the native CLI's", async () => {
  const { context, page, log } = await open(browser, "/patient/");
  const got = await askWorker(page, SENTENCES);
  assert.equal(got.status.kind, "ready", JSON.stringify(got.status));
  assert.ok(got.kinds.includes("progress"), "download progress was reported");
  assert.equal(got.embedded.type, "embeddings", JSON.stringify(got.embedded));
  const native = cli("embed", SENTENCES);
  const cosines = native.map((v, i) => cosine(v, got.embedded.vectors[i]));
  console.log(`parity: cosine min ${Math.min(...cosines).toFixed(6)} over ${cosines.length} sentences`);
  for (const [i, c] of cosines.entries()) assert.ok(c >= 0.999, `"${SENTENCES[i]}": cosine ${c}`);
  const nativeDecisions = cli("classify", SENTENCES);
  for (const [i, d] of got.decisions.entries()) {
    assert.equal(d.type, "decision");
    const { type, ...decision } = d;
    assert.deepEqual(decision, nativeDecisions[i], `"${SENTENCES[i]}"`);
  }
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("the model downloads once with a progress bar, then comes from the Cache API", async () => {
  const { context, page } = await open(browser, "/patient/");
  const modelRequests = [];
  context.on("request", (r) => r.url().includes("/model/") && modelRequests.push(r.url()));
  await page.reload();
  // The progress bar shows while the file downloads (its value climbs), then goes away.
  await page.locator(".model-status progress").waitFor({ timeout: 20_000 });
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
  assert.ok(modelRequests.some((u) => u.endsWith("/model/minilm-q8.safetensors")), modelRequests.join());
  const cached = await page.evaluate(async () => {
    const cache = await caches.open("hearth-model-v1");
    return (await cache.keys()).map((r) => new URL(r.url).pathname).sort();
  });
  assert.deepEqual(cached, ["/model/minilm-q8.safetensors", "/model/tokenizer.json"]);
  modelRequests.length = 0;
  await page.reload();
  await page.locator(".model-status[data-ready]").waitFor({ state: "attached", timeout: 30_000 });
  assert.deepEqual(modelRequests, [], "the second visit needs no download");
  await context.close();
});

test("a corrupt model file is refused; the widget says so and keeps working", async () => {
  const { context, page } = await open(browser, "/patient/");
  await context.route("**/model/minilm-q8.safetensors", (route) =>
    route.fulfill({ status: 200, body: Buffer.alloc(4096, 7), contentType: "application/octet-stream" }),
  );
  await page.reload();
  await page.getByText("On-device understanding isn't available right now").waitFor({ timeout: 30_000 });
  const got = await askWorker(page, ["hello"]);
  assert.equal(got.status.kind, "unavailable");
  assert.match(got.status.reason, /does not match its pinned SHA-256/);
  assert.deepEqual(
    await page.evaluate(async () => (await (await caches.open("hearth-model-v1")).keys()).map((r) => new URL(r.url).pathname)),
    ["/model/tokenizer.json"],
    "the corrupt file was not cached",
  );
  await context.close();
});

const JOURNAL_CRISIS = [
  "im going to end it tonight, ive got the tablets saved up",
  "kms",
  "I want to die",
];

test("with the model blocked, the rules still open the crisis card from the journal", async () => {
  const { context, page, log } = await openWithModelBlocked(browser);
  await page.getByRole("button", { name: "Journal" }).click();
  let slowest = 0;
  for (const text of JOURNAL_CRISIS) {
    await page.getByLabel("New entry").fill(text);
    const start = Date.now();
    await page.getByRole("button", { name: "Save entry" }).click();
    await page.getByRole("heading", { name: "Get help now" }).waitFor({ timeout: 1_000 });
    slowest = Math.max(slowest, Date.now() - start);
    await page.getByRole("button", { name: "Close" }).click();
  }
  console.log(`rules only: crisis card within ${slowest} ms (slowest of ${JOURNAL_CRISIS.length})`);
  await page.getByLabel("New entry").fill("this commute is killing me, so glad it's friday");
  await page.getByRole("button", { name: "Save entry" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.waitForTimeout(500); // the worker's answer for this entry has arrived by now
  assert.equal(await page.getByRole("heading", { name: "Get help now" }).count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "widget-model-unavailable.png") });
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});
