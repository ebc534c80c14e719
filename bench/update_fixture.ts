/**
 * The fixture of tests/update_peer_test.ts: a small policy (the `smoke` suite's shape), one batch of
 * rollouts and, for each aggregation, the loss, clip fraction, KL and gradient of the clipped
 * policy-gradient objective as the PyTorch peer (bench/torch_update_peer.py, float64) computes them.
 * Regenerate with
 *
 *     deno run --allow-read --allow-write --allow-run=/usr/bin/python3,deno --allow-ffi --allow-env bench/update_fixture.ts
 *
 * Written under tests/fixtures/update_peer/: `checkpoint/` (model.json + weights.bin, as
 * harness/model/checkpoint.ts writes them), `<case>.batch.json` (the peer's input), `<case>.grad.bin` (the
 * peer's gradient, float32, parameters in checkpoint order; of a matrix whose gradient is zero on some
 * rows, such as the embeddings of tokens and positions the batch does not use, only the rows listed in
 * `expected.json` under `rows`) and `expected.json`; the JSON files are then formatted by `deno fmt`.
 *
 * The policy is `createPolicy(smoke, 19)` with its product weights scaled ×8 and its gains and biases
 * moved by N(0, 0.1²) (seeded), so that attention is far from uniform and every weight matters. The
 * batch has rows of prompt lengths 1–14 and response lengths 1–22 (tokens from a seeded alphabet),
 * advantages of both signs (per row, some varying per token, one row all 0), old log-probs that put
 * the ratio in [1.4, 1.9], [0.45, 0.7] or [0.9, 1.1] (so tokens are clipped on both sides, none near a
 * clip bound) and reference log-probs within N(0, 0.3²) of the policy's.
 * @module
 */
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy, paramShapes, policyFromArrays } from "../harness/model/model.ts";
import { saveCheckpoint } from "../harness/model/checkpoint.ts";
import { responseLogProbs } from "../harness/update/rl_update.ts";
import { DEFAULT_CLIP } from "../harness/update/pg_loss.ts";
import type { Aggregation } from "../harness/credit/baseline.ts";
import { rng } from "../harness/core/rng.ts";
import { PAD } from "../harness/text/tokenizer.ts";

/** Where the fixture lives. */
export const FIXTURE_DIR: URL = new URL("../tests/fixtures/update_peer/", import.meta.url);

/** One row of a batch file: a rollout and its per-token data (all per response token). */
export interface BatchRow {
  prompt: number[];
  tokens: number[];
  oldLogProbs: number[];
  advantages: number[];
  refLogProbs?: number[];
}

/** A batch file: the peer's input, and the settings of `pgLoss`. */
export interface BatchFile {
  rows: BatchRow[];
  clipLow: number;
  clipHigh: number;
  aggregation: Aggregation;
  maxLength: number;
  klBeta: number;
}

/** One case of `expected.json`: what the peer computed on `<name>.batch.json`. */
export interface ExpectedCase {
  name: string;
  loss: number;
  clipFraction: number;
  kl: number;
  /** The least |ratio − clip bound| over tokens (no clip decision on a rounding edge). */
  minBoundGap: number;
  /** Of a parameter stored in part: the rows (first index) stored in `<name>.grad.bin`; every other row is 0. */
  rows: Record<string, number[]>;
}

/** `expected.json`. */
export interface Expected {
  torch: string;
  dtype: string;
  params: { name: string; shape: number[] }[];
  cases: ExpectedCase[];
}

/** The cases: each aggregation, two of them with the KL in the loss, one without a reference. */
const CASES: { name: string; aggregation: Aggregation; klBeta: number; ref: boolean }[] = [
  { name: "token-mean", aggregation: "token-mean", klBeta: 0.1, ref: true },
  { name: "sequence-mean", aggregation: "sequence-mean", klBeta: 0.05, ref: true },
  { name: "dr-grpo", aggregation: "dr-grpo", klBeta: 0, ref: false },
];
const PROMPT_LENGTHS = [1, 3, 5, 8, 14, 6, 11, 2, 9, 4];
const RESPONSE_LENGTHS = [12, 1, 22, 7, 3, 18, 5, 15, 9, 20];
const MAX_LENGTH = 24;
const SEED = 19;

/** The fixture's policy: the smoke shape, seeded, product weights ×8, gains and biases moved. */
function fixturePolicy() {
  const cfg = getConfig("smoke").model;
  const base = createPolicy(cfg, SEED);
  const r = rng(SEED, "update-fixture", "weights");
  const arrays = new Map<string, Float32Array>();
  for (const [name, v] of base.params) {
    const a = Float32Array.from(v.dataSync() as Float32Array);
    if (v.shape.length === 2) a.forEach((x, i) => a[i] = x * 8);
    else a.forEach((x, i) => a[i] = x + 0.1 * r.normal());
    arrays.set(name, a);
  }
  base.dispose();
  return policyFromArrays(cfg, arrays);
}

/** Ratio of a token's new to old probability: above the clip, below it, or near 1, a third each. */
function drawRatio(r: ReturnType<typeof rng>): number {
  const u = r.float();
  return u < 1 / 3 ? 1.4 + 0.5 * r.float() : u < 2 / 3 ? 0.45 + 0.25 * r.float() : 0.9 + 0.2 * r.float();
}

