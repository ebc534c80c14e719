/**
 * What the claims read from one stored run, each value defined once:
 * - a run's final pass@1: its last evaluation's pass@1 of one task, or the mean over its tasks;
 * - a step metric's tail: its mean over the last w training steps, w = max(1, round(n/10)) of n steps;
 * - a step metric's half-way step: with start and end the means of the first and last w steps, the first
 *   step at which the metric's trailing mean over w steps (fewer at the start) is at or past (start + end)/2,
 *   when the metric moved the claimed way (end below start for a drop, above for a rise), else none;
 * - the training metrics paired to the evaluations: for the evaluation at step e (the base model's as
 *   step 0 when the run has none of its own), the mean of the training steps s with e′ < s ≤ e, e′ the
 *   previous evaluation's step (−1 before the first); an evaluation with no such step is dropped;
 * - the least-squares slope of a value against the step.
 * A value that is missing or not finite (a NaN is stored as null) is a {@link MissingValue} naming the
 * record and the field; a claim leaves that run out with a line in the report.
 * @module
 */
import { mean } from "../../metrics/stats.ts";
import type { LoadedRun } from "../../store/results.ts";
import type { EvalRecord, StepRecord } from "../../store/schema.ts";
import { evaluationsOf } from "../methods.ts";
import { counted } from "../../core/counted.ts";

/** A value a claim needs is missing or not a finite number; the message names the record and field. */
export class MissingValue extends Error {
  /** What is missing, e.g. `train.jsonl step 5: masks.oracle.entropy.all is null`. */
  constructor(message: string) {
    super(message);
    this.name = "MissingValue";
  }
}

/** A training-step metric: its name (the field's path) and how to read it. */
export interface StepMetric {
  name: string;
  pick: (s: StepRecord) => unknown;
}

/** Token entropy of the fixed oracle mask over all response tokens. */
export const ORACLE_ENTROPY: StepMetric = {
  name: "masks.oracle.entropy.all",
  pick: (s) => s.masks?.oracle?.entropy?.all,
};

/** The fixed oracle mask's relative perplexity of execution tokens. */
export const EXECUTION_PERPLEXITY: StepMetric = {
  name: "masks.oracle.relPerplexity.execution",
  pick: (s) => s.masks?.oracle?.relPerplexity?.execution,
};

/** The semantic entropy of strategic grams. */
export const SE_STRATEGIC: StepMetric = { name: "seStrategic", pick: (s) => s.seStrategic };

/** `x` if it is a finite number, else a {@link MissingValue} saying `where` it is and what it is. */
export function finite(x: unknown, where: string): number {
  if (typeof x === "number" && Number.isFinite(x)) return x;
  throw new MissingValue(`${where} is ${x === undefined ? "missing" : JSON.stringify(x) ?? String(x)}`);
}

/** The window of the tail and of the smoothing: max(1, round(n/10)) of `n` steps. */
function tailWindow(n: number): number {
  return Math.max(1, Math.round(n / 10));
}

/** The values of `metric` at every training step of `run`, checked finite. */
function stepValues(run: LoadedRun, metric: StepMetric): number[] {
  if (run.steps.length === 0) throw new MissingValue("train.jsonl has no step");
  return run.steps.map((s) => finite(metric.pick(s), `train.jsonl step ${s.step}: ${metric.name}`));
}

/** pass@1 of `task` at `e`, or (task null) the mean over its tasks. */
export function pass1Of(e: EvalRecord, task: string | null): number {
  if (task === null) return mean(e.evals.map((t) => finite(t.pass1, `eval.jsonl step ${e.step}: ${t.task} pass1`)));
  const t = e.evals.find((x) => x.task === task);
  if (t === undefined) throw new MissingValue(`eval.jsonl step ${e.step}: no evaluation of ${task}`);
  return finite(t.pass1, `eval.jsonl step ${e.step}: ${task} pass1`);
}

/** pass@1 of `task` (null: the mean over tasks) at the run's final evaluation. */
export function finalPass1(run: LoadedRun, task: string | null): number {
  return pass1Of(run.evals[run.evals.length - 1], task);
}

/** The mean of `metric` over the run's last w training steps. */
export function tailMean(run: LoadedRun, metric: StepMetric): number {
  const v = stepValues(run, metric);
  return mean(v.slice(v.length - tailWindow(v.length)));
}

/** The step at which `metric` has made half its drop (or rise); null when it did not drop (rise). */
export function halfStep(run: LoadedRun, metric: StepMetric, move: "drop" | "rise"): number | null {
  const v = stepValues(run, metric), w = tailWindow(v.length);
  const start = mean(v.slice(0, w)), end = mean(v.slice(v.length - w));
  if (move === "drop" ? !(end < start) : !(end > start)) return null;
  const mid = (start + end) / 2;
  // Found at the latest at the last step, whose trailing mean is the end's.
  const at = v.findIndex((_, i) => {
    const smoothed = mean(v.slice(Math.max(0, i - w + 1), i + 1));
    return move === "drop" ? smoothed <= mid : smoothed >= mid;
  });
  return run.steps[at].step;
}

/** One evaluation of a run with its accuracy and the training metrics averaged up to it. */
export interface EvalPoint {
  step: number;
  /** pass@1, mean over tasks. */
  accuracy: number;
  /** Each metric's mean over the training steps paired to this evaluation, in the order given. */
  metrics: number[];
}

/** The run's evaluations (the base model's as step 0 when it has none), each with `metrics` paired to it. */
export function evalPoints(run: LoadedRun, base: EvalRecord | null, metrics: readonly StepMetric[]): EvalPoint[] {
  const out: EvalPoint[] = [];
  let previous = -1;
  for (const e of evaluationsOf(run, base)) {
    const window = run.steps.filter((s) => s.step > previous && s.step <= e.step);
    previous = e.step;
    if (window.length === 0) continue;
    out.push({
      step: e.step,
      accuracy: pass1Of(e, null),
      metrics: metrics.map((m) => mean(window.map((s) => finite(m.pick(s), `train.jsonl step ${s.step}: ${m.name}`)))),
    });
  }
  return out;
}

/** The least-squares slope of `y` against `x`; a {@link MissingValue} with fewer than two distinct x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (!(sxx > 0)) throw new MissingValue(`${counted(x.length, "evaluation step")}: no slope`);
  return sxy / sxx;
}
