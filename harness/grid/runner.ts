/**
 * The bench grid: the suite's base model (built or loaded from the cache) and the Strategic Grams
 * mined from it in a `base-…` folder, then every (baseline, seed) run from that base, each in its own
 * folder of the results store (harness/store/), in this process or in `jobs` child processes (each
 * handed its {@link CellSpec}: harness/grid/pool.ts, harness/grid/child.ts), and last the base
 * model's evaluation (in this process, beside the grid's last runs).
 *
 * Before anything runs, the results folder is checked and locked (harness/core/folder_lock.ts: one bench
 * writes a folder at a time): it must be writable, and every folder already in `<out>/<suite>/runs/`
 * must belong to this grid's configuration. A finished run of the same configuration is kept and
 * reused once its files match their checksums (else refused, with the command that moves it aside);
 * an unfinished one is continued with `resume`, else refused. A stop signal (`spec.stop`) ends the
 * grid at the next safe point: between two steps of the base-model build or of a run, whose
 * manifest then says `stopped`.
 * @module
 */
import type { Baseline, ParamSpec } from "../credit/baseline.ts";
import type { BenchConfig } from "../config.ts";
import { evaluate } from "../loop/evaluate.ts";
import { loadCheckpoint, weightsSha256 } from "../model/checkpoint.ts";
import type { ParamOverrides } from "../credit/params.ts";
import { resolveParams } from "../credit/params.ts";
import { Progress } from "../core/progress.ts";
import { runRl } from "../loop/rl.ts";
import { baseModel } from "../loop/sft.ts";
import { trainSplits } from "../suite.ts";
import { mineGrams, planningMasks } from "../masks/planning_masks.ts";
import { loadStrategicGrams, saveStrategicGrams, type StrategicGrams } from "../masks/strategic_grams.ts";
import type { RunManifest } from "../store/schema.ts";
import {
  createRunFolder,
  earlierSessions,
  existingRuns,
  finish,
  moveAsideCommand,
  newManifest,
  readManifest,
  runId,
  runLockPath,
  runsDir,
} from "../store/run_folder.ts";
import { gitCommit } from "../store/git_commit.ts";
import { removeLeftovers } from "../core/leftovers.ts";
import { gridDifferences, gridHash, manifestProblem, runHash } from "../store/hashes.ts";
import { tf } from "../backend/backend.ts";
import { TOKENIZER_ID } from "../text/tokenizer.ts";
import { type EngineName } from "../rollout/engine.ts";
import { createEngine } from "../rollout/create_engine.ts";
import { onnxRuntime } from "../backend/onnx_runtime.ts";
import { firstLine, isUnwritable } from "../core/errors.ts";
import { fileKey } from "../core/module_file.ts";
import { lockFolder } from "../core/folder_lock.ts";
import { childArgs, type LastJob, runInChildren } from "./pool.ts";
import type { TaskDef } from "../../tasks/kit/task.ts";
import { verifyFiles } from "../store/results.ts";
import { BASELINES, loadBaseline } from "../../baselines/mod.ts";
import { ResultsError } from "../store/results_error.ts";
import type { StopSignals } from "../core/stop.ts";

/** How a stopped bench goes on, the end of every `Stopped` message of the grid (harness/core/stop.ts). */
const GO_ON = "; run the same command with --resume to continue";

/** A baseline of the grid and how it was named (a registered name or a path, passed on to child processes). */
export interface GridBaseline {
  baseline: Baseline;
  source: string;
}

/** A task of the grid loaded from a file, and the path it was given as (passed on to child processes). */
export interface GridTask {
  task: TaskDef;
  source: string;
}

/** What the grid runs and where it writes. */
export interface GridSpec {
  cfg: BenchConfig;
  baselines: readonly GridBaseline[];
  seeds: readonly number[];
  overrides: ParamOverrides;
  backend: string;
  /** The rollout engine. */
  engine: EngineName;
  /** Base-model cache folder. */
  cache: string;
  /** Results folder. */
  out: string;
  /** Continue unfinished runs from their saved state (else an unfinished run folder is an error). */
  resume: boolean;
  /** The command line, recorded in every manifest. */
  command: string;
  /** The suite's tasks loaded from files, with their keys in `cfg.suite.tasks` (none: the fixed suite's only). */
  taskFiles?: readonly GridTask[];
  /**
   * Run the cells in `jobs` child processes at a time, each on `threads` wasm threads (harness/grid/pool.ts);
   * none: one after another in this process.
   */
  children?: { jobs: number; threads: number };
  /** The stop signals, checked at every safe point (none: a signal acts as it would without them). */
  stop?: StopSignals;
}

