/**
 * The figure of the probability of improvement of every method over GRPO on final pass@1: for a method X,
 * rliable's P(X > grpo), on each task the chance that a run of X scores above a run of grpo (ties count
 * ½), averaged over tasks, from each run's final evaluation (the base model as one run); its 95% interval
 * is rliable's stratified bootstrap (2,000 resamples, seed 0), none for a method with one run. A method
 * lacking a task's evaluation is left out. Drawn as points with interval bars against ½ (no difference).
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { stratifiedBootstrap } from "../stats/bootstrap.ts";
import { probabilityOfImprovement } from "../stats/improvement.ts";
import type { Scores } from "../stats/aggregate.ts";
import { MissingValue, pass1Of } from "./claims/run_values.ts";
import type { Method } from "./methods.ts";

/** The file name of the figure, without `.svg`. */
export const IMPROVEMENT_FIGURE = "probability_of_improvement";

/** One method's P(X > grpo) with its interval (null: one run). */
export interface ImprovementPoint {
  method: string;
  p: number;
  lo: number | null;
  hi: number | null;
  runs: number;
}

/** The runs × tasks scores of `m`'s final evaluations, or null when one lacks a task. */
function scoresOf(m: Method, tasks: readonly string[]): Scores | null {
  try {
    return m.finals.map((e) => tasks.map((t) => pass1Of(e, t)));
  } catch (e) {
    if (e instanceof MissingValue) return null;
    throw e;
  }
}

/** P(X > grpo) of every method but grpo, in the report's order; none without grpo. */
export function improvementPoints(methods: readonly Method[], tasks: readonly string[]): ImprovementPoint[] {
  const grpo = methods.find((m) => !m.base && m.name === "grpo");
  const y = grpo && scoresOf(grpo, tasks);
  if (!y || tasks.length === 0) return [];
  return methods.filter((m) => m !== grpo).flatMap((m) => {
    const x = scoresOf(m, tasks);
    if (x === null) return [];
    const e = stratifiedBootstrap([x, y], ([a, b]) => probabilityOfImprovement(a, b));
    return [{
      method: m.name,
      p: e.estimate,
      lo: e.interval?.[0] ?? null,
      hi: e.interval?.[1] ?? null,
      runs: x.length,
    }];
  });
}

/**
 * The Vega-Lite spec of the figure of `points`, coloured by `colors` (the RL methods in the order of the
 * other figures, so that a method keeps its colour; others after).
 */
export function improvementSpec(points: readonly ImprovementPoint[], colors: readonly string[]): TopLevelSpec {
  const methods = points.map((p) => p.method);
  const y = { field: "method", type: "nominal", sort: methods, title: null } as const;
  const x = { type: "quantitative" as const, scale: { domain: [0, 1] }, title: "P(method > grpo)" };
  const domain = [...colors, ...methods.filter((m) => !colors.includes(m))];
  const color = { field: "method", type: "nominal" as const, scale: { domain }, legend: null };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Probability of improvement over GRPO (final pass@1)",
      subtitle: "points: P(X > grpo) averaged over tasks; bars: 95% stratified bootstrap interval (none for one run)",
    },
    width: 360,
    height: 24 * Math.max(1, methods.length),
    data: { values: [...points] },
    layer: [
      { mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { x: { ...x, datum: 0.5 } } },
      {
        transform: [{ filter: "datum.lo != null" }],
        mark: { type: "rule", strokeWidth: 2 },
        encoding: { y, x: { ...x, field: "lo" }, x2: { field: "hi" }, color },
      },
      { mark: { type: "point", filled: true, size: 60, opacity: 1 }, encoding: { y, x: { ...x, field: "p" }, color } },
    ],
  } as TopLevelSpec;
}
