/**
 * The report of a suite, built from its stored runs alone (no model): Table 1 and Table 2 as
 * Markdown, LaTeX and CSV, one SVG figure per metric under `figures/`, and `index.html` with all of
 * them, written beside `runs/` in `<inDir>/<suite>/`. Every file is written atomically and is a pure
 * function of the stored runs and the command, so regenerating it gives the same bytes; a figure
 * with no data is not drawn, and an earlier report's file of that name is removed.
 * @module
 */
import { writeAtomic } from "../atomic.ts";
import { loadResults, type SkippedRun } from "../results.ts";
import { runsDir } from "../store.ts";
import { indexHtml, type Page } from "./html.ts";
import { methodsOf, tasksOf } from "./methods.ts";
import { renderFigure } from "./plot.ts";
import { figuresOf } from "./series.ts";
import { type Table, toCsv, toLatex, toMarkdown } from "./table.ts";
import { table1 } from "./table1.ts";
import { table2 } from "./table2.ts";

/** What to report. */
export interface ReportOptions {
  /** The results folder (`--out` of `deno task bench`), holding `<suite>/runs/`. */
  inDir: string;
  /** The suite whose runs are reported. */
  suite: string;
  /** The command line that made the report, shown on `index.html`. */
  command: string;
}

/** What {@link writeReport} did. */
export interface ReportResult {
  /** Paths written, in order. */
  files: string[];
  /** Run folders left out (not complete), with the reason. */
  skipped: SkippedRun[];
}

/**
 * Write the report of `suite`: `table1.{md,tex,csv}`, `table2.{md,tex,csv}`, `figures/<metric>.svg`
 * and `index.html` in `<inDir>/<suite>/`. Throws a `ResultsError` (path and fix) for a corrupt,
 * truncated or duplicated run, and an error when no complete run is found.
 */
export async function writeReport(opts: ReportOptions): Promise<ReportResult> {
  const results = await loadResults(opts.inDir, opts.suite);
  const methods = methodsOf(results);
  if (methods.length === 0) {
    throw new Error(
      `${runsDir(opts.inDir, opts.suite)}: no complete run to report (${results.skipped.length} left out)`,
    );
  }
  const dir = `${opts.inDir}/${opts.suite}`;
  const files: string[] = [];
  const write = async (name: string, data: string) => {
    await writeAtomic(`${dir}/${name}`, data);
    files.push(`${dir}/${name}`);
  };
  const tables: { name: string; title: string; table: Table }[] = [
    { name: "table1", title: "Table 1: pass@1 per task", table: table1(methods, tasksOf(methods)) },
    { name: "table2", title: "Table 2: pass@k, greedy accuracy, length, aha and errors", table: table2(methods) },
  ];
  for (const t of tables) {
    await write(`${t.name}.md`, toMarkdown(t.table));
    await write(`${t.name}.tex`, toLatex(t.table));
    await write(`${t.name}.csv`, toCsv(t.table));
  }
  await Deno.mkdir(`${dir}/figures`, { recursive: true });
  const figures: Page["figures"] = [];
  for (const fig of figuresOf(methods)) {
    if (fig.points.length === 0) {
      // No data (e.g. no RL run yet): an earlier report's figure of that name would be stale.
      await Deno.remove(`${dir}/figures/${fig.name}.svg`).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
      continue;
    }
    const svg = await renderFigure(fig);
    await write(`figures/${fig.name}.svg`, svg);
    figures.push({ name: fig.name, svg });
  }
  await write("index.html", indexHtml({ suite: opts.suite, command: opts.command, tables, figures, results }));
  return { files, skipped: results.skipped };
}
