/**
 * credit-bench: a reproducible benchmark harness for RL credit-assignment methods on reasoning
 * tasks. This module is the public API (named exports only).
 * @module
 */
export { checkTask, defineTask } from "./tasks/kit/task.ts";
export type { Problem, Role, StepCheck, Style, TaskDef, Trace, Verdict } from "./tasks/kit/task.ts";
export { getTask, loadTask, TASKS } from "./tasks/mod.ts";
export { Rng, rng } from "./harness/core/rng.ts";
export type { RngState } from "./harness/core/rng.ts";
export { decode, encode, TOKENIZER_ID, UnknownTokenError } from "./harness/text/tokenizer.ts";
export { TaskSplits } from "./harness/suite.ts";
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
export { BACKENDS, useBackend } from "./harness/backend/backend.ts";
export { MAX_WASM_THREADS, useWasm, wasmThreads } from "./harness/backend/wasm_threads.ts";
export { createPolicy, Policy } from "./harness/model/model.ts";
export type { ModelConfig } from "./harness/model/model.ts";
export { sample } from "./harness/rollout/sampler.ts";
export type { Sample, SampleOptions } from "./harness/rollout/sampler.ts";
export { loadCheckpoint, saveCheckpoint } from "./harness/model/checkpoint.ts";
export { baseModel, trainBase } from "./harness/loop/sft.ts";
export { evaluate, passKs } from "./harness/loop/evaluate.ts";
export { tf } from "./harness/backend/backend.ts";
export {
  AGGREGATIONS,
  baselineAdvantages,
  baselineContext,
  checkAdvantages,
  checkBaseline,
  defineBaseline,
  groupStats,
  MASK_SOURCES,
} from "./harness/credit/baseline.ts";
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
} from "./harness/credit/baseline.ts";
export { broadcastToTokens, groupAdvantages, grpoAdvantages, STD_EPS } from "./harness/credit/advantage.ts";
export { parseParamOverrides, resolveParams } from "./harness/credit/params.ts";
export type { ParamOverrides } from "./harness/credit/params.ts";
export { aggregate, DEFAULT_CLIP, pgLoss } from "./harness/update/pg_loss.ts";
export type { PgLossInput, PgLossOptions, PgLossResult } from "./harness/update/pg_loss.ts";
export { BASELINES, loadBaseline } from "./baselines/mod.ts";
export { answerStart, countPlanning, eligibleTokens, isSpecialToken, planningShare } from "./harness/masks/planning.ts";
export { oracleMask, oracleRoles, roleAgreement } from "./harness/masks/oracle_mask.ts";
export type { RoleAgreement } from "./harness/masks/oracle_mask.ts";
export {
  DEFAULT_STRATEGIC_GRAMS,
  loadStrategicGrams,
  mineStrategicGrams,
  mineStrategicGramsWith,
  saveStrategicGrams,
  strategicGramMask,
  strategicGramsJson,
} from "./harness/masks/strategic_grams.ts";
export type {
  GramEmbedder,
  StrategicGram,
  StrategicGramOptions,
  StrategicGrams,
} from "./harness/masks/strategic_grams.ts";
export { DEFAULT_RANDOM_MASK, randomMasks } from "./harness/masks/random_mask.ts";
export type { RandomMaskOptions } from "./harness/masks/random_mask.ts";
export { DEFAULT_WORD_VECTORS, wordVectors } from "./harness/masks/word_vectors.ts";
export type { WordVectorOptions, WordVectors } from "./harness/masks/word_vectors.ts";
export { kmeansPlusPlus, seededKMeans } from "./harness/masks/kmeans.ts";
export type { Clustering } from "./harness/masks/kmeans.ts";
export { RunFailedError, runRl } from "./harness/loop/rl.ts";
export type { RunSpec } from "./harness/loop/rl.ts";
export { evaluateBase, planCells, prepareBase, ResultsFolderError, runCell, runGrid } from "./harness/grid/runner.ts";
export type { BaseRun, Cell, CellContext, CellSpec, GridBaseline, GridSpec, GridTask } from "./harness/grid/runner.ts";
export { FolderLockedError, lockFolder } from "./harness/core/folder_lock.ts";
export { runInChildren } from "./harness/grid/pool.ts";
export { runCellSpec } from "./harness/grid/child.ts";
export { Stopped, StopSignals } from "./harness/core/stop.ts";
export type { ChildJob, LastJob } from "./harness/grid/pool.ts";
export { loadRunState, saveRunState } from "./harness/loop/run_state.ts";
export type { RunState, RunStateMeta } from "./harness/loop/run_state.ts";
export type { OptimizerState } from "./harness/model/optimizer.ts";
export { rolloutRecords, stepRecord } from "./harness/loop/step_metrics.ts";
export { STORE_VERSION } from "./harness/store/schema.ts";
export { canonicalJson, gridHash, hashOf, manifestProblem, runHash } from "./harness/store/hashes.ts";
export { readManifest, runId, runsDir, writeManifest } from "./harness/store/run_folder.ts";
export type {
  EvalRecord,
  FileSum,
  RolloutRecord,
  RunManifest,
  StepRecord,
  TaskEvalRecord,
} from "./harness/store/schema.ts";
export { loadResults, ResultsError } from "./harness/store/results.ts";
export type { LoadedBase, LoadedRun, SkippedRun, SuiteResults } from "./harness/store/results.ts";
export { writeReport } from "./harness/report/mod.ts";
export type { ReportOptions, ReportResult } from "./harness/report/mod.ts";
export { mineGrams, planningMasks } from "./harness/masks/planning_masks.ts";
export { DEFAULT_SENTENCE_MODEL, loadSentenceModel } from "./harness/masks/sentence_model.ts";
export type { SentenceEmbedder, SentenceModelOptions } from "./harness/masks/sentence_model.ts";
export type { MaskMaker, PlanningMasks } from "./harness/masks/planning_masks.ts";
export { sampleGroups, score, stepPrompts } from "./harness/rollout/rollouts.ts";
export type { Rollout, Sampled, StepPrompt } from "./harness/rollout/rollouts.ts";
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
export { ERROR_KINDS, errorKind, errorShares } from "./harness/metrics/error_types.ts";
export type { ErrorKind, ErrorShares } from "./harness/metrics/error_types.ts";
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
