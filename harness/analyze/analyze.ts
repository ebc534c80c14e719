/**
 * `deno task analyze`: the paper's metrics on rollouts from real training runs. Reads TRL's completion
 * Parquet, verl's rollout JSON Lines, a documented generic JSON Lines or credit-bench's own
 * `rollouts.jsonl.gz` (harness/analyze/inputs.ts), streaming, so memory does not grow with the dump;
 * takes the strategic grams from `--grams`, a credit-bench run folder, or mines them from the first
 * successful completions (harness/analyze/grams.ts); gathers every metric per step and over all steps
 * (harness/analyze/step_stats.ts); writes the report folder (harness/analyze/report.ts). Every bad
 * input is an {@link AnalyzeError} before anything is written.
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { firstLine } from "../core/errors.ts";
import { removeAll } from "../core/atomic.ts";
import { FolderLockedError, lockFolder } from "../core/folder_lock.ts";
import { StopSignals } from "../core/stop.ts";
import { Progress } from "../core/progress.ts";
import { foreignEntry } from "../report/staging.ts";
import { loadSentenceModel, parseTokenizer } from "../masks/sentence_model.ts";
import type { StrategicGrams } from "../masks/strategic_grams.ts";
import { AnalyzeError } from "./completion.ts";
import { type Format, FORMATS, type ReadOptions } from "./formats.ts";
import { loadGramList, mineFreeText, MiningCorpus } from "./grams.ts";
import { findSources, readSource, type Source } from "./inputs.ts";
import { DEFAULT_REFLECTIONS, PhraseMatcher } from "./phrases.ts";
import { isAnalysisFile, stoppedBefore, writeAnalysis } from "./report.ts";
import { type AnalyzeStep, measure, type Readers, StepStats } from "./step_stats.ts";
import type { Split } from "../metrics/token_stats.ts";
import { answerRegExp, textWords } from "./text.ts";

/**
 * What to analyze and how.
 *
 * @example
 * ```ts
 * import type { AnalyzeOptions } from "@credit-bench/credit-bench";
 *
 * const options: AnalyzeOptions = { inputs: ["trl_run/completions"], out: "analysis", command: "my script" };
 * ```
 */
export interface AnalyzeOptions {
  /** Folders and files of rollouts. */
  inputs: string[];
  /** The report folder (replaced whole; refused when it exists and is not an analysis). */
  out: string;
  /** The command line, shown on the page. */
  command: string;
  /** The format of every input (default: detected per file). */
  format?: Format;
  /** A gram list to use instead of mining (`.json` strategic-gram list, or text with one gram a line). */
  grams?: string;
  /** Successful completions to mine grams from (default 2,000). */
  mine?: number;
  /** Seed of the mining's k-means (default 1). */
  seed?: number;
  /** A sentence-model folder (`model.onnx`, `tokenizer.json`) to embed the mined grams with (default: PPMI+SVD). */
  sentenceModel?: string;
  /** Reflection phrases (default {@link DEFAULT_REFLECTIONS}). */
  reflections?: readonly string[];
  /** A regular expression whose last match's first group (else the whole match) is a completion's answer (default: the last `\boxed{…}`). */
  answerPattern?: string;
  /** A completion is correct when its reward is at least this, where the dump has no correctness (default 1). */
  threshold?: number;
  /** TRL: the reward columns to sum, comma-separated (default: every numeric column but step and advantage). */
  rewardColumn?: string;
  /** A Hugging Face `tokenizer.json`: response length in its tokens where the dump has no per-token data. */
  tokenizer?: string;
  /** Show progress with an ETA on stderr (default true). */
  progress?: boolean;
}

/**
 * What {@link analyze} found and wrote.
 *
 * @example
 * ```ts
 * import { analyze, type AnalyzeResult } from "@credit-bench/credit-bench";
 *
 * const r: AnalyzeResult = await analyze({ inputs: ["dump"], out: "analysis", command: "my script" });
 * console.log(r.overall.accuracy, r.steps.length);
 * ```
 */
