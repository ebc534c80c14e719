/**
 * The default per-token policy loss of the baseline contract: PPO's clipped objective with DAPO's
 * clip-higher, and {@link detach}, which a loss of one's own needs to stop a gradient.
 *
 * Per response token: ratio `r = exp(logp − oldLogp)`, loss `−min(r·A, clip(r, 1−ε_low, 1+ε_high)·A)`;
 * a token is clipped where the clipped term is the smaller (its gradient is then 0).
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { PolicyLossInput, PolicyLossTerms, Tensor2D } from "../credit/baseline.ts";

/**
 * The clipped objective with clip-higher at the run's ε_low and ε_high (see the module doc).
 *
 * @example Clip-higher with a symmetric clip of 0.1, whatever the run's
 * ```ts
 * import { clipHigherLoss, type PolicyLossInput } from "@credit-bench/credit-bench";
 *
 * const tight = (input: PolicyLossInput) => clipHigherLoss({ ...input, clipLow: 0.1, clipHigh: 0.1 });
 * ```
 */
export function clipHigherLoss(input: PolicyLossInput): PolicyLossTerms {
  const { logp, oldLogp, advantages: adv, clipLow, clipHigh } = input;
  const ratio = tf.exp(logp.sub(oldLogp));
  const unclipped = ratio.mul(adv);
  const clipped = tf.clipByValue(ratio, 1 - clipLow, 1 + clipHigh).mul(adv);
  return {
    loss: tf.neg(tf.minimum(unclipped, clipped)) as Tensor2D,
    clipped: clipped.less(unclipped).cast("float32") as Tensor2D,
  };
}

/**
 * `x` with no gradient path: its value, and a zero gradient (PyTorch's `x.detach()`).
 *
 * @example GSPO's token ratio sg[s]·π/sg[π]: the value of s, the gradient of π/π
 * ```ts
 * import { detach, type Tensor2D, tf } from "@credit-bench/credit-bench";
 *
 * const ratio = (logp: Tensor2D, seqLogRatio: Tensor2D) => tf.exp(logp.sub(detach(logp)).add(detach(seqLogRatio)));
 * ```
 */
export function detach(x: Tensor2D): Tensor2D {
  const stop = tf.customGrad((v) => ({ value: (v as tf.Tensor).clone(), gradFunc: (dy) => tf.zerosLike(dy) }));
  return stop(x) as Tensor2D;
}
