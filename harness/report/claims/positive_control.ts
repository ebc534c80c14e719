/**
 * The positive control: GRPO against grpo_half_signal, GRPO with the advantages of a random half of each
 * step's groups set to 0 (baselines/grpo_half_signal.ts). Per RL seed, final pass@1 (mean over tasks) of
 * grpo minus that of grpo_half_signal, claimed > 0, a paired comparison of seed-matched runs judged at its
 * raw p (outside the family's Holm correction). The handicap is real, so with enough seeds the verdict must
 * be supported; anything else says the harness misses a difference it should see.
 * @module
 */
import { PERCENT } from "../format.ts";
import { type ClaimContext, type ClaimResult, HANDICAPPED } from "./claim.ts";
import { finalPass1 } from "./run_values.ts";
import { seedMatched } from "./seed_matched.ts";

/** The positive control on the report's grpo and grpo_half_signal runs. */
export function positiveControl(ctx: ClaimContext): ClaimResult {
  return seedMatched(
    ctx,
    {
      id: "P",
      label: `P grpo − ${HANDICAPPED}`,
      statement: "positive control: GRPO must beat GRPO with the learning signal of half the groups removed",
      definition: `per RL seed, final pass@1 (mean over tasks), grpo minus ${HANDICAPPED}; claimed above 0, ` +
        "judged at the raw p",
      quantity: `grpo − ${HANDICAPPED}, final pass@1 (points)`,
      format: PERCENT,
      direction: "greater",
    },
    "grpo",
    HANDICAPPED,
    (run) => finalPass1(run, null),
  );
}
