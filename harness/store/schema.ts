/**
 * The results store: where runs live and what their files hold. A suite's results are under
 * `<out>/<suite>/`: every run (baseline × seed, and the base model) in its own folder
 * `<out>/<suite>/runs/<id>/`, the id readable plus a config hash (`hicra-s1-3fa9c01d`,
 * `base-s1-77e0b2aa`), and the report (tables, figures, index.html) beside `runs/`.
 *
 * A run folder holds `manifest.json` ({@link RunManifest}), `train.jsonl` (one {@link StepRecord} per
 * RL step), `eval.jsonl` (one {@link EvalRecord} per evaluation), `rollouts.jsonl.gz` (every sampled
 * training rollout, {@link RolloutRecord}), `timings.jsonl` (wall times, kept apart so metric files
 * compare byte for byte), `strategic_grams.json` and the final `checkpoint/`. This module holds the
 * record shapes; harness/store/hashes.ts the hashes that name and check runs, harness/store/run_folder.ts
 * a run folder's life, harness/store/results.ts the loader.
 * @module
 */
import type { BenchConfig } from "../config.ts";
import type { ErrorKind } from "../metrics/error_types.ts";
import type { LengthBin, LengthStats } from "../metrics/length.ts";
import type { ForkOverlap, MaskAgreement, Split } from "../metrics/token_stats.ts";
import type { ParamSpec } from "../credit/baseline.ts";

/** Version of the store's layout and record shapes; a reader refuses other versions. */
export const STORE_VERSION = 2;

/**
 * The fixed planning masks every run's step metrics are split by.
 *
 * @example
 * ```ts
 * import { FIXED_MASKS, loadResults } from "@credit-bench/credit-bench";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * for (const mask of FIXED_MASKS) console.log(mask, run.steps.at(-1)?.masks[mask].planningShare);
 * ```
 */
export const FIXED_MASKS = ["oracle", "mined"] as const;
/**
 * One of {@link FIXED_MASKS}.
 *
 * @example
 * ```ts
 * import type { FixedMask } from "@credit-bench/credit-bench";
 *
 * const mask: FixedMask = "mined";
 * ```
 */
export type FixedMask = typeof FIXED_MASKS[number];

/**
 * Token statistics of a step's rollouts split by one planning mask.
 *
 * @example
 * ```ts
 * import { loadResults, type MaskStats } from "@credit-bench/credit-bench";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const oracle: MaskStats | undefined = run.steps.at(-1)?.masks.oracle;
 * console.log(oracle?.entropy.planning, oracle?.entropy.execution);
 * ```
 */
export interface MaskStats {
  /** Mean token entropy (nats) over all, planning and execution tokens. */
  entropy: Split;
  /** Perplexity of the sampled tokens over all, planning and execution tokens (null: no such token). */
  perplexity: Split;
  /** `perplexity` divided by the run's step-0 value. */
  relPerplexity: Split;
  /** Share of response tokens that are planning tokens. */
  planningShare: number;
  /** Overlap of the top-30%-entropy tokens and the planning tokens. */
  forkOverlap: ForkOverlap;
}

/**
 * What a baseline's group filter did to a step's batch (harness/credit/group_filter.ts).
 *
 * @example
 * ```ts
 * import type { FilterRecord } from "@credit-bench/credit-bench";
 *
 * const dropped = (f: FilterRecord) => f.rolloutsIn - f.rolloutsOut;
 * ```
 */
export interface FilterRecord {
  /** Prompt groups before the filter. */
  groupsIn: number;
  /** Prompt groups it kept. */
  groupsOut: number;
  /** Rollouts before the filter. */
  rolloutsIn: number;
  /** Rollouts it kept. */
  rolloutsOut: number;
}

/**
 * The metrics of one RL training step: a line of `train.jsonl`.
 *
 * @example
 * ```ts
 * import { loadResults, type StepRecord } from "@credit-bench/credit-bench";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const rewards = run.steps.map((s: StepRecord) => s.reward);
 * ```
 */
