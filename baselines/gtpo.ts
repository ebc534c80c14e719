/**
 * GTPO, entropy-weighted token advantages (after "GTPO and GRPO-S: Token and Sequence-Level Reward
 * Shaping with Policy Entropy", arXiv 2508.04349): GRPO's advantage scaled on each token by its
 * entropy relative to the batch's mean,
 *
 *     A'_{i,t} = w_{i,t}·A_i,    w_{i,t} = max(0, 1 + β·(H_{i,t} / H̄ − 1)),
 *
 * H the rollout policy's entropy (detached), H̄ its mean over every response token of the step (w = 1
 * when H̄ is 0). Uncertain tokens, where the policy chose among alternatives, get more of the credit; the
 * weights average 1 over the batch, so the scale of the update stays GRPO's. This is the simplified
 * weighting of the paper's token-level shaping; β = 0.1 keeps w within [0.9, 1.1] for entropies up to
 * twice the mean.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { groupAdvantages } from "../harness/credit/advantage.ts";

/** The gtpo baseline. */
export default defineBaseline({
  name: "gtpo",
  summary: "GRPO advantage × max(0, 1 + β(H/H̄ − 1)) per token, H̄ the batch's mean entropy",
  params: { beta: 0.1, stdNormalize: true },
  ranges: { beta: [0, 10] },
  advantages(ctx) {
    const { beta, stdNormalize } = ctx.params;
    let sum = 0, count = 0;
    for (const r of ctx.rollouts) {
      for (const h of r.entropy) sum += h;
      count += r.entropy.length;
    }
    const mean = count ? sum / count : 0;
    return groupAdvantages(ctx, stdNormalize).map((a, i) =>
      ctx.rollouts[i].entropy.map((h) => mean > 0 ? a * Math.max(0, 1 + beta * (h / mean - 1)) : a)
    );
  },
});
