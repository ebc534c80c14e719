/**
 * Running a bench from code: {@link runBench} does in this process what `deno task bench --jobs 1`
 * does short of the report (harness/cli.ts builds its grid with the same {@link benchSpec}), and
 * returns the suite's stored results. The default folders (`.cache`, `results`) are the project's,
 * wherever it runs from.
 * @module
 */
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { type BackendName, DEFAULT_BACKEND, isWasm, useBackend } from "./backend/backend.ts";
import { defaultWasmThreads, useWasm } from "./backend/wasm_threads.ts";
import { type EngineName, ENGINES } from "./rollout/engine.ts";
import { type BenchConfig, getConfig } from "./config.ts";
import { type GridSpec, type GridTask, runGrid } from "./grid/runner.ts";
import { parseParamOverrides } from "./credit/params.ts";
import { loadResults, type SuiteResults } from "./store/results.ts";
import { runsDir } from "./store/run_folder.ts";
import { loadBaseline } from "../baselines/mod.ts";
import { TASKS } from "../tasks/mod.ts";
import { checkTeacher, loadTaskFile } from "./grid/task_file.ts";
import type { TaskDef } from "../tasks/kit/task.ts";
import { fileKey, isPath } from "./core/module_file.ts";
import { loadSentenceModel, sentenceModelKey } from "./masks/sentence_model.ts";

/** The project folder (that of deno.json), against which the default folders are resolved. */
const PROJECT = new URL("../", import.meta.url);

/** Folder `name` of the project, as an absolute path. */
export function inProject(name: string): string {
  return fileURLToPath(new URL(name, PROJECT));
}

/**
 * What {@link runBench} runs: the options of `deno task bench`, each defaulting as there.
 *
 * @example The smoke suite's grpo and hicra on seed 1, for 2 steps
 * ```ts
 * import type { BenchOptions } from "@credit-bench/credit-bench";
 *
 * const options: BenchOptions = { suite: "smoke", baselines: ["grpo", "hicra"], seeds: [1], steps: 2 };
 * ```
 */
export interface BenchOptions {
  /** The named configuration (`--suite`, see `CONFIGS`); default `default`. */
  suite?: string;
  /** Only these tasks of the suite, and task files by path (`--tasks`); they get a base model of their own. */
  tasks?: readonly string[];
  /** Baselines by registered name or file path (`--baselines`); default the suite's. */
  baselines?: readonly string[];
  /** RL seeds (`--seeds`); default the suite's. */
  seeds?: readonly number[];
  /** RL steps per run (`--steps`); default the suite's. */
  steps?: number;
  /** Baseline parameter overrides written as `--param` takes them, e.g. `["hicra.alpha=0.3"]`. */
  params?: readonly string[];
  /** The tfjs backend (`--backend`); default `wasm-ort`. */
  backend?: BackendName;
  /** The rollout engine (`--engine`); default `onnx`. */
  engine?: EngineName;
  /** Wasm threads (`--threads`); default 1 on `wasm-ort`, the logical cores on `wasm`. */
  threads?: number;
  /** An ONNX sentence-model folder that embeds the mined grams (`--sentence-model`). */
  sentenceModel?: string;
  /** Where base models are cached (`--cache`); default the project's `.cache`. */
  cache?: string;
  /** Where results are written (`--out`); default the project's `results`. */
  out?: string;
  /** Continue unfinished runs from their last checkpoint (`--resume`); default false. */
  resume?: boolean;
  /** The command recorded in every run's manifest; default `runBench` and these options as JSON. */
  command?: string;
}

/** Every option of {@link BenchOptions}: a misspelt one (`seed` for `seeds`) is refused, not ignored. */
const BENCH_OPTIONS: Record<keyof BenchOptions, true> = {
  suite: true,
  tasks: true,
  baselines: true,
  seeds: true,
  steps: true,
  params: true,
  backend: true,
  engine: true,
  threads: true,
  sentenceModel: true,
  cache: true,
  out: true,
  resume: true,
  command: true,
};

/** Refuse a key of `options` that is no option of {@link runBench}, naming the one it may stand for. */
function checkKnown(options: object): void {
  const known = Object.keys(BENCH_OPTIONS);
  const unknown = Object.keys(options).find((k) => !known.includes(k));
  if (unknown === undefined) return;
  const near = known.find((k) => k.startsWith(unknown) || unknown.startsWith(k));
  throw new RangeError(
    `runBench has no option ${JSON.stringify(unknown)}${near ? ` (did you mean ${near}?)` : ""}; ` +
      `its options are ${known.join(", ")}`,
  );
}

/** The largest RL seed. */
export const MAX_SEED = 2 ** 31 - 1;
/** The most RL steps a run may take (at about a second a step, more than a day). */
export const MAX_STEPS = 100_000;

/**
 * Refuse options the command line's parsers would have refused, so that code calling {@link runBench}
 * gets the same one-line errors before anything is built or written.
 */
