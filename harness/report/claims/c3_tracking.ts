/**
 * C3, `se_strategic` tracks accuracy better than token entropy: per RL run, at each evaluation e (the base
 * model's as step 0 when the run has none of its own), accuracy is pass@1 averaged over tasks and each
 * training metric is its mean over the training steps s with e′ < s ≤ e (e′ the previous evaluation's
 * step, −1 before the first; an evaluation with no such step is dropped); ρ_SE and ρ_H are the Spearman
 * correlations over those evaluations (at least 3) of `se_strategic` and of token entropy (the oracle
 * mask's mean over all response tokens) with accuracy. The estimate is the mean of d = ρ_SE − ρ_H over
 * every RL run of the report; claimed > 0 (exact sign-flip test on the runs' d). Signed, not absolute:
 * the paper's reading is that the entropy that gauges exploration rises with accuracy.
 * @module
 */
import type { LoadedRun } from "../../store/results.ts";
import { spearman } from "../../stats/spearman.ts";
import { allRuns, type ClaimContext, type ClaimMeta, type ClaimResult, notRun, runLabel, valueOf } from "./claim.ts";
import { pairedComparison } from "./compare.ts";
import { evalPoints, MissingValue, ORACLE_ENTROPY, SE_STRATEGIC, type StepMetric } from "./run_values.ts";
import { counted } from "../../core/counted.ts";

const METRICS: readonly StepMetric[] = [SE_STRATEGIC, ORACLE_ENTROPY];

const META: ClaimMeta = {
  id: "C3",
  label: "C3",
  statement: "se_strategic tracks accuracy better than token entropy",
  definition: "per RL run, over its evaluations (base as step 0; at least 3), accuracy = pass@1 mean over tasks, " +
    "each training metric = its mean over the steps after the previous evaluation up to this one; ρ_SE, ρ_H = " +
    "Spearman correlations of se_strategic and of oracle token entropy (all tokens) with accuracy; mean of " +
    "ρ_SE − ρ_H over every RL run, claimed above 0 (sign-flip test over runs)",
  quantity: "ρ_SE − ρ_H, mean over RL runs",
  format: { scale: 1, digits: 2 },
  direction: "greater",
};

/** A run's two correlations; a MissingValue when either is undefined. */
function correlations(run: LoadedRun, ctx: ClaimContext): [number, number, number] {
  const points = evalPoints(run, ctx.base, METRICS);
  if (points.length < 3) {
    throw new MissingValue(
      `${counted(points.length, "evaluation")} with training steps, 3 needed`,
    );
  }
  const accuracy = points.map((p) => p.accuracy);
  const [se, h] = METRICS.map((_, k) => spearman(points.map((p) => p.metrics[k]), accuracy));
  if (se === null || h === null) throw new MissingValue("a constant series: no rank correlation");
  return [points.length, se, h];
}

/** C3 over every RL run of the report. */
export function c3(ctx: ClaimContext): ClaimResult {
  const runs = allRuns(ctx);
  if (runs.length === 0) return notRun(ctx, META, ["grpo"]);
  const notes: string[] = [], rows: (string | number | null)[][] = [], se: number[] = [], h: number[] = [];
  for (const run of runs) {
    const c = valueOf(run, (r) => correlations(r, ctx), notes);
    if (c === null) continue;
    rows.push([runLabel(run), c[0], c[1], c[2], c[1] - c[2]]);
    se.push(c[1]);
    h.push(c[2]);
  }
  const detail = {
    seedMatched: false,
    header: ["run", "evaluations", "ρ_SE", "ρ_H", "ρ_SE − ρ_H"],
    formats: [null, META.format, META.format, META.format],
    rows,
  };
  if (se.length === 0) {
    return {
      ...META,
      test: null,
      missing: "no data: no run has 3 evaluations to correlate",
      command: null,
      detail,
      notes,
    };
  }
  return { ...META, test: pairedComparison(se, h, "run"), missing: null, command: null, detail, notes };
}
