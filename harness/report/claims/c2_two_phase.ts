/**
 * C2, the two-phase dynamic (execution consolidates before strategic diversity grows): per RL run of n
 * training steps, with w = max(1, round(n/10)), start and end the means of the first and last w steps and
 * each series smoothed by a trailing mean over w steps, t_exec is the first step at which the fixed oracle
 * mask's execution relative perplexity is at or below (start + end)/2 (half its total drop; none when it
 * did not drop), and t_SE the first step at which `se_strategic` is at or above (start + end)/2 (half its
 * rise; none when it did not rise). A run is in the claimed order when both exist and t_exec < t_SE; any
 * other run (no drop, no rise, the other order, the same step) is not. The estimate is the share of
 * every RL run of the report in that order; claimed more than half (the exact sign test against ½).
 * @module
 */
import { PERCENT } from "../format.ts";
import { allRuns, type ClaimContext, type ClaimMeta, type ClaimResult, notRun, runLabel, valueOf } from "./claim.ts";
import { signComparison } from "./compare.ts";
import { EXECUTION_PERPLEXITY, halfStep, SE_STRATEGIC } from "./run_values.ts";

const META: ClaimMeta = {
  id: "C2",
  label: "C2",
  statement: "execution tokens consolidate before strategic diversity grows",
  definition: "per RL run, w = max(1, round(n/10)) of its n steps; start, end = means of the first and last w " +
    "steps; t_exec = first step where the trailing w-step mean of the oracle mask's execution relative " +
    "perplexity is ≤ (start + end)/2 (none without a drop), t_SE = the same for se_strategic rising to ≥ " +
    "(start + end)/2 (none without a rise); in order when both exist and t_exec < t_SE; share of every RL " +
    "run in order, claimed above ½ (sign test)",
  quantity: "RL runs with t_exec < t_SE (%)",
  format: PERCENT,
  direction: "greater",
};

/** C2 over every RL run of the report. */
export function c2(ctx: ClaimContext): ClaimResult {
  const runs = allRuns(ctx);
  if (runs.length === 0) return notRun(ctx, META, ["grpo"]);
  const notes: string[] = [], rows: (string | number | null)[][] = [], order: boolean[] = [];
  for (const run of runs) {
    const steps = valueOf(
      run,
      (r) => [halfStep(r, EXECUTION_PERPLEXITY, "drop"), halfStep(r, SE_STRATEGIC, "rise")],
      notes,
    );
    if (steps === null) continue;
    const [exec, se] = steps, inOrder = exec !== null && se !== null && exec < se;
    rows.push([runLabel(run), exec, se, inOrder ? "yes" : "no"]);
    order.push(inOrder);
  }
  const detail = {
    seedMatched: false,
    header: ["run", "t_exec (half drop)", "t_SE (half rise)", "in order"],
    formats: [null, null, null],
    rows,
  };
  if (order.length === 0) {
    return { ...META, test: null, missing: "no data: no run has both series", command: null, detail, notes };
  }
  return { ...META, test: signComparison(order), missing: null, command: null, detail, notes };
}
