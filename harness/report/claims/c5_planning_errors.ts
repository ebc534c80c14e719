/**
 * C5, planning errors fall faster under HICRA than under GRPO: per RL run, b is the least-squares slope
 * against the step of the planning-error share (`errors.planning`: responses with every step right and
 * the answer wrong, as a share of all sampled responses, averaged over tasks) over the run's evaluations,
 * the base model's as step 0 when the run has none of its own; in percentage points per 100 RL steps.
 * Per RL seed d = b(hicra) − b(grpo), claimed < 0, a paired comparison of seed-matched runs.
 * @module
 */
import { mean } from "../../metrics/stats.ts";
import type { LoadedRun } from "../../store/results.ts";
import { evaluationsOf } from "../methods.ts";
import type { ClaimContext, ClaimResult } from "./claim.ts";
import { finite, slope } from "./run_values.ts";
import { seedMatched } from "./seed_matched.ts";

/** The slope of a run's planning-error share (mean over tasks) per RL step. */
function planningSlope(run: LoadedRun, ctx: ClaimContext): number {
  const evals = evaluationsOf(run, ctx.base);
  const share = evals.map((e) =>
    mean(e.evals.map((t) => finite(t.errors?.planning, `eval.jsonl step ${e.step}: ${t.task} errors.planning`)))
  );
  return slope(evals.map((e) => e.step), share);
}

/** C5. */
export function c5(ctx: ClaimContext): ClaimResult {
  return seedMatched(
    ctx,
    {
      id: "C5",
      label: "C5",
      statement: "planning errors fall faster under HICRA than under GRPO",
      definition: "per RL run, the least-squares slope against the step of the planning-error share (mean over " +
        "tasks, of all sampled responses) over its evaluations with the base model's as step 0; per RL seed, " +
        "hicra's slope minus grpo's, in points per 100 steps; claimed below 0",
      quantity: "hicra − grpo, planning-error slope (points per 100 steps)",
      format: { scale: 1e4, digits: 2 },
      direction: "less",
    },
    "hicra",
    "grpo",
    (run) => planningSlope(run, ctx),
  );
}
