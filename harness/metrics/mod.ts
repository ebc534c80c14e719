/**
 * The metric functions, the `./metrics` entry point of the package: every number the harness stores
 * for a step or an evaluation is computed by one of these pure functions, so a user can compute the
 * same numbers on rollouts of their own (pass@k, semantic entropy, aha moments, error types, length,
 * token entropy and perplexity split by planning mask).
 *
 * @example pass@k and the answer-level semantic entropy of two problems' samples
 * ```ts
 * import { meanPassAtK, seAnswer } from "@credit-bench/credit-bench/metrics";
 *
 * meanPassAtK([[true, false, false, true], [false, false, false, false]], 2); // ≈ 0.42
 * seAnswer([["3", "3", "4", null]]); // entropy of {3: 2, 4: 1, ∅: 1}, in nats
 * ```
 * @module
 */
export { mean, ratio } from "./stats.ts";
export { greedyAccuracy, meanPassAtK, pass1, passAtK } from "./pass_at_k.ts";
export {
  answerEntropy,
  NO_ANSWER,
  seAnswer,
  seStrategic,
  shannonEntropy,
  strategicGramCounts,
} from "./semantic_entropy.ts";
export { ahaEvents, ahaSummary, phraseSpans } from "./aha.ts";
export type { AhaEvent, AhaResponse, AhaSummary } from "./aha.ts";
export { ERROR_KINDS, errorKind, errorShares } from "./error_types.ts";
export type { ErrorKind, ErrorShares } from "./error_types.ts";
export { accuracyByLength, DEFAULT_LENGTH_BINS, lengthStats, percentile } from "./length.ts";
export type { LengthBin, LengthStats } from "./length.ts";
export {
  entropySplit,
  FORK_SHARE,
  forkOverlap,
  forkTokens,
  maskAgreement,
  perplexitySplit,
  relativeSplit,
  relativeTo,
} from "./token_stats.ts";
export type { ForkOverlap, MaskAgreement, Split } from "./token_stats.ts";
export { loadStrategicGrams } from "../masks/strategic_grams.ts";
export type { StrategicGram, StrategicGramOptions, StrategicGrams } from "../masks/strategic_grams.ts";
export type { WordVectorOptions } from "../masks/word_vectors.ts";
export type { RngState } from "../core/rng.ts";
export type { StepCheck, Verdict } from "../../tasks/kit/task.ts";
