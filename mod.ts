/**
 * credit-bench: a reproducible benchmark harness for RL credit-assignment methods on reasoning
 * tasks. This module is the public API (named exports only): defining tasks and baselines, running
 * a bench, loading and reporting its results, the metric and statistics functions and the bench
 * configurations.
 * Two smaller entry points hold parts of it: `./tasks` (the task-writing kit) and `./metrics` (the
 * metric functions).
 *
 * @example Run the smoke suite with a baseline of your own, then write its report
 * ```ts
 * import { runBench, writeReport } from "@credit-bench/credit-bench";
 *
 * await runBench({ suite: "smoke", baselines: ["grpo", "./my_method.ts"], seeds: [1], out: "/tmp/results" });
 * await writeReport({ inDir: "/tmp/results", suite: "smoke", command: "my script" });
 * ```
 * @module
 */

import { tf as tfjs } from "./harness/backend/backend.ts";

// Defining tasks: the task-writing kit (also the `./tasks` entry point), and the fixed suite.
export * from "./tasks/kit/mod.ts";
export { getTask, TASKS } from "./tasks/mod.ts";

// Defining baselines: the contract, the advantage helpers, the group filter, the policy loss and its
// aggregations, tfjs for losses of one's own.
export { defineBaseline, groupStats, MASK_SOURCES } from "./harness/credit/baseline.ts";
export type {
  Aggregation,
  Aggregator,
  Baseline,
  BaselineContext,
  BaselineDef,
  GroupStats,
  LiveTensors,
  Mask,
  MaskSource,
  ParamSpec,
  ParamValue,
  PolicyLossInput,
  PolicyLossTerms,
  RolloutContext,
  Scalar,
  Tensor2D,
} from "./harness/credit/baseline.ts";
export { broadcastToTokens, groupAdvantages, grpoAdvantages } from "./harness/credit/advantage.ts";
export { dropEqualRewards } from "./harness/credit/group_filter.ts";
export { aggregate, drGrpo, sequenceMean, tokenMean } from "./harness/update/aggregation.ts";
export { clipHigherLoss, detach } from "./harness/update/policy_loss.ts";
export { BASELINES, loadBaseline } from "./baselines/mod.ts";

/**
 * TensorFlow.js as the harness runs it (the backend chosen by `runBench` or `--backend`), for the
 * tensors of a baseline's `extraLoss`.
 *
 * @example A constant extra loss
 * ```ts
 * import { tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready(); // in a baseline's extraLoss the harness has started it
 * const zero = tf.scalar(0);
 * ```
 */
export const tf: typeof tfjs = tfjs;

// Running a bench.
export { runBench } from "./harness/bench.ts";
export type { BenchOptions } from "./harness/bench.ts";
export { BACKENDS } from "./harness/backend/backend.ts";
export type { BackendName } from "./harness/backend/backend.ts";
export { ENGINES } from "./harness/rollout/engine.ts";
export type { EngineName } from "./harness/rollout/engine.ts";

// The bench configurations.
export { CONFIGS, getConfig } from "./harness/config.ts";
export type {
  BenchConfig,
  EvalConfig,
  MiningConfig,
  RlConfig,
  SftConfig,
  SuiteConfig,
  SuiteTask,
} from "./harness/config.ts";
export type { ModelConfig } from "./harness/model/model.ts";

// Analyzing other trainers' rollouts (TRL, verl, JSONL) with the same metrics.
export { analyze } from "./harness/analyze/analyze.ts";
export type { AnalyzeOptions, AnalyzeResult } from "./harness/analyze/analyze.ts";
export { AnalyzeError } from "./harness/analyze/completion.ts";
export type { Completion } from "./harness/analyze/completion.ts";
export type { AnalyzeStep } from "./harness/analyze/step_stats.ts";
export { FORMATS } from "./harness/analyze/formats.ts";
export type { Format } from "./harness/analyze/formats.ts";

// Loading and reporting results.
export { loadResults } from "./harness/store/results.ts";
export { ResultsError } from "./harness/store/results_error.ts";
export type { LoadedBase, LoadedRun, SkippedRun, SuiteResults } from "./harness/store/results.ts";
export { FIXED_MASKS } from "./harness/store/schema.ts";
export type {
  EarlierSession,
  EvalRecord,
  FileSum,
  FilterRecord,
  FixedMask,
  MaskStats,
  RunManifest,
  StepRecord,
  TaskEvalRecord,
} from "./harness/store/schema.ts";
export { writeReport } from "./harness/report/mod.ts";
export type { ReportOptions, ReportResult } from "./harness/report/mod.ts";
export { summarize } from "./harness/report/seed_stats.ts";
export type { SeedSummary } from "./harness/report/seed_stats.ts";
export { decode, encode, UnknownTokenError } from "./harness/text/tokenizer.ts";

// The metric functions (also the `./metrics` entry point).
export * from "./harness/metrics/mod.ts";

// The statistics functions: intervals over seeds, tests on seed-matched runs, verdicts.
export * from "./harness/stats/mod.ts";
