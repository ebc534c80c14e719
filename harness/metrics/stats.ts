/**
 * The two averages every metric uses, with one convention for nothing to average: a mean of no
 * values and a share of nothing are 0 (as `StepLog` in harness/loop/rl.ts does), never NaN, never a throw.
 * Metrics that can be read wrongly as 0 (perplexity) say so where they are defined.
 * @module
 */
import { shownValue } from "../core/errors.ts";

/**
 * Arithmetic mean Σx/n of `xs`; 0 when `xs` is empty.
 *
 * @example
 * ```ts
 * import { mean } from "@credit-bench/credit-bench/metrics";
 *
 * mean([1, 2, 6]); // 3
 * mean([]); // 0
 * ```
 */
export function mean(xs: readonly number[]): number {
  checkValues("mean", xs, "number");
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : 0;
}

/**
 * `part / whole`; 0 when `whole` is 0 (a share of nothing).
 *
 * @example
 * ```ts
 * import { ratio } from "@credit-bench/credit-bench/metrics";
 *
 * ratio(3, 4); // 0.75
 * ratio(0, 0); // 0
 * ```
 */
export function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/**
 * Throw a RangeError naming `what` unless every value of `xs` is of type `type` (a typed array's always
 * is): a number given as a string, as read from JSON or CSV (`"1"`), added as text (`0 + "1" + "2"` is
 * `"012"`), and a `"false"` counted as correct.
 */
export function checkValues(what: string, xs: ArrayLike<unknown>, type: "number" | "boolean"): void {
  if (ArrayBuffer.isView(xs)) return;
  for (let i = 0; i < xs.length; i++) {
    const t: string = typeof xs[i];
    if (t !== type) {
      throw new RangeError(
        `${what}: value ${i} is ${shownValue(xs[i])} (a ${t}); give ${type}s`,
      );
    }
  }
}
