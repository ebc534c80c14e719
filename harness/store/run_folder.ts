/**
 * A run folder's life, from its name to its end: where it lives (`<out>/<suite>/runs/<id>/`), its
 * creation with a manifest (never a folder without one), the manifest's reading and writing, the files
 * a run writes ({@link METRIC_FILES} as it goes, {@link RUN_FILES} once finished, whose checksums the
 * manifest keeps), its end (complete, failed or stopped), and where a damaged one is moved aside; what a
 * writer killed halfway leaves there the next bench removes (harness/core/leftovers.ts).
 * @module
 */
import type { BenchConfig } from "../config.ts";
import { sha256, writeAtomic } from "../core/atomic.ts";
import { isObject } from "../core/json_object.ts";
import { shellQuote } from "../core/shell_quote.ts";
import { Stopped } from "../core/stop.ts";
import { TOKENIZER_ID } from "../text/tokenizer.ts";
import { gitCommit } from "./git_commit.ts";
import { ResultsError } from "./results_error.ts";
import { type EarlierSession, type FileSum, type RunManifest, STORE_VERSION } from "./schema.ts";

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
  return `mv ${shellQuote(dir)} ${shellQuote(asideOf(dir))}`;
}

/** What to do about damaged run folder `dir`: move it aside ({@link moveAsideCommand}), then make it again. */
export function remakeAdvice(dir: string): string {
  return `move the run aside with \`${moveAsideCommand(dir)}\`, then run the bench that made it again to remake it`;
}

/**
 * The lock file of run folder `dir` (`runs/.<id>.lock`), held by the one process that runs it: a Slurm cell
 * task, a `--jobs` child (one whose parent was killed finishes its step first, while a new bench may start).
 */
export function runLockPath(dir: string): string {
  const cut = dir.lastIndexOf("/");
  return `${dir.slice(0, cut)}/.${dir.slice(cut + 1)}.lock`;
}

/** Folder of a suite's run folders under results folder `out`. */
export function runsDir(out: string, suite: string): string {
  return `${out}/${suite}/runs`;
}

/**
 * Read and parse `<dir>/manifest.json`; null when there is none. A {@link ResultsError} when it is not
 * JSON, not a run's manifest, or a folder.
 */
export async function readManifest(dir: string): Promise<RunManifest | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/manifest.json`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    if (e instanceof Deno.errors.IsADirectory) {
      throw new ResultsError(`${dir}/manifest.json`, `is a folder, not a run's manifest; ${remakeAdvice(dir)}`);
    }
    throw e;
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new ResultsError(`${dir}/manifest.json`, `is not valid JSON (truncated or edited); ${remakeAdvice(dir)}`);
  }
  // Another store version is named as such where it is read; this version's must have what is read of it.
  const whole = (r: Record<string, unknown>) =>
    r.storeVersion !== STORE_VERSION ||
    (isObject(r.config) && typeof r.id === "string" && ["run", "base"].includes(r.kind as string) &&
      typeof r.seed === "number" && isObject(r.files) &&
      (r.baseWeights === undefined || typeof r.baseWeights === "string") &&
      (r.paramDefaults === undefined || isObject(r.paramDefaults)) &&
      (r.earlier === undefined || (Array.isArray(r.earlier) && r.earlier.every(isObject))));
  if (!isObject(m) || typeof m.storeVersion !== "number" || !whole(m)) {
    throw new ResultsError(`${dir}/manifest.json`, `is not a run's manifest (edited or damaged); ${remakeAdvice(dir)}`);
  }
  return m as unknown as RunManifest;
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

/**
 * Create run folder `dir` holding `m` as its manifest, atomically (made under a temporary name, then
 * renamed), so no other process ever sees a run folder without a manifest. An existing folder just
 * gets the new manifest.
 */
export async function createRunFolder(dir: string, m: RunManifest): Promise<void> {
  if (await readManifest(dir)) return await writeManifest(dir, m);
  const tmp = `${dir}.tmp-${Deno.pid}`;
  await Deno.mkdir(tmp, { recursive: true });
  await writeManifest(tmp, m);
  await Deno.rename(tmp, dir);
}

