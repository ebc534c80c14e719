/**
 * How many seeds a comparison needs, and what a given number of seeds can detect, from the normal
 * approximation to the t-test with Guenther's (1981) correction, which matches the exact noncentral-t
 * answer to within a seed at 80% power: with z_a = Φ⁻¹(1 − α/2) and z_b = Φ⁻¹(power),
 * - paired (seed-matched runs, d the standardized mean difference d̄/s_d): n = ((z_a + z_b)/d)² + z_a²/2;
 * - independent (two methods on disjoint seeds, d = Δ/σ, n seeds per method): n = 2((z_a + z_b)/d)² + z_a²/4.
 * A paired comparison also needs the pairs an exact sign-flip test needs to reach p < α at all
 * ({@link minimumPairs}: 6 at α = 0.05), an independent one the seeds per method an exact two-sample
 * permutation test needs (2/C(2n, n) < α: 4 at α = 0.05); with fewer, no effect however large is detected. α is two-sided; for a family of m tests under Holm, the first
 * test is at α/m.
 * @module
 */
import { checkCount, checkLevel, checkNumber } from "./check.ts";
import { normalCdf, normalQuantile } from "./normal.ts";

/**
 * A comparison's design: seed-matched pairs, or two independent groups of seeds.
 *
 * @example
 * ```ts
 * import type { Design } from "@credit-bench/credit-bench";
 *
 * const design: Design = "paired";
 * ```
 */
export type Design = "paired" | "independent";

/**
 * The test a power calculation assumes.
 *
 * @example
 * ```ts
 * import type { PowerOptions } from "@credit-bench/credit-bench";
 *
 * const options: PowerOptions = { design: "paired", alpha: 0.05, power: 0.8 };
 * ```
 */
export interface PowerOptions {
  /** Paired (default) or independent. */
  design?: Design;
  /** Two-sided significance level (default 0.05). */
  alpha?: number;
  /** Power wanted (default 0.8). */
  power?: number;
}

/** The options resolved and checked, with z_a = Φ⁻¹(1 − α/2) and z_b = Φ⁻¹(power). */
function resolve(options: PowerOptions): { design: Design; alpha: number; za: number; zb: number } {
  const { design = "paired", alpha = 0.05, power = 0.8 } = options;
  if (design !== "paired" && design !== "independent") {
    throw new RangeError(`design is ${design}, not "paired" or "independent"`);
  }
  checkLevel(alpha, "alpha");
  checkLevel(power, "power");
  return { design, alpha, za: normalQuantile(1 - alpha / 2), zb: normalQuantile(power) };
}

/** The effective sample size n − z_a²/2 (paired) or (n − z_a²/4)/2 (independent) of Guenther's correction. */
function effectiveN(design: Design, seeds: number, za: number): number {
  return design === "paired" ? seeds - za * za / 2 : (seeds - za * za / 4) / 2;
}

/** The fewest seeds (pairs, or per group) for which the design's test can reject at all. */
function fewestSeeds(design: Design, alpha: number): number {
  return design === "paired" ? minimumPairs(alpha) : minimumPerGroup(alpha);
}

/**
 * The fewest seeds per group for which an exact two-sided two-sample permutation test of two groups of
 * that size can give p < α: its smallest p is 2/C(2n, n) (the two groups wholly apart, either way round).
 */
function minimumPerGroup(alpha: number): number {
  let n = 1, splits = 2; // C(2n, n)
  while (2 / splits >= alpha) {
    n++;
    splits = splits * (2 * n) * (2 * n - 1) / (n * n);
  }
  return n;
}

/**
 * The fewest pairs for which an exact two-sided sign-flip test can give p < α: its smallest p is 2/2ⁿ.
 *
 * @example
 * ```ts
 * import { minimumPairs } from "@credit-bench/credit-bench";
 *
 * minimumPairs(0.05); // 6: 2/2⁵ = 0.0625, 2/2⁶ = 0.03125
 * ```
 */
export function minimumPairs(alpha = 0.05): number {
  checkLevel(alpha, "alpha");
  let n = 1;
  while (2 / 2 ** n >= alpha) n++;
  return n;
}

/**
 * Seeds needed (pairs, or seeds per method when independent) for `power` at standardized effect `effect`
 * (its sign ignored), rounded up; Infinity for an effect of 0.
 *
 * @example
 * ```ts
 * import { seedsForPower } from "@credit-bench/credit-bench";
 *
 * seedsForPower(1); // ((1.96 + 0.84)/1)² + 1.96²/2 = 9.77 → 10 pairs
 * seedsForPower(0.5, { design: "independent" }); // 2·(2.80/0.5)² + 1.96²/4 = 63.8 → 64 per method
 * ```
 */
export function seedsForPower(effect: number, options: PowerOptions = {}): number {
  checkNumber(effect, "effect");
  const { design, alpha, za, zb } = resolve(options);
  if (effect === 0) return Infinity;
  const base = ((za + zb) / effect) ** 2;
  const n = design === "paired" ? base + za * za / 2 : 2 * base + za * za / 4;
  return Math.max(Math.ceil(n), fewestSeeds(design, alpha));
}

/**
 * The predicted power at standardized effect `effect` with `seeds` (pairs, or per method): the chance of a
 * significant result in the effect's direction, Φ(|d|·√n_eff − z_a) with Guenther's effective n; 0 when the
 * test cannot reject with so few seeds.
 *
 * @example
 * ```ts
 * import { predictedPower } from "@credit-bench/credit-bench";
 *
 * predictedPower(1, 10); // Φ(1·√(10 − 1.92) − 1.96) = Φ(0.88) ≈ 0.81
 * predictedPower(1, 5); // 0: five pairs can never reach p < 0.05
 * ```
 */
export function predictedPower(effect: number, seeds: number, options: PowerOptions = {}): number {
  checkNumber(effect, "effect");
  checkCount(seeds, "seeds");
  const { design, alpha, za } = resolve(options);
  if (seeds < fewestSeeds(design, alpha)) return 0;
  return normalCdf(Math.abs(effect) * Math.sqrt(effectiveN(design, seeds, za)) - za);
}

/**
 * The minimum detectable effect, in the units of `std`: the true difference that `seeds` detect with
 * `power`, (z_a + z_b)·std/√n_eff. For the paired design `std` is the standard deviation of the seed-matched
 * differences; for the independent one, the seed standard deviation of one method. Infinity when the test
 * cannot reject with so few seeds.
 *
 * @example
 * ```ts
 * import { minimumDetectableEffect } from "@credit-bench/credit-bench";
 *
 * minimumDetectableEffect(10, 1.5); // 2.80·1.5/√(10 − 1.92) = 1.48 points
 * minimumDetectableEffect(4, 1.1, { design: "independent" }); // 2.80·1.1·√(2/(4 − 0.96)) = 2.50 points
 * minimumDetectableEffect(3, 1.1, { design: "independent" }); // Infinity: 3 against 3 can never reach p < 0.05
 * ```
 */
export function minimumDetectableEffect(seeds: number, std: number, options: PowerOptions = {}): number {
  checkCount(seeds, "seeds");
  checkNumber(std, "std");
  if (std < 0) throw new RangeError(`std is ${std}, not a standard deviation`);
  const { design, alpha, za, zb } = resolve(options);
  if (seeds < fewestSeeds(design, alpha)) return Infinity;
  return (za + zb) * std / Math.sqrt(effectiveN(design, seeds, za));
}