export interface AnalyzeResult {
  /** One record per step, by step. */
  steps: AnalyzeStep[];
  /** All steps together. */
  overall: AnalyzeStep;
  /** The strategic grams used. */
  grams: readonly string[];
  /** Files written, relative to `out`. */
  files: string[];
}

/** Default successful completions mined. */
export const DEFAULT_MINE = 2000;

/** The options that only mining reads, with their command-line flags. */
const MINING_OPTIONS = [["mine", "--mine"], ["seed", "--seed"], ["sentenceModel", "--sentence-model"]] as const;

/**
 * The grams: given, from a run folder, or mined from the first `mine` successes (refused with mining options);
 * `check` is called at each completion read (it throws once a stop signal came).
 */
async function gramsOf(
  o: AnalyzeOptions,
  sources: readonly Source[],
  runGrams: string | undefined,
  readOptions: ReadOptions,
  check: () => void,
): Promise<{ grams: string[]; mined: StrategicGrams | null; source: string }> {
  const given = o.grams ?? runGrams;
  const unused = given ? MINING_OPTIONS.filter(([key]) => o[key] !== undefined).map(([, flag]) => flag) : [];
  if (unused.length) {
    throw new AnalyzeError(
      unused.join(", "),
      `${unused.length > 1 ? "set" : "sets"} how grams are mined, but they are read from ${given}`,
      o.grams ? `drop --grams to mine them, or drop ${unused.join(" and ")}` : `drop ${unused.join(" and ")}`,
    );
  }
  if (given) return { grams: await loadGramList(given), mined: null, source: `read from ${given}` };
  const model = o.sentenceModel === undefined ? undefined : await loadSentenceModel(o.sentenceModel);
  const successes = new MiningCorpus();
  let mined: StrategicGrams;
  try {
    const mine = o.mine ?? DEFAULT_MINE;
    // Reading up to the mine-th success can take a while (long completions, rare successes): show it.
    const bar = o.progress === false ? null : new Progress("successes to mine grams from", mine);
    outer: for (const src of sources) {
      for await (const c of readSource(src, readOptions)) {
        check();
        if (!c.correct) continue;
        successes.add(textWords(c.text));
        bar?.update(successes.length);
        if (successes.length >= mine) break outer;
      }
    }
    if (bar && successes.length < mine) {
      bar.total = successes.length; // fewer than --mine in the whole dump: the bar ends where reading did
      bar.update(successes.length);
    }
    bar?.done();
    if (bar) {
      console.error(`mining strategic grams from ${successes.length} successful completions (${successes.size} words)`);
    }
    mined = await mineFreeText(successes, o.seed ?? 1, model);
  } finally {
    await model?.dispose();
  }
  return {
    grams: mined.grams.map((g) => g.gram),
    mined,
    source: `mined from the first ${successes.length} successful completions (strategic_grams.json)`,
  };
}

/** The token count of a text by the Hugging Face tokenizer at `path` (no special tokens added). */
async function tokenCounter(path: string): Promise<(text: string) => number> {
  const bytes = await Deno.readFile(path).catch((e) => {
    throw new AnalyzeError(path, `cannot be read (${(e as Error).message})`, "give --tokenizer a tokenizer.json");
  });
  const { tokenizer } = await parseTokenizer(path, bytes);
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
}

