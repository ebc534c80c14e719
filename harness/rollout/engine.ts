/**
 * Rollout engines: what the sampler (harness/rollout/sampler.ts) runs the policy with. An engine opens a
 * {@link Decoder} per batch of sequences, which keeps the keys and values of every position fed so
 * far. `onnx` (harness/rollout/onnx_engine.ts, the default) runs the policy's ONNX export in ONNX Runtime;
 * `tfjs` (harness/rollout/tfjs_engine.ts) runs the policy's own forward pass. Both compute the same function and
 * agree to float rounding; the training step always runs in tfjs. harness/rollout/create_engine.ts makes
 * either by name.
 * @module
 */
import type { ModelConfig } from "../model/model.ts";

/**
 * The rollout engines, the default first: `onnx` (ONNX Runtime) and `tfjs`.
 *
 * @example
 * ```ts
 * import { type BenchOptions, ENGINES } from "@credit-bench/credit-bench";
 *
 * const options: BenchOptions = { suite: "smoke", engine: ENGINES[1] };
 * ```
 */
export const ENGINES = ["onnx", "tfjs"] as const;
/**
 * One of {@link ENGINES}.
 *
 * @example
 * ```ts
 * import type { EngineName } from "@credit-bench/credit-bench";
 *
 * const engine: EngineName = "tfjs";
 * ```
 */
export type EngineName = typeof ENGINES[number];

/** New tokens for every row of a batch being decoded. */
export interface Feed {
  /** Token ids, row-major [rows, time]. */
  tokens: readonly number[];
  /** Their position ids, [rows, time]. */
  positions: readonly number[];
  /** New tokens per row. */
  time: number;
  /** Per row, whether each position fed so far (these included) may be attended to (1) or not (0). */
  keys: readonly (readonly number[])[];
}

/** A batch being decoded; the engine keeps its cache. */
export interface Decoder {
  /**
   * Feed new tokens; resolves to the logits of each row's last new position, [rows, vocab], or with
   * `every` of each new position, [rows, time, vocab].
   */
  feed(feed: Feed, every?: boolean): Promise<Float32Array>;
  /** Make the batch these rows of it, in this order (an index may repeat: the row is copied), dropping the others' cache. */
  keep(rows: readonly number[]): void;
  /** Free the cache. */
  close(): void;
}

/** Runs the policy for sampling. */
export interface RolloutEngine {
  readonly name: EngineName;
  readonly config: ModelConfig;
  /** Start decoding `rows` sequences. */
  decoder(rows: number): Decoder;
  /** Take up the policy's current weights: call after every update. */
  refresh(): Promise<void>;
  /** Free what the engine holds (not the policy). */
  dispose(): Promise<void>;
}

/** Additive attention bias for masked-out keys. */
export const MASKED = -1e9;

/**
 * Attention bias [rows, 1, time, slots + time] of a feed: for the `slots` columns of earlier
 * positions, 0 where the key may be attended to (`slots` may exceed the positions fed so far; the
 * rest are masked), then causal among the new tokens.
 */
export function attentionBias(feed: Feed, slots: number): Float32Array {
  const { time: T, keys } = feed;
  const rows = keys.length, width = slots + T;
  const out = new Float32Array(rows * T * width).fill(MASKED);
  for (let b = 0; b < rows; b++) {
    const past = keys[b].length - T;
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * width;
      for (let j = 0; j < past; j++) if (keys[b][j]) out[row + j] = 0;
      for (let j = 0; j <= t; j++) if (keys[b][past + j]) out[row + slots + j] = 0;
    }
  }
  return out;
}
