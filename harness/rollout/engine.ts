/**
 * Rollout engines: what the sampler (harness/rollout/sampler.ts) runs the policy with. An engine opens a
 * {@link Decoder} per batch of sequences, which keeps the keys and values of every position fed so
 * far. `onnx` (harness/rollout/onnx_engine.ts, the default) runs the policy's ONNX export in ONNX Runtime;
 * `tfjs` ({@link TfjsEngine}) runs the policy's own forward pass. Both compute the same function and
 * agree to float rounding; the training step always runs in tfjs.
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { KVCache, ModelConfig, Policy } from "../model/model.ts";

/** The rollout engines, the default first. */
export const ENGINES = ["onnx", "tfjs"] as const;
/** One of {@link ENGINES}. */
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

/** The policy's own forward pass with tfjs's KV cache (reads the live weights: nothing to refresh). */
export class TfjsEngine implements RolloutEngine {
  readonly name = "tfjs";

  /** Sample with `policy`. */
  constructor(readonly policy: Policy) {}

  /** The policy's shape. */
  get config(): ModelConfig {
    return this.policy.config;
  }

  /** A decoder whose cache grows by concatenation. */
  decoder(rows: number): Decoder {
    const { policy } = this;
    let cache: KVCache = { k: [], v: [] };
    const swap = (next: tf.Tensor[]) => {
      tf.dispose([...cache.k, ...cache.v]);
      const L = policy.config.layers;
      cache = { k: next.slice(0, L) as tf.Tensor4D[], v: next.slice(L) as tf.Tensor4D[] };
    };
    const V = policy.config.vocabSize;
    return {
      feed(feed: Feed, every = false): Promise<Float32Array> {
        const T = feed.time, past = feed.keys[0].length - T;
        const kept = tf.tidy(() => {
          const out = policy.forward(tf.tensor2d(feed.tokens as number[], [rows, T], "int32"), {
            positions: tf.tensor2d(feed.positions as number[], [rows, T], "int32"),
            bias: tf.tensor4d(attentionBias(feed, past), [rows, 1, T, past + T]),
            cache,
          });
          const logits = every ? out.logits : tf.reshape(tf.slice(out.logits, [0, T - 1, 0], [rows, 1, V]), [rows, V]);
          return [logits, ...out.cache.k, ...out.cache.v];
        });
        swap(kept.slice(1));
        const logits = kept[0].dataSync() as Float32Array;
        kept[0].dispose();
        return Promise.resolve(logits);
      },
      keep(indices: readonly number[]) {
        const at = tf.tensor1d(indices as number[], "int32");
        swap(tf.tidy(() => [...cache.k, ...cache.v].map((t) => tf.gather(t, at, 0))));
        at.dispose();
        rows = indices.length;
      },
      close() {
        tf.dispose([...cache.k, ...cache.v]);
        cache = { k: [], v: [] };
      },
    };
  }

  /** Nothing to do: the forward pass reads the variables. */
  refresh(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to free. */
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/** An engine named `name` for `policy` (the ONNX one is loaded on demand). */
export async function createEngine(name: EngineName, policy: Policy): Promise<RolloutEngine> {
  if (name === "tfjs") return new TfjsEngine(policy);
  const { OnnxEngine } = await import("./onnx_engine.ts");
  return await OnnxEngine.create(policy);
}
