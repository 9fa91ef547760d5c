// Benchmark of on-device understanding in headless Chromium (prints one JSON object).
//   node tests/e2e/bench/nlu.mjs http://127.0.0.1:PORT/
// Against the release build served by the relay, in one browser, each part in a fresh
// context:
// - cold start: navigation to the consent step visible on /patient/;
// - ours: the model's bytes, fetch + load + first inference, the same from the Cache API,
//   and per-message latency (text in, pooled normalised embedding out, tokenisation
//   included, measured in the page around one worker round trip) over the 40 messages in
//   messages.json: three warm-up passes (so V8 has moved the hot code to its optimising
//   tier), then three timed passes;
// - the baseline: transformers.js on the same messages, the same way (baseline.mjs), and
//   the cosine between its embedding and ours for each message.
// The two engines alternate over three rounds (ours, baseline, ours, ...), each in a fresh
// context, so that the shared machine's changing speed weighs on both alike. Medians and
// p90 are over the per-message medians of all passes of all rounds, for both engines.
import { readFileSync } from "node:fs";
import { launch } from "../browser.mjs";
import { cosine, latencies, median, runBaseline } from "./baseline.mjs";

const base = process.argv[2] ?? process.env.HEARTH_URL;
const messages = JSON.parse(readFileSync(new URL("./messages.json", import.meta.url), "utf8"));
const PASSES = 3;
const ROUNDS = 3;
const WARMUPS = 3;

const browser = await launch();

// Cold start: a fresh context (nothing cached), from navigation to the consent step's
// heading on screen, read from the page's own clock (0 = navigation start).
const consent = await browser.newContext();
const consentPage = await consent.newPage();
await consentPage.goto(new URL("/patient/", base).href, { waitUntil: "commit" });
const consentVisible = await consentPage.waitForFunction(
  () => {
    const root = document.querySelector("hearth-widget")?.shadowRoot;
    const heading = [...(root?.querySelectorAll("h1, h2") ?? [])].find(
      (h) => h.textContent.trim() === "Before we start",
    );
    const box = heading?.getBoundingClientRect();
    return box && box.width > 0 && box.height > 0 ? performance.now() : false;
  },
  null,
  { polling: "raf", timeout: 30_000 },
);
const consentVisibleMs = await consentVisible.jsonValue();
await consent.close();

// Ours, in a fresh context: a same-origin document without the widget (the clinic's JSON
// file), so that no widget worker loads the model alongside the one measured.
async function runOurs() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL("/clinic.json", base).href);
  const result = await page.evaluate(
    async ({ messages, passes, warmups }) => {
      const start = (url) => {
        const t0 = performance.now();
        const worker = new Worker(url, { type: "module" });
        const answers = new Map();
        let id = 0;
        const settled = new Promise((resolve, reject) => {
          // Externally tagged JSON (`"listening"`, `{"ready":{…}}`) as `{ kind, …fields }`.
          const untag = (value, key) =>
            typeof value === "string" ? { [key]: value } : { [key]: Object.keys(value)[0], ...Object.values(value)[0] };
          worker.onmessage = (event) => {
            const m = untag(JSON.parse(event.data), "kind");
            if (m.kind === "ready") resolve(m);
            if (m.kind === "unavailable") reject(new Error(m.reason));
            if (m.kind === "answer") answers.get(m.id)?.(untag(m.response, "type"));
          };
        });
        const call = (request) =>
          new Promise((resolve) => {
            id += 1;
            answers.set(id, resolve);
            worker.postMessage(JSON.stringify({ id, request }));
          });
        return { t0, worker, settled, call };
      };
      // Cold: nothing cached in this fresh context.
      const cold = start("/nlu-worker.js");
      const coldReady = await cold.settled;
      await cold.call({ classify: { text: messages[0] } });
      const coldMs = performance.now() - cold.t0;
      cold.worker.terminate();
      // Warm: the model now comes from the Cache API.
      const warm = start("/nlu-worker.js");
      const warmReady = await warm.settled;
      await warm.call({ classify: { text: messages[0] } });
      const warmMs = performance.now() - warm.t0;
      // Latency: warm-up passes, then timed passes.
      for (let p = 0; p < warmups; p++) {
        for (const text of messages) await warm.call({ embed: { texts: [text] } });
      }
      const times = messages.map(() => []);
      let embeddings;
      for (let p = 0; p < passes; p++) {
        const vectors = [];
        for (const [i, text] of messages.entries()) {
          const t = performance.now();
          const r = await warm.call({ embed: { texts: [text] } });
          times[i].push(performance.now() - t);
          if (r.type !== "embeddings") throw new Error(JSON.stringify(r));
          vectors.push(r.vectors[0]);
        }
        embeddings ??= vectors;
      }
      const classifyTimes = [];
      for (const text of messages) {
        const t = performance.now();
        await warm.call({ classify: { text } });
        classifyTimes.push(performance.now() - t);
      }
      warm.worker.terminate();
      const model = await fetch("/model/minilm-q8.safetensors", { method: "HEAD" });
      const tokenizer = await fetch("/model/tokenizer.json", { method: "HEAD" });
      return {
        model_bytes: Number(model.headers.get("content-length")),
        tokenizer_bytes: Number(tokenizer.headers.get("content-length")),
        model_load_ms: coldMs,
        model_load_worker_ms: coldReady.load_ms,
        model_load_cached_ms: warmMs,
        model_load_cached_source: warmReady.source,
        times,
        embeddings,
        classifyTimes,
        messages: messages.length,
        passes,
      };
    },
  { messages, passes: PASSES, warmups: WARMUPS },
  );
  await context.close();
  return result;
}

