/**
 * The results store: where runs live and what their files hold. A suite's results are under
 * `<out>/<suite>/`: every run (baseline × seed, and the base model) in its own folder
 * `<out>/<suite>/runs/<id>/`, the id readable plus a config hash (`hicra-s1-3fa9c01d`,
 * `base-s1-77e0b2aa`), and the report (tables, figures, index.html) beside `runs/`.
 *
 * A run folder holds `manifest.json` ({@link RunManifest}), `train.jsonl` (one {@link StepRecord} per
 * RL step), `eval.jsonl` (one {@link EvalRecord} per evaluation), `rollouts.jsonl.gz` (every sampled
 * training rollout, {@link RolloutRecord}), `timings.jsonl` (wall times, kept apart so metric files
 * compare byte for byte), `strategic_grams.json` and the final `checkpoint/`.
 * @module
 */
import type { BenchConfig } from "../config.ts";
import type { ErrorKind } from "../loop/evaluate.ts";
import type { LengthBin, LengthStats } from "../metrics/length.ts";
import type { ForkOverlap, MaskAgreement, Split } from "../metrics/token_stats.ts";
import type { ParamSpec } from "../credit/baseline.ts";
import { sha256, writeAtomic } from "../core/atomic.ts";

/** Version of the store's layout and record shapes; a reader refuses other versions. */
export const STORE_VERSION = 2;

/** The fixed planning masks every run's step metrics are split by. */
export const FIXED_MASKS = ["oracle", "mined"] as const;
/** One of {@link FIXED_MASKS}. */
export type FixedMask = typeof FIXED_MASKS[number];

/** Token statistics of a step's rollouts split by one planning mask. */
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

/** The metrics of one RL training step: a line of `train.jsonl`. */
export interface StepRecord {
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
  /** Prompt groups the update used (dynamic sampling drops those whose rewards are all equal). */
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
}