export interface StepRecord {
  /** The step number, from 0. */
  step: number;
  /** Mean reward. */
  reward: number;
  /** Mean reward of each task's rollouts, in suite order. */
  rewardByTask: Record<string, number>;
  /** Share of correct rollouts. */
  accuracy: number;
  /** Share of well-formed rollouts. */
  wellFormed: number;
  /** Share of the sampled prompt groups whose rewards are all equal (no learning signal). */
  fracRewardZeroStd: number;
  /** Prompt groups sampled this step (more than `rl.prompts` when dynamic sampling drew again). */
  groupsSampled: number;
  /** Prompt groups the update used (dynamic sampling and a baseline's group filter drop groups). */
  groupsUsed: number;
  /** Response length in tokens (EOS included): mean, p50, p90 and truncation rate. */
  length: LengthStats;
  /**
   * Token statistics split by the two fixed planning masks, the same for every method (a baseline's own
   * credit mask never changes what is measured): `oracle` (the task's parser) and `mined` (the grid's
   * Strategic Grams).
   */
  masks: Record<FixedMask, MaskStats>;
  /** The mined planning tokens against the oracle's, pooled over the step's rollouts. */
  minedVsOracle: MaskAgreement;
  /** Shannon entropy (nats) of the strategic-gram frequency distribution in the step's rollouts. */
  seStrategic: number;
  /** Share of rollouts with at least one aha event. */
  aha: number;
  /** Policy loss (mean over mini-batches). */
  loss: number;
  /** Gradient norm before clipping (mean over mini-batches). */
  gradNorm: number;
  /** Share of response tokens whose ratio was clipped. */
  clipFraction: number;
  /** k3 estimate of KL(policy ‖ base) on the rollouts the update used (null when it used none). */
  kl: number;
  /** What the baseline's group filter did to the batch; only in the runs of a baseline that has one. */
  groupFilter?: FilterRecord;
}

/**
 * Evaluation figures of one task on its test split.
 *
 * @example
 * ```ts
 * import { loadResults, type TaskEvalRecord } from "@credit-bench/credit-bench";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const last: TaskEvalRecord[] = run.evals.at(-1)?.evals ?? [];
 * for (const e of last) console.log(e.task, e.passAtK["1"], e.errors.planning);
 * ```
 */
export interface TaskEvalRecord {
  /** The task's name. */
  task: string;
  /** Test problems. */
  problems: number;
  /** Samples per problem (k). */
  samples: number;
  /** pass@1 averaged over the k samples. */
  pass1: number;
  /** Unbiased pass@k for k = 1, 2, 4, … up to `samples`, keyed by k. */
  passAtK: Record<string, number>;
  /** Accuracy of the greedy (temperature 0) response. */
  greedy: number;
  /** Share of well-formed responses. */
  wellFormed: number;
  /** Response length (tokens, EOS included) of the sampled responses. */
  length: LengthStats;
  /** Share of all sampled responses by error kind. */
  errors: Record<ErrorKind, number>;
  /** Discrete semantic entropy over each problem's k answers, averaged over problems (nats). */
  seAnswer: number;
  /** Share of sampled responses with an aha event, and of correct ones. */
  aha: { frequency: number; amongCorrect: number };
  /** Accuracy by response-length bin. */
  lengthBins: LengthBin[];
}

/**
 * One evaluation: a line of `eval.jsonl`.
 *
 * @example
 * ```ts
 * import { type EvalRecord, loadResults } from "@credit-bench/credit-bench";
 *
 * const { base } = await loadResults("results", "default");
 * const step0: EvalRecord | undefined = base?.eval;
 * ```
 */
export interface EvalRecord {
  /** RL steps done before it (0: the model the run started from). */
  step: number;
  /** One record per task of the suite, in suite order. */
  evals: TaskEvalRecord[];
}

/** One sampled training rollout: a line of `rollouts.jsonl.gz`. */
export interface RolloutRecord {
  step: number;
  /** Prompt index within the step. */
  group: number;
  task: string;
  /** Index of the problem in the task's training stream. */
  problem: number;
  /** Response token ids. */
  tokens: number[];
  reward: number;
  correct: boolean;
  finished: boolean;
  /** The rollout policy's log-probability of each token. */
  logp: number[];
  /** Entropy of the full next-token distribution at each token. */
  entropy: number[];
  /** The oracle planning-token mask (1: planning), the same source for every method. */
  planning: number[];
  /** Whether the update used it (dynamic sampling drops the groups whose rewards are all equal). */
  used: boolean;
}