// Rounds, alternating the engines (each round and engine in a fresh context), so that a
// change in the shared machine's speed during the run weighs on both alike. Each message's
// time is its median over every timed pass of every round; the median and p90 are over
// those, for both engines; loads are the medians over the rounds.
const ourRounds = [];
const baselineRounds = [];
for (let r = 0; r < ROUNDS; r++) {
  ourRounds.push(await runOurs());
  baselineRounds.push(await runBaseline(browser, messages, { passes: PASSES, warmups: WARMUPS }));
}
await browser.close();
const pooled = (rounds) => messages.map((_, i) => rounds.flatMap((round) => round.times[i]));
const middle = (rounds, key) => median(rounds.map((round) => round[key]));

const { times, classifyTimes, embeddings, ...ours } = ourRounds[0];
Object.assign(ours, latencies(pooled(ourRounds)), {
  classify_ms_median: median(ourRounds.flatMap((round) => round.classifyTimes)),
  model_load_ms: middle(ourRounds, "model_load_ms"),
  model_load_worker_ms: middle(ourRounds, "model_load_worker_ms"),
  model_load_cached_ms: middle(ourRounds, "model_load_cached_ms"),
  model_load_ms_rounds: ourRounds.map((round) => round.model_load_ms),
  rounds: ROUNDS,
});
const { embeddings: baselineEmbeddings, times: _, ...baseline } = baselineRounds[0];
Object.assign(baseline, latencies(pooled(baselineRounds)), {
  load_ms: middle(baselineRounds, "load_ms"),
  import_ms: middle(baselineRounds, "import_ms"),
  load_ms_rounds: baselineRounds.map((round) => round.load_ms),
  rounds: ROUNDS,
});
const roundRatios = ourRounds.map(
  (round, r) =>
    latencies(round.times).latency_ms_median / baselineRounds[r].latency_ms_median,
);

const cosines = embeddings.map((vector, i) => cosine(vector, baselineEmbeddings[i]));
console.log(
  JSON.stringify({
    consent_visible_ms: consentVisibleMs,
    ...ours,
    baseline_latency_ms_median: baseline.latency_ms_median,
    baseline_latency_ms_p90: baseline.latency_ms_p90,
    baseline_model_load_ms: baseline.load_ms,
    baseline_model_bytes: baseline.model_bytes,
    latency_ratio: ours.latency_ms_median / baseline.latency_ms_median,
    latency_ratio_rounds: roundRatios,
    baseline_cosine_min: Math.min(...cosines),
    baseline_cosines: cosines,
    baseline,
  }),
);
