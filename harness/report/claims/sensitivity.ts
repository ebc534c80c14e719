/**
 * What a suite's seeds can detect: GRPO's gain over the base model (final pass@1, mean over tasks, mean
 * over its runs), the sample std of C1's seed-matched hicra − grpo differences on the mean over tasks, and
 * from them the minimum detectable effect at 80% power, two-sided at α/m (Holm's strictest step over the
 * family of m), and the pairs that would detect half of GRPO's gain. The exact sign-flip test cannot
 * decide at all below `minimumPairs(α/m)` pairs, so there the detectable effect is infinite. When no group
 * of any RL run ever had a reward spread (as on the smoke suite, whose tiny model solves nothing), that
 * is said first: every advantage was 0, and no verdict says anything about credit assignment.
 * @module
 */
import { mean } from "../../metrics/stats.ts";
import { minimumDetectableEffect, minimumPairs, seedsForPower } from "../../stats/power.ts";
import { summarize } from "../seed_stats.ts";
import type { LoadedRun } from "../../store/results.ts";
import { allRuns, type ClaimContext, type ClaimResult, runsOf, valueOf } from "./claim.ts";
import { finalPass1, pass1Of } from "./run_values.ts";

/** A suite's sensitivity on C1's mean over tasks. */
export interface Sensitivity {
  /** grpo's mean final pass@1 minus the base model's (a fraction); null without both. */
  gain: number | null;
  /** Seed-matched pairs of C1 on the mean over tasks. */
  pairs: number;
  /** Sample std of their differences; null with fewer than two. */
  std: number | null;
  /** The minimum detectable difference (a fraction; Infinity below the pairs the test needs); null without std. */
  mde: number | null;
  /** Pairs that detect half of `gain` at 80% power at the observed std; null without both. */
  pairsForHalfGain: number | null;
  /**
   * Said first when in every RL run (of the methods, not the controls) every group's rewards were equal
   * at every step (`fracRewardZeroStd` 1): every advantage was 0, so no verdict is about credit assignment.
   */
  warning: string | null;
  /** All of it in words. */
  text: string;
}

/** Whether no group of `run` had a reward spread at any step. */
function silent(run: LoadedRun): boolean {
  return run.steps.every((s) => s.fracRewardZeroStd === 1);
}

/** The warning when every RL run was silent. */
const NO_SIGNAL = "No learning signal: in every RL run, every group's rewards were equal at every step " +
  "(fracRewardZeroStd 1), so every advantage was 0 and the methods differ only by loss terms outside the " +
  "advantages (an entropy or KL term): the verdicts of the claims say nothing about credit assignment. Run a suite " +
  "whose base model solves some of its problems (quick or default).";

/** Points, one decimal. */
function points(x: number): string {
  return Number.isFinite(x) ? (100 * x).toFixed(1) : "∞";
}

/** GRPO's gain in words. */
function gainText(gain: number | null): string {
  if (gain === null) return "GRPO's gain over the base model is unknown (no grpo run or no base model evaluation)";
  return `GRPO gains ${points(gain)} points of pass@1 (mean over tasks) over the base model, half of it ` +
    `${points(gain / 2)} points`;
}

/** The pairs' spread and what it lets the test detect, in words. */
function spreadText(pairs: number, std: number | null, mde: number | null, alpha: number): string {
  if (std === null || mde === null) return `C1 on the mean over tasks has ${pairs} seed-matched pair(s): no std`;
  const detectable = Number.isFinite(mde)
    ? `is ${points(mde)} points`
    : `is none: the exact test needs ${minimumPairs(alpha)} pairs to decide at all`;
  return `with ${pairs} seed-matched pairs of hicra − grpo, whose differences have a std of ${points(std)} ` +
    `points, the smallest difference detectable at 80% power, two-sided at α = ${Number(alpha.toPrecision(3))}, ` +
    detectable;
}

/** The sensitivity of `ctx`'s runs, from C1 on the mean over tasks, at level `alpha` (α/m). */
export function sensitivity(ctx: ClaimContext, c1Mean: ClaimResult, alpha: number): Sensitivity {
  const grpo = runsOf(ctx, "grpo").flatMap((r) => valueOf(r, (run) => finalPass1(run, null), []) ?? []);
  const gain = ctx.base && grpo.length ? mean(grpo) - pass1Of(ctx.base, null) : null;
  const d = c1Mean.test?.differences ?? [], std = summarize(d)?.std ?? null;
  const mde = std === null ? null : minimumDetectableEffect(d.length, std, { design: "paired", alpha });
  const pairsForHalfGain = gain === null || std === null || gain <= 0
    ? null
    : std === 0
    ? minimumPairs(alpha)
    : seedsForPower(gain / 2 / std, { design: "paired", alpha });
  const text = [gainText(gain), spreadText(d.length, std, mde, alpha)];
  if (gain !== null && pairsForHalfGain !== null) {
    text.push(
      mde !== null && mde <= gain / 2
        ? "half of GRPO's gain is detectable here"
        : `detecting half of GRPO's gain would take ${pairsForHalfGain} seed-matched pairs`,
    );
  }
  const runs = allRuns(ctx), warning = runs.length > 0 && runs.every(silent) ? NO_SIGNAL : null;
  const said = `Sensitivity: ${text.join("; ")}.`;
  return {
    gain,
    pairs: d.length,
    std,
    mde,
    pairsForHalfGain,
    warning,
    text: warning ? `${warning} ${said}` : said,
  };
}
