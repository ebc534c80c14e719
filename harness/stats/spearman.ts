/**
 * Spearman's rank correlation: Pearson's correlation of the two series' ranks, tied values sharing the
 * mean of their ranks (the "average" method of scipy's `spearmanr`). Undefined (null) with fewer than
 * two pairs or when either series is constant.
 * @module
 */
import { mean } from "../metrics/stats.ts";
import { checkFinite } from "./check.ts";

/** Ranks from 1, ties given the mean of the ranks they span. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((i, j) => xs[i] - xs[j]);
  const out = new Array<number>(xs.length);
  for (let lo = 0; lo < order.length;) {
    let hi = lo;
    while (hi + 1 < order.length && xs[order[hi + 1]] === xs[order[lo]]) hi++;
    for (let k = lo; k <= hi; k++) out[order[k]] = (lo + hi) / 2 + 1;
    lo = hi + 1;
  }
  return out;
}

/**
 * Spearman's ρ of the pairs (`x[i]`, `y[i]`): Pearson's r of their ranks, ties at their mean rank; null
 * with fewer than two pairs or a constant series.
 *
 * @example
 * ```ts
 * import { spearman } from "@credit-bench/credit-bench";
 *
 * spearman([1, 2, 3, 4], [10, 20, 30, 40]); // 1
 * spearman([1, 2, 3], [3, 1, 2]); // ranks [1, 2, 3] and [3, 1, 2]: r = −0.5
 * spearman([1, 2, 3], [5, 5, 5]); // null: y is constant
 * ```
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  checkFinite(x, "x");
  checkFinite(y, "y");
  if (x.length !== y.length) throw new RangeError(`x has ${x.length} values, y has ${y.length}: pairs must match`);
  if (x.length < 2) return null;
  const rx = ranks(x), ry = ranks(y), mx = mean(rx), my = mean(ry);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}
