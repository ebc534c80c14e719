/**
 * HICRA (Wang et al. 2025, arXiv 2509.03646): GRPO's advantage, amplified on planning tokens
 *
 *     A'_{i,t} = A_i + α·|A_i|   if token t of rollout i is a planning token,
 *     A'_{i,t} = A_i             otherwise.
 *
 * So planning tokens get A·(1+α) in rewarded rollouts and A·(1−α) in failed ones; the mask (no gradient)
 * is the one the `mask` param names: `mined` Strategic Grams by default, `oracle` or `random`.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { groupAdvantages } from "../harness/credit/advantage.ts";

/** The hicra baseline. */
export default defineBaseline({
  name: "hicra",
  summary: "GRPO with planning-token advantages amplified: A + α·|A| on planning tokens",
  params: { alpha: 0.2, mask: "mined", stdNormalize: true },
  ranges: { alpha: [0, 1] }, // α > 1 would reward the planning tokens of failed rollouts
  planning: (p) => p.mask,
  advantages(ctx) {
    const { alpha, stdNormalize } = ctx.params;
    return groupAdvantages(ctx, stdNormalize).map((a, i) =>
      Float32Array.from(ctx.rollouts[i].tokens, (_, t) => ctx.rollouts[i].planning[t] ? a + alpha * Math.abs(a) : a)
    );
  },
});
