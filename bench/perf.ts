/**
 * `deno task perf`: one table of how fast credit-bench runs on this machine. Train step of the
 * performance issue's reference model (vocab 64, d_model 128, 2 layers, 4 heads, context 64, batch 32:
 * 2,048 tokens), beside the PyTorch peer (`../shared/peer/torch_peer.py`, when `/usr/bin/python3` has
 * torch: `apt-get install python3-torch libopenblas0-pthread`); the default suite's SFT step and RL
 * policy update on rows of real lengths, as one pass per batch and as passes cut by length; rollout
 * tokens/s of each engine on the reference model, on the default model at an RL step's shape (also two
 * processes at once, `bench/sampling_rate.ts`, as `--jobs 2` runs the grid's cells) and at the
 * shape of the PyTorch decoding peer (`bench/torch_decode_peer.py`: the same policy decoding with a KV
 * cache in PyTorch, on 1 and 2 threads); ONNX export, session and weight-refresh times; the cached base
 * model's build time and the wall time of the stored default bench (`results/default/runs/`). Each
 * figure is the median of several timed repetitions after a warm-up. The train steps run on the default
 * backend, wasm-ort (the reference step also on wasm, XNNPACK's products). Arguments: `--threads N`
 * (tfjs wasm threads, default as `deno task bench` uses: 1 on wasm-ort) and `--ort-threads N` (ONNX
 * Runtime threads of the rollout engine, default 1 as in the engine).
 * @module
 */
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { withoutFusedKernels } from "../harness/backend/fused_kernels.ts";
import { defaultWasmThreads, useWasm, wasmThreads } from "../harness/backend/wasm_threads.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy, logProbAndEntropy, type ModelConfig } from "../harness/model/model.ts";
import { Trainer } from "../harness/model/optimizer.ts";
import { type RolloutEngine } from "../harness/rollout/engine.ts";
import { TfjsEngine } from "../harness/rollout/tfjs_engine.ts";
import { OnnxEngine } from "../harness/rollout/onnx_engine.ts";
import { policyOnnx, weightsOf } from "../harness/model/onnx_export.ts";
import { onnxRuntime } from "../harness/backend/onnx_runtime.ts";
import { firstLine } from "../harness/core/errors.ts";
import { sample } from "../harness/rollout/sampler.ts";
import { rng } from "../harness/core/rng.ts";
import { baseModelKey, sequenceLoss } from "../harness/loop/sft.ts";
import { fixedLogProbs, responseLogProbs } from "../harness/update/rl_update.ts";
import { TRAIN_PASS_OVERHEAD } from "../harness/model/length_chunks.ts";
import { readManifest, runsDir } from "../harness/store/run_folder.ts";
import { stepBatches, stepSampling } from "./step_batches.ts";
import type { SamplingSpan } from "./sampling_rate.ts";
import { thisCpu } from "./machine.ts";

const REF: ModelConfig = { vocabSize: 64, dModel: 128, layers: 2, heads: 4, context: 64 };
/** The value of command-line flag `name`, or `fallback`. */
const flag = (name: string, fallback: number) =>
  Deno.args.includes(name) ? Number(Deno.args[Deno.args.indexOf(name) + 1]) : fallback;
const threads = flag("--ort-threads", 1);

/** Median seconds of `reps` timed calls of `f` after one untimed call. */
async function seconds(f: () => unknown, reps: number): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)];
}

/** Median seconds of `a` and of `b` over `reps` timed calls each, alternated, after one untimed call of each. */
async function alternated(a: () => unknown, b: () => unknown, reps: number): Promise<[number, number]> {
  await a();
  await b();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < reps; i++) {
    for (const [k, f] of [a, b].entries()) {
      const t0 = performance.now();
      await f();
      times[k].push((performance.now() - t0) / 1000);
    }
  }
  const median = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(reps / 2)];
  return [median(times[0]), median(times[1])];
}

const rows: [string, string, string][] = [];
const row = (what: string, value: string, note = "") => {
  rows.push([what, value, note]);
  console.error(`${what}: ${value} ${note}`);
};
const fmt = (x: number, digits = 1) => x.toLocaleString("en-US", { maximumFractionDigits: digits });

await useWasm(flag("--threads", defaultWasmThreads(DEFAULT_BACKEND)), DEFAULT_BACKEND);

