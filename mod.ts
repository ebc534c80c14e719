/**
 * credit-bench: a reproducible benchmark harness for RL credit-assignment methods on reasoning
 * tasks. This module is the public API (named exports only).
 * @module
 */
export { defineTask } from "./harness/task.ts";
export type { Problem, Role, StepCheck, Style, TaskDef, Trace, Verdict } from "./harness/task.ts";
export { getTask, TASKS } from "./tasks/mod.ts";
export { Rng, rng } from "./harness/rng.ts";
export type { RngState } from "./harness/rng.ts";
export { decode, encode, TOKENIZER_ID, UnknownTokenError } from "./harness/tokenizer.ts";
export { TaskSplits } from "./harness/suite.ts";
export type { SuiteConfig, SuiteTask } from "./harness/suite.ts";
export { CONFIGS, getConfig } from "./harness/config.ts";
export type { BenchConfig, EvalConfig, SftConfig } from "./harness/config.ts";
export { BACKENDS, useBackend } from "./harness/backend.ts";
export { MAX_WASM_THREADS, useWasm, wasmThreads } from "./harness/wasm_threads.ts";
export { createPolicy, Policy } from "./harness/model.ts";
export type { ModelConfig } from "./harness/model.ts";
export { sample } from "./harness/sampler.ts";
export type { Sample, SampleOptions } from "./harness/sampler.ts";
export { loadCheckpoint, saveCheckpoint } from "./harness/checkpoint.ts";
export { baseModel, trainBase } from "./harness/sft.ts";
export { errorKind, evaluate, passKs } from "./harness/evaluate.ts";
export type { ErrorKind } from "./harness/evaluate.ts";
export { tf } from "./harness/backend.ts";
export {
  AGGREGATIONS,
  baselineAdvantages,
  baselineContext,
  checkAdvantages,
  checkBaseline,
  defineBaseline,
  MASK_SOURCES,
} from "./harness/baseline.ts";
export type {
  Aggregation,
  Baseline,
  BaselineContext,
  BaselineDef,
  GroupStats,
  LiveTensors,
  Mask,
  MaskSource,
  ParamSpec,
  ParamValue,
  RolloutContext,
} from "./harness/baseline.ts";
export { broadcastToTokens, groupAdvantages, groupStats, grpoAdvantages, STD_EPS } from "./harness/advantage.ts";
export { parseParamOverrides, resolveParams } from "./harness/params.ts";
export type { ParamOverrides } from "./harness/params.ts";
export { aggregate, DEFAULT_CLIP, pgLoss } from "./harness/pg_loss.ts";
export type { PgLossInput, PgLossOptions, PgLossResult } from "./harness/pg_loss.ts";
export { BASELINES, loadBaseline } from "./baselines/mod.ts";
export { answerStart, countPlanning, eligibleTokens, isSpecialToken, planningShare } from "./harness/planning.ts";
export { oracleMask, oracleRoles, roleAgreement } from "./harness/oracle_mask.ts";
export type { RoleAgreement } from "./harness/oracle_mask.ts";
export {
  DEFAULT_STRATEGIC_GRAMS,
  loadStrategicGrams,
  mineStrategicGrams,
  mineStrategicGramsWith,
  saveStrategicGrams,
  strategicGramMask,
  strategicGramsJson,
} from "./harness/strategic_grams.ts";
export type { GramEmbedder, StrategicGram, StrategicGramOptions, StrategicGrams } from "./harness/strategic_grams.ts";
export { DEFAULT_RANDOM_MASK, randomMasks } from "./harness/random_mask.ts";
export type { RandomMaskOptions } from "./harness/random_mask.ts";
export { DEFAULT_WORD_VECTORS, wordVectors } from "./harness/word_vectors.ts";
export type { WordVectorOptions, WordVectors } from "./harness/word_vectors.ts";
export { kmeansPlusPlus, seededKMeans } from "./harness/kmeans.ts";
export type { Clustering } from "./harness/kmeans.ts";
export { RunFailedError, runRl } from "./harness/rl.ts";
export type { MaskMaker, RlConfig, RunSpec } from "./harness/rl.ts";
export { evaluateBase, planCells, prepareBase, ResultsFolderError, runCell, runGrid } from "./harness/runner.ts";
export type { BaseRun, Cell, GridBaseline, GridSpec } from "./harness/runner.ts";
export { FolderLockedError, lockFolder } from "./harness/folder_lock.ts";
export { runInChildren } from "./harness/pool.ts";
export { Stopped, StopSignals } from "./harness/stop.ts";
export type { ChildArgs, LastJob } from "./harness/pool.ts";
export { loadRunState, saveRunState } from "./harness/run_state.ts";
export type { RunState, RunStateMeta } from "./harness/run_state.ts";
export type { OptimizerState } from "./harness/optimizer.ts";
export { rolloutRecords, stepRecord } from "./harness/step_metrics.ts";
export {
  canonicalJson,
  gridHash,
  hashOf,
  manifestProblem,
  readManifest,
  runHash,
  runId,
  runsDir,
  STORE_VERSION,
  writeManifest,
} from "./harness/store.ts";
export type { EvalRecord, FileSum, RolloutRecord, RunManifest, StepRecord, TaskEvalRecord } from "./harness/store.ts";
export { loadResults, ResultsError } from "./harness/results.ts";
export type { LoadedBase, LoadedRun, SkippedRun, SuiteResults } from "./harness/results.ts";
export { writeReport } from "./harness/report/mod.ts";
export type { ReportOptions, ReportResult } from "./harness/report/mod.ts";
export { mineGrams, planningMasks } from "./harness/planning_masks.ts";
export { DEFAULT_SENTENCE_MODEL, loadSentenceModel } from "./harness/sentence_model.ts";
export type { SentenceEmbedder, SentenceModelOptions } from "./harness/sentence_model.ts";
export type { MiningConfig, PlanningMasks } from "./harness/planning_masks.ts";
export { sampleGroups, score, stepPrompts } from "./harness/rollouts.ts";
export type { Rollout, Sampled, StepPrompt } from "./harness/rollouts.ts";
export { mean, ratio } from "./harness/metrics/stats.ts";
export { greedyAccuracy, meanPassAtK, pass1, passAtK } from "./harness/metrics/pass_at_k.ts";
export {
  answerEntropy,
  NO_ANSWER,
  seAnswer,
  seStrategic,
  shannonEntropy,
  strategicGramCounts,
} from "./harness/metrics/semantic_entropy.ts";
export { ahaEvents, ahaSummary, phraseSpans } from "./harness/metrics/aha.ts";
export type { AhaEvent, AhaResponse, AhaSummary } from "./harness/metrics/aha.ts";
export { ERROR_KINDS, errorShares } from "./harness/metrics/error_types.ts";
export type { ErrorShares } from "./harness/metrics/error_types.ts";
export { accuracyByLength, DEFAULT_LENGTH_BINS, lengthStats, percentile } from "./harness/metrics/length.ts";
export type { LengthBin, LengthStats } from "./harness/metrics/length.ts";
export {
  entropySplit,
  FORK_SHARE,
  forkOverlap,
  forkTokens,
  maskAgreement,
  perplexitySplit,
  relativeSplit,
  relativeTo,
} from "./harness/metrics/token_stats.ts";
export type { ForkOverlap, MaskAgreement, Split } from "./harness/metrics/token_stats.ts";
