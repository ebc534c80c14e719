/**
 * Table 2: per method, at the final evaluation, the mean over tasks of pass@k (every k evaluated),
 * greedy accuracy, response length, aha frequency, the share of each error kind and the semantic
 * entropy of the answers; mean ± std over seeds.
 * @module
 */
import type { ErrorKind } from "../evaluate.ts";
import { mean } from "../metrics/stats.ts";
import type { TaskEvalRecord } from "../store.ts";
import { formatSummary, type NumberFormat, PERCENT } from "./format.ts";
import type { Method } from "./methods.ts";
import { summarize } from "./seed_stats.ts";
import type { Table } from "./table.ts";

/** A column: its header, its CSV name, how it is shown and its value for one task (null: none). */
interface Column {
  header: string;
  key: string;
  format: NumberFormat;
  value: (t: TaskEvalRecord) => number | null;
}

const ERROR_KINDS: readonly ErrorKind[] = ["format", "execution", "planning"];

/** The values of k evaluated by any method, ascending. */
function ksOf(methods: readonly Method[]): string[] {
  const ks = new Set<string>();
  for (const m of methods) for (const e of m.finals) for (const t of e.evals) for (const k in t.passAtK) ks.add(k);
  return [...ks].sort((a, b) => Number(a) - Number(b));
}

function columns(ks: readonly string[]): Column[] {
  return [
    ...ks.map((k): Column => ({
      header: `pass@${k} (%)`,
      key: `pass@${k}`,
      format: PERCENT,
      value: (t) => t.passAtK[k] ?? null,
    })),
    { header: "greedy (%)", key: "greedy", format: PERCENT, value: (t) => t.greedy },
    { header: "length (tokens)", key: "length", format: { scale: 1, digits: 1 }, value: (t) => t.length.mean },
    { header: "aha (%)", key: "aha", format: PERCENT, value: (t) => t.aha.frequency },
    ...ERROR_KINDS.map((kind): Column => ({
      header: `${kind} errors (%)`,
      key: `${kind}_errors`,
      format: PERCENT,
      value: (t) => t.errors[kind] ?? null,
    })),
    { header: "se_answer (nats)", key: "se_answer", format: { scale: 1, digits: 3 }, value: (t) => t.seAnswer },
  ];
}

/** Table 2 of `methods`. */
export function table2(methods: readonly Method[]): Table {
  const cols = columns(ksOf(methods));
  const stats = methods.map((m) =>
    cols.map((c) =>
      summarize(m.finals.map((e) => {
        const v = e.evals.map(c.value).filter((x): x is number => x !== null);
        return v.length ? mean(v) : null;
      }))
    )
  );
  const rows = methods.map((m, i) => ({
    label: m.name,
    cells: stats[i].map((s, j) => ({ text: formatSummary(s, cols[j].format) })),
  }));
  return {
    caption: "At the final evaluation, mean over tasks, then mean ± std over seeds: unbiased pass@k, " +
      "greedy accuracy, mean response length, share of responses with an aha event, error kinds as " +
      "shares of all responses, semantic entropy of the answers.",
    header: ["method", ...cols.map((c) => c.header)],
    groups: [rows.filter((_, i) => methods[i].base), rows.filter((_, i) => !methods[i].base)].filter((g) => g.length),
    csv: {
      header: ["method", "seeds", ...cols.flatMap((c) => [`${c.key}_mean`, `${c.key}_std`])],
      rows: methods.map((
        m,
        i,
      ) => [m.name, m.finals.length, ...stats[i].flatMap((s) => [s?.mean ?? null, s?.std ?? null])]),
    },
  };
}
