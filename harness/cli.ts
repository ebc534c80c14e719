/**
 * The command line: `bench` (the suite's base model, every baseline × seed RL run from it into the
 * results store, then the report), `report` (tables, figures and index.html from stored runs),
 * `analyze` (the same metrics on other trainers' rollout dumps) and `list` (tasks, baselines and the vocabulary). The default folders (`.cache`, `results`) are the project's, wherever
 * the command runs from.
 * @module
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { type BackendName, BACKENDS, DEFAULT_BACKEND, isWasm } from "./backend/backend.ts";
import { defaultWasmThreads } from "./backend/wasm_threads.ts";
import { type EngineName, ENGINES } from "./rollout/engine.ts";
import { CONFIGS, getConfig } from "./config.ts";
import { runGrid } from "./grid/runner.ts";
import { runChild } from "./grid/child.ts";
import { runBaseJob, runCellJob, runEndJob } from "./grid/manifest_jobs.ts";
import { launchSlurm } from "./grid/slurm.ts";
import type { SlurmOptions } from "./grid/slurm_scripts.ts";
import { basename, resolve } from "node:path";
import { shellQuote } from "./core/shell_quote.ts";
import { ResultsError } from "./store/results_error.ts";
import { importDefault, isPath } from "./core/module_file.ts";
import { writeReport } from "./report/mod.ts";
import { runsDir } from "./store/run_folder.ts";
import { signalStatus, Stopped, StopSignals } from "./core/stop.ts";
import { benchSpec, checkedTaskFile, inProject, MAX_SEED, MAX_STEPS } from "./bench.ts";
import { analyze, DEFAULT_MINE } from "./analyze/analyze.ts";
import { type Format, FORMATS } from "./analyze/formats.ts";
import { BASELINES, loadBaseline } from "../baselines/mod.ts";
import { TASKS } from "../tasks/mod.ts";
import type { Baseline } from "./credit/baseline.ts";
import type { TaskDef } from "../tasks/kit/task.ts";
import { counted } from "./core/counted.ts";
import { MAX_NUMBER, SPECIAL, VOCAB } from "./text/vocab.ts";
import { TOKENIZER_ID } from "./text/tokenizer.ts";

/** The most runs at a time. */
const MAX_JOBS = 256;

function seedList(text: string): number[] {
  const seeds = text.split(",").map((s) => s.trim());
  if (seeds.some((s) => !/^\d+$/.test(s) || Number(s) > MAX_SEED)) {
    throw new InvalidArgumentError(`seeds must be integers from 0 to ${MAX_SEED} separated by commas, e.g. 1,2,3`);
  }
  if (new Set(seeds.map(Number)).size !== seeds.length) throw new InvalidArgumentError(`"${text}" repeats a seed`);
  return seeds.map(Number);
}

/** Options of `bench`. */
interface BenchCliOptions {
  suite: string;
  tasks?: string[];
  backend: string;
  engine: EngineName;
  baselines?: string[];
  seeds?: number[];
  steps?: number;
  param: string[];
  jobs?: number;
  threads?: number;
  resume: boolean;
  sentenceModel?: string;
  report: boolean;
  /** As given (none: the project's `.cache`). */
  cache?: string;
  /** As given (none: the project's `results`). */
  out?: string;
  /** Where the grid runs: here (`local`) or as Slurm jobs. */
  launcher: "local" | "slurm";
  partition?: string;
  account?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  sbatch: string[];
  setup?: string;
  dryRun: boolean;
}

/** The options of `bench` that only `--launcher slurm` takes, by their flags. */
const SLURM_ONLY = {
  partition: "--partition",
  account: "--account",
  time: "--time",
  mem: "--mem",
  cpusPerTask: "--cpus-per-task",
  setup: "--setup",
  dryRun: "--dry-run",
} as const;

/** A parser of one line of text matching `pattern`, which `what` describes with an example. */
function line(pattern: RegExp, what: string): (text: string) => string {
  return (text) => {
    if (!pattern.test(text)) throw new InvalidArgumentError(`must be ${what}`);
    return text;
  };
}

function positiveInt(text: string): number {
  if (!/^[1-9]\d*$/.test(text.trim())) throw new InvalidArgumentError("must be a positive integer, e.g. 50");
  return Number(text);
}