/** What running one cell needs of its grid: the config, backend, engine, command line and task files. */
export type CellContext = Pick<GridSpec, "cfg" | "backend" | "engine" | "command" | "taskFiles">;

/** One planned (baseline, seed) run. */
export interface Cell {
  baseline: Baseline;
  source: string;
  /** What identifies the baseline's code in the config hash (harness/store/hashes.ts `runHash`). */
  key: string;
  params: ParamSpec;
  seed: number;
  configHash: string;
  /** Its folder. */
  dir: string;
  /** Whether its folder holds an unfinished run to continue. */
  resume: boolean;
}

/** The base model of a grid: its cache folder, results folder and mined list. */
export interface BaseRun {
  /** Cache folder of the base checkpoint. */
  checkpoint: string;
  /** The `base-…` results folder. */
  dir: string;
  grams: StrategicGrams;
}

/** A results folder problem: what is wrong and how to fix it, in one line. */
export class ResultsFolderError extends Error {
  /** The message says what is wrong and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "ResultsFolderError";
  }
}

/**
 * One cell as a `--jobs` child receives it, as JSON on its stdin: everything it needs to run that cell,
 * so that it plans nothing and re-derives nothing (the base model above all).
 */
export interface CellSpec {
  cfg: BenchConfig;
  /** The grid hash. */
  grid: string;
  backend: string;
  engine: EngineName;
  /** Wasm threads of the child. */
  threads: number;
  /** The command line, recorded in the manifest. */
  command: string;
  /** The suite's task files as given (each checked against its key in `cfg.suite.tasks`). */
  taskFiles: string[];
  /** The cell, its baseline as named (a registered name or a path, checked against `key`). */
  cell: Omit<Cell, "baseline">;
  /** The base model's checkpoint folder and its mined grams file. */
  base: { checkpoint: string; grams: string };
}

/** Refuse a `kind` file at `source` whose code key `now` is not the `planned` one. */
export function unchanged(kind: string, source: string, now: string, planned: string | undefined): void {
  if (now !== planned) {
    throw new Error(
      `${kind} file ${source} changed since the grid was planned; put it back, or stop the bench and run it again`,
    );
  }
}

/**
 * The baseline at `source` as the grid planned it (its code key `key`), loaded in this process (a file
 * as a module of its own per `instance`, when given), refused when its file changed since.
 */
export async function plannedBaseline(source: string, key: string, instance?: string): Promise<Baseline> {
  const baseline = await loadBaseline(source, instance);
  unchanged("baseline", source, await baselineKey(source, baseline), key);
  return baseline;
}

/** What identifies a baseline's code: its registered name, or the SHA-256 of the file given by path. */
export function baselineKey(source: string, baseline: Baseline): Promise<string> {
  return source === baseline.name ? Promise.resolve(source) : fileKey(source);
}

/** The train splits of the grid's suite, its task files' included. */
function splits(ctx: CellContext) {
  return trainSplits(ctx.cfg, ctx.taskFiles?.map((f) => f.task));
}

/** The versions a manifest records (ONNX Runtime's when the engine uses it). */
async function versions(engine: EngineName): Promise<Record<string, string | null>> {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    tfjs: tf.version_core,
    onnxruntime: engine === "onnx" ? (await onnxRuntime("the onnx rollout engine")).env.versions.common : null,
  };
}

/** Refuse results folder `dir` unless this process can create it and write into it. */
export async function checkWritable(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = `${dir}/.write-probe-${Deno.pid}`;
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new ResultsFolderError(
      `cannot write to ${dir} (${(e as Error).message}); pick a writable folder with --out`,
    );
  }
}

/**
 * Plan the grid's cells against what `<out>/<suite>/runs/` holds: errors for folders of another
 * configuration, finished cells dropped (reused), unfinished ones continued only with `spec.resume`.
 */
