/**
 * Reading a suite's stored runs back for reports: every run folder under `<dir>/<suite>/runs/` is
 * checked against its manifest (store version, suite, folder name, the size and SHA-256 of every
 * listed file) and its JSONL files are parsed strictly. Runs that are not complete are skipped with
 * the reason; anything corrupt, truncated or duplicated is an error naming the path and the fix.
 * @module
 */
import { firstLine } from "../core/errors.ts";
import { sha256 } from "../core/atomic.ts";
import { type EvalRecord, type RunManifest, type StepRecord, STORE_VERSION } from "./schema.ts";
import { manifestProblem } from "./hashes.ts";
import { ResultsError } from "./results_error.ts";
import { isTemporaryRun, linkedRun, readManifest, remakeAdvice, runsDir } from "./run_folder.ts";

/**
 * A complete RL run: its manifest, its training steps and its evaluations, both in step order.
 *
 * @example
 * ```ts
 * import { type LoadedRun, loadResults } from "@credit-bench/credit-bench";
 *
 * const runs: LoadedRun[] = (await loadResults("results", "default")).runs;
 * for (const r of runs) console.log(r.manifest.baseline, r.manifest.seed, r.steps.length, r.evals.length);
 * ```
 */
export interface LoadedRun {
  /** The run folder. */
  dir: string;
  /** Its `manifest.json`. */
  manifest: RunManifest;
  /** Its `train.jsonl`: one record per RL step. */
  steps: StepRecord[];
  /** Its `eval.jsonl`: one record per evaluation. */
  evals: EvalRecord[];
}

/**
 * The base model's folder: its manifest and its one evaluation (step 0).
 *
 * @example
 * ```ts
 * import { type LoadedBase, loadResults } from "@credit-bench/credit-bench";
 *
 * const base: LoadedBase | null = (await loadResults("results", "default")).base;
 * console.log(base?.eval.evals.map((e) => e.passAtK["1"]));
 * ```
 */
export interface LoadedBase {
  /** The run folder. */
  dir: string;
  /** Its `manifest.json`. */
  manifest: RunManifest;
  /** Its evaluation, at step 0. */
  eval: EvalRecord;
}

/**
 * A run folder left out of the results, and why.
 *
 * @example
 * ```ts
 * import { loadResults, type SkippedRun } from "@credit-bench/credit-bench";
 *
 * const skipped: SkippedRun[] = (await loadResults("results", "default")).skipped;
 * for (const s of skipped) console.log(`${s.dir}: ${s.reason}`);
 * ```
 */
export interface SkippedRun {
  /** The run folder. */
  dir: string;
  /** Why it is left out, e.g. `status running`. */
  reason: string;
}

/**
 * Everything a report of one suite is built from.
 *
 * @example
 * ```ts
 * import { loadResults, type SuiteResults } from "@credit-bench/credit-bench";
 *
 * const results: SuiteResults = await loadResults("results", "default");
 * console.log(results.runs.length, results.base !== null, results.skipped.length);
 * ```
 */
export interface SuiteResults {
  /** The suite's name. */
  suite: string;
  /** The base model's evaluation, or null when the suite has none. */
  base: LoadedBase | null;
  /** Complete RL runs, by baseline name, then seed. */
  runs: LoadedRun[];
  /** Folders that are not (yet) complete runs, by folder name. */
  skipped: SkippedRun[];
}

/**
 * Read all runs of `suite` under the results folder `dir` (`<dir>/<suite>/runs/<id>/`): the complete
 * ones checked against their manifests, the others listed with the reason. Throws a {@link ResultsError}
 * for a blank `dir`, a `suite` that is not one folder's name, a missing folder or a corrupt, truncated
 * or duplicated run.
 *
 * @example
 * ```ts
 * import { loadResults, mean } from "@credit-bench/credit-bench";
 *
 * const results = await loadResults("results", "default");
 * const hicra = results.runs.filter((r) => r.manifest.baseline === "hicra");
 * console.log(mean(hicra.map((r) => r.evals.at(-1)!.evals[0].passAtK["1"])));
 * ```
 */
