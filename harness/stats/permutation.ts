/**
 * The paired permutation (sign-flip) test on seed-matched runs: under "no difference" each pair's
 * difference dᵢ = aᵢ − bᵢ is as likely to have either sign, so the observed mean difference is compared with
 * the mean of ±dᵢ over sign flips, two-sided (|mean| at least the observed one). Exact over all 2ⁿ flips
 * for n ≤ `exactUpTo` (16 by default); otherwise `resamples` seeded random flips with p = (b + 1)/(B + 1),
 * b the flips at least as extreme (never 0). The exact test's smallest p is 2/2ⁿ: 0.25 for 3 seeds,
 * 0.0625 for 5, 0.03125 for 6, so fewer than 6 pairs can never reach p < 0.05.
 * @module
 */
import { rng } from "../core/rng.ts";
import { checkCount, checkFinite } from "./check.ts";

/**
 * How a permutation test runs.
 *
 * @example
 * ```ts
 * import type { PermutationOptions } from "@credit-bench/credit-bench";
 *
 * const options: PermutationOptions = { exactUpTo: 16, resamples: 9999, seed: 1 };
 * ```
 */
export interface PermutationOptions {
  /** Largest number of pairs tested exactly over all 2ⁿ flips (default 16, at most 30). */
  exactUpTo?: number;
  /** Random flips when there are more pairs (default 9,999). */
  resamples?: number;
  /** Seed of the stream of random flips (default 0). */
  seed?: number;
}

/**
 * A permutation test's outcome.
 *
 * @example
 * ```ts
 * import { pairedPermutationTest, type PermutationResult } from "@credit-bench/credit-bench";
 *
 * const t: PermutationResult = pairedPermutationTest([3, 5, 4], [1, 2, 2]);
 * console.log(t.meanDifference, t.pValue, t.exact); // 2.333… 0.25 true
 * ```
 */
export interface PermutationResult {
  /** The observed mean of aᵢ − bᵢ (two-sample test: mean of x − mean of y). */
  meanDifference: number;
  /** Two-sided p-value. */
  pValue: number;
  /** True when every sign flip was enumerated. */
  exact: boolean;
  /** Sign flips (two-sample test: relabelings) compared: every one when exact, else the random ones drawn. */
  flips: number;
}

/**
 * Paired two-sided permutation test of `a` against `b`, seed-matched (`a[i]` and `b[i]` share seed i).
 *
 * @example Three seeds: the smallest p an exact test can give is 2/2³
 * ```ts
 * import { pairedPermutationTest } from "@credit-bench/credit-bench";
 *
 * pairedPermutationTest([0.61, 0.60, 0.62], [0.58, 0.57, 0.60]).pValue; // 0.25
 * ```
 */
export function pairedPermutationTest(
  a: readonly number[],
  b: readonly number[],
  options: PermutationOptions = {},
): PermutationResult {
  const { exactUpTo = 16, resamples = 9999, seed = 0 } = options;
  if (!Number.isInteger(exactUpTo) || exactUpTo < 0 || exactUpTo > 30) {
    throw new RangeError(`exactUpTo is ${exactUpTo}, not an integer from 0 to 30`);
  }
  checkCount(resamples, "resamples");
  checkFinite(a, "a");
  checkFinite(b, "b");
  if (a.length !== b.length) throw new RangeError(`a has ${a.length} values, b has ${b.length}: pairs must match`);
  const n = a.length;
  if (n === 0) throw new RangeError("pairedPermutationTest of no pairs");
  const d = a.map((x, i) => x - b[i]);
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  // Sums equal in exact arithmetic may differ in the last bits: count them as ties, not as less extreme.
  const threshold = observed - 1e-9 * d.reduce((s, x) => s + Math.abs(x), 0);
  const meanDifference = d.reduce((s, x) => s + x, 0) / n;
  const flipped = (bit: (i: number) => boolean) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += bit(i) ? -d[i] : d[i];
    return Math.abs(s) >= threshold ? 1 : 0;
  };
  if (n <= exactUpTo) {
    const flips = 2 ** n;
    let extreme = 0;
    for (let mask = 0; mask < flips; mask++) extreme += flipped((i) => ((mask >>> i) & 1) === 1);
    return { meanDifference, pValue: extreme / flips, exact: true, flips };
  }
  const r = rng(seed, "sign_flips");
  let extreme = 0;
  for (let k = 0; k < resamples; k++) {
    let word = 0;
    extreme += flipped((i) => {
      if (i % 32 === 0) word = r.uint32();
      return ((word >>> (i % 32)) & 1) === 1;
    });
  }
  return { meanDifference, pValue: (extreme + 1) / (resamples + 1), exact: false, flips: resamples };
}
