/**
 * C1, HICRA beats GRPO on final pass@1: per RL seed s, d_s = pass@1(hicra, s) − pass@1(grpo, s) at each
 * run's final evaluation, on the mean over tasks (a run's mean of its per-task pass@1) and on each task;
 * claimed d > 0, each a paired comparison of seed-matched runs.
 * @module
 */
import { PERCENT } from "../format.ts";
import type { ClaimContext, ClaimMeta, ClaimResult } from "./claim.ts";
import { finalPass1 } from "./run_values.ts";
import { seedMatched } from "./seed_matched.ts";

/** C1's rows: the mean over tasks, then each task. */
export function c1(ctx: ClaimContext): ClaimResult[] {
  return [null, ...ctx.tasks].map((task) => {
    const on = task ?? "the mean over tasks";
    const meta: ClaimMeta = {
      id: "C1",
      label: `C1 ${task ?? "mean over tasks"}`,
      statement: `HICRA beats GRPO on final pass@1, on ${on}`,
      definition: `per RL seed, hicra's final pass@1 on ${on} minus grpo's (seed-matched runs; a run's mean ` +
        "over tasks is the mean of its per-task pass@1); claimed above 0",
      quantity: "hicra − grpo, final pass@1 (points)",
      format: PERCENT,
      direction: "greater",
    };
    return seedMatched(ctx, meta, "hicra", "grpo", (run) => finalPass1(run, task));
  });
}
