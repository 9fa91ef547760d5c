// Boots the understanding worker: loads its WebAssembly, whose start function answers at
// once with the crisis rules and loads the model alongside (see src/nlu_worker.rs).
import init from "./hearth_nlu_worker.js";

await init({ module_or_path: new URL("./hearth_nlu_worker_bg.wasm", import.meta.url) });