/** Evaluation figures of one task on its test split. */
export interface TaskEvalRecord {
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

/** One evaluation: a line of `eval.jsonl`. */
export interface EvalRecord {
  /** RL steps done before it (0: the model the run started from). */
  step: number;
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

/** Size and SHA-256 of a finished file of a run. */
export interface FileSum {
  bytes: number;
  sha256: string;
}

/** `manifest.json` of a run folder. */
export interface RunManifest {
  storeVersion: number;
  /** `run`: an RL run; `base`: the base model's evaluation (a folder with `eval.jsonl` only). */
  kind: "run" | "base";
  /** The folder name. */
  id: string;
  suite: string;
  /** Baseline name (null for the base model). */
  baseline: string | null;
  /** Where the baseline came from: a registered name or the path given. */
  baselineSource: string | null;
  /** What identifies the baseline's code in the config hash: its registered name, or `sha256:` of its file. */
  baselineKey: string | null;
  /** Resolved baseline parameters. */
  params: ParamSpec;
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
  versions: Record<string, string | null>;
  /** `git rev-parse HEAD` of the harness, or null outside a git checkout. */
  gitCommit: string | null;
  /** The command line that made it. */
  command: string;
  startedAt: string;
  endedAt: string | null;
  /** `stopped`: by a signal at a safe point (harness/core/stop.ts); `--resume` continues it, as a `running` or `failed` one. */
  status: "running" | "complete" | "failed" | "stopped";
  /** Why it failed or stopped. */
  error?: string;
  /** Checksums of the finished files, by name. */
  files: Record<string, FileSum>;
}

/** JSON with object keys sorted at every level: the canonical form that config hashes are taken of. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

/** Hex SHA-256 of the {@link canonicalJson} of `value`. */
export function hashOf(value: unknown): Promise<string> {
  return sha256(canonicalJson(value));
}

/** What every run of a grid shares besides the store version. */
export type GridKey = Pick<RunManifest, "config" | "backend" | "engine" | "tokenizer">;

/**
 * SHA-256 of what every run of a grid shares: the store version, the config less its baseline and
 * seed lists, the tfjs backend, the rollout engine and the tokenizer id.
 */
export function gridHash(key: GridKey): Promise<string> {
  const { baselines: _b, seeds: _s, ...shared } = key.config;
  return hashOf({
    storeVersion: STORE_VERSION,
    config: shared,
    backend: key.backend,
    engine: key.engine,
    tokenizer: key.tokenizer,
  });
}

/** SHA-256 of what makes one run of grid `grid`: the base model's seed, or a baseline's code key, params and seed. */
export function runHash(
  grid: string,
  run: Pick<RunManifest, "kind" | "baseline" | "baselineKey" | "params" | "seed">,
): Promise<string> {
  return run.kind === "base"
    ? hashOf({ grid, kind: "base", seed: run.seed })
    : hashOf({ grid, baseline: run.baseline, source: run.baselineKey, params: run.params, seed: run.seed });
}

/**
 * Check a manifest against itself: its grid hash must be that of its config and backend, its config
 * hash that of its grid and run, its folder name that hash's prefix. Returns what is wrong, or null.
 * An edited or damaged manifest is caught here before its run is reused or reported.
 */
export async function manifestProblem(m: RunManifest): Promise<string | null> {
  const grid = await gridHash(m);
  if (grid !== m.gridHash) {
    return `its config, backend, engine and tokenizer hash to grid ${grid.slice(0, 8)}, not the recorded ${
      m.gridHash.slice(0, 8)
    }`;
  }
  const hash = await runHash(grid, m);
  if (hash !== m.configHash) {
    return `its run hashes to ${hash.slice(0, 8)}, not the recorded config hash ${m.configHash.slice(0, 8)}`;
  }
  const id = runId(m.kind === "base" ? "base" : m.baseline ?? "", m.seed, hash);
  return id === m.id ? null : `its run is ${id}, not ${m.id}`;
}

/** A run folder's name: the readable id and the first 8 hex digits of its config hash. */
export function runId(name: string, seed: number, configHash: string): string {
  return `${name}-s${seed}-${configHash.slice(0, 8)}`;
}

/**
 * Where run folder `dir` (`<out>/<suite>/runs/<id>`) is moved aside to when its files are damaged:
 * `<out>/<suite>/<id>.damaged`, outside `runs/`, so that neither a bench nor a report reads it.
 */
export function asideOf(dir: string): string {
  const cut = dir.lastIndexOf("/");
  const runs = dir.slice(0, cut);
  return `${runs.slice(0, runs.lastIndexOf("/"))}/${dir.slice(cut + 1)}.damaged`;
}

/** The shell command that moves run folder `dir` aside ({@link asideOf}), with its paths quoted for a POSIX shell. */
export function moveAsideCommand(dir: string): string {
  const quote = (path: string) => /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
  return `mv ${quote(dir)} ${quote(asideOf(dir))}`;
}

/** Folder of a suite's run folders under results folder `out`. */
export function runsDir(out: string, suite: string): string {
  return `${out}/${suite}/runs`;
}

/**
 * The git commit of the checkout at `root` (default: the harness's own), read from `.git` with no
 * subprocess; null outside git. In a linked worktree (`git worktree add`) `.git` is a file naming
 * the worktree's git folder, which holds HEAD, while branches live in the folder its `commondir` names.
 */
export async function gitCommit(root: URL = new URL("../../", import.meta.url)): Promise<string | null> {
  try {
    const dotGit = new URL(".git", root);
    let git = new URL(".git/", root), refs = git;
    if (!(await Deno.stat(dotGit)).isDirectory) {
      const linked = (await Deno.readTextFile(dotGit)).trim().replace(/^gitdir: /, "");
      git = new URL(linked.replace(/\/?$/, "/"), dotGit);
      const common = await Deno.readTextFile(new URL("commondir", git)).then((t) => t.trim(), () => ".");
      refs = new URL(common.replace(/\/?$/, "/"), git);
    }
    const head = (await Deno.readTextFile(new URL("HEAD", git))).trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    try {
      return (await Deno.readTextFile(new URL(ref, refs))).trim();
    } catch {
      const packed = await Deno.readTextFile(new URL("packed-refs", refs));
      return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0] ?? null;
    }
  } catch {
    return null;
  }
}

/** Read and parse `<dir>/manifest.json`; null when there is none. Throws naming the file when it is not JSON. */
export async function readManifest(dir: string): Promise<RunManifest | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/manifest.json`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    return JSON.parse(text) as RunManifest;
  } catch {
    throw new Error(`${dir}/manifest.json is not valid JSON (truncated or edited); delete ${dir} and run it again`);
  }
}

/** Write `<dir>/manifest.json` atomically. */
export async function writeManifest(dir: string, m: RunManifest): Promise<void> {
  await writeAtomic(`${dir}/manifest.json`, JSON.stringify(m, null, 2) + "\n");
}

/** Size and SHA-256 of each of `files` (paths relative to `dir`) that exists. */
export async function fileSums(dir: string, files: readonly string[]): Promise<Record<string, FileSum>> {
  const out: Record<string, FileSum> = {};
  for (const f of files) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(`${dir}/${f}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    out[f] = { bytes: bytes.length, sha256: await sha256(bytes) };
  }
  return out;
}
