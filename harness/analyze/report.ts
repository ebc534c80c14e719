/**
 * The analysis report, a folder written whole: `steps.jsonl` (one {@link AnalyzeStep} a step),
 * `overall.json` (all steps together), `grams.txt` (the strategic grams used, one a line) and, when
 * mined, `strategic_grams.json`; tables `summary`, `steps` and `length_bins` as Markdown, LaTeX and
 * CSV (harness/report/table.ts); one SVG figure per metric over steps (harness/report/plot.ts); and
 * `index.html` with all of them. Every byte is a function of the input and the command. The folder is
 * built as `<out>.next` and moved into place only when whole (harness/core/atomic.ts), with Ctrl-C and
 * SIGTERM held off meanwhile (before, they stop it and `<out>.next` is removed).
 * @module
 */
import { removeAll, replaceFolder } from "../core/atomic.ts";
import type { StopSignals } from "../core/stop.ts";
import { formatNumber, type NumberFormat, PERCENT } from "../report/format.ts";
import { figureHtml, htmlDocument } from "../report/html.ts";
import { renderFigure } from "../report/plot.ts";
import { binned, type Figure, MAX_POINTS, type Point, stepBins } from "../report/series.ts";
import { escapeHtml, type Row, type Table, toHtml } from "../report/table.ts";
import { Staging } from "../report/staging.ts";
import type { StrategicGrams } from "../masks/strategic_grams.ts";
import { strategicGramsJson } from "../masks/strategic_grams.ts";
import type { Split } from "../metrics/token_stats.ts";
import type { AnalyzeStep } from "./step_stats.ts";

/** What follows `stopped by <signal>` for an analysis into `out` stopped before it was in place (harness/core/stop.ts). */
export function stoppedBefore(out: string): string {
  return ` before the analysis was written; ${out} is as it was: run the same command again`;
}

/** What the report shows. */
export interface AnalysisReport {
  /** The run's name in figures (the first input's base name). */
  label: string;
  /** The command line, shown on the page. */
  command: string;
  /** The inputs read, with their formats. */
  inputs: { path: string; format: string }[];
  steps: AnalyzeStep[];
  overall: AnalyzeStep;
  /** The grams used, and the mined list when they were mined (null: given). */
  grams: readonly string[];
  mined: StrategicGrams | null;
  /** Where the grams came from, in words. */
  gramSource: string;
  /** The reflection phrases looked for. */
  reflections: readonly string[];
}

const DEC3: NumberFormat = { scale: 1, digits: 3 }, DEC1: NumberFormat = { scale: 1, digits: 1 };

/** A number cell (`–` for null or NaN). */
function cell(x: number | null | undefined, f: NumberFormat): { text: string } {
  return { text: x === null || x === undefined || Number.isNaN(x) ? "–" : formatNumber(x, f) };
}

/** A metric of a step record: its label, how to read it, how to show it. */
interface Metric {
  label: string;
  csv: string;
  pick: (s: AnalyzeStep) => number | null | undefined;
  f: NumberFormat;
}

