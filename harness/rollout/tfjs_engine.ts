/**
 * The `tfjs` rollout engine: the policy's own forward pass, its keys and values kept in tfjs's KV cache
 * (harness/rollout/engine.ts has the contract).
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { KVCache, ModelConfig, Policy } from "../model/model.ts";
import { attentionBias, type Decoder, type Feed, type RolloutEngine } from "./engine.ts";

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
