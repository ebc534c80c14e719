/**
 * The fixed task suite, in a fixed order, and {@link loadTask}, which also loads a task file from
 * anywhere (`--tasks ./my_task.ts`).
 * @module
 */
import { checkTask, type TaskDef } from "./kit/task.ts";
import { deepFrozen } from "../harness/core/deep_frozen.ts";
import { importDefault, isPath } from "../harness/core/module_file.ts";
import countdown from "./countdown.ts";
import knightsKnaves from "./knights_knaves.ts";
import linearEquation from "./linear_equation.ts";
import arithmeticChain from "./arithmetic_chain.ts";
import shortestPath from "./shortest_path.ts";

/**
 * Every task of the suite, by name, in suite order, frozen through and through: every bench of a process
 * reads it, so a task added or replaced in it (`TASKS.set(…)`), or changed in place, would change every
 * later one; that throws a TypeError. A task of one's own is given as a file (`--tasks ./my_task.ts`).
 *
 * @example
 * ```ts
 * import { TASKS } from "@credit-bench/credit-bench";
 *
 * for (const t of TASKS.values()) console.log(t.name, t.summary);
 * ```
 */
export const TASKS: ReadonlyMap<string, TaskDef> = deepFrozen(
  new Map(
    ([countdown, knightsKnaves, linearEquation, arithmeticChain, shortestPath] as TaskDef[]).map((t) => [t.name, t]),
  ),
  "TASKS is the fixed suite of every bench: give a task of your own as a file (--tasks ./my_task.ts)",
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

/**
 * A task by name ({@link getTask}), or by path (relative to the working directory, absolute, or a file
 * URL) of a module whose default export is a task definition. Throws an Error for an unknown name, a
 * missing file, a file that throws on import (with the thrown message) or a default export that breaks
 * the contract (see {@link checkTask}).
 */
export async function loadTask(nameOrPath: string): Promise<TaskDef> {
  if (!isPath(nameOrPath)) return getTask(nameOrPath);
  return checkTask(await importDefault(nameOrPath, "task"), nameOrPath);
}
