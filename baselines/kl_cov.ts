/**
 * KL-Cov (Cui et al. 2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning Language
 * Models", arXiv 2505.22617; verl's `kl_cov` loss): GRPO's unclipped policy gradient, with a penalty
 * on the log-ratio of the tokens of highest covariance,
 *
 *     cov_t  = (A_t − mean A)·(log π_t − mean log π)     (over the mini-batch's response tokens),
 *     loss_t = −r_t·A_t + coef·|log π_t − log π_old,t|·[t among the top max(1, ⌊k·N⌋) by cov_t],
 *
 * r_t = π_t/π_old,t (no ratio clip: the penalty is KL-Cov's only restraint), N the response tokens,
 * ties taken in order. coef = 1 is verl's. verl's share k = 2e-4 is for batches of millions of tokens:
 * a default mini-batch here holds about 128 × 45 ≈ 5,800 response tokens, so 2e-4 would penalise one;
 * k = 0.01 (≈ 58 tokens per default mini-batch) keeps the penalised share a small tail, not tuned.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";
import { indicator, tokenCovariances } from "../harness/update/token_covariance.ts";

/** The kl_cov baseline. */
export default defineBaseline({
  name: "kl_cov",
  summary: "GRPO's unclipped loss plus coef·|log π − log π_old| on the top 1% of tokens by cov(A, log π)",
  params: { share: 0.01, coef: 1, stdNormalize: true },
  ranges: { share: [0, 1], coef: [0, 100] },
  advantages: (ctx) => grpoAdvantages(ctx, ctx.params.stdNormalize),
  policyLoss(input, ctx) {
    const { share, coef } = ctx.params;
    const covs = tokenCovariances(input).sort((a, b) => b.cov - a.cov || a.at - b.at);
    const top = indicator(covs.slice(0, Math.max(1, Math.floor(share * covs.length))).map((c) => c.at), input.mask);
    const logRatio = input.logp.sub(input.oldLogp);
    return { loss: logRatio.exp().mul(input.advantages).neg().add(logRatio.abs().mul(top).mul(coef)) };
  },
});
