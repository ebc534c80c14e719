/**
 * Response length and length scaling: mean, median and 90th percentile of response lengths, the
 * truncation rate, and accuracy by length bin. Lengths are in tokens, EOS included (as
 * `StepLog.length` and `TaskEval.meanLength`); a response is truncated when it was cut at its length
 * limit (`Rollout.finished` false).
 * @module
 */
import { checkValues, mean, ratio } from "./stats.ts";

/**
 * The q-th percentile of `xs` by the nearest-rank method: sort ascending and take the value of rank
 * ⌈q/100 · n⌉ (1-based), at least rank 1, so q = 0 gives the smallest value, q = 100 the largest, and
 * the result is always one of the values (no interpolation). 0 for no values; throws a RangeError
 * unless 0 ≤ q ≤ 100, and for a NaN among the values.
 *
 * @example
 * ```ts
 * import { percentile } from "@credit-bench/credit-bench/metrics";
 *
 * percentile([10, 20, 30, 40], 50); // 20
 * percentile([10, 20, 30, 40], 90); // 40
 * ```
 */
export function percentile(xs: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile needs 0 ≤ q ≤ 100, got ${q}`);
  checkValues("percentile", xs, "number");
  if (xs.length === 0) return 0;
  const nan = xs.findIndex(Number.isNaN);
  if (nan >= 0) throw new RangeError(`percentile of a list holding NaN (at index ${nan})`);
  const sorted = [...xs].sort((a, b) => a - b);
  // q·n/100 computed so that exact ranks stay exact (90·10/100 is 9, where 0.9·10 is too).
  const rank = Math.max(1, Math.ceil((q * sorted.length) / 100));
  return sorted[rank - 1];
}

/**
 * Length figures of a set of responses.
 *
 * @example
 * ```ts
 * import { type LengthStats, lengthStats } from "@credit-bench/credit-bench/metrics";
 *
 * const s: LengthStats = lengthStats([12, 30, 61], [false, false, true]);
 * console.log(s.mean, s.p50, s.truncation); // 34.33… 30 0.33…
 * ```
 */
export interface LengthStats {
  /** Mean length (0 for no responses). */
  mean: number;
  /** Nearest-rank 50th percentile (0 for no responses). */
  p50: number;
  /** Nearest-rank 90th percentile (0 for no responses). */
  p90: number;
  /** Share of responses cut at their length limit (0 for no responses). */
  truncation: number;
}

/**
 * Mean, {@link percentile} 50 and 90 of `lengths`, and the share of `truncated` responses (same
 * order; a missing entry counts as not truncated).
 *
 * @example
 * ```ts
 * import { lengthStats } from "@credit-bench/credit-bench/metrics";
 *
 * lengthStats([10, 20, 30, 40]); // { mean: 25, p50: 20, p90: 40, truncation: 0 }
 * ```
 */
export function lengthStats(lengths: readonly number[], truncated: readonly boolean[] = []): LengthStats {
  checkValues("lengthStats lengths", lengths, "number");
  checkValues("lengthStats truncated", truncated, "boolean");
  return {
    mean: mean(lengths),
    p50: percentile(lengths, 50),
    p90: percentile(lengths, 90),
    truncation: ratio(lengths.filter((_, i) => truncated[i]).length, lengths.length),
  };
}

/**
 * Default length-bin edges: bins [0, 20), [20, 40), [40, 60), [60, 80), [80, 100) and [100, ∞).
 * Every task writes at most 60 words plus EOS today, so the last bins are for longer budgets.
 *
 * @example Finer bins up to 60
 * ```ts
 * import { DEFAULT_LENGTH_BINS } from "@credit-bench/credit-bench/metrics";
 *
 * const edges = DEFAULT_LENGTH_BINS.flatMap((e) => e < 60 ? [e, e + 10] : [e]);
 * ```
 */
export const DEFAULT_LENGTH_BINS: readonly number[] = [0, 20, 40, 60, 80, 100];

/**
 * One length bin and the accuracy of the responses in it.
 *
 * @example
 * ```ts
 * import { accuracyByLength, type LengthBin } from "@credit-bench/credit-bench/metrics";
 *
 * const [short]: LengthBin[] = accuracyByLength([5, 15, 25], [true, false, true], [0, 20]);
 * console.log(short); // { lo: 0, hi: 20, count: 2, accuracy: 0.5 }
 * ```
 */
export interface LengthBin {
  /** Lowest length in the bin. */
  lo: number;
  /** First length above the bin, or null for the last, open-ended bin. */
  hi: number | null;
  /** Responses in the bin. */
  count: number;
  /** Share of them that are correct (0 for an empty bin: read `count`). */
  accuracy: number;
}

/**
 * Accuracy by response-length bin: with strictly increasing `edges` e_0 < … < e_m, bin b holds the
 * responses with e_b ≤ length < e_{b+1}, the last bin those with length ≥ e_m; a length below e_0 is
 * in no bin. `correct` is in the order of `lengths`. Throws a RangeError when `edges` is empty or
 * not strictly increasing.
 *
 * @example
 * ```ts
 * import { accuracyByLength } from "@credit-bench/credit-bench/metrics";
 *
 * accuracyByLength([5, 15, 25], [true, false, true], [0, 20]);
 * // [{ lo: 0, hi: 20, count: 2, accuracy: 0.5 }, { lo: 20, hi: null, count: 1, accuracy: 1 }]
 * ```
 */
export function accuracyByLength(
  lengths: readonly number[],
  correct: readonly boolean[],
  edges: readonly number[] = DEFAULT_LENGTH_BINS,
): LengthBin[] {
  checkValues("accuracyByLength lengths", lengths, "number");
  checkValues("accuracyByLength correct", correct, "boolean");
  checkValues("accuracyByLength edges", edges, "number");
  if (correct.length !== lengths.length) {
    throw new RangeError(`accuracyByLength: ${lengths.length} lengths but ${correct.length} correct; give one each`);
  }
  if (edges.length === 0 || edges.some((e, i) => i > 0 && !(e > edges[i - 1]))) {
    throw new RangeError(`length-bin edges must be strictly increasing, got [${edges}]`);
  }
  const count = new Array<number>(edges.length).fill(0), right = new Array<number>(edges.length).fill(0);
  lengths.forEach((len, i) => {
    const b = edges.findLastIndex((e) => len >= e);
    if (b < 0) return;
    count[b]++;
    right[b] += correct[i] ? 1 : 0;
  });
  return edges.map((lo, b) => ({
    lo,
    hi: b + 1 < edges.length ? edges[b + 1] : null,
    count: count[b],
    accuracy: ratio(right[b], count[b]),
  }));
}
