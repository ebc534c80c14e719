/**
 * Summaries over seeds: mean, sample standard deviation (n − 1; none for one seed), minimum and
 * maximum of the finite values given.
 * @module
 */
import { mean } from "../metrics/stats.ts";

/** A value summarised over seeds. */
export interface SeedSummary {
  /** Values summarised (finite ones only). */
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1), or null for fewer than two values. */
  std: number | null;
  min: number;
  max: number;
}

/** Summarise the finite values of `xs` (nulls and NaNs left out); null when there is none. */
export function summarize(xs: readonly (number | null)[]): SeedSummary | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return null;
  const m = mean(v);
  const ss = v.reduce((s, x) => s + (x - m) ** 2, 0);
  return {
    n: v.length,
    mean: m,
    std: v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : null,
    min: Math.min(...v),
    max: Math.max(...v),
  };
}
