/**
 * GSPO (Zheng et al. 2025, "Group Sequence Policy Optimization", arXiv 2507.18071): GRPO's advantage
 * with a sequence-level importance ratio, clipped per sequence,
 *
 *     s_i = (π(y_i) / π_old(y_i))^(1/|y_i|) = exp(mean_t (log π_t − log π_old,t)),
 *     L   = mean_i mean_t −min(s_{i,t}·A_i, clip(s_{i,t}, 1 − ε_low, 1 + ε_high)·A_i),
 *
 * with s_{i,t} = sg[s_i]·π_t/sg[π_t] (GSPO-token, the paper's §4.3 and verl's `gspo` loss): its value
 * is s_i and, as every token shares A_i, its gradient is GSPO's. The per-token losses are averaged per
 * sequence, then over sequences (`sequence-mean`, verl's seq-mean-token-mean). ε_low 3e-4 and ε_high
 * 4e-4 are the paper's: a length-normalised sequence ratio moves far less than a token's.
 * @module
 */
import { defineBaseline, type Tensor2D } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";
import { clipHigherLoss, detach } from "../harness/update/policy_loss.ts";

/** The gspo baseline. */
export default defineBaseline({
  name: "gspo",
  summary: "GRPO with the sequence-level ratio (π/π_old)^(1/|y|), clipped per sequence",
  params: { clipLow: 3e-4, clipHigh: 4e-4, stdNormalize: true },
  ranges: { clipLow: [0, 1], clipHigh: [0, 10] },
  aggregation: "sequence-mean",
  advantages: (ctx) => grpoAdvantages(ctx, ctx.params.stdNormalize),
  policyLoss(input, ctx) {
    const { logp, oldLogp, mask } = input;
    const seqLogRatio = logp.sub(oldLogp).mul(mask).sum(1, true).div(mask.sum(1, true).maximum(1));
    // log s_{i,t} = log π_t − sg[log π_t] + sg[log s_i]: the clip-higher loss with this "old" log-prob.
    const old = detach(logp).sub(detach(seqLogRatio as Tensor2D)) as Tensor2D;
    return clipHigherLoss({ ...input, oldLogp: old, clipLow: ctx.params.clipLow, clipHigh: ctx.params.clipHigh });
  },
});
