/**
 * Holm's step-down correction (Holm 1979) across a report's family of tests: it keeps the chance of any
 * false rejection in the family at most α, with more power than Bonferroni.
 * @module
 */
import { checkFinite } from "./check.ts";

/**
 * Holm-adjusted p-values, in the order given: with the m p-values sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, the
 * adjusted p₍ᵢ₎ is maxⱼ≤ᵢ min(1, (m − j + 1)·p₍ⱼ₎), so adjusted values keep the order of the raw ones and
 * never exceed 1. Reject the tests whose adjusted p is below α.
 *
 * @example The four-test example of Holm's method (α = 0.05: H1 and H4 rejected)
 * ```ts
 * import { holm } from "@credit-bench/credit-bench";
 *
 * holm([0.01, 0.04, 0.03, 0.005]); // [0.03, 0.06, 0.06, 0.02]
 * ```
 */
export function holm(pValues: readonly number[]): number[] {
  checkFinite(pValues, "pValues");
  pValues.forEach((p, i) => {
    if (p < 0 || p > 1) throw new RangeError(`pValues[${i}] is ${p}, not a probability`);
  });
  const m = pValues.length, order = pValues.map((_, i) => i).sort((i, j) => pValues[i] - pValues[j]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[i]));
    adjusted[i] = running;
  });
  return adjusted;
}