/** Time a train step of a fresh `model` on random tokens [B, T]. */
async function trainStep(name: string, model: ModelConfig, B: number, T: number, backend: string = DEFAULT_BACKEND) {
  await useBackend(backend);
  const r = rng(0, "perf");
  const ids = () => tf.tensor2d(Array.from({ length: B * T }, () => r.int(model.vocabSize)), [B, T], "int32");
  const [tokens, targets] = [ids(), ids()];
  const policy = createPolicy(model, 0), trainer = new Trainer(policy, 1);
  const step = () =>
    trainer.step(
      () => tf.neg(tf.mean(logProbAndEntropy(policy.forward(tokens).logits, targets).logp)) as tf.Scalar,
      1e-3,
    );
  const [s, chains] = await alternated(step, () => withoutFusedKernels(step), 7);
  row(
    `train step, ${name} (tfjs ${backend}, ${wasmThreads()} thread(s))`,
    `${fmt(s * 1000, 0)} ms`,
    `${fmt(B * T / s, 0)} tokens/s; ${fmt(chains * 1000, 0)} ms with the tfjs chains for the fused kernels`,
  );
  trainer.dispose();
  policy.dispose();
  tf.dispose([tokens, targets]);
  await useBackend(DEFAULT_BACKEND);
}

await trainStep("reference model, 32 × 64 tokens", REF, 32, 64);
await trainStep("reference model, 32 × 64 tokens", REF, 32, 64, "wasm");
const cfg = getConfig("default");
await trainStep("default model at an RL update's shape, 40 × 100 tokens", cfg.model, 40, 100);

// Real lengths: an SFT step of the default suite, and policy updates of 2 mini-batches of teacher traces standing in for
// rollouts (bench/step_batches.ts), each with one pass per batch against passes cut by length (harness/model/length_chunks.ts).
{
  const policy = createPolicy(cfg.model, 0), trainer = new Trainer(policy, 1);
  const { sft, update } = stepBatches(cfg);
  for (
    const [what, loss, batches] of [
      [`SFT step, default suite (batch ${cfg.sft.batchSize})`, (o: number) => sequenceLoss(policy, sft, o), []],
      // The shape the speed issue tracks (an RL step of the earlier default suite), and the default suite's own.
      ["policy update, 80 rows of real lengths in 2 mini-batches of 40", null, update(40)],
      [`policy update, the default RL step: 2 mini-batches of ${cfg.rl.miniBatch}`, null, update(cfg.rl.miniBatch)],
    ] as const
  ) {
    const step = (overhead: number) => () => {
      if (loss) return trainer.step(() => loss(overhead), 0);
      for (const rows of batches) {
        trainer.step(() => {
          const { logp, mask } = responseLogProbs(policy, rows, overhead, false);
          return tf.neg(logp.mul(mask).sum()) as tf.Scalar;
        }, 0);
      }
    };
    const one = await seconds(step(Infinity), 5);
    // The fused kernels against the tfjs chains they replace, alternated in this sitting.
    const [cut, chains] = await alternated(
      step(TRAIN_PASS_OVERHEAD),
      () => withoutFusedKernels(step(TRAIN_PASS_OVERHEAD)),
      5,
    );
    row(
      `${what} (tfjs ${DEFAULT_BACKEND}, ${wasmThreads()} thread(s))`,
      `${fmt(cut * 1000, 0)} ms`,
      `passes cut by length (${fmt(chains * 1000, 0)} ms with the tfjs chains for the fused kernels, ` +
        `${fmt(chains / cut, 2)}×); ${fmt(one * 1000, 0)} ms as one pass per batch`,
    );
  }
  trainer.dispose();
  policy.dispose();
}

/**
 * Run a PyTorch peer script with `/usr/bin/python3`: its stdout, or why it could not run (no script,
 * no python, or the script's last error line).
 */
async function peer(script: string, args: (string | number)[]): Promise<{ out: string } | { why: string }> {
  const path = new URL(script, import.meta.url).pathname;
  const python = new Deno.Command("/usr/bin/python3", { args: [path, ...args.map(String)] });
  const run = await python.output().catch(() => null);
  if (run?.success) return { out: new TextDecoder().decode(run.stdout) };
  return {
    why: await Deno.stat(path).then(
      () => (run ? firstLine(new TextDecoder().decode(run.stderr).trim().split("\n").at(-1)) : "no /usr/bin/python3"),
      () => `no ${path}`,
    ),
  };
}

// The PyTorch peer on the same model and batch.
{
  const got = await peer("../../shared/peer/torch_peer.py", [64, 128, 2, 4, 64, 32, 2]);
  const ms = "out" in got ? got.out.match(/train_step_ms=([\d.]+)/)?.[1] : undefined;
  row(
    "train step, reference model (PyTorch CPU peer)",
    ms ? `${ms} ms` : "not measured",
    ms ? "torch_peer.py, 2 threads" : "why" in got ? got.why : "no train_step_ms in its output",
  );
}