function checkOptions(o: BenchOptions): void {
  const int = (x: number, lo: number, hi: number) => Number.isInteger(x) && x >= lo && x <= hi;
  if (o.steps !== undefined && !int(o.steps, 1, MAX_STEPS)) {
    throw new RangeError(`--steps must be an integer from 1 to ${MAX_STEPS}, got ${o.steps}`);
  }
  if (o.seeds?.some((x) => !int(x, 0, MAX_SEED))) {
    throw new RangeError(`--seeds must be integers from 0 to ${MAX_SEED}, got ${o.seeds.join(",")}`);
  }
  if (o.engine !== undefined && !ENGINES.includes(o.engine)) {
    throw new RangeError(`unknown engine "${o.engine}"; choose one of: ${ENGINES.join(", ")}`);
  }
  const folders: [string, string | undefined][] = [
    ["--out", o.out],
    ["--cache", o.cache],
    ["--sentence-model", o.sentenceModel],
  ];
  for (const [flag, dir] of folders) {
    if (dir !== undefined && !dir.trim()) throw new RangeError(`${flag} is blank; give a folder, or leave it out`);
  }
  const lists: [string, readonly unknown[] | undefined][] = [
    ["--seeds", o.seeds],
    ["--baselines", o.baselines],
    ["--tasks", o.tasks],
  ];
  for (const [flag, xs] of lists) {
    if (!xs) continue;
    if (!xs.length) throw new RangeError(`${flag} is empty; give at least one`);
    const twice = xs.find((x, i) => xs.indexOf(x) !== i);
    if (twice !== undefined) throw new RangeError(`${flag} names ${twice} twice; give each once`);
  }
}

/**
 * The suite's config with `options`' tasks, steps and sentence model applied (validated), and the tasks
 * `tasks` loads from files. A task file's task is drawn at the levels the suite draws its own at that it
 * has (else at its first level), after the suite's tasks, and enters the config by its file's content
 * (`key`).
 */
async function benchConfig(options: BenchOptions): Promise<{ cfg: BenchConfig; taskFiles: GridTask[] }> {
  const cfg = getConfig(options.suite ?? "default"), taskFiles: GridTask[] = [];
  if (options.steps) cfg.rl.steps = options.steps;
  if (options.sentenceModel) {
    const dir = resolve(options.sentenceModel);
    await (await loadSentenceModel(dir)).dispose(); // a bad folder fails here, before the base model's build
    cfg.mining.sentenceModel = dir;
    cfg.mining.sentenceModelKey = await sentenceModelKey(dir);
  }
  if (!options.tasks) return { cfg, taskFiles };
  const names = options.tasks.filter((t) => !isPath(t)), known = cfg.suite.tasks.map((t) => t.name);
  const unknown = names.filter((t) => !known.includes(t));
  if (unknown.length) {
    throw new Error(
      `unknown task ${unknown.join(", ")} in --tasks; suite ${cfg.suite.name} has ${known.join(", ")}, ` +
        `or give the path of a task file (e.g. ./my_task.ts)`,
    );
  }
  const files: BenchConfig["suite"]["tasks"] = []; // drawn at the levels of the whole suite's tasks
  for (const source of options.tasks.filter(isPath)) {
    const { task, levels } = await checkedTaskFile(source, cfg, taskFiles.map((f) => f.task.name));
    files.push({ name: task.name, levels, key: await fileKey(source) });
    taskFiles.push({ task, source });
  }
  cfg.suite.tasks = [...cfg.suite.tasks.filter((t) => names.includes(t.name)), ...files];
  return { cfg, taskFiles };
}

/**
 * The task of task file `source` as a bench of suite config `cfg` loads it (harness/grid/task_file.ts
 * `loadTaskFile`), with the levels it is drawn at: those of the suite's that it has, else its first (a
 * level of its own not drawn gets a note). It must have a name of its own, not the fixed suite's nor one
 * of `others` (other task files'), and its teacher must agree with its verifier at those levels
 * (`checkTeacher`, whose note on traces too long for `maxResponseWords` is printed).
 */
export async function checkedTaskFile(
  source: string,
  cfg: BenchConfig,
  others: readonly string[] = [],
): Promise<{ task: TaskDef; levels: number[] }> {
  const task = await loadTaskFile(source, cfg.model.context);
  if (TASKS.has(task.name) || others.includes(task.name)) {
    throw new Error(
      `task file ${source} defines task ${task.name}, a name ${
        TASKS.has(task.name) ? "of the fixed suite" : "another task file in --tasks has"
      }; give its task a name of its own`,
    );
  }
  const suite = [...new Set(cfg.suite.tasks.flatMap((t) => t.levels))];
  const own = suite.filter((l) => task.levels.includes(l));
  const levels = own.length ? own : [task.levels[0]];
  // The levels the suite's own tasks have: one of these it leaves out (smoke draws level 1 of 1 and 2) is no surprise.
  const declared = new Set(cfg.suite.tasks.flatMap((t) => TASKS.get(t.name)?.levels ?? []));
  const notes = [
    levelsNote(source, task.levels, suite, levels, declared, cfg.suite.name),
    checkTeacher(task, source, cfg.sft.style, levels),
  ];
  for (const note of notes) if (note) console.error(`note: ${note}`);
  return { task, levels };
}