/**
 * Size and SHA-256 of a finished file of a run.
 *
 * @example
 * ```ts
 * import { type FileSum, loadResults } from "@credit-bench/credit-bench";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const train: FileSum = run.manifest.files["train.jsonl"];
 * ```
 */
export interface FileSum {
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the bytes, in hex. */
  sha256: string;
}

/**
 * A session of a run that ended (stopped, failed or killed) and was resumed: who ran it, and how it ended.
 *
 * @example
 * ```ts
 * import { type EarlierSession, loadResults } from "@credit-bench/credit-bench";
 *
 * for (const { manifest } of (await loadResults("results", "default")).runs) {
 *   const earlier: EarlierSession[] = manifest.earlier ?? [];
 *   for (const s of earlier) console.log(manifest.id, s.gitCommit, s.status, s.command);
 * }
 * ```
 */
export interface EarlierSession {
  /** Its `git rev-parse HEAD`, or null outside a git checkout. */
  gitCommit: string | null;
  /** Its command line. */
  command: string;
  /** Versions of Deno, V8, TypeScript, tfjs and ONNX Runtime it ran with. */
  versions: Record<string, string | null>;
  /** When it ended (ISO 8601), or null when it was killed. */
  endedAt: string | null;
  /** How it ended: `running` for one that was killed. */
  status: "running" | "failed" | "stopped";
  /** Why it failed or stopped. */
  error?: string;
}

/**
 * `manifest.json` of a run folder.
 *
 * @example
 * ```ts
 * import { loadResults, type RunManifest } from "@credit-bench/credit-bench";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const m: RunManifest = run.manifest;
 * console.log(m.baseline, m.seed, m.params, m.configHash, m.command);
 * ```
 */
export interface RunManifest {
  /** The store version that wrote it. */
  storeVersion: number;
  /** `run`: an RL run; `base`: the base model's evaluation (a folder with `eval.jsonl` only). */
  kind: "run" | "base";
  /** The folder name. */
  id: string;
  /** The suite (the configuration's name). */
  suite: string;
  /** Baseline name (null for the base model). */
  baseline: string | null;
  /** Where the baseline came from: a registered name or the path given. */
  baselineSource: string | null;
  /** What identifies the baseline's code in the config hash: its registered name, or `sha256:` of its file. */
  baselineKey: string | null;
  /** Resolved baseline parameters. */
  params: ParamSpec;
  /**
   * The baseline's own defaults of {@link RunManifest.params}, so that a report names what was changed,
   * of a method given by file too; absent for the base model and in folders of versions before it.
   */
  paramDefaults?: ParamSpec;
  /** RL seed (base seed for the base model). */
  seed: number;
  /** The full bench configuration the run used. */
  config: BenchConfig;
  /** {@link runHash}: SHA-256 of what makes the run: its grid, baseline code, params and seed. */
  configHash: string;
  /** {@link gridHash}: SHA-256 of what every run of the grid shares: the config (less its baseline and seed lists) and backend. */
  gridHash: string;
  /** The tfjs backend (training, and sampling with the tfjs engine). */
  backend: string;
  /** The rollout engine (harness/rollout/engine.ts). */
  engine: string;
  /** The tokenizer's id (vocabulary version and hash). */
  tokenizer: string;
  /** Versions of Deno, V8, TypeScript, tfjs and (with the onnx engine) ONNX Runtime. */
  versions: Record<string, string | null>;
  /**
   * SHA-256 of the weights of the base model it started from (harness/model/checkpoint.ts
   * `weightsSha256`); absent in folders of versions before it was recorded.
   */
  baseWeights?: string;
  /** `git rev-parse HEAD` of the harness, or null outside a git checkout. */
  gitCommit: string | null;
  /** The command line that made it (the last one, for a resumed run: {@link RunManifest.earlier} has the others). */
  command: string;
  /** The sessions before the last of a run resumed with `--resume`, oldest first; absent for one made in one go. */
  earlier?: EarlierSession[];
  /** When it started (ISO 8601). */
  startedAt: string;
  /** When it ended (ISO 8601), or null while it runs. */
  endedAt: string | null;
  /** `stopped`: by a signal at a safe point (harness/core/stop.ts); `--resume` continues it, as a `running` or `failed` one. */
  status: "running" | "complete" | "failed" | "stopped";
  /** Why it failed or stopped. */
  error?: string;
  /** Checksums of the finished files, by name. */
  files: Record<string, FileSum>;
}
