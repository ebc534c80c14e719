/**
 * The statistics functions: comparisons of methods with the seed (the run) as the unit of evidence.
 * Aggregates over runs and tasks (mean, IQM), percentile and stratified bootstrap intervals from a seeded
 * stream, probability of improvement, the paired permutation test on seed-matched runs and the two-sample one
 * on disjoint seeds, Spearman's rank correlation, Holm's correction, Hedges' g, power and seed counts, and the
 * verdict rule. Pure functions; a NaN input is a RangeError that names it.
 *
 * @example A claim that one method beats another, from seed-matched final accuracies
 * ```ts
 * import { bootstrapInterval, holm, mean, claimVerdict, pairedPermutationTest } from "@credit-bench/credit-bench";
 *
 * const a = [0.60, 0.62, 0.59, 0.63, 0.61, 0.64], b = [0.58, 0.59, 0.57, 0.60, 0.58, 0.60];
 * const [p] = holm([pairedPermutationTest(a, b).pValue]);
 * claimVerdict(p, bootstrapInterval(a.map((x, i) => x - b[i]), mean, { seed: 1 }), "greater").verdict; // "supported"
 * ```
 * @module
 */
export { aggregateIqm, aggregateMean, iqm } from "./aggregate.ts";
export type { Scores } from "./aggregate.ts";
export {
  bootstrapInterval,
  bootstrapMeanIntervals,
  DEFAULT_RESAMPLES,
  percentileInterval,
  stratifiedBootstrap,
} from "./bootstrap.ts";
export type { BootstrapOptions, Estimate } from "./bootstrap.ts";
export { probabilityOfImprovement } from "./improvement.ts";
export { pairedPermutationTest } from "./permutation.ts";
export type { PermutationOptions, PermutationResult } from "./permutation.ts";
export { twoSamplePermutationTest } from "./two_sample.ts";
export type { TwoSampleOptions } from "./two_sample.ts";
export { spearman } from "./spearman.ts";
export { holm } from "./holm.ts";
export { hedgesG, hedgesGPaired } from "./effect_size.ts";
export { minimumDetectableEffect, minimumPairs, predictedPower, seedsForPower } from "./power.ts";
export type { Design, PowerOptions } from "./power.ts";
export { claimVerdict, VERDICT_RULE } from "./verdict.ts";
export type { ClaimVerdict, ClaimVerdictResult, Direction } from "./verdict.ts";
export { normalCdf, normalQuantile } from "./normal.ts";
