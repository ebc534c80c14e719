/**
 * Hedges' g, the standardized mean difference with the small-sample bias correction
 * J(df) = 1 − 3/(4·df − 1) (Hedges and Olkin 1985, as in Borenstein et al. 2009, ch. 4): for two independent
 * groups g = J(n₁ + n₂ − 2)·(x̄ − ȳ)/s_pooled; for seed-matched pairs g_z = J(n − 1)·d̄/s_d, the effect size
 * the paired test's power depends on (Lakens 2013's d_z, corrected). Null when undefined: too few values,
 * or no spread to standardize by.
 * @module
 */
import { mean } from "../metrics/stats.ts";
import { checkFinite } from "./check.ts";

/** Σ(x − x̄)², the sum of squared deviations. */
function sumSquares(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0);
}

/** Hedges and Olkin's approximation of the bias correction J for `df` degrees of freedom. */
function correction(df: number): number {
  return 1 - 3 / (4 * df - 1);
}

/**
 * Hedges' g of `x` over `y`, two independent groups: J(n₁ + n₂ − 2)·(x̄ − ȳ)/s_pooled with
 * s_pooled² = (Σ(x − x̄)² + Σ(y − ȳ)²)/(n₁ + n₂ − 2). Null with fewer than 2 values in a group or no spread.
 *
 * @example
 * ```ts
 * import { hedgesG } from "@credit-bench/credit-bench";
 *
 * hedgesG([3, 4, 5], [1, 2, 3]); // d = 2/1 = 2, J(4) = 1 − 3/15 = 0.8, g = 1.6
 * ```
 */
export function hedgesG(x: readonly number[], y: readonly number[]): number | null {
  checkFinite(x, "x");
  checkFinite(y, "y");
  if (x.length < 2 || y.length < 2) return null;
  const df = x.length + y.length - 2, pooled = Math.sqrt((sumSquares(x) + sumSquares(y)) / df);
  return pooled > 0 ? correction(df) * (mean(x) - mean(y)) / pooled : null;
}

/**
 * Hedges' g_z of seed-matched pairs: J(n − 1)·d̄/s_d, where dᵢ = aᵢ − bᵢ and s_d is their sample standard
 * deviation (n − 1). Null with fewer than 3 pairs (J(1) = 0) or no spread in the differences.
 *
 * @example
 * ```ts
 * import { hedgesGPaired } from "@credit-bench/credit-bench";
 *
 * hedgesGPaired([2, 4, 6], [1, 2, 3]); // d = [1, 2, 3]: d̄/s_d = 2/1, J(2) = 1 − 3/7, g_z = 8/7
 * ```
 */
export function hedgesGPaired(a: readonly number[], b: readonly number[]): number | null {
  checkFinite(a, "a");
  checkFinite(b, "b");
  if (a.length !== b.length) throw new RangeError(`a has ${a.length} values, b has ${b.length}: pairs must match`);
  if (a.length < 3) return null;
  const d = a.map((x, i) => x - b[i]), sd = Math.sqrt(sumSquares(d) / (d.length - 1));
  return sd > 0 ? correction(d.length - 1) * mean(d) / sd : null;
}
