/**
 * GRPO (Shao et al. 2024, DeepSeekMath): every token of rollout i gets its group-relative advantage
 *
 *     A_i = (R_i − mean_j R_j) / (std_j R_j + ε)      (stdNormalize, the default, as TRL and verl)
 *     A_i =  R_i − mean_j R_j                        (stdNormalize=false, the paper's printed form)
 *
 * The loop adds clip-higher and token-mean aggregation. This file is the template of the baseline
 * contract (harness/credit/baseline.ts): a name, a summary, typed params with defaults, `advantages(ctx)`.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";

/** The grpo baseline. */
export default defineBaseline({
  name: "grpo",
  summary: "group-relative advantage R − mean (÷ std), the same on every token",
  params: { stdNormalize: true },
  advantages: (ctx) => grpoAdvantages(ctx, ctx.params.stdNormalize),
});