export async function planCells(spec: GridSpec, grid: string): Promise<Cell[]> {
  const dir = runsDir(spec.out, spec.cfg.name);
  const existing = await existingRuns(dir);
  for (const { id, manifest } of existing) {
    if (!manifest) {
      throw new ResultsFolderError(
        `${dir}/${id} has no manifest.json (not a credit-bench run, or killed before it started); delete it or use another --out`,
      );
    }
    if (manifest.id !== id) {
      // A backup copy (`cp -r grpo-s1-… grpo-s1-backup`) was taken for another run of that cell.
      throw new ResultsFolderError(
        `${dir}/${id} holds run ${manifest.id} under another name (a copy, or a renamed run?); a run folder keeps ` +
          "its name: move the copy out of runs/, or give the folder its name back",
      );
    }
    const problem = await manifestProblem(manifest);
    if (problem) {
      throw new ResultsFolderError(
        `${dir}/${id}/manifest.json does not match itself (${problem}): it was edited or damaged; ` +
          `delete ${dir}/${id} to run that cell again`,
      );
    }
    if (manifest.gridHash !== grid) {
      const { a: made, b: now } = gridDifferences(manifest, {
        config: spec.cfg,
        backend: spec.backend,
        engine: spec.engine,
        tokenizer: TOKENIZER_ID,
      });
      // A task file edited since (the usual loop while writing one): the same command cannot go back to it.
      const edited = now.map((d) => d.match(/^suite\.tasks\.(\w+)\.key=/)?.[1]).filter((t) => t !== undefined);
      const files = (spec.taskFiles ?? []).filter((f) => edited.includes(f.task.name)).map((f) => f.source);
      throw new ResultsFolderError(
        `${dir}/${id} holds a run of another configuration (grid hash ${manifest.gridHash.slice(0, 8)}, this one ${
          grid.slice(0, 8)
        }: it has ${made.join(" and ")}, this bench ${now.join(" and ")}); ` +
          (files.length
            ? `the task file ${files.join(" and ")} changed since, and a results folder holds one grid: use another ` +
              `--out, or delete ${dir}`
            : `give the options of the command that made it (${manifest.command}), or use another --out`),
      );
    }
    if (manifest.status === "complete") await checkFinished(`${dir}/${id}`, manifest);
  }
  const cells: Cell[] = [];
  for (const { baseline, source } of spec.baselines) {
    const params = resolveParams(baseline, spec.overrides[baseline.name]);
    const key = await baselineKey(source, baseline);
    // A method's seeds are one method only when one code made them: a file edited between two benches is not.
    const byOtherCode = existing.find((e) => e.manifest?.baseline === baseline.name && e.manifest.baselineKey !== key);
    if (byOtherCode) {
      const { seed, status } = byOtherCode.manifest!, at = `${dir}/${byOtherCode.id}`;
      throw new ResultsFolderError(
        status === "complete"
          ? `${at} holds ${baseline.name} seed ${seed} made by other code of ${source} than it has now; a method's ` +
            "seeds must share its code: use another --out, or delete that folder"
          : `${at} holds a ${status} run of ${baseline.name} seed ${seed}, made by other code of ${source} than it ` +
            `has now (fixed since?); move it aside with \`${moveAsideCommand(at)}\`, then run the same command again`,
      );
    }
    for (const seed of spec.seeds) {
      const configHash = await runHash(grid, { kind: "run", baseline: baseline.name, baselineKey: key, params, seed });
      const id = runId(baseline.name, seed, configHash);
      const other = existing.find((e) =>
        e.id !== id && e.manifest?.baseline === baseline.name && e.manifest.seed === seed
      );
      if (other) {
        throw new ResultsFolderError(
          `${dir}/${other.id} holds ${baseline.name} seed ${seed} with other parameters or code than this run (${id}); ` +
            `use another --out, or delete that folder`,
        );
      }
      const mine = existing.find((e) => e.id === id)?.manifest;
      if (mine?.status === "complete") continue;
      if (mine && !spec.resume) {
        throw new ResultsFolderError(
          `${dir}/${id} holds an unfinished run (${mine.status}); pass --resume to continue it, or delete the folder`,
        );
      }
      cells.push({ baseline, source, key, params, seed, configHash, dir: `${dir}/${id}`, resume: !!mine });
    }
  }
  return cells;
}

