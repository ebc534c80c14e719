/**
 * C4, entropy regularisation raises token entropy over GRPO but not accuracy, as two claims on
 * seed-matched runs: C4a, per RL seed the mean over the last w = max(1, round(n/10)) training steps of the
 * oracle mask's token entropy over all response tokens, entropy_reg − grpo, claimed > 0; C4b, per RL seed
 * the final pass@1 (mean over tasks), entropy_reg − grpo, claimed < 0 (the paper's entropy regularisation
 * ends with the lowest accuracy). "Not higher" alone is no testable claim: no test shows two methods
 * equal, so a difference near 0 stays inconclusive.
 * @module
 */
import { PERCENT } from "../format.ts";
import type { ClaimContext, ClaimResult } from "./claim.ts";
import { finalPass1, ORACLE_ENTROPY, tailMean } from "./run_values.ts";
import { seedMatched } from "./seed_matched.ts";

/** C4a (token entropy) and C4b (accuracy). */
export function c4(ctx: ClaimContext): ClaimResult[] {
  return [
    seedMatched(
      ctx,
      {
        id: "C4",
        label: "C4a token entropy",
        statement: "entropy regularisation raises token entropy over GRPO",
        definition: "per RL seed, the mean over the last max(1, round(n/10)) of n training steps of the oracle " +
          "mask's token entropy (all response tokens), entropy_reg minus grpo; claimed above 0",
        quantity: "entropy_reg − grpo, token entropy, last 10% of steps (nats)",
        format: { scale: 1, digits: 3 },
        direction: "greater",
      },
      "entropy_reg",
      "grpo",
      (run) => tailMean(run, ORACLE_ENTROPY),
    ),
    seedMatched(
      ctx,
      {
        id: "C4",
        label: "C4b accuracy",
        statement: "entropy regularisation does not raise accuracy over GRPO; in the paper it ends lowest",
        definition: "per RL seed, final pass@1 (mean over tasks), entropy_reg minus grpo; claimed below 0, as no " +
          "test can show two methods equal",
        quantity: "entropy_reg − grpo, final pass@1 (points)",
        format: PERCENT,
        direction: "less",
      },
      "entropy_reg",
      "grpo",
      (run) => finalPass1(run, null),
    ),
  ];
}