/** Tokens per second sampling `prompts` with `engine` (new tokens only), and the sampled tokens. */
async function sampling(engine: RolloutEngine, prompts: number[][], maxNew: number[]) {
  let rows: number[][] = [];
  const s = await seconds(async () => {
    rows = (await sample(engine, prompts, { temperature: 1, maxNew, rng: rng(1, "perf-sample") })).map((o) => o.tokens);
  }, 5);
  return { rate: rows.reduce((n, r) => n + r.length, 0) / s, seconds: s, rows };
}

// Sampling: the reference model (32 rows × 63 new tokens), the default model at an RL step's shape, and the default
// model at the PyTorch decoding peer's shape (random prompts, every row as long as the others).
const step = stepSampling(cfg);
const PEER_SHAPE = { rows: 80, prompt: 30, fresh: 60 };
const peerRng = rng(0, "perf-peer-prompts");
const peerPrompts = Array.from(
  { length: PEER_SHAPE.rows },
  () => Array.from({ length: PEER_SHAPE.prompt }, () => peerRng.int(cfg.model.vocabSize)),
);
const peerShape = `${PEER_SHAPE.rows} rows × ${PEER_SHAPE.prompt}-token prompts × ${PEER_SHAPE.fresh} new`;
for (
  const [name, model, prompts, maxNew] of [
    ["reference model, 32 rows × 63 tokens", REF, Array.from({ length: 32 }, () => [1]), Array(32).fill(63)],
    [`default model, RL step (${step.prompts.length} rows)`, cfg.model, step.prompts, step.maxNew],
    [`default model, ${peerShape}`, cfg.model, peerPrompts, Array(PEER_SHAPE.rows).fill(PEER_SHAPE.fresh)],
  ] as [string, ModelConfig, number[][], number[]][]
) {
  const policy = createPolicy(model, 0);
  const onnx = await OnnxEngine.create(policy, { threads });
  const sampled: number[][][] = [];
  for (const engine of [new TfjsEngine(policy), onnx]) {
    const { rate, seconds, rows } = await sampling(engine, prompts, maxNew);
    const tokens = rows.reduce((n, r) => n + r.length, 0);
    row(
      `sampling, ${name}, ${engine.name}`,
      `${fmt(rate, 0)} tokens/s`,
      `${fmt(seconds * 1000, 0)} ms for ${tokens} tokens`,
    );
    sampled.push(rows);
  }
  const same = sampled[0].filter((r, i) => r.join() === sampled[1][i].join()).length;
  row(`engines agree, ${name}`, `${same} of ${prompts.length} rows`, "the same sampled tokens from one seeded stream");
  await onnx.dispose();
  policy.dispose();
}

// The grid's two-core design (`--jobs 2`: two cells side by side, one a core): two processes sampling an RL step at
// once (bench/sampling_rate.ts), their tokens over the span from the first one's start to the last one's end.
{
  const script = new URL("sampling_rate.ts", import.meta.url).pathname;
  const args = ["run", "--allow-read", "--allow-ffi", "--allow-env", script, "5"];
  const children = [0, 1].map(() =>
    new Deno.Command(Deno.execPath(), { args, stdin: "piped", stdout: "piped", stderr: "inherit" }).spawn()
  );
  const outputs = children.map((c) => c.stdout.pipeThrough(new TextDecoderStream()).getReader());
  /** The rest of a child's output, up to its line `ready` (`untilReady`) or to its end. */
  const read = async (out: ReadableStreamDefaultReader<string>, untilReady: boolean) => {
    let text = "";
    while (!untilReady || !text.includes("ready\n")) {
      const { value, done } = await out.read();
      if (done) break;
      text += value;
    }
    return text;
  };
  await Promise.all(outputs.map((out) => read(out, true))); // both warmed up: start their timed parts together
  for (const c of children) {
    const input = c.stdin.getWriter();
    await input.write(new TextEncoder().encode("go\n")).catch(() => {}); // a child that died refuses it
    await input.close().catch(() => {});
  }
  const spans: SamplingSpan[] = [];
  for (const [i, out] of outputs.entries()) {
    const text = await read(out, false);
    if ((await children[i].status).success) spans.push(JSON.parse(text));
  }
  const tokens = spans.reduce((n, s) => n + s.tokens, 0);
  const wall = (Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start))) / 1000;
  row(
    `sampling, default model, RL step (${step.prompts.length} rows), onnx, two processes at once (--jobs 2)`,
    spans.length === 2 ? `${fmt(tokens / wall, 0)} tokens/s` : "not measured",
    spans.length === 2
      ? `both together, from the first start to the last end; each in its own span: ${
        spans.map((s) => fmt(s.tokens / (s.end - s.start) * 1000, 0)).join(" and ")
      }`
      : "a sampling process failed (its error is above)",
  );
}

