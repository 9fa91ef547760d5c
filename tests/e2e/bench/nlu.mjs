// Benchmark of on-device understanding in headless Chromium (prints one JSON object).
//   node tests/e2e/bench/nlu.mjs http://127.0.0.1:PORT/
// Against the release build served by the relay, in one browser, each part in a fresh
// context:
// - cold start: navigation to the consent step visible on /patient/;
// - ours: the model's bytes, fetch + load + first inference, the same from the Cache API,
//   and per-message latency (text in, pooled normalised embedding out, tokenisation
//   included, measured in the page around one worker round trip) over the 40 messages in
//   messages.json: one warm-up pass, then three timed passes;
// - the baseline: transformers.js on the same messages, the same way (baseline.mjs), and
//   the cosine between its embedding and ours for each message.
// Medians and p90 are over the per-message medians of the passes, for both engines.
import { readFileSync } from "node:fs";
import { launch } from "../browser.mjs";
import { cosine, latencies, median, runBaseline } from "./baseline.mjs";

const base = process.argv[2] ?? process.env.HEARTH_URL;
const messages = JSON.parse(readFileSync(new URL("./messages.json", import.meta.url), "utf8"));
const PASSES = 3;

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

// The model: a same-origin document without the widget (the clinic's JSON file), so that no
// widget worker loads the model alongside the one measured.
const context = await browser.newContext();
const page = await context.newPage();
await page.goto(new URL("/clinic.json", base).href);

const result = await page.evaluate(
  async ({ messages, passes }) => {
    const start = (url) => {
      const t0 = performance.now();
      const worker = new Worker(url, { type: "module" });
      const answers = new Map();
      let id = 0;
      const settled = new Promise((resolve, reject) => {
        worker.onmessage = (event) => {
          const m = JSON.parse(event.data);
          if (m.kind === "ready") resolve(m);
          if (m.kind === "unavailable") reject(new Error(m.reason));
          if (m.kind === "answer") answers.get(m.id)?.(m.response);
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
    await cold.call({ type: "classify", text: messages[0] });
    const coldMs = performance.now() - cold.t0;
    cold.worker.terminate();
    // Warm: the model now comes from the Cache API.
    const warm = start("/nlu-worker.js");
    const warmReady = await warm.settled;
    await warm.call({ type: "classify", text: messages[0] });
    const warmMs = performance.now() - warm.t0;
    // Latency: one warm-up pass, then timed passes.
    for (const text of messages) await warm.call({ type: "embed", texts: [text] });
    const times = messages.map(() => []);
    let embeddings;
    for (let p = 0; p < passes; p++) {
      const vectors = [];
      for (const [i, text] of messages.entries()) {
        const t = performance.now();
        const r = await warm.call({ type: "embed", texts: [text] });
        times[i].push(performance.now() - t);
        if (r.type !== "embeddings") throw new Error(JSON.stringify(r));
        vectors.push(r.vectors[0]);
      }
      embeddings ??= vectors;
    }
    const classifyTimes = [];
    for (const text of messages) {
      const t = performance.now();
      await warm.call({ type: "classify", text });
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
  { messages, passes: PASSES },
);
await context.close();
// Each message's median over the passes; the median and p90 over those (as for the baseline).
const { times, classifyTimes, embeddings, ...ours } = result;
Object.assign(ours, latencies(times), { classify_ms_median: median(classifyTimes) });

const { embeddings: baselineEmbeddings, ...baseline } = await runBaseline(browser, messages, {
  passes: PASSES,
});
await browser.close();

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
    baseline_cosine_min: Math.min(...cosines),
    baseline_cosines: cosines,
    baseline,
  }),
);
