/**
 * One process's rollout sampling at the default RL step's shape on the ONNX engine (one ONNX Runtime
 * thread, as in the grid), for `deno task perf`'s row of two such processes at once: the shape of
 * `--jobs 2`, which runs two cells side by side, one a core. After one untimed sampling it prints
 * `ready`, waits for a line on stdin (so that processes started together time the same span), times
 * `reps` samplings (default 5) and prints one line of JSON: the new tokens sampled and the wall-clock
 * span (epoch milliseconds) of the timed part.
 *
 * ```sh
 * echo go | deno run --allow-read --allow-ffi --allow-env bench/sampling_rate.ts 5
 * ```
 * @module
 */
import { DEFAULT_BACKEND, useBackend } from "../harness/backend/backend.ts";
import { defaultWasmThreads, useWasm } from "../harness/backend/wasm_threads.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy } from "../harness/model/model.ts";
import { OnnxEngine } from "../harness/rollout/onnx_engine.ts";
import { sample } from "../harness/rollout/sampler.ts";
import { rng } from "../harness/core/rng.ts";
import { stepSampling } from "./step_batches.ts";

/** What one process reports: new tokens sampled and when its timed samplings started and ended. */
export interface SamplingSpan {
  tokens: number;
  start: number;
  end: number;
}

if (import.meta.main) {
  const reps = Number(Deno.args[0] ?? 5);
  if (!Number.isInteger(reps) || reps < 1) {
    throw new Error(`sampling_rate.ts takes a repetition count ≥ 1, got ${Deno.args[0]}`);
  }
  await useWasm(defaultWasmThreads(DEFAULT_BACKEND), DEFAULT_BACKEND);
  await useBackend(DEFAULT_BACKEND);
  const cfg = getConfig("default");
  const { prompts, maxNew } = stepSampling(cfg);
  const policy = createPolicy(cfg.model, 0);
  const engine = await OnnxEngine.create(policy, { threads: 1 });
  const once = async () =>
    (await sample(engine, prompts, { temperature: 1, maxNew, rng: rng(1, "perf-sample") }))
      .reduce((n, o) => n + o.tokens.length, 0);
  await once();
  console.log("ready");
  for await (const chunk of Deno.stdin.readable) if (new TextDecoder().decode(chunk).includes("\n")) break;
  const start = performance.timeOrigin + performance.now();
  let tokens = 0;
  for (let i = 0; i < reps; i++) tokens += await once();
  const span: SamplingSpan = { tokens, start, end: performance.timeOrigin + performance.now() };
  console.log(JSON.stringify(span));
  await engine.dispose();
}
