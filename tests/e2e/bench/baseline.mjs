// The baseline of the understanding benchmark: the same encoder (all-MiniLM-L6-v2, int8) run
// by transformers.js with ONNX Runtime Web in headless Chromium, measured the way nlu.mjs
// measures Hearth's worker.
//   node tests/e2e/bench/baseline.mjs            the 40 messages of messages.json (JSON out)
//   node tests/e2e/bench/baseline.mjs --check    cosines of a few sentence pairs, and norms
// Needs `setup_baseline` from scripts/setup.sh: the npm packages in ./baseline/node_modules
// and the model directory in $HEARTH_BASELINE_DIR (default ~/.cache/hearth/baseline).
//
// Everything is served from 127.0.0.1 by a small HTTP server in this process:
//   /                          an empty page (no cross-origin isolation: one thread, as in Hearth)
//   /lib/transformers.min.js   transformers.js's self-contained browser bundle
//   /ort/<file>                ONNX Runtime Web's wasm files (otherwise fetched from a CDN)
//   /models/<id>/<file>        the model directory (config, tokenizer, onnx/model_quantized.onnx)
// and a run fails if the page asked any other origin for anything.
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

const MODEL_ID = "all-MiniLM-L6-v2";
const DEFAULT_MODEL_ROOT =
  process.env.HEARTH_BASELINE_DIR ?? join(homedir(), ".cache", "hearth", "baseline");

/** Where the pinned packages' browser files are (tests/e2e/bench/baseline/node_modules). */
function packageDirs() {
  const require = createRequire(new URL("./baseline/package.json", import.meta.url));
  let transformers;
  try {
    transformers = require.resolve("@huggingface/transformers");
  } catch {
    throw new Error(
      "transformers.js is not installed: run `source scripts/setup.sh && setup_baseline`",
    );
  }
  // transformers.js bundles ONNX Runtime Web's JavaScript but loads its .wasm at run time.
  const ort = createRequire(transformers).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm");
  return { lib: dirname(transformers), ort: dirname(ort) };
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".onnx": "application/octet-stream",
};

/**
 * Serves the page, the library, the runtime and the model on 127.0.0.1 (a free port).
 * `served` counts the bytes sent under each prefix; `missing` lists the paths answered 404.
 */
async function serve({ lib, ort, models }) {
  const roots = { "/lib/": resolve(lib), "/ort/": resolve(ort), "/models/": resolve(models) };
  const served = { lib: 0, ort: 0, models: 0 };
  const missing = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405).end();
      return;
    }
    if (path === "/") {
      const page =
        '<!doctype html><meta charset=utf-8><link rel=icon href="data:,">' +
        "<title>transformers.js baseline</title>";
      response.writeHead(200, { "content-type": TYPES[".html"] }).end(page);
      return;
    }
    const prefix = Object.keys(roots).find((p) => path.startsWith(p));
    const file = prefix && normalize(join(roots[prefix], path.slice(prefix.length)));
    const inside = file && file.startsWith(roots[prefix] + sep);
    if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      missing.push(path);
      response.writeHead(404).end();
      return;
    }
    const size = statSync(file).size;
    response.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": size,
      "cache-control": "no-cache",
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    served[prefix.slice(1, -1)] += size;
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, served, missing, close: () => server.close() };
}

/** The lower median and the p90 by the same convention (nlu.mjs uses these too). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
export const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(0.9 * (xs.length - 1))];

/**
 * Latency figures from `times[message][pass]` (ms): each message's median over the passes,
 * the median and p90 over those, and each pass's median.
 */
export function latencies(times) {
  const perMessage = times.map(median);
  return {
    latency_ms_median: median(perMessage),
    latency_ms_p90: p90(perMessage),
    latency_ms_pass_medians: times[0].map((_, p) => median(times.map((t) => t[p]))),
    per_message_ms: perMessage,
  };
}

/**
 * Runs the baseline on `messages` in a fresh context of `browser` (a playwright-core
 * Browser) and closes the context.
 *
 * - load_ms: from the start of `pipeline(...)` (fetching config, tokenizer, ONNX Runtime's
 *   wasm and the model, compiling, creating the session) through the first inference on
 *   messages[0]. Importing the library before it is `import_ms`, reported apart. Meanwhile
 *   transformers.js puts the model files in the Cache API (env.useBrowserCache), as Hearth's
 *   worker does; unlike Hearth it checks no hash.
 * - `warmups` warm-up passes over all messages, not counted; then `passes` timed passes, each
 *   message timed on its own in the page: text in, mean-pooled L2-normalised embedding out.
 * - per_message_ms: each message's median over the passes; latency_ms_median and _p90 are
 *   over those per-message medians.
 * - times: `times[message][pass]` in ms, for callers that pool several runs.
 * - embeddings: the 384-d vectors of the first timed pass, in the order of `messages`.
 */
