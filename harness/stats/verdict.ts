/**
 * The verdict on a claim, from its Holm-adjusted p-value and the interval of its estimate, by one rule
 * ({@link VERDICT_RULE}). No interval (one seed) is always inconclusive, with the reason.
 * @module
 */
import type { Estimate } from "./bootstrap.ts";
import { checkLevel, checkNumber } from "./check.ts";

/**
 * What a claim's evidence says.
 *
 * @example
 * ```ts
 * import type { ClaimVerdict } from "@credit-bench/credit-bench";
 *
 * const v: ClaimVerdict = "inconclusive";
 * ```
 */
export type ClaimVerdict = "supported" | "refuted" | "inconclusive";

/**
 * The sign a claim gives its estimate: "greater" (e.g. HICRA − GRPO > 0) or "less".
 *
 * @example
 * ```ts
 * import type { Direction } from "@credit-bench/credit-bench";
 *
 * const hicraBeatsGrpo: Direction = "greater";
 * ```
 */
export type Direction = "greater" | "less";

/**
 * The rule {@link claimVerdict} applies, in one sentence, for a report to print.
 *
 * @example
 * ```ts
 * import { VERDICT_RULE } from "@credit-bench/credit-bench";
 *
 * console.log(`Rule: ${VERDICT_RULE}`);
 * ```
 */
export const VERDICT_RULE: string =
  "A claim is supported when its Holm-adjusted p-value is below α = 0.05 and the 95% " +
  "interval of its estimate lies wholly on the claimed side of 0, refuted when the p-value is below α and the " +
  "interval lies wholly on the other side, and inconclusive otherwise (always so without an interval).";

/**
 * A verdict with the reason for it, in words.
 *
 * @example
 * ```ts
 * import type { ClaimVerdictResult } from "@credit-bench/credit-bench";
 *
 * const r: ClaimVerdictResult = { verdict: "inconclusive", reason: "one seed: no interval" };
 * ```
 */
export interface ClaimVerdictResult {
  /** Supported, refuted or inconclusive. */
  verdict: ClaimVerdict;
  /** Why, e.g. "p_adj = 0.012 < 0.05 and the interval [0.4, 2.1] is above 0". */
  reason: string;
}

/** A number for a reason line: 3 significant digits. */
function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/**
 * The verdict on a claim that `estimate` (an effect, e.g. a mean difference of seed-matched runs, whose
 * "no effect" is 0) lies in `direction`, by {@link VERDICT_RULE}.
 *
 * @example
 * ```ts
 * import { bootstrapInterval, holm, mean, claimVerdict, pairedPermutationTest } from "@credit-bench/credit-bench";
 *
 * const hicra = [0.60, 0.62, 0.59, 0.63, 0.61, 0.64], grpo = [0.58, 0.59, 0.57, 0.60, 0.58, 0.60];
 * const p = pairedPermutationTest(hicra, grpo).pValue; // 2/64
 * const [pAdjusted] = holm([p]);
 * const estimate = bootstrapInterval(hicra.map((x, i) => x - grpo[i]), mean, { seed: 1 });
 * claimVerdict(pAdjusted, estimate, "greater"); // { verdict: "supported", reason: "p_adj = 0.0313 < 0.05 and …" }
 * ```
 */
export function claimVerdict(
  pAdjusted: number,
  estimate: Estimate,
  direction: Direction,
  alpha = 0.05,
): ClaimVerdictResult {
  checkNumber(pAdjusted, "pAdjusted");
  checkNumber(estimate.estimate, "estimate");
  checkLevel(alpha, "alpha");
  if (pAdjusted < 0 || pAdjusted > 1) throw new RangeError(`pAdjusted is ${pAdjusted}, not a probability`);
  if (direction !== "greater" && direction !== "less") {
    throw new RangeError(`direction is ${direction}, not "greater" or "less"`);
  }
  if (estimate.interval === null) {
    return { verdict: "inconclusive", reason: estimate.reason ?? "no interval" };
  }
  const [low, high] = estimate.interval;
  checkNumber(low, "interval low");
  checkNumber(high, "interval high");
  const range = `[${fmt(low)}, ${fmt(high)}]`;
  const p = `p_adj = ${fmt(pAdjusted)}`;
  if (!(pAdjusted < alpha)) {
    return { verdict: "inconclusive", reason: `${p} ≥ ${alpha}; interval ${range}` };
  }
  const side = low > 0 ? "greater" : high < 0 ? "less" : null;
  if (side === null) {
    return { verdict: "inconclusive", reason: `${p} < ${alpha} but the interval ${range} contains 0` };
  }
  const where = side === "greater" ? "above" : "below";
  return {
    verdict: side === direction ? "supported" : "refuted",
    reason: `${p} < ${alpha} and the interval ${range} is ${where} 0`,
  };
}