// The PyTorch decoding peer (bench/torch_decode_peer.py) on the default model at its shape, on 1 and 2 threads.
for (const peerThreads of [1, 2]) {
  const { vocabSize, dModel, layers, heads, context } = cfg.model;
  const got = await peer("torch_decode_peer.py", [
    ...[vocabSize, dModel, layers, heads, context],
    ...[PEER_SHAPE.rows, PEER_SHAPE.prompt, PEER_SHAPE.fresh, peerThreads],
  ]);
  const rate = "out" in got ? got.out.match(/tokens_per_s=(\d+)/)?.[1] : undefined;
  row(
    `sampling, default model, ${peerShape}, PyTorch CPU peer (KV cache)`,
    rate ? `${fmt(Number(rate), 0)} tokens/s` : "not measured",
    rate ? `torch_decode_peer.py, ${peerThreads} thread(s); no row stops early` : "why" in got ? got.why : "",
  );
}

// The base policy's log-probs of one RL step's rollouts (for the KL), on each engine.
{
  const policy = createPolicy(cfg.model, 0);
  const onnx = await OnnxEngine.create(policy, { threads });
  const rollouts = await sample(onnx, step.prompts, {
    temperature: 1,
    maxNew: step.maxNew,
    rng: rng(1, "perf-sample"),
  });
  const rows = rollouts.map((o, i) => ({ prompt: step.prompts[i], tokens: o.tokens }));
  for (const engine of [new TfjsEngine(policy), onnx]) {
    const s = await seconds(() => fixedLogProbs(engine, rows), 5);
    row(`reference log-probs of an RL step (${rows.length} rollouts), ${engine.name}`, `${fmt(s * 1000, 0)} ms`);
  }
  await onnx.dispose();
  policy.dispose();
}

// Export, session and refresh of the default model.
{
  const policy = createPolicy(cfg.model, 0);
  const ort = await onnxRuntime("perf");
  const weights = weightsOf(policy);
  row(
    "ONNX export, default model (weights inside)",
    `${fmt(await seconds(() => policyOnnx(cfg.model, weights), 7) * 1000)} ms`,
  );
  const graphs = [false, true].map((step) => policyOnnx(cfg.model, weights, { step }));
  row(
    "weight refresh: new ONNX Runtime sessions (general and decode-step graphs)",
    `${
      fmt(
        await seconds(async () => {
          for (const bytes of graphs) {
            const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads });
            await s.release();
          }
        }, 7) * 1000,
      )
    } ms`,
  );
  const engine = await OnnxEngine.create(policy, { threads });
  row(
    "weight refresh: weights as graph inputs (engine.refresh)",
    `${fmt(await seconds(() => engine.refresh(), 7) * 1000, 2)} ms`,
  );
  await engine.dispose();
  policy.dispose();
}

// The stored default bench: from the first run's start to the last run's end.
{
  const dir = runsDir(new URL("../results", import.meta.url).pathname, "default");
  const spans: [number, number][] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = e.isDirectory ? await readManifest(`${dir}/${e.name}`) : null;
      if (m?.endedAt) spans.push([Date.parse(m.startedAt), Date.parse(m.endedAt)]);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const seed = cfg.baseSeeds[0];
  const base = new URL(
    `../.cache/base-${cfg.suite.name}-s${seed}-${await baseModelKey(cfg, seed, DEFAULT_BACKEND)}`,
    import.meta.url,
  );
  const built = JSON.parse(await Deno.readTextFile(`${base.pathname}/timings.json`).catch(() => "null"));
  row(
    "base model build (.cache, default suite)",
    built ? `${fmt(built.seconds, 0)} s` : "not built",
    built ? `${fmt(built.tokensPerSecond, 0)} padded tokens/s` : "",
  );
  row(
    "default bench (results/default/runs), base model cached",
    spans.length
      ? `${fmt((Math.max(...spans.map((s) => s[1])) - Math.min(...spans.map((s) => s[0]))) / 60000)} min`
      : "not run",
    spans.length ? `${spans.length} run folders` : "",
  );
}

const cpu = await thisCpu();
console.log(
  `\nMachine: ${cpu.model} (${cpu.vectors.join(" ") || "no vector extensions listed"}), ` +
    `${Deno.build.os} ${Deno.build.arch}, ${navigator.hardwareConcurrency} cores; ` +
    `Deno ${Deno.version.deno}; tfjs ${DEFAULT_BACKEND} on ${wasmThreads()} wasm thread(s); ONNX Runtime ${threads} thread(s)\n`,
);
console.log(`| measure, on ${cpu.model} | value | |\n| --- | --- | --- |`);
for (const [what, value, note] of rows) console.log(`| ${what} | ${value} | ${note} |`);
