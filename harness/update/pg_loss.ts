/**
 * The policy-gradient loss of a (mini-)batch, a pure function of tensors: a per-token policy loss
 * (default: the clipped objective with clip-higher, harness/update/policy_loss.ts) aggregated by one of
 * the aggregations (harness/update/aggregation.ts; default `token-mean`). With a reference policy, the
 * k3 estimator of KL(π‖π_ref), `exp(ref − logp) − (ref − logp) − 1` per token, is aggregated the same
 * way and added with weight β (default 0: no KL).
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { Aggregation, Aggregator, PolicyLossInput, PolicyLossTerms } from "../credit/baseline.ts";
import { aggregate } from "./aggregation.ts";
import { clipHigherLoss } from "./policy_loss.ts";

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
  aggregation?: Aggregation | Aggregator;
  /**
   * The per-token policy loss. Default {@link clipHigherLoss}. What it returns is checked: `{ loss,
   * clipped? }`, both of the shape of `logp`, `clipped` 0 or 1 on every response token.
   */
  policyLoss?: (input: PolicyLossInput) => PolicyLossTerms;
  /** Who `policyLoss` is, for the messages of its checks. Default `the policy loss`. */
  policyLossName?: string;
  /** The entropy [rows, T] of the current policy, for a policy loss that reads it. Default zeros. */
  entropy?: tf.Tensor2D;
  /** The rollout index of each row, for a policy loss that reads it. Default 0, 1, …. */
  rows?: readonly number[];
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

/** The policy-gradient loss of a batch, its clip fraction and KL (see the module doc). */
export function pgLoss(input: PgLossInput, opts: PgLossOptions = {}): PgLossResult {
  const { clipLow = DEFAULT_CLIP.low, clipHigh = DEFAULT_CLIP.high, klBeta = 0 } = opts;
  const mode = opts.aggregation ?? "token-mean";
  const { logp, oldLogp, advantages: adv, mask, refLogp } = input;
  for (const [name, t] of Object.entries({ oldLogp, advantages: adv, mask, refLogp, entropy: opts.entropy })) {
    if (t && (t.rank !== 2 || t.shape[0] !== logp.shape[0] || t.shape[1] !== logp.shape[1])) {
      throw new RangeError(`pgLoss: ${name} has shape [${t.shape}], logp has [${logp.shape}]`);
    }
  }
  if (klBeta > 0 && !refLogp) throw new RangeError("pgLoss: klBeta > 0 needs refLogp");
  return tf.tidy(() => {
    const terms: unknown = (opts.policyLoss ?? clipHigherLoss)({
      logp,
      oldLogp,
      advantages: adv,
      mask,
      entropy: opts.entropy ?? tf.zerosLike(logp),
      clipLow,
      clipHigh,
      rows: opts.rows ?? Array.from({ length: logp.shape[0] }, (_, r) => r),
    });
    const { loss: perToken, clipped: clippedTerm } = checkedTerms(terms, logp, mask, opts);
    const clipped = clippedTerm ? clippedTerm.mul(mask) : tf.zerosLike(mask);
    const clipFraction = clipped.sum().div(tf.maximum(mask.sum(), 1)) as tf.Scalar;
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

/**
 * What a policy loss returned, checked: an object (not a Promise, not a bare tensor) of `loss` and an
 * optional `clipped`, each a tensor of the shape of `logp`; a `clipped` of another policy loss than the
 * default is 0 or 1 on every response token (the clip fraction is its mean there), one read of the device.
 */
function checkedTerms(terms: unknown, logp: tf.Tensor2D, mask: tf.Tensor2D, opts: PgLossOptions): PolicyLossTerms {
  const who = opts.policyLossName ?? "the policy loss";
  const fix = `it must return { loss, clipped? }, tensors of the shape of logp, [${logp.shape}]`;
  if (terms instanceof Promise) throw new RangeError(`${who} returned a Promise (is it async?); ${fix}`);
  const object = typeof terms === "object" && terms !== null;
  if (terms instanceof tf.Tensor || !object || (terms as { loss?: unknown }).loss === undefined) {
    const got = terms instanceof tf.Tensor ? "a bare tensor" : object ? "an object without a loss" : String(terms);
    throw new RangeError(`${who} returned ${got}; ${fix}`);
  }
  for (const [name, t] of Object.entries(terms)) {
    if (
      t !== undefined &&
      !(t instanceof tf.Tensor && t.rank === 2 && t.shape.every((n: number, d: number) => n === logp.shape[d]))
    ) {
      const got = t instanceof tf.Tensor ? `shape [${t.shape}]` : typeof t;
      throw new RangeError(`${who} returned ${name} of ${got}; it must have the shape of logp, [${logp.shape}]`);
    }
  }
  const { clipped } = terms as PolicyLossTerms;
  if (clipped && opts.policyLoss) {
    const neither = tf.tidy(() =>
      clipped.notEqual(0).logicalAnd(clipped.notEqual(1)).logicalAnd(mask.cast("bool")).any()
    );
    if (neither.dataSync()[0]) {
      throw new RangeError(
        `${who} returned a clipped with values other than 0 and 1; give 1 where the loss removed the token's gradient`,
      );
    }
  }
  return terms as PolicyLossTerms;
}
