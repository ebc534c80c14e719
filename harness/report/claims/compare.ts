/**
 * The three comparisons a claim rests on, each with the run (seed) as the unit and a 95% percentile
 * bootstrap interval (2,000 resamples, seed 0):
 * - paired: values of the same unit (a seed's two runs, or one run's two correlations), the mean
 *   difference, the exact sign-flip permutation test and Hedges' g_z;
 * - sign: a yes/no per run, the share of yes against ½, the exact sign test (the sign-flip test on ±1)
 *   and g_z of the ±1 values;
 * - two-sample: two groups of disjoint runs, the difference of means with each group's runs resampled
 *   apart, the exact two-sample permutation test and Hedges' g.
 * And the seeds a comparison would need for 80% power at its observed effect size.
 * @module
 */
import { mean } from "../../metrics/stats.ts";
import { bootstrapInterval, type Estimate, stratifiedBootstrap } from "../../stats/bootstrap.ts";
import { hedgesG, hedgesGPaired } from "../../stats/effect_size.ts";
import { pairedPermutationTest } from "../../stats/permutation.ts";
import { minimumPairs, seedsForPower } from "../../stats/power.ts";
import { twoSamplePermutationTest } from "../../stats/two_sample.ts";
import { counted } from "../../core/counted.ts";

/** A comparison's outcome. */
export interface ClaimTest {
  design: "paired" | "sign" | "independent";
  /** The test in words, e.g. `exact sign-flip test, 3 pairs`. */
  test: string;
  /** Units compared: pairs, runs, or the runs of both groups. */
  n: number;
  /** The estimate (a mean difference, or a share) with its interval. */
  estimate: Estimate;
  /** The estimate's value under "no effect": 0, or ½ for a share. */
  nullValue: number;
  /** Two-sided p-value. */
  p: number;
  /** Hedges' g (g_z when paired); null when undefined (too few units, no spread). */
  hedgesG: number | null;
  /** The per-unit differences (paired, sign: ±1); for two samples, none. */
  differences: number[];
}

/** The test's name and its size: `sign-flip test, exact, 3 pairs`. */
function described(name: string, exact: boolean, count: number, unit: string): string {
  return `${name}, ${exact ? "exact" : "sampled"}, ${counted(count, unit)}`;
}

/** Paired comparison of `a` against `b`, unit by unit (seed-matched pairs, or runs): mean of a − b. */
export function pairedComparison(a: readonly number[], b: readonly number[], unit: "pair" | "run"): ClaimTest {
  const d = a.map((x, i) => x - b[i]), t = pairedPermutationTest(a, b);
  return {
    design: "paired",
    test: described("sign-flip test", t.exact, d.length, unit),
    n: d.length,
    estimate: bootstrapInterval(d, mean),
    nullValue: 0,
    p: t.pValue,
    hedgesG: hedgesGPaired(a, b),
    differences: d,
  };
}

/** The share of `yes` against ½: the sign test. */
export function signComparison(yes: readonly boolean[]): ClaimTest {
  const d = yes.map((y) => (y ? 1 : -1)), zeros = d.map(() => 0);
  const t = pairedPermutationTest(d, zeros);
  return {
    design: "sign",
    test: described("sign test", t.exact, d.length, "run"),
    n: d.length,
    estimate: bootstrapInterval(yes.map((y) => (y ? 1 : 0)), mean),
    nullValue: 0.5,
    p: t.pValue,
    hedgesG: hedgesGPaired(d, zeros),
    differences: d,
  };
}

/** Two groups of disjoint runs, named for the reason when one has a single run: mean of x − mean of y. */
export function twoSampleComparison(
  x: readonly number[],
  y: readonly number[],
  names: readonly [string, string],
): ClaimTest {
  const t = twoSamplePermutationTest(x, y), column = (v: readonly number[]) => v.map((value) => [value]);
  const single = [x, y].findIndex((g) => g.length < 2);
  const estimate = single >= 0
    ? { estimate: t.meanDifference, interval: null, level: 0.95, reason: `one seed in ${names[single]}: no interval` }
    : stratifiedBootstrap([column(x), column(y)], ([a, b]) => mean(a.flat()) - mean(b.flat()));
  return {
    design: "independent",
    test: `${
      described("two-sample permutation test", t.exact, x.length + y.length, "run")
    } (${x.length} vs ${y.length})`,
    n: x.length + y.length,
    estimate,
    nullValue: 0,
    p: t.pValue,
    hedgesG: hedgesG(x, y),
    differences: [],
  };
}

/**
 * Seeds (pairs or runs; per group when two-sample) for 80% power at the observed g, two-sided at `alpha`:
 * `seedsForPower`; when g is undefined for want of spread but every difference has the same sign, the
 * fewest pairs an exact sign-flip test can decide with; null when there is no effect size to go by.
 */
export function seedsNeeded(t: ClaimTest, alpha: number): number | null {
  const design = t.design === "independent" ? "independent" : "paired";
  if (t.hedgesG !== null) return seedsForPower(t.hedgesG, { design, alpha });
  const d = t.differences;
  const oneSign = d.length >= 3 && (d.every((x) => x > 0) || d.every((x) => x < 0));
  return oneSign ? minimumPairs(alpha) : null;
}
