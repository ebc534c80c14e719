/**
 * Clip-Cov (Cui et al. 2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning Language
 * Models", arXiv 2505.22617; verl's `clip_cov` loss): GRPO with the clip-higher loss, except that a
 * random few of the high-covariance tokens lose their gradient,
 *
 *     cov_t = (A_t − mean A)·(log π_t − mean log π)     (over the mini-batch's response tokens),
 *     C     = tokens not already clipped with lb < cov_t < ub,
 *     drop  = max(1, ⌊r·N⌋) tokens of C drawn at random (N the response tokens), loss_t = 0 on them.
 *
 * Tokens with a large positive covariance are those whose updates lower the entropy most; removing a
 * few of their gradients keeps entropy from collapsing. lb = 1 and ub = 5 are verl's. verl's share
 * r = 2e-4 is for batches of millions of tokens: here a default mini-batch holds about 128 × 45 ≈ 5,800
 * response tokens, so 2e-4 would drop one token and do nothing; r = 0.01 keeps the dropped share a
 * small tail (≈ 58 tokens per default mini-batch), not tuned. The clip fraction counts both kinds of
 * dropped gradient.
 * @module
 */
import { tf } from "../harness/backend/backend.ts";
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";
import { clipHigherLoss } from "../harness/update/policy_loss.ts";
import { indicator, tokenCovariances } from "../harness/update/token_covariance.ts";

/** The clip_cov baseline. */
export default defineBaseline({
  name: "clip_cov",
  summary: "GRPO with the gradient of a random 1% of the tokens with cov(A, log π) in (1, 5) removed",
  params: { share: 0.01, low: 1, high: 5, stdNormalize: true },
  ranges: { share: [0, 1] },
  advantages: (ctx) => grpoAdvantages(ctx, ctx.params.stdNormalize),
  policyLoss(input, ctx) {
    const { share, low, high } = ctx.params;
    const base = clipHigherLoss(input);
    const clipped = base.clipped!.dataSync();
    const covs = tokenCovariances(input);
    const candidates = covs.filter((c) => !clipped[c.at] && c.cov > low && c.cov < high).map((c) => c.at);
    const drop = indicator(
      ctx.rng.shuffle(candidates).slice(0, Math.max(1, Math.floor(share * covs.length))),
      input.mask,
    );
    return { loss: base.loss.mul(tf.scalar(1).sub(drop)), clipped: tf.maximum(base.clipped!, drop) };
  },
});