/** The metrics of the tables, in order. */
function metrics(overall: AnalyzeStep): Metric[] {
  const ks = Object.keys(overall.passAtK);
  const split = (name: string, csv: string, get: (s: AnalyzeStep) => Split | null): Metric[] =>
    (["planning", "execution"] as const).map((k) => ({
      label: `${name} (${k})`,
      csv: `${csv}_${k}`,
      pick: (s) => get(s)?.[k],
      f: DEC3,
    }));
  return [
    { label: "completions", csv: "completions", pick: (s) => s.completions, f: { scale: 1, digits: 0 } },
    { label: "reward", csv: "reward", pick: (s) => s.reward, f: DEC3 },
    { label: "accuracy %", csv: "accuracy", pick: (s) => s.accuracy, f: PERCENT },
    ...ks.map((k): Metric => ({ label: `pass@${k} %`, csv: `pass_at_${k}`, pick: (s) => s.passAtK[k], f: PERCENT })),
    { label: "length (words, mean)", csv: "length_words", pick: (s) => s.lengthWords.mean, f: DEC1 },
    { label: "length (tokens, mean)", csv: "length_tokens", pick: (s) => s.lengthTokens?.mean, f: DEC1 },
    { label: "truncation %", csv: "truncation", pick: (s) => s.truncation, f: PERCENT },
    { label: "se_strategic (nats)", csv: "se_strategic", pick: (s) => s.seStrategic, f: DEC3 },
    { label: "planning share %", csv: "planning_share", pick: (s) => s.planningShare, f: PERCENT },
    { label: "reflection %", csv: "reflection", pick: (s) => s.reflection.all, f: PERCENT },
    {
      label: "reflection among correct %",
      csv: "reflection_correct",
      pick: (s) => s.reflection.amongCorrect,
      f: PERCENT,
    },
    {
      label: "reflection among incorrect %",
      csv: "reflection_incorrect",
      pick: (s) => s.reflection.amongIncorrect,
      f: PERCENT,
    },
    { label: "answered %", csv: "answered", pick: (s) => s.answered, f: PERCENT },
    { label: "se_answer (nats)", csv: "se_answer", pick: (s) => s.seAnswer, f: DEC3 },
    ...split("token entropy", "entropy", (s) => s.entropy),
    ...split("relative perplexity", "rel_perplexity", (s) => s.relPerplexity),
  ];
}

/** A CSV value: null (an empty field) for none or NaN. */
const raw = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? null : x);

/** Summary table: every metric at the first step, the last step and over all steps. */
function summaryTable(r: AnalysisReport): Table {
  const first = r.steps[0], last = r.steps[r.steps.length - 1], ms = metrics(r.overall);
  return {
    caption: `Metrics of ${r.label}: at the first step (${first.step}), the last (${last.step}) and over all ` +
      `${r.steps.length} steps; relative perplexity is to the first step with log-probs.`,
    header: ["metric", `step ${first.step}`, `step ${last.step}`, "all steps"],
    groups: [ms.map((m) => ({ label: m.label, cells: [first, last, r.overall].map((s) => cell(m.pick(s), m.f)) }))],
    csv: {
      header: ["metric", "first", "last", "all"],
      rows: ms.map((m) => [m.csv, raw(m.pick(first)), raw(m.pick(last)), raw(m.pick(r.overall))]),
    },
  };
}

/** Steps table: the main metrics of every step. */
function stepsTable(r: AnalysisReport): Table {
  const ms = metrics(r.overall).filter((m) => !m.csv.startsWith("entropy_") && !m.csv.startsWith("rel_perplexity"));
  const rows: Row[] = r.steps.map((s) => ({ label: String(s.step), cells: ms.map((m) => cell(m.pick(s), m.f)) }));
  return {
    caption: `Metrics of ${r.label} per step (steps.jsonl has every field).`,
    header: ["step", ...ms.map((m) => m.label)],
    groups: [rows],
    csv: {
      header: ["step", ...ms.map((m) => m.csv)],
      rows: r.steps.map((s) => [s.step, ...ms.map((m) => raw(m.pick(s)))]),
    },
  };
}

/** Accuracy by length in words, over all steps. */
function lengthBinsTable(r: AnalysisReport): Table {
  const bins = r.overall.lengthBins;
  const name = (b: typeof bins[number]) => (b.hi === null ? `≥ ${b.lo}` : `${b.lo}–${b.hi - 1}`);
  return {
    caption: `Accuracy of ${r.label} by response length in words, over all steps.`,
    header: ["words", "completions", "accuracy %"],
    groups: [
      bins.map((b) => ({
        label: name(b),
        cells: [{ text: String(b.count) }, cell(b.count ? b.accuracy : NaN, PERCENT)],
      })),
    ],
    csv: { header: ["lo", "hi", "count", "accuracy"], rows: bins.map((b) => [b.lo, b.hi, b.count, b.accuracy]) },
  };
}