export async function loadResults(dir: string, suite: string): Promise<SuiteResults> {
  if (!dir.trim()) throw new ResultsError("the results folder", "is blank; give a folder, e.g. results");
  if (!/^[^/\\]+$/.test(suite) || suite === "." || suite === "..") {
    throw new ResultsError(`suite ${JSON.stringify(suite)}`, "is not a folder name; give a suite, e.g. default");
  }
  const root = runsDir(dir, suite);
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(root)) {
      if (e.isSymlink) {
        throw new ResultsError(`${root}/${e.name}`, linkedRun(`${root}/${e.name}`).replace(/^[^:]*: /, ""));
      }
      if (e.isDirectory) names.push(e.name);
    }
  } catch (e) {
    if (e instanceof ResultsError) throw e;
    if (e instanceof Deno.errors.NotFound) {
      throw new ResultsError(root, `no such folder; run \`deno task bench --suite ${suite} --out ${dir}\` first`);
    }
    if (e instanceof Deno.errors.NotADirectory) {
      throw new ResultsError(dir, "is a file, not a results folder; give the folder that bench wrote (its --out)");
    }
    throw new ResultsError(
      root,
      `cannot be read (${firstLine(e)}); give a folder you can read`,
    );
  }
  names.sort();
  const out: SuiteResults = { suite, base: null, runs: [], skipped: [] };
  const seen = new Map<string, string>();
  for (const name of names) {
    const runDir = `${root}/${name}`;
    if (isTemporaryRun(name)) {
      out.skipped.push({
        dir: runDir,
        reason: "not a run: a bench was killed as it made it (the next bench removes it)",
      });
      continue;
    }
    const manifest = await checkedManifest(runDir, name, suite);
    if (manifest === null) {
      out.skipped.push({ dir: runDir, reason: "no manifest.json" });
      continue;
    }
    if (manifest.status !== "complete") {
      const why = manifest.error ? `: ${manifest.error}` : "";
      out.skipped.push({ dir: runDir, reason: `status ${manifest.status}${why}` });
      continue;
    }
    const key = manifest.kind === "base" ? "the base model" : `${manifest.baseline} seed ${manifest.seed}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new ResultsError(runDir, `${other} is also a complete run of ${key}; delete one of the two folders`);
    }
    seen.set(key, runDir);
    await verifyFiles(runDir, manifest, remakeAdvice(runDir));
    if (manifest.kind === "base") out.base = await readBase(runDir, manifest);
    else out.runs.push(await readRun(runDir, manifest));
  }
  checkOneGrid(out);
  out.runs.sort((a, b) =>
    (a.manifest.baseline! < b.manifest.baseline! ? -1 : a.manifest.baseline! > b.manifest.baseline! ? 1 : 0) ||
    a.manifest.seed - b.manifest.seed
  );
  return out;
}

/**
 * Refuse results that are not of one grid: a run of another configuration (a copied folder; a bench
 * refuses to mix them), runs from two base models (code the base model runs edited between two benches),
 * or seeds of one method made by different code (a baseline file edited between two benches): a table
 * would average them as one.
 */
function checkOneGrid(r: SuiteResults): void {
  const all = [...(r.base ? [r.base] : []), ...r.runs];
  const first = all[0];
  const other = all.find((x) => x.manifest.gridHash !== first.manifest.gridHash);
  if (first && other) {
    throw new ResultsError(
      other.dir,
      `is a run of another configuration (grid hash ${other.manifest.gridHash.slice(0, 8)}) than ${first.dir} ` +
        `(${
          first.manifest.gridHash.slice(0, 8)
        }); a report is of one configuration: move one to a results folder of its own`,
    );
  }
  const recorded = all.filter((x) => x.manifest.baseWeights !== undefined);
  const otherBase = recorded.find((x) => x.manifest.baseWeights !== recorded[0].manifest.baseWeights);
  if (otherBase) {
    throw new ResultsError(
      otherBase.dir,
      `was made from a base model whose weights hash to ${otherBase.manifest.baseWeights!.slice(0, 8)}, ` +
        `${recorded[0].dir} from one whose weights hash to ${recorded[0].manifest.baseWeights!.slice(0, 8)} (it ` +
        "was rebuilt between them); a report is of one base model: move one to a results folder of its own",
    );
  }
  for (const run of r.runs) {
    const firstOfIt = r.runs.find((x) => x.manifest.baseline === run.manifest.baseline)!;
    if (run.manifest.baselineKey !== firstOfIt.manifest.baselineKey) {
      throw new ResultsError(
        run.dir,
        `was made by other code of ${run.manifest.baseline} than ${firstOfIt.dir}; a method's seeds must share its ` +
          "code: move one to a results folder of its own, or run it again with the code of the other",
      );
    }
  }
}

/** The manifest of `runDir`, checked against the store version, the suite and the folder name; null when none. */
async function checkedManifest(runDir: string, name: string, suite: string): Promise<RunManifest | null> {
  const path = `${runDir}/manifest.json`;
  const m = await readManifest(runDir);
  if (m === null) return null;
  if (m.storeVersion !== STORE_VERSION) {
    throw new ResultsError(
      path,
      `store version ${m.storeVersion}, this harness reads version ${STORE_VERSION}; ` +
        `report it with the harness version that wrote it, or re-run the cell`,
    );
  }
  if (m.suite !== suite) throw new ResultsError(path, `belongs to suite ${m.suite}, not ${suite}; move the folder`);
  if (m.id !== name) {
    throw new ResultsError(
      path,
      `id ${m.id} does not match its folder name ${name} (a copy, or a renamed run?); a run folder keeps its name: ` +
        "move the copy out of runs/, or give the folder its name back",
    );
  }
  const problem = await manifestProblem(m);
  if (problem) {
    throw new ResultsError(
      path,
      `does not match itself (${problem}): it was edited or damaged; ${remakeAdvice(runDir)}`,
    );
  }
  if (m.kind !== "run" && m.kind !== "base") throw new ResultsError(path, `unknown kind ${m.kind}`);
  return m;
}

