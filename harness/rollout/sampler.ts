/**
 * Seeded autoregressive sampling with a KV cache, on a rollout engine (harness/rollout/engine.ts). Prompts
 * of different lengths are left-padded; padded keys are masked out and every row's positions start
 * at 0 on its first real token, so a row samples the same as it would alone. Rows with the same
 * prompt (a GRPO group, an evaluation's k samples) share its prefill: each distinct prompt is fed
 * once and its cache copied to its rows. Every draw is made here, from one seeded stream, so both
 * engines sample the same tokens wherever their logits agree.
 * @module
 */
import type { RolloutEngine } from "./engine.ts";
import type { Rng } from "../core/rng.ts";
import { EOS, PAD } from "../text/tokenizer.ts";

/** How to sample. */
export interface SampleOptions {
  /** Softmax temperature; 0 means greedy (argmax). */
  temperature: number;
  /** Most new tokens per row (a number for all rows, or one per row); EOS counts as one. */
  maxNew: number | readonly number[];
  /** The stream every draw comes from, row by row in order. */
  rng: Rng;
  /** Whether to score each token (log-probability and entropy at temperature 1); default true. */
  scores?: boolean;
}

/** One sampled continuation. */
export interface Sample {
  /** New tokens, ending with EOS when `finished`. */
  tokens: number[];
  /** Log-probability of each new token under the model at temperature 1 (empty without `scores`). */
  logp: Float32Array;
  /** Entropy of the model's full next-token distribution (temperature 1) at each new token (empty without `scores`). */
  entropy: Float32Array;
  /** Whether the row ended with EOS (false: cut at its length limit or the context). */
  finished: boolean;
}

/** exp(logit − max) of the row being drawn from, reused as the weights at temperature 1 (grown as needed). */
let weights = new Float64Array(0);

/**
 * Draw a token from one row of logits; returns [token, logp at T=1, entropy at T=1], the last two NaN
 * without `scores` (the token drawn is the same either way).
 */
function draw(row: Float32Array, temperature: number, rng: Rng, scores: boolean): [number, number, number] {
  let max = -Infinity, arg = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] > max) {
      max = row[i];
      arg = i;
    }
  }
  if (weights.length < row.length) weights = new Float64Array(row.length);
  const e = weights;
  let z = 0, logZ = NaN, entropy = NaN;
  if (scores || temperature === 1) {
    for (let i = 0; i < row.length; i++) z += e[i] = Math.exp(row[i] - max);
  }
  if (scores) {
    logZ = max + Math.log(z);
    entropy = 0;
    for (let i = 0; i < row.length; i++) {
      const lp = row[i] - logZ;
      entropy -= Math.exp(lp) * lp;
    }
  }
  let tok = arg;
  if (temperature > 0) {
    if (temperature !== 1) {
      z = 0;
      for (let i = 0; i < row.length; i++) z += e[i] = Math.exp((row[i] - max) / temperature);
    }
    let u = rng.float() * z;
    for (tok = 0; tok < row.length - 1; tok++) {
      u -= e[tok];
      if (u < 0) break;
    }
  }
  return [tok, row[tok] - logZ, entropy];
}

/** Sample a continuation of every prompt (token ids, each starting with BOS and ending with SEP) with `engine`. */
export async function sample(
  engine: RolloutEngine,
  prompts: readonly number[][],
  opts: SampleOptions,
): Promise<Sample[]> {
  const B = prompts.length, scores = opts.scores ?? true;
  if (B === 0) return [];
  const lens = prompts.map((p) => p.length);
  const Lp = Math.max(...lens);
  const limit = prompts.map((_, i) =>
    Math.min(typeof opts.maxNew === "number" ? opts.maxNew : opts.maxNew[i], engine.config.context - lens[i])
  );
  const steps = Math.max(...limit);
  const V = engine.config.vocabSize;
  // Prompts are left-padded: padded keys are masked, and each row's positions start at its first real token.
  const keys = prompts.map((p) => [...Array(Lp - p.length).fill(0), ...p.map(() => 1)]);
  const out: Sample[] = prompts.map(() => ({
    tokens: [],
    logp: new Float32Array(0),
    entropy: new Float32Array(0),
    finished: false,
  }));
  const lp: number[][] = prompts.map(() => []), ent: number[][] = prompts.map(() => []);
  // Row i has distinct prompt of[i]; distinct[u] is the first row with prompt u.
  const seen = new Map<string, number>(), distinct: number[] = [];
  const of = prompts.map((p, i) => {
    const key = p.join();
    if (!seen.has(key)) seen.set(key, distinct.push(i) - 1);
    return seen.get(key)!;
  });
  const decoder = engine.decoder(distinct.length);
  try {
    let logits = await decoder.feed({
      tokens: distinct.flatMap((i) => [...Array(Lp - lens[i]).fill(PAD), ...prompts[i]]),
      positions: distinct.flatMap((i) => Array.from({ length: Lp }, (_, j) => Math.max(0, j - (Lp - lens[i])))),
      time: Lp,
      keys: distinct.map((i) => keys[i]),
    });
    if (distinct.length < B) {
      decoder.keep(of);
      const shared = logits;
      logits = new Float32Array(B * V);
      of.forEach((u, i) => logits.set(shared.subarray(u * V, (u + 1) * V), i * V));
    }
    // The original row of each row of the decoder's batch; finished rows are dropped from it in bulk.
    let live = prompts.map((_, i) => i);
    const done = (i: number) => out[i].finished || out[i].tokens.length >= limit[i];
    for (let s = 0; s < steps; s++) {
      for (const [j, i] of live.entries()) {
        if (done(i)) continue;
        const [tok, l, h] = draw(logits.subarray(j * V, (j + 1) * V), opts.temperature, opts.rng, scores);
        out[i].tokens.push(tok);
        if (scores) {
          lp[i].push(l);
          ent[i].push(h);
        }
        if (tok === EOS) out[i].finished = true;
      }
      const active = live.flatMap((i, j) => (done(i) ? [] : [j]));
      if (!active.length) break;
      if (live.length - active.length >= Math.max(1, live.length / 4)) {
        decoder.keep(active);
        live = active.map((j) => live[j]);
      }
      // A finished row still in the batch feeds a masked PAD at position 0 (a sampled PAD is a real token).
      for (const i of live) keys[i].push(done(i) ? 0 : 1);
      logits = await decoder.feed({
        tokens: live.map((i) => (done(i) ? PAD : out[i].tokens.at(-1)!)),
        positions: live.map((i) => (done(i) ? 0 : lens[i] + s)),
        time: 1,
        keys: live.map((i) => keys[i]),
      });
    }
  } finally {
    decoder.close();
  }
  return out.map((o, i) => ({ ...o, logp: Float32Array.from(lp[i]), entropy: Float32Array.from(ent[i]) }));
}