/**
 * Check the files of finished run folder `dir` against its manifest: a damaged one is refused with the
 * command that moves it aside, after which the same bench runs it again.
 */
async function checkFinished(dir: string, m: RunManifest): Promise<void> {
  const fix = `this finished run cannot be reused; move it aside with \`${moveAsideCommand(dir)}\`, ` +
    `then run the same command again to remake it`;
  await verifyFiles(dir, m, fix).catch((e) => {
    throw e instanceof ResultsError ? new ResultsFolderError(e.message) : e;
  });
}

/**
 * `e` with what to do when it is a refused write into the base-model cache `cache` (a read-only folder, or
 * a file where a folder should be).
 */
function unwritableCache(e: unknown, cache: string): unknown {
  return isUnwritable(e)
    ? new ResultsFolderError(
      `cannot write the base model into ${cache} (${firstLine(e)}); pick a writable folder with --cache, ` +
        `or one that holds this base model already`,
    )
    : e;
}

/** The base model's run of grid `grid`: its manifest's fields, id, config hash and folder. */
export async function baseRun(spec: Pick<GridSpec, "cfg" | "out">, grid: string) {
  const fields = {
    kind: "base",
    baseline: null,
    baselineSource: null,
    baselineKey: null,
    params: {},
    seed: spec.cfg.baseSeeds[0],
  } as const;
  const configHash = await runHash(grid, fields);
  const id = runId("base", fields.seed, configHash);
  return { fields, id, configHash, dir: `${runsDir(spec.out, spec.cfg.name)}/${id}` };
}

/**
 * Refuse runs in `runs` made from another base model than `base`, whose weights hash to `weights`: it was
 * rebuilt since (code the SFT loop or a task runs was edited, which the grid hash does not cover; or
 * another machine built it), and a grid's runs, its mined grams included, are of one base model.
 */
async function checkBaseWeights(runs: string, base: string, weights: string): Promise<void> {
  const other = (await existingRuns(runs)).find((r) => r.manifest?.baseWeights && r.manifest.baseWeights !== weights);
  if (other) {
    throw new ResultsFolderError(
      `${runs}/${other.id} was made from a base model whose weights hash to ${
        other.manifest!.baseWeights!.slice(0, 8)
      }, and this bench starts from ${base}, whose weights hash to ${weights.slice(0, 8)} (rebuilt since: code ` +
        `the SFT loop or a task runs changed, or another machine built it); a grid is of one base model: use ` +
        `another --out, or move ${runs} away to run the grid again from this one`,
    );
  }
}

/**
 * The base model of the grid, built or loaded from the cache, and its Strategic Grams, mined from it
 * into its `base-…` folder (or read from there): what every run needs. Its evaluation (step 0 of every
 * run) is {@link evaluateBase}'s, left for the end of the grid, where it fills a core the last runs leave idle.
 */
export async function prepareBase(spec: GridSpec, grid: string): Promise<BaseRun> {
  const { cfg } = spec;
  const baseSeed = cfg.baseSeeds[0];
  const bar = new Progress(`base model ${cfg.name} seed ${baseSeed}`, cfg.sft.steps);
  const built = await baseModel(cfg, baseSeed, {
    cacheDir: spec.cache,
    backend: spec.backend,
    tasks: spec.taskFiles?.map((f) => f.task),
    onStep: (s) => {
      bar.update(s.step + 1, `loss ${s.loss.toFixed(3)}`);
      spec.stop?.check(` after step ${s.step + 1} of the base model's build${GO_ON} from there`);
    },
    onNote: (line) => console.error(line),
  }).catch((e) => {
    throw unwritableCache(e, spec.cache);
  }).finally(() => bar.done());
  const resumed = built.resumedFrom === undefined ? "" : ` (went on from step ${built.resumedFrom} of a stopped build)`;
  console.error(`${built.cached ? "loaded" : "trained"} base model ${built.dir}${resumed}`);
  const weights = await weightsSha256(built.dir);
  await checkBaseWeights(runsDir(spec.out, cfg.name), built.dir, weights).catch((e) => {
    built.policy.dispose();
    throw e;
  });
  const { fields, id, configHash, dir } = await baseRun(spec, grid);
  const path = `${dir}/strategic_grams.json`;
  try {
    if (await readManifest(dir) && await Deno.stat(path).then(() => true, () => false)) {
      const grams = await loadStrategicGrams(path).catch((e) => {
        throw new ResultsFolderError(`${path} is damaged (${firstLine(e)}); delete ${dir} to mine the grams again`);
      });
      return { checkpoint: built.dir, dir, grams };
    }
    await createRunFolder(dir, {
      ...await newManifest(spec, await versions(spec.engine), grid, { ...fields, id, configHash }),
      baseWeights: weights,
    });
    const engine = await createEngine(spec.engine, built.policy);
    const grams = await mineGrams(cfg, engine, splits(spec), baseSeed).finally(() => engine.dispose());
    console.error(`mined ${grams.grams.length} strategic grams from ${grams.responses} successful base-model rollouts`);
    await saveStrategicGrams(path, grams);
    return { checkpoint: built.dir, dir, grams };
  } finally {
    built.policy.dispose();
  }
}