async function main() {
  await useBackend(DEFAULT_BACKEND);
  const policy = fixturePolicy();
  const r = rng(SEED, "update-fixture", "batch");
  const alphabet = Array.from({ length: 48 }, () => 1 + r.int(policy.config.vocabSize - 1)).filter((t) => t !== PAD);
  const seqs = PROMPT_LENGTHS.map((p, i) => ({
    prompt: Array.from({ length: p }, () => r.pick(alphabet)),
    tokens: Array.from({ length: RESPONSE_LENGTHS[i] }, () => r.pick(alphabet)),
  }));
  const logp = tf.tidy(() => responseLogProbs(policy, seqs, Infinity).logp.arraySync());
  const rows: BatchRow[] = seqs.map((s, i) => {
    const base = i === 6 ? 0 : (i % 2 ? -1 : 1) * (0.3 + 1.2 * r.float()); // one row with advantage 0
    const perToken = i % 3 === 0; // token-level advantages on some rows
    return {
      ...s,
      oldLogProbs: s.tokens.map((_, t) => Math.fround(logp[i][t] - Math.log(drawRatio(r)))),
      advantages: s.tokens.map(() => Math.fround(base + (perToken ? 0.5 * r.normal() : 0))),
      refLogProbs: s.tokens.map((_, t) => Math.fround(logp[i][t] + 0.3 * r.normal())),
    };
  });

  const dir = FIXTURE_DIR.pathname;
  await Deno.mkdir(dir, { recursive: true });
  await saveCheckpoint(`${dir}checkpoint`, policy);
  const tmp = await Deno.makeTempDir({ prefix: "update-peer-" });
  const shapes = paramShapes(policy.config);
  const expected: Expected = {
    torch: "",
    dtype: "",
    params: shapes.map(([name, shape]) => ({ name, shape })),
    cases: [],
  };
  try {
    for (const c of CASES) {
      const batch: BatchFile = {
        rows: rows.map((row) => (c.ref ? row : { ...row, refLogProbs: undefined })),
        clipLow: DEFAULT_CLIP.low,
        clipHigh: DEFAULT_CLIP.high,
        aggregation: c.aggregation,
        maxLength: MAX_LENGTH,
        klBeta: c.klBeta,
      };
      await Deno.writeTextFile(`${dir}${c.name}.batch.json`, JSON.stringify(batch) + "\n");
      const run = await new Deno.Command("/usr/bin/python3", {
        args: [
          new URL("torch_update_peer.py", import.meta.url).pathname,
          `${dir}checkpoint`,
          `${dir}${c.name}.batch.json`,
          `${tmp}/${c.name}`,
        ],
      }).output();
      if (!run.success) throw new Error(`torch_update_peer.py failed: ${new TextDecoder().decode(run.stderr)}`);
      const out = JSON.parse(await Deno.readTextFile(`${tmp}/${c.name}.json`));
      const bytes = await Deno.readFile(`${tmp}/${c.name}.bin`);
      const grad = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      // Keep the rows of each table that are not all zero (the embeddings of tokens and positions the batch uses).
      const kept: Float32Array[] = [], rowsOf: Record<string, number[]> = {};
      let off = 0;
      for (const [name, shape] of shapes) {
        const n = shape.reduce((a, b) => a * b, 1), g = grad.subarray(off, off + n);
        off += n;
        if (shape.length !== 2) {
          kept.push(g);
          continue;
        }
        const width = shape[1];
        const live = Array.from({ length: shape[0] }, (_, i) => i)
          .filter((i) => g.subarray(i * width, (i + 1) * width).some((x) => x !== 0));
        if (live.length === shape[0]) kept.push(g);
        else {
          rowsOf[name] = live;
          for (const i of live) kept.push(g.subarray(i * width, (i + 1) * width));
        }
      }
      if (off !== grad.length) throw new Error(`the peer wrote ${grad.length} gradient values, the policy has ${off}`);
      const flat = new Float32Array(kept.reduce((n, k) => n + k.length, 0));
      kept.reduce((o, k) => (flat.set(k, o), o + k.length), 0);
      await Deno.writeFile(`${dir}${c.name}.grad.bin`, new Uint8Array(flat.buffer));
      expected.torch = out.torch;
      expected.dtype = out.dtype;
      const { loss, clipFraction, kl, minBoundGap } = out;
      expected.cases.push({ name: c.name, loss, clipFraction, kl, minBoundGap, rows: rowsOf });
      console.log(`${c.name}: loss ${loss} clipFraction ${clipFraction} kl ${kl} minBoundGap ${minBoundGap}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await Deno.writeTextFile(`${dir}expected.json`, JSON.stringify(expected) + "\n");
  policy.dispose();
  const fmt = await new Deno.Command("deno", { args: ["fmt", "--quiet", dir] }).output();
  if (!fmt.success) throw new Error(`deno fmt ${dir} failed: ${new TextDecoder().decode(fmt.stderr)}`);
}

if (import.meta.main) await main();
