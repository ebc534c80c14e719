/**
 * Table 2: per method, at the final evaluation, the mean over tasks of pass@k (every k evaluated),
 * greedy accuracy, response length, aha frequency, the share of each error kind and the semantic
 * entropy of the answers; then, from the training steps, how well the mined Strategic Grams find the
 * oracle's planning tokens (precision, recall, F1, each the mean over a run's steps; the base model's
 * is the mean over every run's step 0, whose rollouts the base policy sampled); mean ± std over seeds, then
 * each RL method's IQM over seeds with its 95% bootstrap interval.
 * @module
 */
import type { ErrorKind } from "../metrics/error_types.ts";
import { mean } from "../metrics/stats.ts";
import type { StepRecord, TaskEvalRecord } from "../store/schema.ts";
import { formatEstimate, formatSummary, type NumberFormat, PERCENT } from "./format.ts";
import type { Method } from "./methods.ts";
import { robustSummary, summarize, SUMMARY_FIELDS, summaryFields } from "./seed_stats.ts";
import type { Table } from "./table.ts";

/** A column of the final evaluation: its header, its CSV name, how it is shown and its value for one task (null: none). */
interface Column {
  header: string;
  key: string;
  format: NumberFormat;
  value: (t: TaskEvalRecord) => number | null;
}

/** A column of the training steps: its value for one step. */
interface StepColumn {
  header: string;
  key: string;
  format: NumberFormat;
  step: (s: StepRecord) => number;
}

const AGREEMENT: readonly StepColumn[] = (["precision", "recall", "f1"] as const).map((part) => ({
  header: `mined ${part === "f1" ? "F1" : part} (%)`,
  key: `mined_${part}`,
  format: PERCENT,
  step: (s) => s.minedVsOracle[part],
}));

/** Per seed, the mean over a run's steps of `c` (the base model: over every run's step 0, as one value). */
function stepValues(methods: readonly Method[], m: Method, c: StepColumn): (number | null)[] {
  const avg = (steps: readonly StepRecord[]) => (steps.length ? mean(steps.map(c.step)) : null);
  if (!m.base) return m.runs.map((r) => avg(r.steps));
  return [avg(methods.flatMap((o) => o.runs.flatMap((r) => r.steps.filter((s) => s.step === 0))))];
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
  const evalCols = columns(ksOf(methods));
  const cols = [...evalCols, ...AGREEMENT];
  const values = methods.map((m) => [
    ...evalCols.map((c) =>
      m.finals.map((e) => {
        const v = e.evals.map(c.value).filter((x): x is number => x !== null);
        return v.length ? mean(v) : null;
      })
    ),
    ...AGREEMENT.map((c) => stepValues(methods, m, c)),
  ]);
  const stats = values.map((row) => row.map(summarize));
  const robust = values.map((row) => row.map(robustSummary));
  const rows = methods.map((m, i) => ({
    label: m.name,
    cells: stats[i].map((s, j) => ({ text: formatSummary(s, cols[j].format) })),
  }));
  const iqmRows = methods.flatMap((m, i) =>
    m.base ? [] : [{
      label: `${m.name}, IQM [95% CI]`,
      cells: robust[i].map((r, j) => ({ text: formatEstimate(r, cols[j].format) })),
    }]
  );
  return {
    caption: "At the final evaluation, mean over tasks, then mean ± std over seeds: unbiased pass@k, " +
      "greedy accuracy, mean response length, share of responses with an aha event, error kinds as " +
      "shares of all responses, semantic entropy of the answers; precision, recall and F1 of the mined " +
      "Strategic Grams' planning tokens against the oracle's in the training rollouts (mean over a run's " +
      "steps; base: over every run's step 0). The last rows: the interquartile mean over seeds (the mean when " +
      "there are fewer than 4) with its 95% percentile bootstrap interval over seeds (none for one seed).",
    header: ["method", ...cols.map((c) => c.header)],
    groups: [rows.filter((_, i) => methods[i].base), rows.filter((_, i) => !methods[i].base), iqmRows]
      .filter((g) => g.length),
    csv: {
      header: ["method", "seeds", ...cols.flatMap((c) => SUMMARY_FIELDS.map((part) => `${c.key}_${part}`))],
      rows: methods.map((m, i) => [
        m.name,
        m.finals.length,
        ...stats[i].flatMap((s, j) => summaryFields(s, robust[i][j])),
      ]),
    },
  };
}
