/**
 * How report numbers are shown: a fixed number of decimals after scaling (×100 for percentages),
 * `mean ± std` for a value over seeds, `estimate [low, high]` for one with its interval, and signed
 * differences. A missing value shows as `–`.
 * @module
 */
import type { Estimate } from "../stats/bootstrap.ts";
import type { SeedSummary } from "./seed_stats.ts";

/** How one kind of number is shown: multiplied by `scale`, with `digits` decimals. */
export interface NumberFormat {
  scale: number;
  digits: number;
}

/** Percentages with one decimal. */
export const PERCENT: NumberFormat = { scale: 100, digits: 1 };

/** `x` scaled and rounded; never `-0.0`. */
export function formatNumber(x: number, f: NumberFormat): string {
  const s = (x * f.scale).toFixed(f.digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** `mean ± std` (just the mean for one seed); `–` for no value. */
export function formatSummary(s: SeedSummary | null, f: NumberFormat): string {
  if (s === null) return "–";
  return s.std === null ? formatNumber(s.mean, f) : `${formatNumber(s.mean, f)} ± ${formatNumber(s.std, f)}`;
}

/** An estimate and its interval, `57.0 [55.8, 58.1]` (just the estimate without one); `–` for none. */
export function formatEstimate(e: Estimate | null, f: NumberFormat): string {
  if (e === null) return "–";
  const x = formatNumber(e.estimate, f);
  return e.interval === null ? x : `${x} [${formatNumber(e.interval[0], f)}, ${formatNumber(e.interval[1], f)}]`;
}

/** A difference with its sign: `+1.2`, `−0.4` (a minus sign), `0.0`. */
export function formatSigned(x: number, f: NumberFormat): string {
  const s = formatNumber(x, f);
  if (s.startsWith("-")) return `−${s.slice(1)}`;
  return /^0\.?0*$/.test(s) ? s : `+${s}`;
}
