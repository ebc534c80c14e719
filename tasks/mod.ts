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

/** Every task of the suite, by name, in suite order. */
export const TASKS: ReadonlyMap<string, TaskDef> = new Map(
  ([countdown, knightsKnaves, linearEquation, arithmeticChain, shortestPath] as TaskDef[]).map((t) => [t.name, t]),
);

/** The task named `name`, or an error listing the known ones. */
export function getTask(name: string): TaskDef {
  const t = TASKS.get(name);
  if (!t) throw new Error(`unknown task ${JSON.stringify(name)}; known tasks: ${[...TASKS.keys()].join(", ")}`);
  return t;
}
