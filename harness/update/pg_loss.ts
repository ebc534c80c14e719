/**
 * The clipped policy-gradient loss (PPO/GRPO with DAPO's clip-higher), a pure function of tensors.
 *
 * Per response token: ratio `r = exp(logp − oldLogp)`, loss `−min(r·A, clip(r, 1−ε_low, 1+ε_high)·A)`.
 * The per-token losses are aggregated by one of three modes (`m` the response-token mask):
 * - `token-mean`: `Σ loss·m / Σ m` over the whole batch (DAPO; the default);
 * - `sequence-mean`: the mean over each row's tokens, then the mean over rows that have tokens (GRPO
 *   as printed);
 * - `dr-grpo`: `Σ loss·m / (rows × maxLength)` with a constant `maxLength` (Dr. GRPO).
 * With a reference policy, the k3 estimator of KL(π‖π_ref), `exp(ref − logp) − (ref − logp) − 1`
 * per token, is aggregated the same way and added with weight β (default 0: no KL).
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { Aggregation, Scalar, Tensor2D } from "../credit/baseline.ts";

/** Tensors of one (mini-)batch, all [rows, T] float32, column t = response token t. */
export interface PgLossInput {
  /** Log-probabilities of the response tokens under the current policy (differentiable). */
  logp: tf.Tensor2D;
  /** Log-probabilities under the rollout policy. */
  oldLogp: tf.Tensor2D;
  /** Per-token advantages. */
  advantages: tf.Tensor2D;
  /** 1 on response tokens, 0 on padding. */
  mask: tf.Tensor2D;
  /** Log-probabilities under the reference policy; needed when `klBeta > 0`. */
  refLogp?: tf.Tensor2D;
}

/** Options of {@link pgLoss}. */
export interface PgLossOptions {
  /** ε_low: the ratio is clipped below at 1 − clipLow. Default 0.2. */
  clipLow?: number;
  /** ε_high: the ratio is clipped above at 1 + clipHigh. Default 0.28 (DAPO's clip-higher). */
  clipHigh?: number;
  /** How per-token losses become one number. Default `token-mean`. */
  aggregation?: Aggregation;
  /** The constant length normaliser of `dr-grpo` (the longest response allowed); required there. */
  maxLength?: number;
  /** Weight β of the KL term. Default 0. */
  klBeta?: number;
}

/** What {@link pgLoss} returns; the caller disposes what it keeps. */
export interface PgLossResult {
  /** The loss to minimise: aggregated clipped loss plus β·KL. */
  loss: tf.Scalar;
  /** Share of response tokens whose gradient the clip removes (the clipped term was the smaller). */
  clipFraction: tf.Scalar;
  /** The aggregated k3 KL estimate; 0 without a reference. */
  kl: tf.Scalar;
}

/** Default clip range: ε_low 0.2 (PPO), ε_high 0.28 (DAPO). */
export const DEFAULT_CLIP = { low: 0.2, high: 0.28 } as const;

/**
 * Aggregate per-token values [rows, T] with `mask` by `mode` (see the module doc); `maxLength` is the
 * constant length normaliser `dr-grpo` needs.
 *
 * @example The mean entropy over response tokens, as an extra loss term
 * ```ts
 * import { aggregate, tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready(); // a baseline's extraLoss runs once the harness has started the backend
 * const entropy = tf.tensor2d([[0.5, 1.5, 9]]), mask = tf.tensor2d([[1, 1, 0]]);
 * aggregate(entropy, mask, "token-mean").dataSync(); // [1]
 * ```
 */
export function aggregate(values: Tensor2D, mask: Tensor2D, mode: Aggregation, maxLength?: number): Scalar {
  return tf.tidy(() => {
    const masked = values.mul(mask);
    if (mode === "token-mean") return masked.sum().div(tf.maximum(mask.sum(), 1)) as tf.Scalar;
    if (mode === "sequence-mean") {
      const count = mask.sum(1);
      const perRow = masked.sum(1).div(tf.maximum(count, 1));
      return perRow.sum().div(tf.maximum(count.greater(0).cast("float32").sum(), 1)) as tf.Scalar;
    }
    if (mode === "dr-grpo") {
      if (!(maxLength! > 0)) throw new RangeError(`dr-grpo aggregation needs a positive maxLength, got ${maxLength}`);
      return masked.sum().div(values.shape[0] * maxLength!) as tf.Scalar;
    }
    throw new RangeError(`unknown aggregation ${JSON.stringify(mode)}`);
  });
}

/** The clipped policy-gradient loss of a batch, its clip fraction and KL (see the module doc). */
export function pgLoss(input: PgLossInput, opts: PgLossOptions = {}): PgLossResult {
  const { clipLow = DEFAULT_CLIP.low, clipHigh = DEFAULT_CLIP.high, klBeta = 0 } = opts;
  const mode = opts.aggregation ?? "token-mean";
  const { logp, oldLogp, advantages: adv, mask, refLogp } = input;
  for (const [name, t] of Object.entries({ oldLogp, advantages: adv, mask, refLogp })) {
    if (t && (t.rank !== 2 || t.shape[0] !== logp.shape[0] || t.shape[1] !== logp.shape[1])) {
      throw new RangeError(`pgLoss: ${name} has shape [${t.shape}], logp has [${logp.shape}]`);
    }
  }
  if (klBeta > 0 && !refLogp) throw new RangeError("pgLoss: klBeta > 0 needs refLogp");
  return tf.tidy(() => {
    const ratio = tf.exp(logp.sub(oldLogp));
    const unclipped = ratio.mul(adv);
    const clipped = tf.clipByValue(ratio, 1 - clipLow, 1 + clipHigh).mul(adv);
    const perToken = tf.neg(tf.minimum(unclipped, clipped)) as tf.Tensor2D;
    const isClipped = clipped.less(unclipped).cast("float32").mul(mask);
    const clipFraction = isClipped.sum().div(tf.maximum(mask.sum(), 1)) as tf.Scalar;
    let loss = aggregate(perToken, mask, mode, opts.maxLength);
    let kl = tf.scalar(0);
    if (refLogp) {
      const d = refLogp.sub(logp).mul(mask); // 0 off the mask: padding never overflows exp(d)
      kl = aggregate(tf.exp(d).sub(d).sub(1) as tf.Tensor2D, mask, mode, opts.maxLength);
      if (klBeta > 0) loss = loss.add(kl.mul(klBeta));
    }
    return { loss, clipFraction, kl };
  });
}
