/**
 * Summaries over seeds: mean, sample standard deviation (n − 1; none for one seed), minimum and
 * maximum of the finite values given.
 * @module
 */
import { mean } from "../metrics/stats.ts";

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
    min: Math.min(...v),
    max: Math.max(...v),
  };
}
