/**
 * Summaries over seeds: mean, sample standard deviation (n − 1; none for one seed), minimum and
 * maximum of the finite values given; and the robust one, the interquartile mean with its 95% percentile
 * bootstrap interval over seeds (none for one seed).
 * @module
 */
import { mean } from "../metrics/stats.ts";
import { bootstrapInterval, type Estimate } from "../stats/bootstrap.ts";
import { iqm } from "../stats/aggregate.ts";

/**
 * A value summarised over seeds.
 *
 * @example
 * ```ts
 * import { type SeedSummary, summarize } from "@credit-bench/credit-bench";
 *
 * const s: SeedSummary | null = summarize([0.52, 0.55, 0.61]);
 * console.log(s && `${s.mean.toFixed(3)} ± ${s.std?.toFixed(3)}`);
 * ```
 */
export interface SeedSummary {
  /** Values summarised (finite ones only). */
  n: number;
  /** Their mean. */
  mean: number;
  /** Sample standard deviation (n − 1), or null for fewer than two values. */
  std: number | null;
  /** The smallest. */
  min: number;
  /** The largest. */
  max: number;
}

/**
 * Summarise the finite values of `xs` (nulls and NaNs left out); null when there is none.
 *
 * @example
 * ```ts
 * import { loadResults, summarize } from "@credit-bench/credit-bench";
 *
 * const { runs } = await loadResults("results", "default");
 * const grpo = runs.filter((r) => r.manifest.baseline === "grpo");
 * summarize(grpo.map((r) => r.evals.at(-1)?.evals[0].passAtK["1"] ?? null)); // { n, mean, std, min, max } over seeds
 * ```
 */
export function summarize(xs: readonly (number | null)[]): SeedSummary | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return null;
  const m = mean(v);
  const ss = v.reduce((s, x) => s + (x - m) ** 2, 0);
  return {
    n: v.length,
    mean: m,
    std: v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : null,
    min: v.reduce((a, x) => Math.min(a, x)), // not Math.min(...v): no argument limit
    max: v.reduce((a, x) => Math.max(a, x)),
  };
}

/**
 * The IQM over seeds of the finite values of `xs` (nulls and NaNs left out), with its 95% percentile
 * bootstrap interval (2,000 resamples of the seeds, seed 0; none for one seed); null when there is no value.
 */
export function robustSummary(xs: readonly (number | null)[]): Estimate | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length === 0 ? null : bootstrapInterval(v, iqm);
}

/** The CSV fields of a value over seeds, in the order {@link summaryFields} gives them. */
export const SUMMARY_FIELDS: readonly string[] = ["mean", "std", "iqm", "iqm_lo", "iqm_hi"];

/** A value over seeds as CSV fields: mean, std, IQM and its interval (null: none). */
export function summaryFields(s: SeedSummary | null, r: Estimate | null): (number | null)[] {
  return [s?.mean ?? null, s?.std ?? null, r?.estimate ?? null, r?.interval?.[0] ?? null, r?.interval?.[1] ?? null];
}
