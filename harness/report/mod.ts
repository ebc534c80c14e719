/**
 * The report of a suite, built from its stored runs alone (no model): Tables 1, 2 and 3 as
 * Markdown, LaTeX and CSV, the claims report (`claims.md`, `claims.tex`, `claims.json`: the paper's
 * claims tested across seeds, with the A/A control), one SVG figure per metric under `figures/` and the
 * probability of improvement over GRPO, and `index.html` with all of them, written beside `runs/` in
 * `<inDir>/<suite>/`. Every file is a pure function of the stored runs and the command, so regenerating
 * it gives the same bytes; a figure with no data is not drawn.
 *
 * The new report is written whole into `.report.next/` beside the old one and only then moved in
 * (each table and `index.html` renamed over its old file, `figures/` swapped as one folder), with
 * Ctrl-C and SIGTERM held off until the last rename: a report they stop leaves the old one whole,
 * never a mix of old and new files. A kill (SIGKILL) between the renames can leave a mix, or no
 * `figures/` (the old one in `.report.next/figures.old/`), which the next report replaces whole. One
 * report at a time writes a suite's folder: it holds `.report.lock` there (harness/core/folder_lock.ts),
 * and a second one stops at once.
 * @module
 */
import { loadResults, type SkippedRun } from "../store/results.ts";
import { ResultsError } from "../store/results_error.ts";
import { runsDir } from "../store/run_folder.ts";
import { StopSignals } from "../core/stop.ts";
import { removeAll } from "../core/atomic.ts";
import { lockFolder } from "../core/folder_lock.ts";
import { firstLine, isUnwritable } from "../core/errors.ts";
import { indexHtml, type Page } from "./html.ts";
import { methodsOf, tasksOf } from "./methods.ts";
import { renderFigure, renderSpec } from "./plot.ts";
import { claimsOf } from "./claims/claims.ts";
import { claimsHtml, claimsJson, claimsLatex, claimsMarkdown, overridesSentence } from "./claims/render.ts";
import { configOverrides, paramOverrides } from "./overrides.ts";
import { IMPROVEMENT_FIGURE, improvementPoints, improvementSpec } from "./improvement.ts";
import { FIGURE_NAMES, figuresOf } from "./series.ts";
import type { Table } from "./table.ts";
import { foreignEntry, Staging } from "./staging.ts";
import { table1 } from "./table1.ts";
import { table2 } from "./table2.ts";
import { table3 } from "./table3.ts";

/**
 * What to report.
 *
 * @example
 * ```ts
 * import type { ReportOptions } from "@credit-bench/credit-bench";
 *
 * const options: ReportOptions = { inDir: "results", suite: "default", command: "deno task report" };
 * ```
 */
export interface ReportOptions {
  /** The results folder (`--out` of `deno task bench`), holding `<suite>/runs/`. */
  inDir: string;
  /** The suite whose runs are reported. */
  suite: string;
  /** The command line that made the report, shown on `index.html`. */
  command: string;
  /**
   * `inDir` as `deno task bench --out` names it, for the commands of claims not run (`claims.md`); leave
   * it out when `inDir` is the project's `results`, the bench's default.
   */
  benchOut?: string;
  /**
   * Wait for a report of the folder that another process is writing, instead of refusing: a bench's
   * own report after its grid (a report typed meanwhile would otherwise fail the bench, and leave its
   * report of runs still running).
   */
  waitForOthers?: boolean;
}

/**
 * What {@link writeReport} did.
 *
 * @example
 * ```ts
 * import { type ReportResult, writeReport } from "@credit-bench/credit-bench";
 *
 * const done: ReportResult = await writeReport({ inDir: "results", suite: "default", command: "my script" });
 * console.log(done.files.length, done.skipped.length);
 * ```
 */
export interface ReportResult {
  /** Paths written, in order. */
  files: string[];
  /** Run folders left out (not complete), with the reason. */
  skipped: SkippedRun[];
  /** What a reader of the report must know first (every RL run had no learning signal), in words. */
  warnings: string[];
}

/**
 * Write the report of `suite`: `table{1,2,3}.{md,tex,csv}`, `claims.{md,tex,json}`,
 * `figures/<metric>.svg`, `figures/probability_of_improvement.svg` and `index.html` in
 * `<inDir>/<suite>/`. Throws a `ResultsError` (path and fix) for a corrupt, truncated or duplicated run,
 * and an error when no complete run is found.
 *
 * @example
 * ```ts
 * import { writeReport } from "@credit-bench/credit-bench";
 *
 * await writeReport({ inDir: "results", suite: "default", command: "deno task report --suite default" });
 * console.log(await Deno.readTextFile("results/default/table1.md"));
 * ```
 */