/**
 * The note for task file `source`, of levels `its`, drawn at `levels` in suite `name`, whose tasks are
 * drawn at `suite` and have levels `declared`: that it is drawn at its first level, when it has none of
 * the suite's; what it is not drawn at, when it has levels no task of the suite has; else null.
 */
function levelsNote(
  source: string,
  its: readonly number[],
  suite: readonly number[],
  levels: readonly number[],
  declared: ReadonlySet<number>,
  name: string,
): string | null {
  const left = its.filter((l) => !levels.includes(l) && !declared.has(l)),
    fix = "give the levels it should be drawn at the suite's numbers";
  if (!suite.some((l) => its.includes(l))) {
    return `task file ${source} has none of the levels the ${name} suite draws its tasks at (${suite.join(", ")}), ` +
      `so it is drawn at its first level, ${levels[0]}${left.length ? `, not at ${left.join(", ")}` : ""}; ${fix}`;
  }
  return left.length
    ? `task file ${source} is not drawn at its level${left.length > 1 ? "s" : ""} ${left.join(", ")}: the ${name} ` +
      `suite draws its tasks at level${suite.length > 1 ? "s" : ""} ${suite.join(", ")}, a task file at those of ` +
      `them it has; ${fix}`
    : null;
}

/**
 * The grid `options` describe, its baselines loaded and their overrides checked, with the tfjs
 * backend started in this process (`threads` wasm threads). The command line adds its child-process
 * pool and stop signals to it.
 */
export async function benchSpec(options: BenchOptions): Promise<GridSpec> {
  checkOptions(options);
  const { cfg, taskFiles } = await benchConfig(options);
  const sources = options.baselines ?? cfg.baselines;
  const baselines = await Promise.all(
    sources.map(async (source) => ({ baseline: await loadBaseline(source), source })),
  );
  const names = baselines.map((b) => b.baseline.name);
  const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (twice >= 0) {
    // Two sources (checkOptions refused the same one twice): two files, or a name and a file, of one name.
    const [a, b] = [baselines[names.indexOf(names[twice])], baselines[twice]];
    throw new Error(
      `${a.source} and ${b.source} are both named ${names[twice]}; ` +
        // `grpo,./baselines/grpo.ts`: one module, loaded twice (its definition copied, its functions the same).
        (a.baseline.advantages === b.baseline.advantages
          ? "they are the same baseline: give it once"
          : "give each baseline a name of its own (runs and tables go by it)"),
    );
  }
  const overrides = parseParamOverrides(options.params ?? [], baselines.map((b) => b.baseline));
  const name = options.backend ?? DEFAULT_BACKEND;
  const cache = options.cache ?? inProject(".cache"), out = options.out ?? inProject("results");
  // Every folder in the runs folder is taken for a run: a base model cached there would be called damaged.
  const runs = runsDir(out, cfg.name), at = resolve(cache);
  if (at === resolve(runs) || at.startsWith(`${resolve(runs)}/`)) {
    throw new RangeError(`--cache ${cache} is inside ${runs}, which holds runs only; give another --cache`);
  }
  if (isWasm(name)) await useWasm(options.threads ?? defaultWasmThreads(name, 1), name);
  return {
    cfg,
    baselines,
    seeds: options.seeds ?? cfg.seeds,
    overrides,
    backend: await useBackend(name),
    engine: options.engine ?? ENGINES[0],
    cache,
    out,
    resume: options.resume ?? false,
    command: options.command ?? `runBench ${JSON.stringify(options)}`,
    taskFiles,
  };
}

/**
 * Run a bench in this process, as `deno task bench` does: the suite's base model (built or loaded
 * from the cache), then every baseline × seed RL run from it into `<out>/<suite>/runs/`; finished
 * runs of the same configuration are reused. Resolves to the suite's stored results, ready for the
 * metric functions; `writeReport` writes the report the command line writes after the grid. An option
 * it does not have (`seed` for `seeds`) is a RangeError, before anything runs.
 *
 * @example The smoke suite (a tiny model, a few minutes on a laptop)
 * ```ts
 * import { runBench } from "@credit-bench/credit-bench";
 *
 * const results = await runBench({ suite: "smoke", baselines: ["grpo"], seeds: [1], out: "/tmp/smoke" });
 * console.log(results.runs.map((r) => r.evals.at(-1)?.evals[0].passAtK["1"]));
 * ```
 */
export async function runBench(options: BenchOptions = {}): Promise<SuiteResults> {
  checkKnown(options);
  const spec = await benchSpec(options);
  await runGrid(spec);
  return await loadResults(spec.out, spec.cfg.name);
}
