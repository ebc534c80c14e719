/**
 * Percentile bootstrap intervals over seeds, drawn from a seeded stream (`harness/core/rng.ts`), so the
 * same data, statistic and seed always give the same interval. `bootstrapInterval` resamples a list of
 * per-run values; `stratifiedBootstrap` is rliable's stratified bootstrap: tasks are strata, and every
 * cell of a runs × tasks matrix draws its run anew from the runs of its own task, each matrix (method)
 * independently (rliable's `StratifiedBootstrap` and `StratifiedIndependentBootstrap`). The interval is
 * the (1 − level)/2 and (1 + level)/2 quantiles of the resampled statistics, interpolated linearly
 * between order statistics (numpy's default, which rliable's percentile interval uses). Fewer than two
 * runs give no interval and say so, never a degenerate one.
 *
 * rliable's per-task draws treat a run's scores on different tasks as independent, as they are when each
 * task is trained by runs of its own. A credit-bench run is one policy evaluated on every task, so a
 * statistic of each run's mean over tasks keeps the runs whole: `bootstrapInterval` over per-run values.
 * @module
 */
import { rng } from "../core/rng.ts";
import { mean } from "../metrics/stats.ts";
import type { Scores } from "./aggregate.ts";
import { checkCount, checkFinite, checkLevel, checkNumber, checkScores } from "./check.ts";

/**
 * Resamples a bootstrap draws unless told otherwise.
 *
 * @example
 * ```ts
 * import { bootstrapInterval, DEFAULT_RESAMPLES, mean } from "@credit-bench/credit-bench";
 *
 * bootstrapInterval([1, 2, 4], mean, { resamples: DEFAULT_RESAMPLES / 4 }); // a quicker, rougher interval
 * ```
 */
export const DEFAULT_RESAMPLES = 2000;

/**
 * How a bootstrap runs: resamples, coverage and the seed of its stream.
 *
 * @example
 * ```ts
 * import type { BootstrapOptions } from "@credit-bench/credit-bench";
 *
 * const options: BootstrapOptions = { resamples: 2000, level: 0.95, seed: 1 };
 * ```
 */
export interface BootstrapOptions {
  /** Resamples drawn (default {@link DEFAULT_RESAMPLES}). */
  resamples?: number;
  /** Coverage of the interval, between 0 and 1 (default 0.95). */
  level?: number;
  /** Seed of the resampling stream (default 0). */
  seed?: number;
}

/**
 * A statistic with its bootstrap interval, or with the reason it has none.
 *
 * @example
 * ```ts
 * import { bootstrapInterval, type Estimate } from "@credit-bench/credit-bench";
 *
 * const e: Estimate = bootstrapInterval([0.57], (xs) => xs[0]);
 * e.interval; // null
 * e.reason; // "one seed: no interval"
 * ```
 */
export interface Estimate {
  /** The statistic on the data as given. */
  estimate: number;
  /** The percentile interval [low, high]; null when there is none (see `reason`). */
  interval: readonly [number, number] | null;
  /** Its coverage, e.g. 0.95. */
  level: number;
  /** Why there is no interval (e.g. "one seed: no interval"); null when there is one. */
  reason: string | null;
}

/**
 * The central `level` interval of `samples`: their (1 − level)/2 and (1 + level)/2 quantiles, each
 * interpolated linearly between order statistics (numpy's default `percentile`).
 *
 * @example
 * ```ts
 * import { percentileInterval } from "@credit-bench/credit-bench";
 *
 * percentileInterval([0, 1, 2, 3, 4], 0.5); // [1, 3]: quantiles 0.25 and 0.75 at positions 1 and 3
 * ```
 */
export function percentileInterval(samples: readonly number[], level = 0.95): [number, number] {
  if (samples.length === 0) throw new RangeError("percentileInterval of no samples");
  checkFinite(samples, "samples");
  checkLevel(level, "level");
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => {
    const h = (sorted.length - 1) * q, lo = Math.floor(h);
    return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
  };
  return [at((1 - level) / 2), at((1 + level) / 2)];
}

/** The resampled statistics, checked finite, and the interval from them. */
function intervalOf(estimate: number, draw: (b: number) => number, resamples: number, level: number): Estimate {
  const stats = new Array<number>(resamples);
  for (let b = 0; b < resamples; b++) {
    stats[b] = draw(b);
    checkNumber(stats[b], `statistic on resample ${b}`);
  }
  return { estimate, interval: percentileInterval(stats, level), level, reason: null };
}

/** Resolved options, checked. */
function resolve(options: BootstrapOptions): Required<BootstrapOptions> {
  const { resamples = DEFAULT_RESAMPLES, level = 0.95, seed = 0 } = options;
  checkCount(resamples, "resamples");
  checkLevel(level, "level");
  return { resamples, level, seed };
}