export async function runBaseline(
  browser,
  messages,
  { passes = 3, warmups = 1, modelRoot = DEFAULT_MODEL_ROOT } = {},
) {
  const modelFile = join(modelRoot, MODEL_ID, "onnx", "model_quantized.onnx");
  if (!existsSync(modelFile)) {
    throw new Error(`no ${modelFile}: run \`source scripts/setup.sh && setup_baseline\``);
  }
  const server = await serve({ ...packageDirs(), models: modelRoot });
  const context = await browser.newContext();
  const requests = [];
  const problems = [];
  context.on("request", (request) => requests.push(request.url()));
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${server.origin}/`);
    const result = await page.evaluate(
      async ({ messages, passes, warmups, modelId }) => {
        const t0 = performance.now();
        const { env, pipeline } = await import("/lib/transformers.min.js");
        const importMs = performance.now() - t0;

        env.allowRemoteModels = false;
        env.allowLocalModels = true;
        // A path, not a URL: given an absolute URL, 4.3.1 takes the files for remote ones and
        // (remote models being off) quietly finds no tokenizer.
        env.localModelPath = "/models/";
        env.backends.onnx.wasm.wasmPaths = `${location.origin}/ort/`;
        env.backends.onnx.wasm.numThreads = 1;

        const t1 = performance.now();
        const extractor = await pipeline("feature-extraction", modelId, {
          dtype: "q8", // onnx/model_quantized.onnx
          device: "wasm",
        });
        if (!extractor.tokenizer) throw new Error("transformers.js loaded no tokenizer");
        const embed = async (text) =>
          (await extractor(text, { pooling: "mean", normalize: true })).data;
        await embed(messages[0]);
        const loadMs = performance.now() - t1;

        for (let p = 0; p < warmups; p++) {
          for (const text of messages) await embed(text);
        }
        const times = messages.map(() => []);
        let embeddings;
        for (let p = 0; p < passes; p++) {
          const vectors = [];
          for (const [i, text] of messages.entries()) {
            const t = performance.now();
            const vector = await embed(text);
            times[i].push(performance.now() - t);
            vectors.push(vector);
          }
          embeddings ??= vectors.map((v) => Array.from(v));
        }
        return {
          import_ms: importMs,
          load_ms: loadMs,
          times,
          embeddings,
          version: env.version,
          onnxruntime_web: env.backends.onnx.versions?.web,
        };
      },
      { messages, passes, warmups, modelId: MODEL_ID },
    );

    const foreign = requests.filter((url) => {
      const { protocol, origin } = new URL(url);
      return protocol !== "data:" && protocol !== "blob:" && origin !== server.origin;
    });
    if (foreign.length) throw new Error(`the page contacted other origins: ${foreign.join(", ")}`);
    if (problems.length) {
      const notFound = server.missing.length ? ` (404: ${server.missing.join(", ")})` : "";
      throw new Error(`the page reported errors: ${problems.join(" | ")}${notFound}`);
    }

    return {
      load_ms: result.load_ms,
      import_ms: result.import_ms,
      ...latencies(result.times),
      times: result.times,
      embeddings: result.embeddings,
      version: result.version,
      onnxruntime_web: result.onnxruntime_web,
      model_bytes: statSync(modelFile).size,
      served_bytes: { ...server.served },
      not_found: [...server.missing],
      requests: requests.map((url) =>
        url.startsWith(server.origin) ? url.slice(server.origin.length) : url,
      ),
      messages: messages.length,
      passes,
    };
  } finally {
    await context.close();
    server.close();
  }
}

/** The cosine of two unit vectors (their dot product). */
export const cosine = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a) => Math.sqrt(cosine(a, a));

// The command line: `node tests/e2e/bench/baseline.mjs [--check]`.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { launch } = await import("../browser.mjs");
  const browser = await launch();
  try {
    if (process.argv.includes("--check")) {
      // Sentence pairs: close in meaning (high cosine expected), then unrelated (low).
      const pairs = [
        ["I feel fine today", "I am happy today"],
        ["couldn't sleep again last night", "I had insomnia and stayed awake"],
        ["I feel fine today", "the train to Leeds was delayed"],
      ];
      const r = await runBaseline(browser, pairs.flat(), { passes: 1 });
      const check = pairs.map(([a, b], i) => ({
        a,
        b,
        cosine: cosine(r.embeddings[2 * i], r.embeddings[2 * i + 1]),
      }));
      const norms = r.embeddings.map(norm);
      const summary = { check, norm_min: Math.min(...norms), norm_max: Math.max(...norms) };
      console.log(JSON.stringify(summary, null, 2));
    } else {
      const file = new URL("./messages.json", import.meta.url);
      const messages = JSON.parse(readFileSync(file, "utf8"));
      const { embeddings, ...result } = await runBaseline(browser, messages);
      result.embedding_dim = embeddings[0].length;
      result.embedding_head = embeddings[0].slice(0, 3);
      console.log(JSON.stringify(result, null, 2));
    }
  } finally {
    await browser.close();
  }
}
