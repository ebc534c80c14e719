/**
 * The two-sample permutation test on independent runs (two groups of disjoint seeds, no pairing): under
 * "no difference" the group labels are exchangeable, so the observed difference of the group means is
 * compared with the difference under every relabeling that keeps the group sizes, two-sided (|difference|
 * at least the observed one, the observed labeling included). Exact over all C(n, n₁) relabelings when
 * there are at most `exactUpTo` of them; otherwise `resamples` seeded random relabelings with
 * p = (b + 1)/(B + 1). With groups of n₁ and n₂ seeds its smallest p is 1/C(n₁ + n₂, n₁), or twice that when
 * n₁ = n₂ (each relabeling has its mirror): 1/3 for 2 against 1 seed, 1/3 for 2 against 2.
 * @module
 */
import { rng } from "../core/rng.ts";
import { checkCount, checkFinite } from "./check.ts";
import type { PermutationResult } from "./permutation.ts";

/**
 * How a two-sample permutation test runs.
 *
 * @example
 * ```ts
 * import type { TwoSampleOptions } from "@credit-bench/credit-bench";
 *
 * const options: TwoSampleOptions = { exactUpTo: 100_000, resamples: 9999, seed: 1 };
 * ```
 */
export interface TwoSampleOptions {
  /** Largest number of relabelings enumerated exactly (default 100,000). */
  exactUpTo?: number;
  /** Random relabelings when there are more (default 9,999). */
  resamples?: number;
  /** Seed of the stream of random relabelings (default 0). */
  seed?: number;
}

/** C(n, k), the number of ways to choose k of n. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * Two-sided permutation test of the difference of means of `x` and `y`, two independent groups of runs.
 *
 * @example Two seeds against two: 6 relabelings, the observed one and its mirror the most extreme
 * ```ts
 * import { twoSamplePermutationTest } from "@credit-bench/credit-bench";
 *
 * const t = twoSamplePermutationTest([0.61, 0.62], [0.57, 0.58]);
 * console.log(t.meanDifference, t.pValue, t.exact); // 0.04 0.333… true
 * ```
 */
export function twoSamplePermutationTest(
  x: readonly number[],
  y: readonly number[],
  options: TwoSampleOptions = {},
): PermutationResult {
  const { exactUpTo = 100_000, resamples = 9999, seed = 0 } = options;
  checkCount(exactUpTo, "exactUpTo");
  checkCount(resamples, "resamples");
  checkFinite(x, "x");
  checkFinite(y, "y");
  if (x.length === 0 || y.length === 0) throw new RangeError("twoSamplePermutationTest needs a value in each group");
  const all = [...x, ...y], n = all.length, k = x.length;
  const total = all.reduce((s, v) => s + v, 0);
  const difference = (sumX: number) => sumX / k - (total - sumX) / (n - k);
  const meanDifference = difference(x.reduce((s, v) => s + v, 0));
  // Differences equal in exact arithmetic may differ in the last bits: count them as ties, not as less extreme.
  const threshold = Math.abs(meanDifference) - 1e-9 * all.reduce((s, v) => s + Math.abs(v), 0);
  const extreme = (sumX: number) => (Math.abs(difference(sumX)) >= threshold ? 1 : 0);
  const relabelings = choose(n, k);
  if (relabelings <= exactUpTo) {
    let count = 0;
    const visit = (from: number, left: number, sum: number) => {
      if (left === 0) {
        count += extreme(sum);
        return;
      }
      for (let i = from; i <= n - left; i++) visit(i + 1, left - 1, sum + all[i]);
    };
    visit(0, k, 0);
    return { meanDifference, pValue: count / relabelings, exact: true, flips: relabelings };
  }
  const r = rng(seed, "relabelings"), index = all.map((_, i) => i);
  let count = 0;
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const j = i + r.int(n - i);
      [index[i], index[j]] = [index[j], index[i]];
      sum += all[index[i]];
    }
    count += extreme(sum);
  }
  return { meanDifference, pValue: (count + 1) / (resamples + 1), exact: false, flips: resamples };
}
