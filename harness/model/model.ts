/**
 * The policy: a GPT-style causal transformer (pre-LayerNorm, learned positions, tanh-GELU MLP) in
 * TensorFlow.js. Products with a transposed operand are tfjs's `matMul` flags (as in tfjs's own
 * gradients): `wasm-ort` hands them to ONNX Runtime as they are, `wasm` transposes first
 * (harness/backend/backend.ts).
 * @module
 */
import { fusedColumnSumsActive, tf } from "../backend/backend.ts";
import {
  fusedColumnSums,
  fusedGeluGrad,
  fusedGeluInput,
  fusedKernelsActive,
  fusedLayerNorm,
  fusedLayerNormGrad,
  fusedScaleAdd,
  fusedSoftmaxGrad,
  scaleAddFits,
} from "../backend/fused_kernels.ts";
import { rng } from "../core/rng.ts";

/**
 * Shape of the policy.
 *
 * @example
 * ```ts
 * import { getConfig, type ModelConfig } from "@credit-bench/credit-bench";
 *
 * const wider: ModelConfig = { ...getConfig("default").model, dModel: 256 };
 * ```
 */
export interface ModelConfig {
  /** Vocabulary size. */
  vocabSize: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Transformer blocks. */
  layers: number;
  /** Attention heads (must divide dModel). */
  heads: number;
  /** Longest sequence (prompt + response + specials) in tokens. */
  context: number;
}

/** Check a model config; throws naming the bad field. */
export function validateModelConfig(c: ModelConfig): ModelConfig {
  for (const k of ["vocabSize", "dModel", "layers", "heads", "context"] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) {
      throw new RangeError(`model.${k} must be a positive integer, got ${c[k]}`);
    }
  }
  if (c.dModel % c.heads !== 0) throw new RangeError(`model.heads (${c.heads}) must divide model.dModel (${c.dModel})`);
  return c;
}

/**
 * `x @ w + b` over rows [n, in], with the gradient written as matrix products: `dx = dy @ wᵀ`,
 * `dw = xᵀ @ dy`, and `db = 1ᵀ @ dy` (a product of a row of ones: on wasm 50× faster than
 * tfjs's sum over the rows, which `add`'s gradient would take).
 */
export const affine: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D = tf.customGrad(
  ((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.matMul(x, w).add(b),
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
        tf.matMul(dy, ws, false, true),
        tf.matMul(xs, dy, true, false),
        rowSum(dy),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

function linear(x: tf.Tensor, w: tf.Variable, b: tf.Variable): tf.Tensor {
  const shape = x.shape;
  const y = affine(tf.reshape(x, [-1, shape[shape.length - 1]]) as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D);
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1] as number]);
}

/**
 * Rows of `table` picked by integer ids, as one-hot × table: the wasm backend has no kernel for
 * gather's gradient (UnsortedSegmentSum), and the product's gradient is a product (oneHotᵀ · dy).
 */
function embed(ids: tf.Tensor2D, table: tf.Variable): tf.Tensor {
  const [B, T] = ids.shape;
  const [rows, D] = table.shape as [number, number];
  return tf.reshape(tf.matMul(tf.oneHot(tf.reshape(ids, [-1]), rows), table), [B, T, D]);
}

/**
 * The sum of `t`'s rows ([..., D] → [D]) as a product with a row of ones (see {@link affine}); on
 * `wasm-ort` one pass over the rows that gives that product's bits (harness/backend/fused_kernels.ts).
 */
function rowSum(t: tf.Tensor): tf.Tensor1D {
  const D = t.shape[t.shape.length - 1];
  const rows = tf.reshape(t, [-1, D]) as tf.Tensor2D;
  if (fusedColumnSumsActive()) return fusedColumnSums(rows);
  return tf.reshape(tf.matMul(tf.ones([1, rows.shape[0]]), rows), [D]);
}

/**
 * LayerNorm over the last axis, `x̂·g + b` with `x̂ = (x − mean)/√(var + 1e-5)`, its gradient written
 * out: `dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/√(var + 1e-5)` with `dx̂ = dy·g`, and `g`'s and `b`'s as
 * sums over rows (products with a row of ones; tfjs's sum over the rows of a [B, T, D] tensor
 * transposes it first), about half the ops of autodiff through `moments`. On tfjs's wasm backend both
 * directions are one fused kernel each (harness/backend/fused_kernels.ts), with the same values.
 */