/** Refuse options the command line's parsers would have refused, so that code gets the same errors. */
function checkOptions(o: AnalyzeOptions): void {
  // From code: a lone path was walked character by character, and a missing command broke index.html.
  if (!Array.isArray(o.inputs) || !o.inputs.every((i) => typeof i === "string")) {
    throw new AnalyzeError("inputs", `is ${JSON.stringify(o.inputs)}`, 'give a list of paths, e.g. ["run/rollouts"]');
  }
  for (const [name, v] of [["out", o.out], ["command", o.command]] as const) {
    if (typeof v !== "string") throw new AnalyzeError(name, `is ${JSON.stringify(v) ?? String(v)}`, "give a string");
  }
  if (!o.inputs.length) throw new AnalyzeError("inputs", "is empty", "give at least one folder or file of rollouts");
  if (!o.out.trim()) throw new AnalyzeError("--out", "is blank", "give the report folder");
  if (o.format !== undefined && !FORMATS.includes(o.format)) {
    throw new AnalyzeError("--format", `is ${o.format}`, `give one of ${FORMATS.join(", ")}, or leave it out`);
  }
  for (const [flag, n] of [["--mine", o.mine], ["--seed", o.seed]] as const) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
      throw new AnalyzeError(flag, `is ${n}`, "give a positive integer");
    }
  }
  if (o.threshold !== undefined && !Number.isFinite(o.threshold)) {
    throw new AnalyzeError("--threshold", `is ${o.threshold}`, "give a finite number");
  }
  if (o.reflections?.length === 0) throw new AnalyzeError("--reflections", "is empty", "give at least one phrase");
  const blank = o.reflections?.findIndex((p) => textWords(p).length === 0) ?? -1;
  if (blank >= 0) throw new AnalyzeError("--reflections", `phrase ${blank + 1} has no word`, "give each phrase a word");
}

/**
 * Refuse an `out` that exists and is not an earlier analysis, or is one holding a file analyze did not
 * write, so nothing else is ever replaced; or beside which nothing can be written (its lock file), so that
 * fails before the dump is read, not after; or that another analysis is writing, leaving nothing behind
 * (its staging folder `<out>.next` is made only once the lock is held). Returns the lock
 * `<out>.lock` held for the analysis ({@link unlockOut}): a second analysis to the same `out` would
 * otherwise write into the first one's staging folder, and the folder moved in would mix the two. An
 * earlier analysis left whole as `<out>.old` with no `<out>` (a kill between the two renames that move
 * an analysis in) is put back first, so that it is there even if this analysis fails. What else an analysis
 * killed before it ended left (`<out>.next`, its `<out>.lock`, an `<out>.old` beside `<out>`) is removed
 * once the lock is taken, which proves it dead, with a `note:` line.
 */
async function checkOut(out: string): Promise<Deno.FsFile> {
  const stat = await Deno.stat(out).catch(() => null);
  // What an analysis killed before it ended may have left: its staging folder, its lock file, the earlier
  // analysis beside the one it moved in (without out, the earlier one, put back below).
  const left = [`${out}.next`, `${out}.lock`, ...(stat ? [`${out}.old`] : [])];
  const found = await Promise.all(left.map((path) => Deno.lstat(path).then(() => true, () => false)));
  const pid = Number.parseInt(await Deno.readTextFile(`${out}.lock`).catch(() => ""), 10);
  const analysis = stat?.isDirectory && await Deno.stat(`${out}/overall.json`).catch(() => null);
  if (stat && !analysis) {
    throw new AnalyzeError(out, "exists and is not an analysis", "give --out a new folder or an earlier analysis");
  }
  await refuseForeignSiblings(out);
  const foreign = analysis ? await foreignEntry(out, isAnalysisFile) : null;
  if (foreign !== null) {
    throw new AnalyzeError(
      `${out}/${foreign}`,
      "was not written by analyze, and --out is replaced whole",
      "move it out of the folder, or give --out another folder",
    );
  }
  // Its lock file, made beside it, is what shows the folder can be written: one refused leaves nothing behind.
  const lock = await Deno.mkdir(dirname(out), { recursive: true })
    .then(() => lockFolder(out, "give --out another folder", { path: `${out}.lock` }))
    .catch((e) => {
      if (e instanceof FolderLockedError) throw e;
      throw new AnalyzeError(out, `cannot be written (${firstLine(e)})`, "give --out a folder you can write");
    });
  // Holding the lock, which the system drops when its holder ends however it ends: no analysis writes here.
  await removeAll(`${out}.next`);
  if (stat) await removeAll(`${out}.old`);
  // An analysis killed between its two renames left the earlier one whole as out.old and no out: put it back.
  else if (await Deno.stat(`${out}.old/overall.json`).catch(() => null)) await Deno.rename(`${out}.old`, out);
  const dead = left.filter((_, i) => found[i]).map((path) => basename(path));
  if (dead.length) {
    const who = `a killed analysis${Number.isFinite(pid) ? ` (pid ${pid})` : ""}`;
    console.error(`note: removed what ${who} left beside ${out}: ${dead.join(", ")}`);
  }
  return lock;
}