/** The names of the figures {@link analysisFigures} draws (`figures/<name>.svg`), whether or not they have data. */
const ANALYSIS_FIGURES = [
  "accuracy",
  "reward",
  "response_length",
  "se_strategic",
  "planning_share",
  "reflection",
  "se_answer",
  "token_entropy",
  "relative_perplexity",
] as const;
type AnalysisFigure = typeof ANALYSIS_FIGURES[number];

/**
 * The figures over steps: one line (the run), panels where a metric has them; a run longer than
 * {@link MAX_POINTS} steps is drawn as means over bins of consecutive steps (harness/report/series.ts).
 */
export function analysisFigures(r: AnalysisReport): Figure[] {
  const bins = stepBins(r.steps.map((s) => s.step!));
  const subtitle = bins.size === 1 ? "the run's value at each step" : `the mean of the run's values over bins of ` +
    `${bins.size} consecutive steps, at their mean step (${r.steps.length} steps; steps.csv has each)`;
  const line = (
    name: AnalysisFigure,
    title: string,
    y: string,
    pick: (s: AnalyzeStep) => number | null | undefined,
  ): Figure => panelled(name, title, y, null, [[null, pick]]);
  const panelled = (
    name: AnalysisFigure,
    title: string,
    y: string,
    panels: string[] | null,
    picks: [string | null, (s: AnalyzeStep) => number | null | undefined][],
  ): Figure => ({
    name,
    title,
    y,
    panels,
    methods: [r.label],
    subtitle,
    points: binned(
      r.steps.flatMap((s) => picks.map(([panel, pick]) => ({ step: s.step!, panel, value: pick(s) ?? null }))),
      bins,
    )
      .flatMap(({ step, panel, value }): Point[] =>
        value === null || !Number.isFinite(value)
          ? []
          : [{ method: r.label, panel, step, mean: value, lo: null, hi: null, seeds: 1 }]
      ),
  });
  const split = (get: (s: AnalyzeStep) => Split | null) =>
    (["planning", "execution"] as const).map((
      k,
    ): [string, (s: AnalyzeStep) => number | undefined] => [k, (s) => get(s)?.[k]]);
  return [
    line("accuracy", "Accuracy (share of correct completions)", "accuracy", (s) => s.accuracy),
    line("reward", "Mean reward", "reward", (s) => s.reward),
    line("response_length", "Response length", "mean length (words)", (s) => s.lengthWords.mean),
    line("se_strategic", "Strategic-gram semantic entropy (se_strategic)", "nats", (s) => s.seStrategic),
    line("planning_share", "Planning share (words inside a strategic gram)", "share of words", (s) => s.planningShare),
    panelled("reflection", "Completions with a reflection phrase", "share of completions", [
      "all",
      "correct",
      "incorrect",
    ], [
      ["all", (s) => s.reflection.all],
      ["correct", (s) => s.reflection.amongCorrect],
      ["incorrect", (s) => s.reflection.amongIncorrect],
    ]),
    line("se_answer", "Answer semantic entropy (se_answer)", "nats", (s) => s.seAnswer),
    panelled("token_entropy", "Token entropy: planning vs execution tokens", "mean token entropy (nats)", [
      "planning",
      "execution",
    ], split((s) => s.entropy)),
    panelled(
      "relative_perplexity",
      "Relative perplexity (to the first step with log-probs)",
      "perplexity / that step's",
      [
        "planning",
        "execution",
      ],
      split((s) => s.relPerplexity),
    ),
  ].filter((f) => f.points.length > 0);
}

/** What the page says about the token-level metrics. */
function tokenNote(o: AnalyzeStep): string {
  if (!o.entropy && !o.perplexity) {
    return "The dump has no per-token log-probs or entropies: token entropy and perplexity are not computed.";
  }
  return o.splitTokens
    ? `Token entropy and perplexity are split by the strategic grams over ${o.splitTokens} tokens whose text adds up to their completion's.`
    : "The dump's tokens do not spell out the completions: token entropy and perplexity are given over all tokens, not split.";
}