export const layerNorm: (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor = tf.customGrad(
  ((x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    if (fusedKernelsActive()) {
      const [y, xHat, r] = fusedLayerNorm(x, g, b, LAYER_NORM_EPS);
      save([xHat, r, g]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [xHat, r, g]: tf.Tensor[]) => {
          const [dx, dyXHat] = fusedLayerNormGrad(dy, g, xHat, r);
          return [dx, rowSum(dyXHat), rowSum(dy)];
        },
      };
    }
    const { mean, variance } = tf.moments(x, -1, true);
    const r = tf.rsqrt(variance.add(LAYER_NORM_EPS)), xHat = x.sub(mean).mul(r);
    save([xHat, r, g]);
    return {
      value: xHat.mul(g).add(b),
      gradFunc: (dy: tf.Tensor, [xHat, r, g]: tf.Tensor[]) => {
        const dxHat = dy.mul(g);
        const dx = dxHat.sub(tf.mean(dxHat, -1, true)).sub(xHat.mul(tf.mean(dxHat.mul(xHat), -1, true))).mul(r);
        return [dx, rowSum(dy.mul(xHat)), rowSum(dy)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor;

/** LayerNorm's ε, added to the variance. */
const LAYER_NORM_EPS = 1e-5;

/** 2·√(2/π): GELU's tanh approximation written with a sigmoid, since 1 + tanh(u) = 2·σ(2u). */
const GELU_2C = 2 * Math.sqrt(2 / Math.PI);
/** GELU's cubic term: `u = x·(x²·GELU_C1 + GELU_2C)`, and `GELU_C3 = 3·GELU_C1` in its derivative. */
const GELU_C1 = 0.044715 * GELU_2C, GELU_C3 = 3 * 0.044715 * GELU_2C;

/**
 * GELU, tanh approximation: `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))` = `x·σ(u)` with
 * `u = 2√(2/π)·x·(1 + 0.044715x²)` (wasm's tanh is 15× slower than its sigmoid). Its gradient is
 * written out, `σ(u) + x·σ(u)(1 − σ(u))·2√(2/π)(1 + 3·0.044715x²)`: 8 elementwise ops instead of
 * autodiff's ~14 through the forward's products. On tfjs's wasm backend the argument of σ and the
 * gradient are one fused kernel each (harness/backend/fused_kernels.ts), with the same values.
 */
export const gelu: (x: tf.Tensor) => tf.Tensor = tf.customGrad(
  ((x: tf.Tensor, save: tf.GradSaveFunc) => {
    if (fusedKernelsActive()) {
      const s = tf.sigmoid(fusedGeluInput(x, GELU_C1, GELU_2C));
      save([x, s]);
      return {
        value: x.mul(s),
        gradFunc: (dy: tf.Tensor, [x, s]: tf.Tensor[]) => fusedGeluGrad(dy, x, s, GELU_C3, GELU_2C),
      };
    }
    const x2 = x.square();
    const s = tf.sigmoid(x.mul(x2.mul(GELU_C1).add(GELU_2C)));
    save([x, x2, s]);
    return {
      value: x.mul(s),
      gradFunc: (dy: tf.Tensor, [x, x2, s]: tf.Tensor[]) =>
        dy.mul(s.add(x.mul(s.sub(s.square())).mul(x2.mul(GELU_C3).add(GELU_2C)))),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as (x: tf.Tensor) => tf.Tensor;

/** Keys and values of the positions seen so far, per layer: [batch, heads, time, dHead]. */
export interface KVCache {
  k: tf.Tensor4D[];
  v: tf.Tensor4D[];
}

/** Inputs of a forward pass beyond the tokens. */
export interface ForwardOptions {
  /** Position ids [batch, time], each below the context; default 0..time-1 on every row. */
  positions?: tf.Tensor2D;
  /** Additive attention bias broadcastable to [batch, heads, time, keys]; default causal. */
  bias?: tf.Tensor;
  /** Cache of earlier positions; when given, the new keys/values are appended and returned. */
  cache?: KVCache;
  /**
   * First position whose logits are wanted (default 0): the last block computes queries, attention
   * output, MLP and head only from there (earlier positions still give it their keys and values), and
   * the logits are [batch, time − from, vocab]. Same values as slicing the full logits (and the same
   * gradients, but that on `wasm-ort` a one-row product, a bias gradient, rounds differently).
   */
  from?: number;
}

/** Named weight tensors in a fixed order. */
export type Params = [name: string, variable: tf.Variable][];

/** The transformer policy. Create with {@link createPolicy}; free with `dispose()`. */
export class Policy {
  readonly #p: Map<string, tf.Variable>;

  /** Wrap named weights (see {@link createPolicy}). */
  constructor(readonly config: ModelConfig, readonly params: Params) {
    this.#p = new Map(params);
  }

  /** The trainable variables, in parameter order. */
  get variables(): tf.Variable[] {
    return this.params.map(([, v]) => v);
  }

  /** Number of scalar parameters. */
  get size(): number {
    return this.params.reduce((n, [, v]) => n + v.size, 0);
  }

  #w(name: string): tf.Variable {
    return this.#p.get(name)!;
  }

  /** Logits [batch, time, vocab] for tokens [batch, time]; with a cache, also the extended cache. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): { logits: tf.Tensor3D; cache: KVCache } {
    const [B, T] = tokens.shape;
    const { dModel: D, heads: H } = this.config;
    const dh = D / H;
    const past = opts.cache?.k[0]?.shape[2] ?? 0;
    if (!opts.positions && past + T > this.config.context) {
      throw new RangeError(`sequence of ${past + T} tokens exceeds the model context ${this.config.context}`);
    }
    const positions = opts.positions ?? tf.range(0, T, 1, "int32").expandDims(0).tile([B, 1]) as tf.Tensor2D;
    const from = opts.from ?? 0;
    if (!Number.isInteger(from) || from < 0 || from >= T) {
      throw new RangeError(`from must be in 0..${T - 1}, got ${from}`);
    }
    let bias = opts.bias ?? causalBias(T);
    let x: tf.Tensor = embed(tokens, this.#w("wte")).add(embed(positions, this.#w("wpe")));
    const cache: KVCache = { k: [], v: [] };
    for (let l = 0; l < this.config.layers; l++) {
      const w = (n: string) => this.#w(`h${l}.${n}`);
      const qkv = linear(
        layerNorm(x, w("ln1.g") as tf.Tensor1D, w("ln1.b") as tf.Tensor1D),
        w("attn.wqkv"),
        w("attn.bqkv"),
      );
      // Split heads with 4-D transposes: wasm's 5-D transpose is ~50× slower.
      let [q, kNew, vNew] = tf.split(qkv, 3, 2).map((t) =>
        tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3])
      ) as tf.Tensor4D[];
      const Tq = l === this.config.layers - 1 ? T - from : T; // the queries (and rows) this block computes
      if (Tq < T) {
        q = tf.slice(q, [0, 0, from, 0], [B, H, Tq, dh]);
        x = tf.slice(x, [0, from, 0], [B, Tq, D]);
        if (bias.rank === 4 && bias.shape[2] === T) bias = tf.slice(bias, [0, 0, from, 0], [-1, -1, Tq, -1]);
      }
      const [kPast, vPast] = [opts.cache?.k[l], opts.cache?.v[l]];
      const k = kPast ? tf.concat([kPast, kNew], 2) as tf.Tensor4D : kNew;
      const v = vPast ? tf.concat([vPast, vNew], 2) as tf.Tensor4D : vNew;
      cache.k.push(k);
      cache.v.push(v);
      const att = attentionWeights(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh), bias);
      const y = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B, Tq, D]);
      x = x.add(linear(y, w("attn.wo"), w("attn.bo")));
      const hmid = gelu(
        linear(layerNorm(x, w("ln2.g") as tf.Tensor1D, w("ln2.b") as tf.Tensor1D), w("mlp.w1"), w("mlp.b1")),
      );
      x = x.add(linear(hmid, w("mlp.w2"), w("mlp.b2")));
    }
    const logits = linear(
      layerNorm(x, this.#w("lnf.g") as tf.Tensor1D, this.#w("lnf.b") as tf.Tensor1D),
      this.#w("head.w"),
      this.#w("head.b"),
    );
    return { logits: logits as tf.Tensor3D, cache };
  }

  /** Free the weights. */
  dispose(): void {
    for (const [, v] of this.params) v.dispose();
  }
}

/**
 * The attention's weights `softmax(scores·scale + bias)` over the last axis. On tfjs's wasm backend the
 * scale and bias are one fused kernel, and so are the gradients of softmax and the scale
 * (harness/backend/fused_kernels.ts), with the values of tfjs's ops.
 */
export function attentionWeights(scores: tf.Tensor4D, scale: number, bias: tf.Tensor): tf.Tensor4D {
  if (!fusedKernelsActive() || !scaleAddFits(scores, bias)) return tf.softmax(scores.mul(scale).add(bias));
  return tf.customGrad(
    ((s: tf.Tensor4D, save: tf.GradSaveFunc) => {
      const y = tf.softmax(fusedScaleAdd(s, bias, scale));
      save([y]);
      return { value: y, gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) => fusedSoftmaxGrad(dy, y, scale) };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  )(scores) as tf.Tensor4D;
}

/** The values of {@link causalBias} by length, made once each. */
const causalMasks = new Map<number, Float32Array>();

/** Additive causal bias [1, 1, T, T]: 0 on and below the diagonal, -1e9 above. */
export function causalBias(T: number): tf.Tensor4D {
  let mask = causalMasks.get(T);
  if (!mask) {
    mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) mask.fill(-1e9, i * T + i + 1, (i + 1) * T);
    causalMasks.set(T, mask);
  }
  return tf.tensor4d(mask, [1, 1, T, T]);
}

/** Shapes of every named weight of a config, in parameter order. */
export function paramShapes(c: ModelConfig): [string, number[]][] {
  const { vocabSize: V, dModel: D, context: C } = c;
  const out: [string, number[]][] = [["wte", [V, D]], ["wpe", [C, D]]];
  for (let l = 0; l < c.layers; l++) {
    out.push(
      [`h${l}.ln1.g`, [D]],
      [`h${l}.ln1.b`, [D]],
      [`h${l}.attn.wqkv`, [D, 3 * D]],
      [`h${l}.attn.bqkv`, [3 * D]],
      [`h${l}.attn.wo`, [D, D]],
      [`h${l}.attn.bo`, [D]],
      [`h${l}.ln2.g`, [D]],
      [`h${l}.ln2.b`, [D]],
      [`h${l}.mlp.w1`, [D, 4 * D]],
      [`h${l}.mlp.b1`, [4 * D]],
      [`h${l}.mlp.w2`, [4 * D, D]],
      [`h${l}.mlp.b2`, [D]],
    );
  }
  out.push(["lnf.g", [D]], ["lnf.b", [D]], ["head.w", [D, V]], ["head.b", [V]]);
  return out;
}

/** Policy from named weight arrays (checkpoint load); shapes must match the config. */
export function policyFromArrays(config: ModelConfig, arrays: Map<string, Float32Array>): Policy {
  validateModelConfig(config);
  const params: Params = paramShapes(config).map(([name, shape]) => {
    const a = arrays.get(name);
    const n = shape.reduce((x, y) => x * y, 1);
    if (!a) throw new RangeError(`weights lack ${name}`);
    if (a.length !== n) throw new RangeError(`weight ${name} has ${a.length} values, the config needs ${n} (${shape})`);
    return [name, tf.tidy(() => tf.variable(tf.tensor(a, shape), true))];
  });
  return new Policy(config, params);
}

/**
 * A freshly initialised policy: weights ~ N(0, 0.02²) drawn from the seed's `init` stream (residual
 * output projections scaled by 1/√(2·layers), as in GPT-2), biases 0, LayerNorm gains 1.
 */
export function createPolicy(config: ModelConfig, seed: number): Policy {
  validateModelConfig(config);
  const r = rng(seed, "init");
  const arrays = new Map<string, Float32Array>();
  for (const [name, shape] of paramShapes(config)) {
    const n = shape.reduce((x, y) => x * y, 1);
    const a = new Float32Array(n);
    if (name.endsWith(".g")) a.fill(1);
    else if (shape.length === 2) {
      const std = /attn\.wo|mlp\.w2/.test(name) ? 0.02 / Math.sqrt(2 * config.layers) : 0.02;
      const s = r.stream(name);
      for (let i = 0; i < n; i++) a[i] = s.normal() * std;
    }
    arrays.set(name, a);
  }
  return policyFromArrays(config, arrays);
}

/** The log-probability [batch, time] of `targets` from log-softmaxed logits [batch, time, vocab]. */
function logProbOf(lsm: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(lsm.mul(tf.oneHot(targets, lsm.shape[2])), -1) as tf.Tensor2D;
}

/**
 * Per-position log-probability of `targets` from logits [batch, time, vocab]: [batch, time],
 * differentiable; the values of {@link logProbAndEntropy}'s `logp`, without the entropy's work.
 */
export function logProbs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return logProbOf(tf.logSoftmax(logits), targets);
}

/**
 * Per-position log-probability of `targets` and entropy of the full next-token distribution, from
 * logits [batch, time, vocab]; both [batch, time], differentiable.
 */
export function logProbAndEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
): { logp: tf.Tensor2D; entropy: tf.Tensor2D } {
  const lsm = tf.logSoftmax(logits);
  const logp = logProbOf(lsm, targets);
  return { logp, entropy: tf.neg(tf.sum(tf.exp(lsm).mul(lsm), -1)) as tf.Tensor2D };
}
