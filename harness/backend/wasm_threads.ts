/**
 * tfjs's wasm backend on several threads under Deno. tfjs-backend-wasm turns threads off under
 * Node-like runtimes, hands Emscripten's pthread pool a `blob:` URL for its worker script (Deno's
 * `worker_threads` refuses it: ERR_WORKER_PATH) and caps the pool at half of `os.cpus()`. Here the
 * threaded SIMD build starts with its worker written to a real file, and the cap raised for the start.
 *
 * XNNPACK gives each thread whole output tiles and never splits a sum, so every result is
 * bit-identical to one thread (tests/wasm_threads_test.ts): the thread count enters no cache key.
 * @module
 */
import os from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { BackendError, DEFAULT_BACKEND, tf, useBackend, type WasmBackendName } from "./backend.ts";

/** Most threads the threaded build has workers for (its pthread pool). */
export const MAX_WASM_THREADS = 8;
const START_TIMEOUT_MS = 60_000;
const WASM_OUT = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/", import.meta.url);

/** Emscripten's pthread side of the module (internal to tfjs-backend-wasm). */
interface PThreads {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { unref(): void }[];
}
interface WasmModule {
  PThread?: PThreads;
  tfjs: { getThreadsCount(): number };
}

/** The wasm module of the active backend. */
function wasmModule(): WasmModule {
  return (tf.backend() as unknown as { wasm: WasmModule }).wasm;
}

/**
 * The pool's worker script as a CommonJS file: tfjs's own worker, preceded by what lets it run in a
 * Deno worker (writable globals it assigns, and the threaded build's main script as a file path).
 */
function workerScript(): string {
  const worker = fileURLToPath(new URL("tfjs-backend-wasm-threaded-simd.worker.js", WASM_OUT));
  const contents: string = createRequire(import.meta.url)(worker).wasmWorkerContents;
  const main = Deno.realPathSync(new URL("tfjs-backend-wasm-threaded-simd.js", WASM_OUT));
  const globals = ["self", "location", "postMessage", "performance", "Worker", "importScripts"];
  return `for (const k of ${JSON.stringify(globals)}) Object.defineProperty(globalThis, k, ` +
    `{ value: globalThis[k], writable: true, configurable: true, enumerable: true });\n` +
    `URL.createObjectURL = () => ${JSON.stringify(main)}; URL.revokeObjectURL = () => {};\n` +
    // As tfjs does before making its blob: the script's string literals hold raw newlines.
    contents.replace(/\n/g, "\\n");
}

/**
 * The wasm threads a run of `backend` gets unless told, one of `jobs` runs side by side: on `wasm-ort`
 * one (its products run natively, on one thread; a second wasm thread made its steps 5–15% slower:
 * tfjs's small elementwise kernels do not gain what the threads' hand-offs cost), on `wasm` the logical
 * cores (`cores`, default this machine's) shared between the runs (at least 1, at most {@link MAX_WASM_THREADS}).
 */
export function defaultWasmThreads(backend: WasmBackendName, jobs = 1, cores = navigator.hardwareConcurrency): number {
  if (backend === "wasm-ort") return 1;
  return Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(cores / jobs)));
}

/** Threads of the active wasm backend (1 for the single-threaded build). */
export function wasmThreads(): number {
  return tf.getBackend() === "wasm" ? wasmModule().tfjs.getThreadsCount() : 0;
}

/**
 * Make `backend` (`wasm-ort` or `wasm`) active on `threads` wasm threads (1: the single-threaded SIMD
 * build). The count is fixed for the process: asking for another one once wasm has started throws.
 */
export async function useWasm(threads: number, backend: WasmBackendName = DEFAULT_BACKEND): Promise<void> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`--threads must be an integer from 1 to ${MAX_WASM_THREADS}, got ${threads}`);
  }
  if (tf.engine().registry.wasm) {
    const now = (await useBackend(backend), wasmThreads());
    if (now !== threads) throw new BackendError("wasm", `wasm already runs on ${now} thread(s); start a new process`);
    return;
  }
  if (threads === 1) return void await useBackend(backend);
  const file = await Deno.makeTempFile({ prefix: "credit-bench-wasm-worker-", suffix: ".cjs" }).catch((e) => {
    throw new BackendError(
      "wasm",
      `wasm threads need a temporary file for their worker script (${(e as Error).message}); ` +
        `allow writing to the temporary folder (--allow-write) or run with --threads 1`,
    );
  });
  const { createObjectURL } = URL, { cpus } = os;
  try {
    await Deno.writeTextFile(file, workerScript());
    URL.createObjectURL = (o) => o instanceof Blob && o.type === "application/javascript" ? file : createObjectURL(o);
    // tfjs's build takes half the logical cores, read when the module starts.
    const cpu = { model: "", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };
    os.cpus = () => Array.from({ length: 2 * threads }, () => cpu);
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    setThreadsCount(threads);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      useBackend(backend),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new BackendError("wasm", "wasm threads did not start within 60 s; run with --threads 1")),
          START_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    await Deno.remove(file);
  }
  const pool = wasmModule().PThread;
  // Idle pool workers must not keep the process alive.
  for (const w of [...pool?.runningWorkers ?? [], ...pool?.unusedWorkers ?? []]) w.unref();
  if (wasmThreads() !== threads) {
    throw new BackendError("wasm", `asked for ${threads} wasm threads, got ${wasmThreads()}; run with --threads 1`);
  }
}
