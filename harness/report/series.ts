/**
 * The data of each figure: for every metric, method, panel and RL step, the mean over seeds and its
 * 95% percentile bootstrap interval over seeds (2,000 resamples of the seeds' values, seeded; none for
 * one seed). Training metrics come from `train.jsonl`; evaluation metrics from
 * `eval.jsonl`, with the base model's evaluation as step 0 of every run that has none of its own.
 * Null or non-finite values (a relative perplexity with no planning token) are left out.
 * @module
 */
import type { LoadedRun } from "../store/results.ts";
import { mean } from "../metrics/stats.ts";
import { type EvalRecord, FIXED_MASKS, type StepRecord } from "../store/schema.ts";
import { evaluationsOf, type Method } from "./methods.ts";
import { bootstrapMeanIntervals } from "../stats/bootstrap.ts";

/** One point of a line and its band: a method's value at a step, over seeds. */
export interface Point {
  method: string;
  /** The panel (e.g. `planning`), or null for a single-panel figure. */
  panel: string | null;
  step: number;
  mean: number;
  /** The 95% bootstrap interval of the mean over seeds, or null with one seed. */
  lo: number | null;
  hi: number | null;
  /** Seeds with a value at this step. */
  seeds: number;
}

/** A figure's data: one per metric. */
export interface Figure {
  /** File name without `.svg`. */
  name: string;
  title: string;
  /** The y axis title. */
  y: string;
  /** Panels side by side, or null. */
  panels: string[] | null;
  /** Methods in legend order. */
  methods: string[];
  points: Point[];
  /** What the lines and bands are (default: the mean over seeds and its 95% bootstrap interval). */
  subtitle?: string;
}

/** A value of one run at a step, in a panel (null: none there). */
export type Value = { step: number; panel: string | null; value: number | null };

/**
 * The most points a line of a figure has. A run of more steps is drawn as means over bins of consecutive
 * steps ({@link stepBins}, {@link binned}); the report's and the analysis's figures alike.
 */
export const MAX_POINTS = 500;

/** Bins of a figure's steps: the steps a bin holds, and each step's bin, named by the mean of its steps. */
export interface StepBins {
  size: number;
  at: Map<number, number>;
}

/** The steps in bins of consecutive steps, as few a bin as keeps at most {@link MAX_POINTS} bins (one step a bin for a short run). */
export function stepBins(steps: Iterable<number>): StepBins {
  const sorted = [...new Set(steps)].sort((a, b) => a - b), size = Math.max(1, Math.ceil(sorted.length / MAX_POINTS));
  const at = new Map<number, number>();
  for (let i = 0; i < sorted.length; i += size) {
    const bin = sorted.slice(i, i + size), x = mean(bin);
    for (const s of bin) at.set(s, x);
  }
  return { size, at };
}

/**
 * A run's values by bin: at each bin (its steps' mean) and panel, the mean of the run's finite values
 * there (null if none). With one step a bin, the values as they are.
 */
export function binned(values: readonly Value[], bins: StepBins): readonly Value[] {
  if (bins.size === 1) return values;
  const byKey = new Map<string, { step: number; panel: string | null; sum: number; n: number }>();
  for (const v of values) {
    const step = bins.at.get(v.step)!, key = `${v.panel}\u0000${step}`;
    if (!byKey.has(key)) byKey.set(key, { step, panel: v.panel, sum: 0, n: 0 });
    const k = byKey.get(key)!;
    if (v.value !== null && Number.isFinite(v.value)) [k.sum, k.n] = [k.sum + v.value, k.n + 1];
  }
  return [...byKey.values()].map((k) => ({ step: k.step, panel: k.panel, value: k.n ? k.sum / k.n : null }));
}

/** A metric: how to read one run's values. */
interface Metric {
  name: string;
  title: string;
  y: string;
  panels: string[] | null;
  values: (run: LoadedRun, base: EvalRecord | null) => Value[];
}

const SPLIT = ["planning", "execution"] as const;
const AGREEMENT = ["precision", "recall", "f1"] as const;

/** A training metric of each step. */
function train(pick: (s: StepRecord) => number | null): Metric["values"] {
  return (run) => run.steps.map((s) => ({ step: s.step, panel: null, value: pick(s) }));
}

/** Training metrics in panels: `pick(step, panel)` for each of `names`. */
function panels<P extends string>(
  names: readonly P[],
  pick: (s: StepRecord, panel: P) => number | null,
): Metric["values"] {
  return (run) => run.steps.flatMap((s) => names.map((p) => ({ step: s.step, panel: p, value: pick(s, p) })));
}

/** A planning/execution pair of training metrics. */
function trainSplit(pick: (s: StepRecord) => Record<(typeof SPLIT)[number], number | null>): Metric["values"] {
  return panels(SPLIT, (s, p) => pick(s)[p]);
}

/** An evaluation metric (mean over tasks), with the base model's evaluation as step 0 when the run has none. */
function evaluation(pick: (e: EvalRecord) => number): Metric["values"] {
  return (run, base) => evaluationsOf(run, base).map((e) => ({ step: e.step, panel: null, value: pick(e) }));
}