/**
 * Evaluate the base model on every task's test split into its `base-…` folder (the `eval.jsonl` step 0
 * that tables compare with) and mark the folder complete, showing progress on `bar`; nothing to do
 * when it is complete already.
 */
export async function evaluateBase(spec: GridSpec, base: BaseRun, bar?: Progress): Promise<void> {
  const m = await readManifest(base.dir);
  if (!m || m.status === "complete") return;
  const policy = await loadCheckpoint(base.checkpoint, spec.cfg.model);
  try {
    const engine = await createEngine(spec.engine, policy);
    const evals = await evaluate(engine, splits(spec), spec.cfg.eval, m.seed, (done, total) => {
      if (bar) bar.total = total;
      bar?.update(done);
      spec.stop?.check(` during the base model's evaluation${GO_ON}`);
    }).finally(() => engine.dispose());
    bar?.done();
    await Deno.writeTextFile(`${base.dir}/eval.jsonl`, JSON.stringify({ step: 0, evals }) + "\n");
    await finish(base.dir, m);
  } finally {
    policy.dispose();
  }
}

/**
 * Run one cell in this process: its manifest, the RL run from the base checkpoint and its mined grams,
 * the finished manifest.
 */
export async function runCell(
  spec: CellContext,
  grid: string,
  cell: Cell,
  base: Pick<BaseRun, "checkpoint" | "grams">,
  onStep?: (step: number) => void,
): Promise<void> {
  const { cfg } = spec;
  const id = cell.dir.slice(cell.dir.lastIndexOf("/") + 1);
  const previous = cell.resume ? await readManifest(cell.dir) : null;
  const weights = await weightsSha256(base.checkpoint);
  if (previous?.baseWeights !== undefined && previous.baseWeights !== weights) {
    throw new ResultsFolderError(
      `${cell.dir} was begun from a base model whose weights hash to ${previous.baseWeights.slice(0, 8)}, and ` +
        `${base.checkpoint} hashes to ${weights.slice(0, 8)} (rebuilt since); move the run aside with ` +
        `\`${moveAsideCommand(cell.dir)}\`, then run the same command again to start it over`,
    );
  }
  const m = {
    ...await newManifest(spec, await versions(spec.engine), grid, {
      kind: "run",
      id,
      baseline: cell.baseline.name,
      baselineSource: cell.source,
      baselineKey: cell.key,
      params: cell.params,
      seed: cell.seed,
      configHash: cell.configHash,
    }),
    paramDefaults: cell.baseline.params,
    // A run begun by a version that did not record its base model stays without one: half of it is unknown.
    ...(previous && previous.baseWeights === undefined ? {} : { baseWeights: weights }),
    ...(previous ? { startedAt: previous.startedAt, earlier: earlierSessions(previous) } : {}),
  };
  await createRunFolder(cell.dir, m);
  await saveStrategicGrams(`${cell.dir}/strategic_grams.json`, base.grams);
  const policy = await loadCheckpoint(base.checkpoint, cfg.model);
  const ref = await loadCheckpoint(base.checkpoint, cfg.model);
  try {
    await runRl({
      cfg,
      baseline: cell.baseline,
      params: cell.params,
      seed: cell.seed,
      policy,
      ref,
      engine: spec.engine,
      splits: splits(spec),
      masks: planningMasks(base.grams).maker(cell.seed),
      grams: base.grams,
      dir: cell.dir,
      resume: cell.resume,
      onStep: (l) => onStep?.(l.step + 1),
      onNote: (line) => console.error(line),
    });
    await finish(cell.dir, m);
  } catch (e) {
    // Marking the run failed can itself fail (a full disk): the run's own error is the one to report.
    await finish(cell.dir, m, e as Error).catch(() => {});
    throw withMethodFix(e, cell);
  } finally {
    policy.dispose();
    ref.dispose();
  }
}