/** A parser of integers from 1 to `max`, whose message names the limit and shows `example`. */
function upTo(max: number, example: number): (text: string) => number {
  return (text) => {
    const t = text.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) {
      throw new InvalidArgumentError(`must be an integer from 1 to ${max}, e.g. ${example}`);
    }
    return Number(t);
  };
}

/** A parser of comma-separated names; `example` shows some in its message. */
function list(example: string): (text: string) => string[] {
  return (text) => {
    const items = text.split(",").map((s) => s.trim()).filter((s) => s);
    if (!items.length) throw new InvalidArgumentError(`give at least one name, e.g. ${example}`);
    if (new Set(items).size !== items.length) throw new InvalidArgumentError(`"${text}" names something twice`);
    return items;
  };
}

/** A parser of a folder path, refusing an empty or blank one; `example` is a folder to suggest. */
function folder(example: string): (text: string) => string {
  return (text) => {
    if (!text.trim()) throw new InvalidArgumentError(`give a folder, e.g. ${example}`);
    // The shell expands ~ in `--out ~/x`, not in `--out=~/x`: that would make a folder named ~ in the project.
    if (/^~([/\\]|$)/.test(text)) {
      throw new InvalidArgumentError("~ is not expanded after '=': write the option and the folder apart, or in full");
    }
    return text;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Wasm threads of each run: `--threads`, else the backend's default for one of `jobs` runs. */
function threadsPerRun(opts: BenchCliOptions, jobs: number): number {
  return opts.threads ?? (isWasm(opts.backend) ? defaultWasmThreads(opts.backend, jobs) : 1);
}

/**
 * Launch the grid of `opts` on Slurm (harness/grid/slurm.ts), its folders and its task and baseline files
 * by absolute path: the jobs run in the project folder, on other machines.
 */
async function launch(opts: BenchCliOptions) {
  const absolute = (sources?: string[]) => sources?.map((s) => isPath(s) && !s.startsWith("file:") ? resolve(s) : s);
  const o: SlurmOptions = { ...opts, cpusPerTask: opts.cpusPerTask ?? 1, arrayLimit: opts.jobs };
  const threads = opts.threads ??
    (isWasm(opts.backend) ? defaultWasmThreads(opts.backend, 1, o.cpusPerTask) : 1);
  const spec = await benchSpec({
    ...opts,
    backend: opts.backend as BackendName,
    params: opts.param,
    tasks: absolute(opts.tasks),
    baselines: absolute(opts.baselines),
    threads,
    cache: resolve(opts.cache ?? inProject(".cache")),
    out: resolve(opts.out ?? inProject("results")),
    command: commandLine("bench"),
  });
  await launchSlurm(spec, o, threads, opts.dryRun);
}

/** This command as `deno task <task> …` with its arguments quoted for a shell, to be pasted back (a path with a space). */
function commandLine(task: string): string {
  return [`deno task ${task}`, ...Deno.args.slice(1).map(shellQuote)].join(" ");
}

async function bench(opts: BenchCliOptions) {
  if (opts.launcher === "slurm") return await launch(opts);
  const slurmOnly = Object.entries(SLURM_ONLY).find(([k]) => opts[k as keyof typeof SLURM_ONLY]);
  if (slurmOnly || opts.sbatch.length) {
    throw new Error(
      `${slurmOnly?.[1] ?? "--sbatch"} is an option of --launcher slurm; add --launcher slurm, or drop it`,
    );
  }
  // This process builds the base model alone (before any --jobs child starts): on wasm it gets every core.
  const spec = await benchSpec({
    ...opts,
    backend: opts.backend as BackendName,
    params: opts.param,
    threads: threadsPerRun(opts, 1),
    command: commandLine("bench"),
  });
  const { cfg, cache, out } = spec;
  const jobs = opts.jobs ?? Math.min(navigator.hardwareConcurrency, spec.baselines.length * spec.seeds.length);
  console.error(`runs go to ${resolve(runsDir(out, cfg.name))}, base models to ${resolve(cache)}`);
  const t0 = performance.now();
  // Ctrl-C or SIGTERM stops at a safe point (and stops the --jobs children).
  const stop = new StopSignals("stopping at the end of this step", ": run the same command with --resume to continue");
  try {
    await runGrid({
      ...spec,
      children: jobs > 1 ? { jobs, threads: threadsPerRun(opts, jobs) } : undefined,
      stop,
    });
  } finally {
    stop.close();
  }
  console.error(`ran the grid of suite ${cfg.name} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (opts.report) await report({ in: opts.out, suite: cfg.name, afterGrid: true });
}

/** Options of `report`. */
interface ReportCliOptions {
  /** As given (none: the project's `results`). */
  in?: string;
  suite?: string;
  /** After a grid (a bench, Slurm's end job): wait for a report another process is writing (see writeReport). */
  afterGrid?: boolean;
}

/** The suites under results folder `dir` (folders with a `runs/` folder), or an error saying what to run. */
async function suitesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && (await Deno.stat(`${dir}/${e.name}/runs`).catch(() => null))?.isDirectory) {
        found.push(e.name);
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (!found.length) {
    // A folder inside a results folder (a bench into it would nest a results folder in a runs folder).
    const is = async (path: string) => (await Deno.stat(path).catch(() => null)) !== null;
    const up = (levels: number) => resolve(dir, ...Array(levels).fill(".."));
    const inside = (await is(`${dir}/manifest.json`))
      ? { what: "a run's folder", root: up(3) }
      : (await is(`${dir}/runs`))
      ? { what: "a suite's folder", root: up(1) }
      : basename(resolve(dir)) === "runs" && (await is(dir))
      ? { what: "a suite's runs folder", root: up(2) }
      : null;
    if (inside) throw new Error(`${dir} is ${inside.what}; give --in the results folder above it, ${inside.root}`);
    throw new Error(`no runs under ${dir}; run \`deno task bench --out ${dir}\` first`);
  }
  return found.sort();
}

async function report(opts: ReportCliOptions) {
  const dir = opts.in ?? inProject("results");
  if ((await Deno.stat(dir).catch(() => null))?.isFile) {
    throw new Error(`${dir} is a file; --in takes the results folder that bench wrote (its --out)`);
  }
  const suites = opts.suite ? [opts.suite] : await suitesIn(dir);
  const failed: string[] = [];
  for (const suite of suites) {
    const t0 = performance.now();
    const done = await writeReport({
      inDir: dir,
      suite,
      // `deno task` runs in the project folder, where the default is `results`.
      command: `deno task report --in ${shellQuote(opts.in ?? "results")} --suite ${suite}`,
      benchOut: opts.in,
      waitForOthers: opts.afterGrid,
    }).catch((e) => {
      // Every suite found is reported that can be: one that cannot (no complete run yet) does not stop the rest.
      if (opts.suite || suites.length === 1 || !(e instanceof ResultsError)) throw e;
      console.error(`error: ${e.message}`);
      failed.push(suite);
      return null;
    });
    if (!done) continue;
    for (const s of done.skipped) console.error(`left out ${s.dir}: ${s.reason}`);
    console.log(await Deno.readTextFile(`${dir}/${suite}/table1.md`));
    console.error(
      `wrote ${done.files.length} files to ${dir}/${suite}/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const w of done.warnings) console.error(`note: ${w}`);
  }
  if (failed.length) {
    throw new Error(
      `${counted(failed.length, "suite")} of ${suites.length} not reported (${failed.join(", ")}), as said above; ` +
        "the others were",
    );
  }
}

/** Options of `analyze`. */
interface AnalyzeCliOptions {
  out: string;
  format?: Format;
  grams?: string;
  mine?: number;
  seed?: number;
  reflections?: string;
  answerPattern?: string;
  threshold: number;
  rewardColumn?: string;
  tokenizer?: string;
  sentenceModel?: string;
}

/** A parser of a finite number. */
function finite(text: string): number {
  const x = Number(text);
  if (!text.trim() || !Number.isFinite(x)) throw new InvalidArgumentError("must be a number, e.g. 1");
  return x;
}

async function analyzeCommand(inputs: string[], opts: AnalyzeCliOptions) {
  const t0 = performance.now();
  let reflections: string[] | undefined;
  if (opts.reflections !== undefined) {
    const text = await Deno.readTextFile(opts.reflections).catch((e) => {
      throw new Error(
        `${opts.reflections}: cannot be read (${e.message}); give --reflections a file with one phrase a line`,
      );
    });
    reflections = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (!reflections.length) throw new Error(`${opts.reflections}: has no phrase; write one reflection phrase a line`);
  }
  const r = await analyze({
    inputs,
    ...opts,
    reflections,
    command: commandLine("analyze"),
  });
  console.log(await Deno.readTextFile(`${opts.out}/summary.md`));
  console.error(
    `analyzed ${counted(r.overall.completions, "completion")} of ${
      counted(r.steps.length, "step")
    } into ${opts.out}/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/** The tasks and baselines with their summaries and parameters, and the vocabulary, as printed by `list`. */
export function listing(): string {
  return `tasks (or the path of a task file):\n${[...TASKS.values()].map(taskEntry).join("\n")}\n\n` +
    `baselines (or the path of a baseline file):\n${Object.values(BASELINES).map(baselineEntry).join("\n")}\n\n` +
    vocabularyEntry();
}

/** The words a task may write (the vocabulary less its special tokens), as `list` prints them. */
function vocabularyEntry(): string {
  const specials = new Set<string>(SPECIAL), lines = [" "];
  for (const w of VOCAB.filter((w) => !specials.has(w) && !/^\d+$/.test(w))) {
    if (lines[lines.length - 1].length + w.length >= 100) lines.push(" ");
    lines[lines.length - 1] += ` ${w}`;
  }
  return `vocabulary ${TOKENIZER_ID} (every word of a prompt or response, space-separated): the whole numbers ` +
    `0..${MAX_NUMBER} and\n${lines.join("\n")}`;
}

/** A task as `list` prints it. */
function taskEntry(t: TaskDef): string {
  return `  ${t.name}: ${t.summary}\n    levels ${t.levels.join(", ")}; teacher strategies ${
    Object.entries(t.strategies).map(([k, w]) => `${k} ${w}`).join(", ")
  }`;
}

/** A baseline as `list` prints it. */
function baselineEntry(b: Baseline): string {
  const params = Object.entries(b.params).map(([k, v]) => `${b.name}.${k}=${v}`).join(" ") || "none";
  const aggregation = typeof b.aggregation === "function" ? b.aggregation.name || "its own" : b.aggregation;
  const hooks = [
    b.policyLoss && "its own policy loss",
    b.extraLoss && "an extra loss",
    b.groupFilter && "a group filter",
  ]
    .filter(Boolean);
  return `  ${b.name}: ${b.summary}\n    params ${params}; aggregation ${aggregation}${
    hooks.map((h) => `; ${h}`).join("")
  }`;
}

/**
 * Baseline and task files loaded and checked as a bench of the default suite would load them (a
 * baseline's contract and its params' ranges; a task's contract, its name, and its generate, demonstrate
 * and verify on a few problems, the teacher against the verifier), each listed as `list` lists the
 * registered ones: a file checked without a bench.
 */
export async function fileListing(files: readonly string[]): Promise<string> {
  const entries: string[] = [];
  for (const file of files) {
    const exported = await importDefault(file, "baseline or task");
    const kind = typeof (exported as { advantages?: unknown })?.advantages === "function"
      ? "baseline"
      : typeof (exported as { verify?: unknown })?.verify === "function"
      ? "task"
      : null;
    if (kind === null) {
      throw new Error(`${file}: its default export is neither a baseline (advantages) nor a task (verify)`);
    }
    const entry = kind === "baseline"
      ? baselineEntry(await loadBaseline(file))
      : taskEntry((await checkedTaskFile(file, getConfig("default"))).task); // its functions called too
    entries.push(`${kind} file ${file}:\n${entry}`);
  }
  return entries.join("\n");
}

/** The credit-bench command line. */
export function program(): Command {
  const cmd = new Command("credit-bench").description("Reproducible RL-for-reasoning benchmark harness")
    // One line: Commander's message, its "(Did you mean …?)" and the pointer to --help.
    .configureOutput({
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, " ")} (add --help for the options)\n`),
    });
  cmd.command("bench")
    .description("build (or load) the suite's base model, run every baseline × seed from it, and write the report")
    .addOption(new Option("--suite <name>", "bench configuration").choices(Object.keys(CONFIGS)).default("default"))
    .option(
      "--tasks <list>",
      "only these tasks of the suite, and task files by path, comma-separated (a base model of its own)",
      list("countdown,linear_equation"),
    )
    .addOption(new Option("--backend <name>", "tfjs backend").choices(BACKENDS).default(DEFAULT_BACKEND))
    .addOption(
      new Option("--engine <name>", "rollout engine for sampling and evaluation").choices(ENGINES).default(ENGINES[0]),
    )
    .option(
      "--baselines <list>",
      "baselines, comma-separated: names under baselines/ or paths (default: the suite's)",
      list("grpo,hicra"),
    )
    .option("--seeds <list>", "RL seeds, comma-separated (default: the suite's)", seedList)
    .option("--steps <n>", `RL steps per run, 1 to ${MAX_STEPS} (default: the suite's)`, upTo(MAX_STEPS, 50))
    .option(
      "--param <baseline.key=value>",
      "override a baseline parameter (repeatable), e.g. hicra.alpha=0.3",
      collect,
      [],
    )
    .option(
      "--sentence-model <dir>",
      "embed mined grams with this ONNX sentence model (model.onnx + tokenizer.json)",
      folder("./minilm"),
    )
    .option(
      "--jobs <n>",
      `runs at a time, each in its own process, 1 to ${MAX_JOBS} (default: the logical cores, at most one per run)`,
      upTo(MAX_JOBS, 2),
    )
    .option(
      "--threads <n>",
      "wasm threads per run, 1 to 8; results are the same bytes for any count (default: 1 on wasm-ort, cores ÷ jobs on wasm)",
      positiveInt,
    )
    .option("--resume", "continue unfinished runs in --out from their last checkpoint", false)
    .option("--cache <dir>", "where base models are cached (default: the project's .cache)", folder(".cache"))
    .option("--out <dir>", "where results are written (default: the project's results)", folder("results"))
    .addOption(new Option("--no-report", "skip the report").hideHelp())
    .addOption(
      new Option("--launcher <name>", "run the grid here, or submit it as Slurm jobs (docs/slurm.md)")
        .choices(["local", "slurm"]).default("local"),
    )
    .option("--partition <name>", "Slurm: the partition of every job", line(/^[\w.-]+$/, "a partition name, e.g. cpu"))
    .option("--account <name>", "Slurm: the account of every job", line(/^[\w.-]+$/, "an account name, e.g. lab"))
    .option(
      "--time <limit>",
      "Slurm: the time limit of every job (default: the partition's)",
      line(/^(\d+-)?\d+(:\d+){0,2}$/, "a time limit as sbatch takes it, e.g. 2:00:00 or 1-00:00:00"),
    )
    .option(
      "--mem <size>",
      "Slurm: the memory of every job (default: the cluster's)",
      line(/^\d+[KMGT]?$/i, "a memory size as sbatch takes it, e.g. 4G"),
    )
    .option("--cpus-per-task <n>", "Slurm: CPUs of every job (default 1)", upTo(MAX_JOBS, 2))
    .option(
      "--sbatch <line>",
      "Slurm: one more #SBATCH line for every job (repeatable), e.g. --sbatch=--qos=normal",
      (v: string, prev: string[]) =>
        collect(line(/^[^\n]*\S[^\n]*$/, "one non-empty line, e.g. --qos=normal")(v), prev),
      [],
    )
    .option(
      "--setup <line>",
      "Slurm: a shell line every job runs first, e.g. 'module load deno'",
      line(/^[^\n]*\S[^\n]*$/, "one non-empty shell line, e.g. 'module load deno'"),
    )
    .option("--dry-run", "Slurm: print the job scripts and the sbatch commands, submit nothing", false)
    .action(bench);
  cmd.command("cell", { hidden: true })
    .description(
      "run the one cell of a --jobs grid that the parent writes on stdin (harness/grid/child.ts), " +
        "or cell --index of a grid manifest (harness/grid/manifest_jobs.ts)",
    )
    .option("--grid <file>", "a grid manifest")
    .option("--index <n>", "the cell of the grid manifest (the job array's task id)", (v: string) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError("must be an integer from 0, e.g. 3");
      return Number(v);
    })
    .action(async (o: { grid?: string; index?: number }) => {
      if (!o.grid) return await runChild();
      if (o.index === undefined) throw new Error("cell --grid needs --index (the job array's task id)");
      await runCellJob(o.grid, o.index);
    });
  cmd.command("grid-base", { hidden: true })
    .description("build (or load) the base model of a grid manifest and mine its grams (harness/grid/manifest_jobs.ts)")
    .requiredOption("--grid <file>", "a grid manifest")
    .action((o: { grid: string }) => runBaseJob(o.grid));
  cmd.command("grid-end", { hidden: true })
    .description("evaluate the base model of a grid manifest and write the report")
    .requiredOption("--grid <file>", "a grid manifest")
    .action(async (o: { grid: string }) => {
      const m = await runEndJob(o.grid);
      await report({ in: m.out, suite: m.job.cfg.name, afterGrid: true });
    });
  cmd.command("report")
    .description("write the tables, figures and index.html of stored runs (no model needed)")
    .option("--in <dir>", "results folder (default: the project's results)", folder("results"))
    .addOption(
      new Option("--suite <name>", "suite to report (default: every suite under --in)").choices(Object.keys(CONFIGS)),
    )
    .action(report);
  cmd.command("analyze")
    .description(
      "the paper's metrics on rollouts of other trainers (TRL Parquet, verl JSONL, generic JSONL) or of a run",
    )
    .argument("<inputs...>", "folders or files of rollouts")
    .requiredOption("--out <dir>", "the report folder (replaced whole)", folder("analysis"))
    .addOption(new Option("--format <name>", "input format (default: detected per file)").choices(FORMATS))
    .option("--grams <file>", "strategic grams to use (.json list or one gram a line) instead of mining them")
    .option("--mine <n>", `successful completions to mine grams from (default: ${DEFAULT_MINE})`, positiveInt)
    .option("--seed <n>", "seed of the mining's k-means, a positive integer (default: 1)", positiveInt)
    .option("--reflections <file>", "reflection phrases, one a line (default: wait, but wait, let me double-check, …)")
    .option(
      "--answer-pattern <regex>",
      "the answer is the first group of this pattern's last match (the whole match if it has no group; none if empty) " +
        "(default: last \\boxed{…})",
    )
    .option(
      "--threshold <x>",
      "a completion is correct when its reward is at least x (when the dump does not say)",
      finite,
      1,
    )
    .option(
      "--reward-column <names>",
      "TRL: the reward columns to sum, comma-separated (default: every numeric column but step and advantage)",
    )
    .option("--tokenizer <file>", "a Hugging Face tokenizer.json: response length in its tokens too")
    .option(
      "--sentence-model <dir>",
      "embed the mined grams with this ONNX sentence model (model.onnx + tokenizer.json)",
      folder("./minilm"),
    )
    .action(analyzeCommand);
  cmd.command("list")
    .description(
      "list the suite's tasks, the registered baselines with their parameters and the vocabulary; with files, check " +
        "and list those",
    )
    .argument("[files...]", "baseline or task files to load and check as a bench would, without running them")
    .action(async (files: string[]) => console.log(files.length ? await fileListing(files) : listing()));
  return cmd;
}

/** Commands that write a folder whole (staged, then moved in): a full disk leaves the old one as it was. */
const STAGED = new Set(["report", "analyze"]);

/**
 * The one line printed for an error that stops `command`: its message, and for a full disk what to do
 * (for the commands that run cells, go on with `--resume`; `report` and `analyze` have none to go on).
 */
export function errorLine(e: unknown, command = "bench"): string {
  const err = e as Error & { code?: string };
  if (err.code === "ENOSPC" && STAGED.has(command)) {
    return `error: ${err.message}: the disk is full; free some space, then run the same command again ` +
      `(what it writes is moved in whole at the end, so nothing was replaced)`;
  }
  if (err.code === "ENOSPC") {
    return `error: ${err.message}: the disk is full; free some space, then run the same command again with --resume ` +
      `(finished runs are kept, unfinished ones go on from their last checkpoint)`;
  }
  return `error: ${err.message}`;
}

if (import.meta.main) {
  try {
    await program().parseAsync(Deno.args, { from: "user" });
    // Done: exit even while something still waits (a --jobs child's watch on its stdin).
    Deno.exit(0);
  } catch (e) {
    if (e instanceof Stopped) {
      console.error(`\n${e.message}`);
      Deno.exit(signalStatus(e.signal));
    }
    console.error(errorLine(e, Deno.args[0]));
    Deno.exit(1);
  }
}