/** The files of an analysis folder besides `figures/*.svg`: data, the page, and each table as Markdown, LaTeX, CSV. */
const ANALYSIS_FILES = [
  "steps.jsonl",
  "overall.json",
  "grams.txt",
  "strategic_grams.json",
  "index.html",
  ...["summary", "steps", "length_bins"].flatMap((t) => [`${t}.md`, `${t}.tex`, `${t}.csv`]),
];

/**
 * Whether `name`, a path relative to an analysis folder (a folder's ending in `/`), is one that
 * {@link writeAnalysis} writes.
 */
export function isAnalysisFile(name: string): boolean {
  return ANALYSIS_FILES.includes(name) || name === "figures/" ||
    ANALYSIS_FIGURES.some((figure) => name === `figures/${figure}.svg`);
}

/** A table as the page shows it: the per-step table of a run longer than {@link MAX_POINTS} steps is named, not shown. */
function pageTable(name: string, table: Table, steps: number): string {
  if (name !== "steps" || steps <= MAX_POINTS) return toHtml(table);
  return `<p>${steps} steps, more than the page shows: every step is in <code>steps.csv</code>, ` +
    "<code>steps.md</code> and <code>steps.tex</code>, with every field in <code>steps.jsonl</code>.</p>";
}

/**
 * Write the report to `out` (built in `<out>.next`, then moved in whole); returns the files written, relative
 * to `out`. `stop` is checked before each file is written, and once the report is in place: a signal meanwhile
 * leaves `out` as it was or whole, and `<out>.next` removed.
 */
export async function writeAnalysis(out: string, r: AnalysisReport, stop: StopSignals): Promise<string[]> {
  const next = `${out}.next`, staging = await Staging.open(next);
  const write = (name: string, data: string) => {
    stop.check(stoppedBefore(out));
    return staging.write(name, data);
  };
  try {
    await write("steps.jsonl", r.steps.map((s) => JSON.stringify(s)).join("\n") + "\n");
    await write("overall.json", JSON.stringify(r.overall, null, 2) + "\n");
    await write("grams.txt", r.grams.map((g) => `${g}\n`).join(""));
    if (r.mined) await write("strategic_grams.json", strategicGramsJson(r.mined));
    const tables = [
      { name: "summary", title: "Summary", table: summaryTable(r) },
      { name: "steps", title: "Per step", table: stepsTable(r) },
      { name: "length_bins", title: "Accuracy by length", table: lengthBinsTable(r) },
    ];
    for (const t of tables) await staging.table(t.name, t.table);
    const drawn: { name: string; svg: string }[] = [];
    for (const fig of analysisFigures(r)) {
      const svg = await renderFigure(fig);
      await write(`figures/${fig.name}.svg`, svg);
      drawn.push({ name: fig.name, svg });
    }
    const list = (xs: readonly string[]) => xs.map((x) => `<code>${escapeHtml(x)}</code>`).join(", ");
    await write(
      "index.html",
      htmlDocument(`credit-bench analysis: ${r.label}`, [
        `<p>Made by <code>${escapeHtml(r.command)}</code> from ${r.inputs.length} file(s): ${
          list(r.inputs.map((i) => `${i.path} (${i.format})`))
        }.</p>`,
        `<p>${escapeHtml(tokenNote(r.overall))}</p>`,
        `<p>Strategic grams: ${r.grams.length}, ${escapeHtml(r.gramSource)} (<code>grams.txt</code>). ` +
        `Reflection phrases: ${list(r.reflections)}.</p>`,
        ...tables.flatMap((t) => [`<h2>${escapeHtml(t.title)}</h2>`, pageTable(t.name, t.table, r.steps.length)]),
        "<h2>Figures</h2>",
        ...drawn.map(figureHtml),
      ]),
    );
    await replaceFolder(next, out); // no check between its renames: a signal meanwhile waits for the end
    stop.check(" once the analysis was in place");
  } finally {
    await removeAll(next);
  }
  return staging.names;
}