/**
 * `e`, which failed `cell`'s run, with what to do when the method's own file is at fault (the error names
 * the baseline): the run keeps the code that began it, so once the file is fixed, neither `--resume`
 * nor a new bench takes it, and it must be moved aside.
 */
function withMethodFix(e: unknown, cell: Cell): unknown {
  const { baseline, source, dir } = cell;
  if (source === baseline.name || !(e instanceof Error) || !e.message.includes(`baseline ${baseline.name}: `)) return e;
  return new Error(
    `${e.message}; the run is marked failed: fix ${source}, then move the run aside with ` +
      `\`${moveAsideCommand(dir)}\` and run the same command again`,
    { cause: e },
  );
}

/**
 * Run the cells one after another in this process, with a progress bar per run, then `last`. A
 * baseline file is imported afresh for each run: a counter kept at its top level starts over in every
 * run, as in a `--jobs` child, not where the run before it left it. The modules the file imports are
 * shared by the runs of this process (a child's are its own): state kept there still differs.
 */
async function runInProcess(
  spec: GridSpec,
  grid: string,
  cells: readonly Cell[],
  base: BaseRun,
  last?: LastJob,
): Promise<void> {
  const { steps } = spec.cfg.rl;
  for (const [i, cell] of cells.entries()) {
    spec.stop?.check(` before ${cell.baseline.name} seed ${cell.seed}${GO_ON}`);
    const bar = new Progress(`[${i + 1}/${cells.length}] ${cell.baseline.name} seed ${cell.seed}`, steps);
    // As a --jobs child does: a child of an earlier bench killed outright may still be finishing a step of it.
    const lock = await lockFolder(cell.dir, "run the bench again once it is done", { path: runLockPath(cell.dir) });
    try {
      const registered = BASELINES[cell.baseline.name] === cell.baseline;
      const baseline = registered ? cell.baseline : await plannedBaseline(cell.source, cell.key, cell.dir);
      await runCell(spec, grid, { ...cell, baseline }, base, (s) => {
        bar.update(s);
        spec.stop?.check(` after step ${s} of ${steps} of ${cell.baseline.name} seed ${cell.seed}${GO_ON}`);
      });
    } finally {
      lock.close();
      bar.done();
    }
  }
  await last?.run();
}

/**
 * The notes on runs in `dir` made by another commit than this checkout's (none outside a git checkout):
 * finished ones are reused and reported as they are (their configuration matches; their code may not),
 * and unfinished ones go on with this code on `--resume`, half of each run made by the other.
 */
export async function otherCommitNotes(dir: string): Promise<string[]> {
  const current = await gitCommit();
  if (!current) return [];
  const runs = (await existingRuns(dir)).map((r) => r.manifest);
  const other = (finished: boolean) =>
    runs.filter((m) => (m?.status === "complete") === finished && m?.gitCommit && m.gitCommit !== current);
  const commits = (ms: ReturnType<typeof other>) => [...new Set(ms.map((m) => m!.gitCommit!.slice(0, 7)))].join(", ");
  const [done, going] = [other(true), other(false)];
  return [
    ...(done.length
      ? [
        `note: ${done.length} finished run(s) in ${dir} were made at commit ${commits(done)}, this checkout is ` +
        `${
          current.slice(0, 7)
        }; they are reused and reported as they are: delete a run's folder to run it with this code`,
      ]
      : []),
    ...(going.length
      ? [
        `note: ${going.length} unfinished run(s) in ${dir} were begun at commit ${commits(going)}; with --resume ` +
        `they go on with this checkout's ${current.slice(0, 7)}: delete a run's folder to run it whole with this code`,
      ]
      : []),
  ];
}

