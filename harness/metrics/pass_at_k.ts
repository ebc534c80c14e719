/**
 * Accuracy at evaluation: the unbiased pass@k estimator of Chen et al. (2021, "Evaluating Large
 * Language Models Trained on Code"), pass@1 averaged over k samples, and greedy accuracy. A problem
 * is given as the correctness of each of its n sampled responses (`Verdict.correct`, in any order).
 * @module
 */
import { shownValue } from "../core/errors.ts";
import { checkValues, mean } from "./stats.ts";

/**
 * Unbiased pass@k of one problem with `n` samples of which `c` are correct:
 * 1 − C(n−c, k)/C(n, k), the probability that k samples drawn without replacement from the n include
 * a correct one. Computed stably as 1 − ∏_{i=n−c+1}^{n} (1 − k/i) (no binomials, no overflow); exactly
 * 1 when n − c < k. Throws a RangeError unless n, c, k are integers with 0 ≤ c ≤ n and 1 ≤ k ≤ n.
 *
 * @example
 * ```ts
 * import { passAtK } from "@credit-bench/credit-bench/metrics";
 *
 * passAtK(4, 1, 2); // 0.5: half the pairs of 4 samples hold the one correct sample
 * ```
 */
export function passAtK(n: number, c: number, k: number): number {
  if (![n, c, k].every(Number.isSafeInteger) || c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(
      `pass@k needs safe integers 0 ≤ c ≤ n and 1 ≤ k ≤ n, got n=${shownValue(n)} c=${shownValue(c)} k=${
        shownValue(k)
      }`,
    );
  }
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** The number of correct samples of a problem. */
function correctCount(samples: readonly boolean[]): number {
  checkValues("a problem's samples", samples, "boolean");
  return samples.reduce((s, ok) => s + (ok ? 1 : 0), 0);
}

/**
 * Mean over problems of {@link passAtK}(n_i, c_i, k), where problem i is the correctness of its n_i
 * samples. 0 for no problems; throws a RangeError when a problem has fewer than k samples.
 *
 * @example
 * ```ts
 * import { meanPassAtK } from "@credit-bench/credit-bench/metrics";
 *
 * meanPassAtK([[true, false, false, true], [false, false, false, false]], 2); // (5/6 + 0) / 2 ≈ 0.417
 * ```
 */
export function meanPassAtK(problems: readonly (readonly boolean[])[], k: number): number {
  return mean(problems.map((s) => passAtK(s.length, correctCount(s), k)));
}

/**
 * pass@1 averaged over the k samples of each problem (the paper's accuracy at temperature 0.6): the
 * mean over problems of c_i/n_i, which is {@link meanPassAtK} at k = 1. With the same number of
 * samples for every problem it equals the share of all samples that are correct (`TaskEval.pass1`).
 * 0 for no problems; throws a RangeError when a problem has no sample.
 *
 * @example
 * ```ts
 * import { pass1 } from "@credit-bench/credit-bench/metrics";
 *
 * pass1([[true, false], [true, true]]); // 0.75
 * ```
 */
export function pass1(problems: readonly (readonly boolean[])[]): number {
  return meanPassAtK(problems, 1);
}

/**
 * Greedy accuracy: the share of problems whose one greedy (temperature 0, argmax) response is
 * correct, i.e. the mean correctness of those responses. 0 for no problems. Nothing more than a mean:
 * it has its own name so that reports say which sampling made the responses.
 *
 * @example
 * ```ts
 * import { greedyAccuracy } from "@credit-bench/credit-bench/metrics";
 *
 * greedyAccuracy([true, false, true, true]); // 0.75
 * ```
 */
export function greedyAccuracy(correct: readonly boolean[]): number {
  checkValues("greedyAccuracy", correct, "boolean");
  return mean(correct.map((ok) => (ok ? 1 : 0)));
}
