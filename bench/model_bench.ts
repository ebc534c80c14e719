/**
 * Speed of the policy on this machine (`deno task microbench`; backend `CREDIT_BENCH_BACKEND`, default
 * wasm-ort, on `CREDIT_BENCH_THREADS` wasm threads, default as `deno task bench`'s). Reference config of the performance issue:
 * vocab 64, d_model 128, 2 layers, 4 heads, context 64, batch 32 (2,048 tokens per step).
 * The train step is 2,048 tokens; sampling asks for up to 63 new tokens on 32 rows (rows that sample
 * EOS stop early, so fewer are drawn). `deno task perf` (bench/perf.ts) prints tokens/s from the tokens
 * actually sampled, and more, as one table. The decode-run group times one run of the default model's
 * decode-step graph on 1 row and on 256 (64 cached slots): the first is a run's fixed cost (the binding and
 * ONNX Runtime's walk over the graph's nodes), the second what an RL step's first decode steps pay.
 */
import { DEFAULT_BACKEND, isWasm, tf, useBackend } from "../harness/backend/backend.ts";
import { defaultWasmThreads, useWasm } from "../harness/backend/wasm_threads.ts";
import { createPolicy, logProbAndEntropy } from "../harness/model/model.ts";
import { Trainer } from "../harness/model/optimizer.ts";
import { sample } from "../harness/rollout/sampler.ts";
import { TfjsEngine } from "../harness/rollout/tfjs_engine.ts";
import { OnnxEngine } from "../harness/rollout/onnx_engine.ts";
import { cacheNames } from "../harness/model/onnx_export.ts";
import { rng } from "../harness/core/rng.ts";
import { getConfig } from "../harness/config.ts";
import { sequenceLoss, sftBatch } from "../harness/loop/sft.ts";
import { trainSplits } from "../harness/suite.ts";

const backend = Deno.env.get("CREDIT_BENCH_BACKEND") ?? DEFAULT_BACKEND;
if (isWasm(backend)) {
  await useWasm(Number(Deno.env.get("CREDIT_BENCH_THREADS") ?? defaultWasmThreads(backend)), backend);
} else await useBackend(backend);

const REF = { vocabSize: 64, dModel: 128, layers: 2, heads: 4, context: 64 };
const B = 32, T = 64;
const r = rng(0, "bench");
const ids = (n: number) => Array.from({ length: n }, () => r.int(REF.vocabSize));
const tokens = tf.tensor2d(ids(B * T), [B, T], "int32"), targets = tf.tensor2d(ids(B * T), [B, T], "int32");

const ref = createPolicy(REF, 0);
const trainer = new Trainer(ref, 1);
Deno.bench("train step, reference config (2,048 tokens)", { group: "train" }, () => {
  trainer.step(() => tf.neg(tf.mean(logProbAndEntropy(ref.forward(tokens).logits, targets).logp)) as tf.Scalar, 1e-3);
});

const onnx = await OnnxEngine.create(ref);
for (const engine of [new TfjsEngine(ref), onnx]) {
  Deno.bench(
    `sampling, ${engine.name} engine, reference config (32 rows × 63 tokens)`,
    { group: "sample" },
    async () => {
      await sample(engine, Array.from({ length: B }, () => [1]), { temperature: 1, maxNew: T - 1, rng: r });
    },
  );
}

const cfg = getConfig("default");
const policy = createPolicy(cfg.model, 0);
const sftTrainer = new Trainer(policy, 1);
const splits = trainSplits(cfg);
let step = 0;
Deno.bench("SFT step, default config (batch 32 of teacher traces)", { group: "sft" }, () => {
  const batch = sftBatch(splits, cfg.sft, 1, step++);
  sftTrainer.step(() => sequenceLoss(policy, batch), 1e-3);
});

const defaultOnnx = await OnnxEngine.create(policy);
for (const rows of [1, 256]) {
  const { heads: H, layers: L, dModel } = cfg.model, S = 64, { Tensor } = defaultOnnx.ort;
  const feeds: Record<string, InstanceType<typeof Tensor>> = {
    tokens: new Tensor("int64", new BigInt64Array(rows), [rows, 1]),
    positions: new Tensor("int64", new BigInt64Array(rows).fill(BigInt(S)), [rows, 1]),
    bias: new Tensor("float32", new Float32Array(rows * (S + 1)), [rows, 1, 1, S + 1]),
  };
  for (let l = 0; l < L; l++) {
    for (const name of [cacheNames(l).pastK, cacheNames(l).pastV]) {
      feeds[name] = new Tensor("float32", new Float32Array(rows * S * dModel), [rows, H, S, dModel / H]);
    }
  }
  Deno.bench(
    `decode run, onnx engine, default config (${rows === 1 ? "1 row" : `${rows} rows`}, ${S} slots)`,
    { group: "decode run" },
    async () => {
      await defaultOnnx.run(feeds);
    },
  );
}