/** What every cell of grid `grid` shares in its spec, on `threads` wasm threads, from base `base`. */
export function gridJob(
  spec: GridSpec,
  grid: string,
  base: Pick<BaseRun, "checkpoint" | "dir">,
  threads: number,
): Omit<CellSpec, "cell"> {
  return {
    cfg: spec.cfg,
    grid,
    backend: spec.backend,
    engine: spec.engine,
    threads,
    command: spec.command,
    taskFiles: (spec.taskFiles ?? []).map((f) => f.source),
    base: { checkpoint: base.checkpoint, grams: `${base.dir}/strategic_grams.json` },
  };
}

/** A cell as its spec holds it: its baseline as named, not loaded. */
export function specCell({ baseline: _, ...rest }: Cell): CellSpec["cell"] {
  return rest;
}

/**
 * Run the cells in `jobs` child processes at a time on `threads` wasm threads each (harness/grid/pool.ts),
 * then `last`.
 */
async function runChildren(
  spec: GridSpec,
  { jobs, threads }: NonNullable<GridSpec["children"]>,
  grid: string,
  cells: readonly Cell[],
  base: BaseRun,
  last: LastJob,
): Promise<void> {
  const args = await childArgs(spec.backend);
  const children = cells.map((cell) => ({
    name: `${cell.baseline.name} seed ${cell.seed}`,
    dir: cell.dir,
    args,
    input: JSON.stringify({ ...gridJob(spec, grid, base, threads), cell: specCell(cell) }),
  }));
  await runInChildren(children, jobs, spec.cfg.rl.steps, last, spec.stop);
}

/**
 * The grid hash of `spec`: its config, backend, engine and tokenizer. Throws for a sentence model
 * without its content key (the hash would not tell one model from another).
 */
export async function specGridHash(spec: Pick<GridSpec, "cfg" | "backend" | "engine">): Promise<string> {
  const { sentenceModel, sentenceModelKey } = spec.cfg.mining;
  if (sentenceModel !== undefined && sentenceModelKey === undefined) {
    throw new Error(`mining.sentenceModel ${sentenceModel} has no sentenceModelKey; make the grid with benchSpec`);
  }
  return await gridHash({ config: spec.cfg, backend: spec.backend, engine: spec.engine, tokenizer: TOKENIZER_ID });
}

/**
 * Remove what writers killed halfway left in runs folder `dir` (harness/core/leftovers.ts
 * `removeLeftovers`), with a `note:` line naming it; the caller holds the folder's lock exclusively.
 */
export async function clearLeftovers(dir: string): Promise<void> {
  const removed = await removeLeftovers(dir);
  if (removed.length) console.error(`note: removed what a killed bench left in ${dir}: ${removed.join(", ")}`);
}

/** Run the grid (see the module doc); resolves once every cell's folder and the base folder are complete. */
export async function runGrid(spec: GridSpec): Promise<void> {
  const grid = await specGridHash(spec);
  const dir = runsDir(spec.out, spec.cfg.name);
  await checkWritable(dir);
  const lock = await lockFolder(dir);
  try {
    await clearLeftovers(dir);
    const cells = await planCells(spec, grid);
    for (const note of await otherCommitNotes(dir)) console.error(note);
    const base = await prepareBase(spec, grid);
    spec.stop?.check(` after the base model was made${GO_ON}`);
    const reused = spec.baselines.length * spec.seeds.length - cells.length;
    if (reused) console.error(`reusing ${reused} finished run(s) of this configuration`);
    // The base model's evaluation is this process's, with a progress bar of its own unless the pool's is showing.
    const last = {
      name: "the base model's evaluation",
      run: () => evaluateBase(spec, base, spec.children ? undefined : new Progress("base model evaluation", 0)),
    };
    await (spec.children
      ? runChildren(spec, spec.children, grid, cells, base, last)
      : runInProcess(spec, grid, cells, base, last));
  } finally {
    lock.close();
  }
}
