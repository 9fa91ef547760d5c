// Boots the vault worker: loads its WebAssembly, whose start function begins answering
// requests (see src/worker.rs). A module worker, so the strict page policy applies to it.
import init from "./hearth_vault_worker.js";

await init({ module_or_path: new URL("./hearth_vault_worker_bg.wasm", import.meta.url) });