export async function writeReport(opts: ReportOptions): Promise<ReportResult> {
  for (const [name, v] of [["inDir", opts.inDir], ["suite", opts.suite], ["command", opts.command]] as const) {
    // From code: a missing command broke index.html after the tables were staged.
    if (typeof v !== "string") {
      throw new TypeError(`writeReport: ${name} is ${v === undefined ? "missing" : typeof v}; give a string`);
    }
  }
  const results = await loadResults(opts.inDir, opts.suite);
  const methods = methodsOf(results);
  if (methods.length === 0) {
    const left = results.skipped.length, failed = results.skipped.find((s) => s.reason.startsWith("status failed"));
    throw new ResultsError(
      runsDir(opts.inDir, opts.suite),
      `no complete run to report (${left} left out); ` +
        (failed
          ? `${failed.dir} failed (${failed.reason.replace(/^status failed: ?/, "")}): fix that, then run the bench ` +
            "again (it says what to do with the failed run)"
          : left
          ? "finish them with deno task bench --resume and the options that began them"
          : "run a bench first"),
    );
  }
  const dir = `${opts.inDir}/${opts.suite}`, next = `${dir}/.report.next`;
  await checkFigures(`${dir}/figures`);
  const unwritable = (e: unknown) =>
    isUnwritable(e)
      ? new ResultsError(
        dir,
        `cannot be written (${firstLine(e)}), and the report is written there, beside runs/; make it ` +
          `writable, or copy ${opts.inDir} to a folder you can write and run the report with --in set to the copy`,
      )
      : e;
  const waiting = (pid: number | null) =>
    console.error(`waiting for another report of ${dir}${pid ? ` (pid ${pid})` : ""} to finish`);
  const lock = await lockFolder(dir, "run the report again once it is done", {
    path: `${dir}/.report.lock`,
    waiting: opts.waitForOthers ? waiting : undefined,
  })
    .catch((e) => {
      throw unwritable(e);
    });
  // The lock file may be left from an earlier report while the folder itself is read-only now.
  const staging = await Staging.open(next).catch((e) => {
    lock.close();
    throw unwritable(e);
  });
  const names = staging.names, warnings: string[] = [];
  const write = (name: string, data: string) => staging.write(name, data);
  try {
    const tables: { name: string; title: string; table: Table }[] = [
      { name: "table1", title: "Table 1: pass@1 per task", table: table1(methods, tasksOf(methods)) },
      { name: "table2", title: "Table 2: pass@k, greedy accuracy, length, aha and errors", table: table2(methods) },
      { name: "table3", title: "Table 3: accuracy by response length", table: table3(methods) },
    ];
    for (const t of tables) await staging.table(t.name, t.table);
    const claims = claimsOf(results, opts.benchOut);
    if (claims.sensitivity.warning) warnings.push(claims.sensitivity.warning);
    const overrides = [...configOverrides(results), ...paramOverrides(results)];
    await write("claims.md", claimsMarkdown(claims, opts.command, overrides));
    await write("claims.tex", claimsLatex(claims));
    await write("claims.json", claimsJson(claims));
    const figures: Page["figures"] = [], notDrawn: string[] = [];
    const drawn = async (name: string, svg: string) => {
      await write(`figures/${name}.svg`, svg);
      figures.push({ name, svg });
    };
    for (const fig of figuresOf(methods)) {
      if (fig.points.length === 0) { // no data (e.g. no RL run yet): not drawn, and said so
        notDrawn.push(`${fig.name}.svg: no run has its values`);
        continue;
      }
      await drawn(fig.name, await renderFigure(fig));
    }
    const improvement = improvementPoints(methods, tasksOf(methods));
    const colors = methods.filter((m) => !m.base).map((m) => m.name);
    if (improvement.length) await drawn(IMPROVEMENT_FIGURE, await renderSpec(improvementSpec(improvement, colors)));
    else {notDrawn.push(
        `${IMPROVEMENT_FIGURE}.svg: it compares each method with grpo, and these runs have no grpo or no other method`,
      );}
    const page = {
      suite: opts.suite,
      command: opts.command,
      tables,
      claims: claimsHtml(claims),
      figures,
      notDrawn,
      results,
      overrides: overrides.length ? overridesSentence(overrides) : null,
    };
    await write("index.html", indexHtml(page));
    await swapIn(dir, next, names.filter((name) => !name.startsWith("figures/")));
  } finally {
    await removeAll(next);
    lock.close();
  }
  return { files: names.map((name) => `${dir}/${name}`), skipped: results.skipped, warnings };
}

/**
 * Refuse a `figures/` folder holding anything but the figures the report draws: it replaces the folder
 * whole (a stale figure of an earlier report of this version goes with it), so a file or folder of one's
 * own there, an SVG of one's own included, would go too. A figure an earlier version drew under a name
 * this one does not draw is refused as well, with a word on it.
 */
async function checkFigures(figures: string): Promise<void> {
  const stat = await Deno.lstat(figures).catch(() => null);
  if (stat && !stat.isDirectory) {
    throw new Error(`${figures}: is a file where the report writes a folder; move it away`);
  }
  const ours = new Set([...FIGURE_NAMES, IMPROVEMENT_FIGURE].map((name) => `${name}.svg`));
  const foreign = await foreignEntry(figures, (path) => ours.has(path));
  if (foreign !== null) {
    throw new Error(
      `${figures}/${foreign}: is not a figure the report draws, and figures/ is replaced whole; move it out of the ` +
        "folder (or delete it, if an earlier version of the report drew it)",
    );
  }
}

/**
 * Move the report written in `next` into `dir`: each of `files` renamed over its old file, then
 * `figures/` swapped as one folder (the old one moved into `next`, removed with it), with the stop
 * signals held off meanwhile; one that came is acted on once the new report is whole in place.
 */
async function swapIn(dir: string, next: string, files: readonly string[]): Promise<void> {
  const stop = new StopSignals(
    "finishing moving the new report in",
    " while the new report was moved in: run the report again",
  );
  try {
    // Checked before any file moves: a rename over a folder fails, and would leave a mix of old and new.
    for (const name of files) {
      if ((await Deno.lstat(`${dir}/${name}`).catch(() => null))?.isDirectory) {
        throw new Error(`${dir}/${name}: is a folder where the report writes a file; move it away`);
      }
    }
    for (const name of files) await Deno.rename(`${next}/${name}`, `${dir}/${name}`);
    await Deno.rename(`${dir}/figures`, `${next}/figures.old`).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await Deno.rename(`${next}/figures`, `${dir}/figures`);
  } finally {
    stop.close();
  }
  stop.check(" once the new report was in place");
}
