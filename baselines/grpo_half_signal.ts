/**
 * A positive control, not a method: GRPO with the learning signal removed from about half the groups.
 * Each step, a fair coin per prompt group (from the step's seeded stream) keeps its GRPO advantages or
 * sets them to 0:
 *
 *     A_i = (R_i − mean_j R_j) / (std_j R_j + ε)   if the group of rollout i is kept (probability `keep`),
 *     A_i = 0                                      otherwise.
 *
 * It learns from half of what GRPO learns from, so it must end worse than GRPO; the claims report's
 * positive control checks that the harness finds it so.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";

/** The grpo_half_signal baseline. */
export default defineBaseline({
  name: "grpo_half_signal",
  summary: "positive control: GRPO with the advantages of a random half of each step's groups set to 0",
  params: { keep: 0.5, stdNormalize: true },
  ranges: { keep: [0, 1] },
  advantages(ctx) {
    const kept = ctx.groups.map(() => ctx.rng.float() < ctx.params.keep);
    return grpoAdvantages(ctx, ctx.params.stdNormalize).map((a, i) => kept[ctx.rollouts[i].group] ? a : a.fill(0));
  },
});
