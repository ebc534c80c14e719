/**
 * Where a training step's time goes, kernel by kernel (`tf.profile`): the default suite's SFT step (`sft`) or
 * the policy update of its RL step (`update`, 2 mini-batches of `rl.miniBatch` teacher traces standing in for
 * rollouts, as `deno task perf` times it), on the default backend. Prints the step's median wall time, then
 * the kernels' time by kernel name (the `forward` of a custom gradient contains its own kernels, also listed),
 * by the part of the model it belongs to, and for the matrix products by kind with their GFLOP/s.
 *
 * ```sh
 * deno run -A bench/profile_step.ts update   # or sft
 * ```
 * @module
 */
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { defaultWasmThreads, useWasm } from "../harness/backend/wasm_threads.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy } from "../harness/model/model.ts";
import { Trainer } from "../harness/model/optimizer.ts";
import { sequenceLoss } from "../harness/loop/sft.ts";
import { responseLogProbs } from "../harness/update/rl_update.ts";
import { TRAIN_PASS_OVERHEAD } from "../harness/model/length_chunks.ts";
import { stepBatches } from "./step_batches.ts";

const which = Deno.args[0] ?? "update";
if (which !== "update" && which !== "sft") throw new Error(`profile_step.ts takes update or sft, got ${which}`);
await useWasm(defaultWasmThreads(DEFAULT_BACKEND), DEFAULT_BACKEND);
await useBackend(DEFAULT_BACKEND);
const cfg = getConfig("default");
const policy = createPolicy(cfg.model, 0), trainer = new Trainer(policy, 1);
const { sft, update } = stepBatches(cfg), batches = update(cfg.rl.miniBatch);

/** One step: the SFT step, or both mini-batches of the update. */
function step(): void {
  if (which === "sft") {
    trainer.step(() => sequenceLoss(policy, sft, TRAIN_PASS_OVERHEAD), 0);
    return;
  }
  for (const rows of batches) {
    trainer.step(() => {
      const { logp, mask } = responseLogProbs(policy, rows, TRAIN_PASS_OVERHEAD, false);
      return tf.neg(logp.mul(mask).sum()) as tf.Scalar;
    }, 0);
  }
}

for (let i = 0; i < 3; i++) step();
const wall: number[] = [];
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  step();
  wall.push(performance.now() - t0);
}
wall.sort((a, b) => a - b);
console.log(`${which} step: median ${wall[3].toFixed(1)} ms (${wall[0].toFixed(1)}–${wall[6].toFixed(1)})`);

const { kernels } = await tf.profile(step);
/** Milliseconds and calls by key. */
const tally = (key: (k: (typeof kernels)[number]) => string | null) => {
  const by = new Map<string, { n: number; ms: number }>();
  for (const k of kernels) {
    const name = key(k);
    if (name === null) continue;
    const e = by.get(name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += k.kernelTimeMs as number;
    by.set(name, e);
  }
  return [...by].sort((a, b) => b[1].ms - a[1].ms);
};
const own = kernels.filter((k) => k.name !== "forward").reduce((s, k) => s + (k.kernelTimeMs as number), 0);
console.log(
  `${kernels.length} kernels, ${own.toFixed(1)} ms in kernels (custom gradients' forwards not counted twice)`,
);
for (const [name, e] of tally((k) => k.name)) {
  console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(5)}× ${name}`);
}
const PARTS: Record<string, string> = {
  BatchMatMul: "matrix products",
  Softmax: "softmax and log-softmax",
  logSoftmax__op: "softmax and log-softmax",
};
const MOVES = ["Transpose", "Concat", "SplitV", "Slice", "PadV2", "Reshape", "Identity", "Cast", "OneHot"];
console.log("by part:");
for (
  const [part, e] of tally((k) =>
    k.name === "forward"
      ? null
      : PARTS[k.name] ?? (MOVES.includes(k.name) ? "data movement" : "elementwise and reductions")
  )
) {
  console.log(`${e.ms.toFixed(1).padStart(8)} ms ${(100 * e.ms / wall[3]).toFixed(0).padStart(3)}% ${part}`);
}
console.log(
  `${(wall[3] - own).toFixed(1).padStart(8)} ms outside kernels (tfjs's engine, the tape, JS), against the median`,
);
console.log("matrix products by kind:");
const flops = new Map<string, number>();
for (
  const [kind, e] of tally((k) => {
    if (k.name !== "BatchMatMul") return null;
    const [a] = k.inputShapes as number[][], out = k.outputShapes[0] as number[];
    const kind = a.length > 2 ? "batched (attention)" : a[0] === 1 ? "row sums (bias gradients)" : "dense";
    // The inner dimension: the one of a's that is not the output's.
    const inner = a.at(-1) === out.at(-2) && a.at(-2) !== out.at(-2) ? a.at(-2)! : a.at(-1)!;
    flops.set(kind, (flops.get(kind) ?? 0) + 2 * out.reduce((p, d) => p * d, 1) * inner);
    return kind;
  })
) {
  console.log(
    `${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(5)}× ${kind}, ${
      (flops.get(kind)! / e.ms / 1e6).toFixed(0)
    } GFLOP/s`,
  );
}