/**
 * Refuse an input inside `out` or the folders analyze makes and removes beside it (`out.next`,
 * `out.old`): the analysis would remove its own input (`analyze run.next --out run`).
 */
async function refuseOverlap(inputs: readonly string[], out: string): Promise<void> {
  const owned = [out, `${out}.next`, `${out}.old`].map((p) => resolve(p));
  for (const input of inputs) {
    const real = await Deno.realPath(input).catch(() => resolve(input));
    const inside = owned.find((p) => real === p || real.startsWith(`${p}/`));
    if (inside) {
      throw new AnalyzeError(
        input,
        `is inside ${inside}, which analyze replaces or removes`,
        "give --out another folder",
      );
    }
  }
}

/**
 * Refuse `out.next` or `out.old` (analyze's staging and swap folders, removed on the way) holding
 * something analyze did not write, and an `out.lock` that is not analyze's lock file (a pid, or empty):
 * each would be removed or overwritten.
 */
async function refuseForeignSiblings(out: string): Promise<void> {
  for (const sibling of [`${out}.next`, `${out}.old`]) {
    const stat = await Deno.lstat(sibling).catch(() => null);
    const foreign = !stat ? null : stat.isDirectory ? await foreignEntry(sibling, isAnalysisFile) : "";
    if (foreign !== null) {
      throw new AnalyzeError(
        `${sibling}${foreign ? `/${foreign}` : ""}`,
        "was not written by analyze, and analyze removes it",
        "move it away, or give --out another folder",
      );
    }
  }
  const lock = await Deno.lstat(`${out}.lock`).catch(() => null);
  if (lock && !(lock.isFile && /^\d*\n?$/.test(await Deno.readTextFile(`${out}.lock`)))) {
    throw new AnalyzeError(
      `${out}.lock`,
      "is not analyze's lock file (the process id of the analysis writing --out)",
      "move it away, or give --out another folder",
    );
  }
}

/** Release the lock {@link checkOut} took, removing its file while still holding it. */
async function unlockOut(out: string, lock: Deno.FsFile): Promise<void> {
  await Deno.remove(`${out}.lock`).catch(() => {});
  lock.close();
}

