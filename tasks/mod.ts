/**
 * The fixed task suite, in a fixed order.
 * @module
 */
import type { TaskDef } from "./kit/task.ts";
import countdown from "./countdown.ts";
import knightsKnaves from "./knights_knaves.ts";
import linearEquation from "./linear_equation.ts";
import arithmeticChain from "./arithmetic_chain.ts";
import shortestPath from "./shortest_path.ts";

/**
 * Every task of the suite, by name, in suite order.
 *
 * @example
 * ```ts
 * import { TASKS } from "@credit-bench/credit-bench";
 *
 * for (const t of TASKS.values()) console.log(t.name, t.summary);
 * ```
 */
export const TASKS: ReadonlyMap<string, TaskDef> = new Map(
  ([countdown, knightsKnaves, linearEquation, arithmeticChain, shortestPath] as TaskDef[]).map((t) => [t.name, t]),
);

/**
 * The task named `name`, or an error listing the known ones.
 *
 * @example Problem 0 of countdown at level 1, and a teacher's answer to it
 * ```ts
 * import { DEFAULT_STYLE, getTask, rng } from "@credit-bench/credit-bench";
 *
 * const countdown = getTask("countdown");
 * const problem = countdown.generate(rng(1, "example"), 0, 1);
 * const trace = countdown.demonstrate(problem, rng(1, "teacher"), DEFAULT_STYLE);
 * console.log(countdown.verify(problem, trace.words.join(" ")).correct === trace.correct); // true
 * ```
 */
export function getTask(name: string): TaskDef {
  const t = TASKS.get(name);
  if (!t) throw new Error(`unknown task ${JSON.stringify(name)}; known tasks: ${[...TASKS.keys()].join(", ")}`);
  return t;
}