/**
 * The percentile bootstrap interval of `statistic` over per-run values (one value per seed): each
 * resample draws n values with replacement from the n given.
 *
 * @example The mean difference of seed-matched runs, with its 95% interval
 * ```ts
 * import { bootstrapInterval, mean } from "@credit-bench/credit-bench";
 *
 * const diffs = [1.2, -0.4, 2.1, 0.8, 1.5]; // hicra − grpo, one per seed
 * const e = bootstrapInterval(diffs, mean, { seed: 1 });
 * console.log(e.estimate, e.interval); // 1.04 [low, high]
 * ```
 */
export function bootstrapInterval(
  values: readonly number[],
  statistic: (values: readonly number[]) => number,
  options: BootstrapOptions = {},
): Estimate {
  const { resamples, level, seed } = resolve(options);
  if (values.length === 0) throw new RangeError("bootstrapInterval of no values");
  checkFinite(values, "values");
  const estimate = statistic(values);
  checkNumber(estimate, "statistic");
  if (values.length < 2) return { estimate, interval: null, level, reason: "one seed: no interval" };
  const r = rng(seed, "bootstrap"), n = values.length;
  return intervalOf(estimate, () => statistic(Array.from({ length: n }, () => values[r.int(n)])), resamples, level);
}

/**
 * {@link bootstrapInterval} of the mean of each list of per-run values in `lists`, the same intervals one
 * call per list gives, computed faster: the resampled positions depend only on a list's length and the
 * options, so they are drawn once per length (a figure's band at every step of a curve).
 *
 * @example The 95% band of a curve over three seeds, one interval per step
 * ```ts
 * import { bootstrapMeanIntervals } from "@credit-bench/credit-bench";
 *
 * const steps = [[0.30, 0.33, 0.31], [0.35, 0.41, 0.37], [0.44]]; // seeds' values at steps 0, 1, 2
 * bootstrapMeanIntervals(steps).map((e) => e.interval); // [[lo, hi], [lo, hi], null]: one seed at step 2
 * ```
 */
export function bootstrapMeanIntervals(
  lists: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): Estimate[] {
  const { resamples, level, seed } = resolve(options);
  const draws = new Map<number, Uint32Array>();
  return lists.map((values, j) => {
    if (values.length === 0) throw new RangeError(`bootstrapMeanIntervals: list ${j} has no values`);
    checkFinite(values, `lists[${j}]`);
    const n = values.length, estimate = mean(values);
    if (n < 2) return { estimate, interval: null, level, reason: "one seed: no interval" };
    let at = draws.get(n);
    if (at === undefined) {
      const r = rng(seed, "bootstrap");
      at = Uint32Array.from({ length: resamples * n }, () => r.int(n));
      draws.set(n, at);
    }
    const positions = at;
    return intervalOf(
      estimate,
      (b) => {
        let sum = 0;
        for (let i = b * n; i < (b + 1) * n; i++) sum += values[positions[i]];
        return sum / n;
      },
      resamples,
      level,
    );
  });
}

/**
 * rliable's stratified bootstrap interval of `statistic` over one or more score matrices (`groups`, e.g.
 * one per method, each `scores[run][task]`): in every resample, each cell `[run][task]` of each matrix
 * takes the score of a run drawn with replacement from that matrix's runs of the same task.
 *
 * @example The IQM of one method, and the probability of improvement of one method over another
 * ```ts
 * import { aggregateIqm, probabilityOfImprovement, stratifiedBootstrap } from "@credit-bench/credit-bench";
 *
 * const hicra = [[0.59, 0.24], [0.60, 0.22], [0.58, 0.25]], grpo = [[0.61, 0.29], [0.60, 0.31], [0.62, 0.27]];
 * stratifiedBootstrap([hicra], ([s]) => aggregateIqm(s), { seed: 1 });
 * stratifiedBootstrap([hicra, grpo], ([x, y]) => probabilityOfImprovement(x, y), { seed: 1 });
 * ```
 */
export function stratifiedBootstrap(
  groups: readonly Scores[],
  statistic: (groups: readonly Scores[]) => number,
  options: BootstrapOptions = {},
): Estimate {
  const { resamples, level, seed } = resolve(options);
  if (groups.length === 0) throw new RangeError("stratifiedBootstrap of no groups");
  groups.forEach((g, i) => checkScores(g, `groups[${i}]`));
  const estimate = statistic(groups);
  checkNumber(estimate, "statistic");
  const single = groups.findIndex((g) => g.length < 2);
  if (single >= 0) {
    const which = groups.length > 1 ? ` (group ${single})` : "";
    return { estimate, interval: null, level, reason: `one seed${which}: no interval` };
  }
  const r = rng(seed, "stratified_bootstrap");
  const resample = (g: Scores) => g.map((row) => row.map((_, t) => g[r.int(g.length)][t]));
  return intervalOf(estimate, () => statistic(groups.map(resample)), resamples, level);
}