/**
 * Analyze rollout dumps and write the report folder `o.out`. Ctrl-C or SIGTERM meanwhile stops it at the
 * next completion read or file written (throwing harness/core/stop.ts's `Stopped`), with `o.out` as it
 * was, or whole once it is being moved in, and nothing of this analysis left beside it.
 *
 * @example
 * ```ts
 * import { analyze } from "@credit-bench/credit-bench";
 *
 * const { overall } = await analyze({ inputs: ["verl_rollouts"], out: "analysis", command: "my script" });
 * console.log(`accuracy ${overall.accuracy}, se_strategic ${overall.seStrategic}`);
 * ```
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalyzeResult> {
  checkOptions(options);
  // `out/` is `out`: its staging folder is the sibling `out.next`, not `out/.next`.
  const o = { ...options, out: options.out.replace(/(.)\/+$/, "$1") };
  await refuseOverlap(o.inputs, o.out);
  const lock = await checkOut(o.out);
  // Ctrl-C or SIGTERM stops it at the next completion read or file written, what it wrote removed below.
  const stop = new StopSignals(
    "stopping; --out is left whole",
    ` at once: the next analysis into ${o.out} removes what this one left`,
  );
  try {
    return await analyzeLocked(o, stop);
  } finally {
    await unlockOut(o.out, lock);
    stop.close();
  }
}

/** {@link analyze} once `o` is checked and `o.out` locked; `stop` is checked at every safe point. */
async function analyzeLocked(o: AnalyzeOptions, stop: StopSignals): Promise<AnalyzeResult> {
  const stopped = stoppedBefore(o.out), check = () => stop.check(stopped);
  const { files, runGrams } = await findSources(o.inputs, o.format);
  if (o.rewardColumn !== undefined && files[0].format !== "trl") {
    throw new AnalyzeError(
      "--reward-column",
      `names a column of TRL's Parquet, but the dump is ${files[0].format}`,
      "drop it",
    );
  }
  // Every numeric column counts as a reward unless --reward-column names them: say which, once per set.
  const summed = new Set<string>();
  const onRewardColumns = (columns: readonly string[]) => {
    const key = columns.join(", ");
    if (o.rewardColumn !== undefined || columns.length < 2 || summed.has(key)) return;
    summed.add(key);
    console.error(`note: the reward is the sum of the columns ${key}; name the ones to sum with --reward-column`);
  };
  const readOptions = { threshold: o.threshold ?? 1, rewardColumn: o.rewardColumn, onRewardColumns };
  let answerPattern: RegExp | undefined;
  try {
    answerPattern = o.answerPattern === undefined ? undefined : answerRegExp(o.answerPattern);
  } catch (e) {
    const unicode = /\/gu: /.test((e as Error).message); // \p{…} written: only Unicode mode reads it
    throw new AnalyzeError(
      "--answer-pattern",
      (e as Error).message,
      unicode
        ? "with \\p{…}, write it as Unicode mode reads it: a literal ], { or } escaped with \\, no other escape of a plain character"
        : "give a JavaScript regular expression",
    );
  }
  const countTokens = o.tokenizer === undefined ? undefined : await tokenCounter(o.tokenizer);
  const { grams, mined, source } = await gramsOf(o, files, runGrams, readOptions, check);
  const reflections = o.reflections ?? DEFAULT_REFLECTIONS;
  const readers: Readers = {
    grams: new PhraseMatcher(grams),
    reflections: new PhraseMatcher(reflections),
    answerPattern,
    countTokens,
  };

  const byStep = new Map<number, StepStats>(), all = new StepStats(null, grams.length);
  const total = files.reduce((s, f) => s + f.bytes, 0);
  const progress = o.progress === false ? null : new Progress("analyze (bytes)", total);
  let done = 0, n = 0;
  for (const src of files) {
    for await (const c of readSource(src, readOptions, (b) => (done += b))) {
      check();
      const m = measure(c, readers);
      let stats = byStep.get(c.step);
      if (!stats) byStep.set(c.step, stats = new StepStats(c.step, grams.length));
      stats.add(m, c.prompt);
      all.add(m, `${c.step}\u0000${c.prompt}`);
      if (++n % 1000 === 0) progress?.update(done, `${n} completions`);
    }
  }
  progress?.update(total, `${n} completions`);
  progress?.done();

  // Relative perplexity is to the first step with log-probs (a dump may start without them).
  let base: Split | null = null;
  const steps = [...byStep.keys()].sort((a, b) => a - b).map((step) => {
    const r = byStep.get(step)!.result(base);
    base ??= r.perplexity;
    return r;
  });
  const overall = all.result(base);
  const label = o.inputs[0].replace(/\/+$/, "").split("/").pop()!;
  const written = await writeAnalysis(o.out, {
    label,
    command: o.command,
    inputs: files.map((f) => ({ path: f.path, format: f.format })),
    steps,
    overall,
    grams,
    mined,
    gramSource: source,
    reflections,
  }, stop);
  return { steps, overall, grams, files: written };
}