const METRICS: readonly Metric[] = [
  {
    name: "validation_accuracy",
    title: "Validation accuracy (pass@1 on the held-out test split, mean over tasks)",
    y: "pass@1",
    panels: null,
    values: evaluation((e) => mean(e.evals.map((t) => t.pass1))),
  },
  {
    name: "response_length",
    title: "Response length",
    y: "mean length (tokens)",
    panels: null,
    values: train((s) => s.length.mean),
  },
  ...FIXED_MASKS.flatMap((mask): Metric[] => [
    {
      name: `token_entropy_${mask}`,
      title: `Token entropy: planning vs execution tokens (${mask} mask)`,
      y: "mean token entropy (nats)",
      panels: [...SPLIT],
      values: trainSplit((s) => s.masks[mask].entropy),
    },
    {
      name: `relative_perplexity_${mask}`,
      title: `Relative perplexity (to step 0): planning vs execution tokens (${mask} mask)`,
      y: "perplexity / step-0 perplexity",
      panels: [...SPLIT],
      values: trainSplit((s) => s.masks[mask].relPerplexity),
    },
  ]),
  {
    name: "se_strategic",
    title: "Semantic entropy of strategic grams",
    y: "se_strategic (nats)",
    panels: null,
    values: train((s) => s.seStrategic),
  },
  {
    name: "se_answer",
    title: "Semantic entropy of answers (mean over tasks)",
    y: "se_answer (nats)",
    panels: null,
    values: evaluation((e) => mean(e.evals.map((t) => t.seAnswer))),
  },
  {
    name: "aha_frequency",
    title: "Aha frequency (training rollouts)",
    y: "share of rollouts with an aha event",
    panels: null,
    values: train((s) => s.aha),
  },
  {
    name: "planning_share",
    title: "Planning-token share (training rollouts), by mask",
    y: "share of response tokens",
    panels: [...FIXED_MASKS],
    values: panels(FIXED_MASKS, (s, mask) => s.masks[mask].planningShare),
  },
  {
    name: "mined_vs_oracle",
    title: "Mined Strategic Grams against the oracle's planning tokens",
    y: "share",
    panels: [...AGREEMENT],
    values: panels(AGREEMENT, (s, part) => s.minedVsOracle[part]),
  },
  {
    name: "train_reward",
    title: "Training reward (sampled rollouts)",
    y: "mean reward",
    panels: null,
    values: train((s) => s.reward),
  },
  {
    name: "frac_reward_zero_std",
    title: "Prompt groups without signal (all rewards equal)",
    y: "share of sampled groups",
    panels: null,
    values: train((s) => s.fracRewardZeroStd),
  },
  {
    name: "kl_to_base",
    title: "KL to the base model (k3 estimate on the step's rollouts)",
    y: "KL (nats per token)",
    panels: null,
    values: train((s) => s.kl),
  },
];

/** The names of the figures {@link figuresOf} draws (`figures/<name>.svg`), whether or not they have data. */
export const FIGURE_NAMES: readonly string[] = METRICS.map((m) => m.name);

/** Every figure's data for the RL methods of `methods` (the base model only as step 0). */
export function figuresOf(methods: readonly Method[]): Figure[] {
  const base = methods.find((m) => m.base)?.finals[0] ?? null;
  const rl = methods.filter((m) => !m.base);
  return METRICS.map((metric) => {
    const points: Point[] = [];
    const values = new Map(rl.flatMap((m) => m.runs.map((run) => [run, metric.values(run, base)])));
    const bins = stepBins([...values.values()].flatMap((vs) => vs.map((v) => v.step)));
    for (const m of rl) {
      const byKey = new Map<string, { panel: string | null; step: number; values: (number | null)[] }>();
      for (const run of m.runs) {
        for (const v of binned(values.get(run)!, bins)) {
          const key = `${v.panel}\u0000${v.step}`;
          if (!byKey.has(key)) byKey.set(key, { panel: v.panel, step: v.step, values: [] });
          byKey.get(key)!.values.push(v.value);
        }
      }
      const order = (p: string | null) => (p === null ? 0 : metric.panels!.indexOf(p));
      const keys = [...byKey.values()].sort((a, b) => order(a.panel) - order(b.panel) || a.step - b.step)
        .map((k) => ({
          ...k,
          values: k.values.filter((x): x is number => typeof x === "number" && Number.isFinite(x)),
        }))
        .filter((k) => k.values.length > 0);
      const bands = bootstrapMeanIntervals(keys.map((k) => k.values));
      keys.forEach((k, i) =>
        points.push({
          method: m.name,
          panel: k.panel,
          step: k.step,
          mean: bands[i].estimate,
          lo: bands[i].interval?.[0] ?? null,
          hi: bands[i].interval?.[1] ?? null,
          seeds: k.values.length,
        })
      );
    }
    return {
      name: metric.name,
      title: metric.title,
      y: metric.y,
      panels: metric.panels,
      methods: rl.map((m) => m.name),
      points,
      ...bins.size > 1 && {
        subtitle: `lines: mean over seeds of each seed's mean over bins of ${bins.size} consecutive steps, at ` +
          "their mean step; bands: its 95% bootstrap interval (none for one seed)",
      },
    };
  });
}