/**
 * Whether `name` in a runs folder is a run folder's temporary name (`<id>.tmp-<pid>`, {@link createRunFolder}),
 * which a bench killed before it renamed the folder leaves: not a run.
 */
export function isTemporaryRun(name: string): boolean {
  return /\.tmp-\d+$/.test(name);
}

/**
 * Why a link in a runs folder is refused: a run is written in place, so a linked run folder would be
 * written through, in another results folder.
 */
export function linkedRun(path: string): string {
  return `${path}: is a link; runs are written in place, so a linked run would be written in the folder it links ` +
    "to: copy the run instead (cp -r), or remove the link";
}

/** The run folders under `dir` with their manifests (none when `dir` does not exist yet; a link is refused). */
export async function existingRuns(dir: string): Promise<{ id: string; manifest: RunManifest | null }[]> {
  const out = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isSymlink) throw new Error(linkedRun(`${dir}/${e.name}`));
      if (e.isDirectory && !isTemporaryRun(e.name)) {
        out.push({ id: e.name, manifest: await readManifest(`${dir}/${e.name}`) });
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * The metric files of a run, cut back to their saved lengths on resume: the line files a run appends to
 * step by step, in the order its saved state records their lengths (`rollouts.jsonl` is gzipped into
 * `rollouts.jsonl.gz` when the run ends). {@link RUN_FILES} lists them finished, in the order the manifest
 * keeps their checksums.
 */
export const METRIC_FILES: readonly string[] = ["train.jsonl", "eval.jsonl", "timings.jsonl", "rollouts.jsonl"];

/** What a grid's manifests record of the bench that made them. */
export interface ManifestBench {
  cfg: BenchConfig;
  /** The tfjs backend. */
  backend: string;
  /** The rollout engine. */
  engine: string;
  /** The command line. */
  command: string;
}

/** A manifest for a run of `spec` in grid `grid` starting now, recording `versions` (of the runtime and libraries). */
export async function newManifest(
  spec: ManifestBench,
  versions: Record<string, string | null>,
  grid: string,
  fields: Pick<
    RunManifest,
    "kind" | "id" | "baseline" | "baselineSource" | "baselineKey" | "params" | "seed" | "configHash"
  >,
): Promise<RunManifest> {
  return {
    storeVersion: STORE_VERSION,
    ...fields,
    suite: spec.cfg.name,
    config: spec.cfg,
    gridHash: grid,
    backend: spec.backend,
    engine: spec.engine,
    tokenizer: TOKENIZER_ID,
    versions,
    gitCommit: await gitCommit(),
    command: spec.command,
    startedAt: new Date().toISOString(),
    endedAt: null,
    status: "running",
    files: {},
  };
}

/**
 * The sessions of resumed run `previous` before the one that goes on now, oldest first: its
 * {@link RunManifest.earlier} and its own last session (killed while `running`, `stopped` or `failed`).
 */
export function earlierSessions(previous: RunManifest): EarlierSession[] {
  const { gitCommit, command, versions, endedAt, status, error } = previous;
  if (status === "complete") throw new Error(`${previous.id} is complete: it has no session to go on from`);
  return [...(previous.earlier ?? []), { gitCommit, command, versions, endedAt, status, ...(error ? { error } : {}) }];
}

/** The files of a finished run folder whose checksums its manifest keeps. */
export const RUN_FILES: readonly string[] = [
  "train.jsonl",
  "eval.jsonl",
  "rollouts.jsonl.gz",
  "timings.jsonl",
  "strategic_grams.json",
  "policy.onnx",
  "checkpoint/model.json",
  "checkpoint/weights.bin",
  "checkpoint/optimizer.bin",
  "checkpoint/state.json",
];

/** Mark a run folder's manifest finished (or failed, or stopped by a signal), with checksums of its files. */
export async function finish(dir: string, m: RunManifest, error?: Error): Promise<void> {
  await writeManifest(dir, {
    ...m,
    endedAt: new Date().toISOString(),
    status: !error ? "complete" : error instanceof Stopped ? "stopped" : "failed",
    ...(error ? { error: error.message } : {}),
    files: error ? {} : await fileSums(dir, RUN_FILES),
  });
}
