/**
 * Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training"): GRPO without its two biases,
 *
 *     A_i = R_i − mean_j R_j                     (no division by the group std),
 *     L   = Σ_{i,t} loss_{i,t} / (rows × L_max)  (a constant normaliser, not the response length).
 *
 * The loop honours `aggregation: "dr-grpo"`, with L_max the longest response allowed.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";

/** The dr_grpo baseline. */
export default defineBaseline({
  name: "dr_grpo",
  summary: "GRPO without std division, losses summed over a constant length",
  params: {},
  aggregation: "dr-grpo",
  advantages: (ctx) => grpoAdvantages(ctx, false),
});
