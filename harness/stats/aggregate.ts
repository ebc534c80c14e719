/**
 * Aggregates of scores over runs (seeds) and tasks, as rliable defines them (Agarwal et al. 2021): a
 * score matrix is `scores[run][task]`; the mean is the mean of the per-task means; the interquartile mean
 * (IQM) is scipy's `trim_mean(scores, 0.25)` over every run × task score.
 * @module
 */
import { mean } from "../metrics/stats.ts";
import { checkFinite, checkScores } from "./check.ts";

/**
 * Scores of one method: `scores[run][task]`, one row per run (seed), the same tasks in every row.
 *
 * @example
 * ```ts
 * import type { Scores } from "@credit-bench/credit-bench";
 *
 * const grpo: Scores = [[0.61, 0.29], [0.60, 0.31], [0.62, 0.27]]; // 3 seeds × 2 tasks
 * ```
 */
export type Scores = readonly (readonly number[])[];

/**
 * The interquartile mean, rliable's IQM: sort the n values, drop ⌊n/4⌋ from each end, and average the rest
 * (scipy's `trim_mean(x, 0.25)`; no fractional weighting of boundary values, so for n not divisible by 4
 * slightly more than the middle half is kept, and for n < 4 nothing is dropped).
 *
 * @example
 * ```ts
 * import { iqm } from "@credit-bench/credit-bench";
 *
 * iqm([1, 2, 3, 4, 100]); // 3: drops 1 and 100, averages 2, 3, 4
 * iqm([1, 2, 3, 4, 5, 100]); // 3.5: drops ⌊6/4⌋ = 1 from each end
 * ```
 */
export function iqm(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("iqm of no values");
  checkFinite(values, "iqm: values");
  const sorted = [...values].sort((a, b) => a - b), cut = Math.floor(sorted.length / 4);
  return mean(sorted.slice(cut, sorted.length - cut));
}

/**
 * rliable's `aggregate_mean`: the mean over tasks of each task's mean over runs (for a full matrix, the
 * mean of every score).
 *
 * @example
 * ```ts
 * import { aggregateMean } from "@credit-bench/credit-bench";
 *
 * aggregateMean([[0.5, 0.1], [0.7, 0.3]]); // (0.6 + 0.2) / 2 = 0.4
 * ```
 */
export function aggregateMean(scores: Scores): number {
  checkScores(scores, "scores");
  const tasks = scores[0].length;
  let total = 0;
  for (let t = 0; t < tasks; t++) total += mean(scores.map((row) => row[t]));
  return total / tasks;
}

/**
 * rliable's `aggregate_iqm`: the {@link iqm} of every run × task score pooled (runs and tasks alike).
 *
 * @example
 * ```ts
 * import { aggregateIqm } from "@credit-bench/credit-bench";
 *
 * aggregateIqm([[1, 2], [3, 100]]); // iqm([1, 2, 3, 100]) = (2 + 3) / 2 = 2.5
 * ```
 */
export function aggregateIqm(scores: Scores): number {
  checkScores(scores, "scores");
  return iqm(scores.flat());
}
