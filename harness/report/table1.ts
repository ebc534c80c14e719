/**
 * Table 1: pass@1 at the final evaluation, per task (columns) and method (rows), mean ± std over
 * seeds, the best mean of each column in bold, a Δ(HICRA − GRPO) row when both ran, and the mean
 * over tasks (each run's mean over its tasks); then each RL method's IQM over seeds with its 95%
 * bootstrap interval.
 * @module
 */
import { formatEstimate, formatNumber, formatSigned, formatSummary, PERCENT } from "./format.ts";
import type { Method } from "./methods.ts";
import { robustSummary, type SeedSummary, summarize, SUMMARY_FIELDS, summaryFields } from "./seed_stats.ts";
import type { Cell, Row, Table } from "./table.ts";
import { mean } from "../metrics/stats.ts";

/** pass@1 of each seed's final evaluation of `task`, or, for task null, the mean over the seed's tasks. */
function pass1(m: Method, task: string | null): (number | null)[] {
  return m.finals.map((e) => {
    if (task === null) return e.evals.length ? mean(e.evals.map((t) => t.pass1)) : null;
    return e.evals.find((t) => t.task === task)?.pass1 ?? null;
  });
}

/** Table 1 of `methods` over `tasks`. */
export function table1(methods: readonly Method[], tasks: readonly string[]): Table {
  const columns: (string | null)[] = [...tasks, null];
  const stats: (SeedSummary | null)[][] = methods.map((m) => columns.map((c) => summarize(pass1(m, c))));
  const best = columns.map((_, j) => {
    const shown = stats.map((row) => row[j]).filter((s) => s !== null).map((s) =>
      Number(formatNumber(s.mean, PERCENT))
    );
    return shown.length ? Math.max(...shown) : null;
  });
  const rows: Row[] = methods.map((m, i) => ({
    label: m.name,
    cells: stats[i].map((s, j): Cell => ({
      text: formatSummary(s, PERCENT),
      bold: s !== null && Number(formatNumber(s.mean, PERCENT)) === best[j],
    })),
  }));
  const robust = methods.map((m) => columns.map((c) => robustSummary(pass1(m, c))));
  const csvRows: (string | number | null)[][] = methods.map((m, i) => [
    m.name,
    m.finals.length,
    ...stats[i].flatMap((s, j) => summaryFields(s, robust[i][j])),
  ]);
  const groups = [rows.filter((_, i) => methods[i].base), rows.filter((_, i) => !methods[i].base)];
  const hicra = methods.findIndex((m) => !m.base && m.name === "hicra");
  const grpo = methods.findIndex((m) => !m.base && m.name === "grpo");
  let caption = "pass@1 (%) at the final evaluation, mean ± std over seeds (sample std; none for one seed); " +
    "best mean per column in bold";
  if (hicra >= 0 && grpo >= 0) {
    const delta = columns.map((_, j) => {
      const h = stats[hicra][j], g = stats[grpo][j];
      return h && g ? h.mean - g.mean : null;
    });
    groups.push([{
      label: "Δ(HICRA − GRPO)",
      cells: delta.map((d) => ({ text: d === null ? "–" : formatSigned(d, PERCENT) })),
    }]);
    csvRows.push([
      "delta_hicra_grpo",
      null,
      ...delta.flatMap((d) => SUMMARY_FIELDS.map((_, k) => (k === 0 ? d : null))),
    ]);
    caption += "; Δ in percentage points";
  }
  groups.push(
    methods.flatMap((m, i) =>
      m.base
        ? []
        : [{ label: `${m.name}, IQM [95% CI]`, cells: robust[i].map((r) => ({ text: formatEstimate(r, PERCENT) })) }]
    ),
  );
  caption += "; the last rows: the interquartile mean over seeds (the mean when there are fewer than 4) with " +
    "its 95% percentile bootstrap interval over seeds (none for one seed)";
  return {
    caption: `${caption}.`,
    header: ["method", ...tasks, "mean over tasks"],
    groups: groups.filter((g) => g.length > 0),
    csv: {
      header: [
        "method",
        "seeds",
        ...[...tasks, "mean_over_tasks"].flatMap((c) => SUMMARY_FIELDS.map((part) => `${c}_${part}`)),
      ],
      rows: csvRows,
    },
  };
}