/**
 * Check the size and SHA-256 of every file the manifest of finished run folder `runDir` lists; a
 * {@link ResultsError} names the first file that differs, then `fix`.
 */
export async function verifyFiles(runDir: string, m: RunManifest, fix: string): Promise<void> {
  const required = m.kind === "base" ? ["eval.jsonl"] : ["train.jsonl", "eval.jsonl"];
  for (const name of required) {
    if (!m.files?.[name]) throw new ResultsError(`${runDir}/manifest.json`, `lists no ${name}; ${fix}`);
  }
  for (const [name, sum] of Object.entries(m.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const path = `${runDir}/${name}`;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new ResultsError(path, `missing (listed in manifest.json); ${fix}`);
      throw e;
    }
    if (bytes.length !== sum.bytes) {
      throw new ResultsError(path, `${bytes.length} bytes, manifest.json says ${sum.bytes}; ${fix}`);
    }
    if (await sha256(bytes) !== sum.sha256) {
      throw new ResultsError(path, `SHA-256 differs from manifest.json (file changed or corrupt); ${fix}`);
    }
  }
}

/** The base model's folder: exactly one evaluation, at step 0. */
async function readBase(runDir: string, manifest: RunManifest): Promise<LoadedBase> {
  const path = `${runDir}/eval.jsonl`;
  const evals = await readJsonl(path, checkEval, remakeAdvice(runDir));
  if (evals.length !== 1 || evals[0].step !== 0) {
    throw new ResultsError(
      path,
      `a base model's folder needs one evaluation at step 0, found ${evals.length}; ${remakeAdvice(runDir)}`,
    );
  }
  return { dir: runDir, manifest, eval: evals[0] };
}

/** An RL run's folder: steps and evaluations in increasing step order, at least one evaluation. */
async function readRun(runDir: string, manifest: RunManifest): Promise<LoadedRun> {
  const fix = remakeAdvice(runDir);
  const steps = await readJsonl(`${runDir}/train.jsonl`, checkStep, fix);
  const evals = await readJsonl(`${runDir}/eval.jsonl`, checkEval, fix);
  for (const [name, recs] of [["train.jsonl", steps], ["eval.jsonl", evals]] as const) {
    for (let i = 1; i < recs.length; i++) {
      if (recs[i].step <= recs[i - 1].step) {
        throw new ResultsError(`${runDir}/${name}`, `line ${i + 1}: step ${recs[i].step} does not increase; ${fix}`);
      }
    }
  }
  if (evals.length === 0) throw new ResultsError(`${runDir}/eval.jsonl`, `no evaluation; ${fix}`);
  return { dir: runDir, manifest, steps, evals };
}

/** Parse a JSONL file line by line; `check` returns what is wrong with a record, or null; `fix` ends an error. */
async function readJsonl<T>(path: string, check: (rec: T) => string | null, fix: string): Promise<T[]> {
  const text = await Deno.readTextFile(path);
  if (text === "") return [];
  if (!text.endsWith("\n")) {
    throw new ResultsError(path, `line ${text.split("\n").length}: truncated (no final newline); ${fix}`);
  }
  const lines = text.slice(0, -1).split("\n");
  return lines.map((line, i) => {
    let rec: T;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new ResultsError(path, `line ${i + 1}: not valid JSON (${(e as Error).message}); ${fix}`);
    }
    const problem = rec !== null && typeof rec === "object" ? check(rec) : "not a JSON object";
    if (problem !== null) throw new ResultsError(path, `line ${i + 1}: ${problem}; ${fix}`);
    return rec;
  });
}

/** What is wrong with a line of `train.jsonl`, or null. */
function checkStep(r: StepRecord): string | null {
  if (!Number.isInteger(r.step) || r.step < 0) return "no step number";
  if (typeof r.length?.mean !== "number" || typeof r.masks?.oracle !== "object" || typeof r.masks?.mined !== "object") {
    return "not a training step record (length or the oracle and mined mask statistics missing)";
  }
  return null;
}

/** What is wrong with a line of `eval.jsonl`, or null. */
function checkEval(r: EvalRecord): string | null {
  if (!Number.isInteger(r.step) || r.step < 0) return "no step number";
  if (!Array.isArray(r.evals) || r.evals.length === 0) return "no task evaluations";
  for (const t of r.evals) {
    if (typeof t?.task !== "string" || typeof t.pass1 !== "number" || typeof t.passAtK !== "object") {
      return "a task evaluation lacks task, pass1 or passAtK";
    }
  }
  return null;
}
