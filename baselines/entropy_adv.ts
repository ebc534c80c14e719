/**
 * Entropy-shaped advantage (Cheng et al. 2025, "Reasoning with Exploration: An Entropy Perspective",
 * arXiv 2506.14758): GRPO's advantage plus a clipped bonus from the rollout policy's entropy,
 *
 *     A'_{i,t} = A_i + min(α·H_{i,t}, |A_i| / κ)     (H detached: it is data, not a gradient path).
 *
 * With κ > 1 the bonus never flips the sign of A, and a group with equal rewards (A = 0) stays at 0.
 * Defaults α = 0.4, κ = 2 follow our reading of the paper's setup (not re-checked against its text
 * here: the excerpts at hand did not include its hyper-parameter section).
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { groupAdvantages } from "../harness/credit/advantage.ts";

/** The entropy_adv baseline. */
export default defineBaseline({
  name: "entropy_adv",
  summary: "GRPO advantage plus min(α·H, |A|/κ) per token, H the detached entropy",
  params: { alpha: 0.4, kappa: 2, stdNormalize: true },
  advantages(ctx) {
    const { alpha, kappa, stdNormalize } = ctx.params;
    if (!(kappa > 1)) throw new RangeError(`baseline entropy_adv: kappa must be > 1, got ${kappa}`);
    return groupAdvantages(ctx, stdNormalize).map((a, i) =>
      ctx.rollouts[i].entropy.map((h) => a + Math.min(alpha * h, Math.abs(a) / kappa))
    );
  },
});
