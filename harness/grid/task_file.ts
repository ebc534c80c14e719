/**
 * A task file's task (`--tasks ./my_task.ts`), loaded and held to its contract on every call: a
 * `generate`, `verify` or `demonstrate` that throws, or returns something of the wrong shape (a NaN
 * reward, a step span outside the response, roles that do not match the words), stops the bench with
 * one line naming the file, the function and the input, instead of an error from deep in the grid
 * that names none of them. The suite's own tasks are tested against their verifiers and are not wrapped.
 * @module
 */
import type { Problem, StepCheck, TaskDef, Trace, Verdict } from "../../tasks/kit/task.ts";
import { loadTask } from "../../tasks/mod.ts";
import { firstLine } from "../backend/onnx_runtime.ts";

/** The contract's reference, ending every message. */
const CONTRACT = "see tasks/kit/task.ts for the contract";

/** At most 60 characters of `text`, for messages. */
function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** What is wrong with a verdict of a response of `words` words, or null. */
function verdictProblem(v: Verdict, words: number): string | null {
  if (typeof v !== "object" || v === null) return `${v}, not a Verdict`;
  if (typeof v.reward !== "number" || !Number.isFinite(v.reward)) return `reward ${v.reward}, not a finite number`;
  if (typeof v.correct !== "boolean" || typeof v.wellFormed !== "boolean") return "correct or wellFormed not a boolean";
  if (v.answer !== null && typeof v.answer !== "string") return `answer ${v.answer}, not a string or null`;
  if (!Array.isArray(v.steps)) return "steps that are not a list";
  const span = (s: StepCheck) =>
    Number.isInteger(s?.start) && Number.isInteger(s?.end) && s.start >= 0 && s.start < s.end && s.end <= words;
  const bad = v.steps.find((s) => !span(s) || typeof s.key !== "string" || typeof s.ok !== "boolean");
  return bad ? `the step ${JSON.stringify(bad)}, not { start, end, key, ok } within the ${words} words` : null;
}

/** What is wrong with a teacher's trace, or null. */
function traceProblem(t: Trace): string | null {
  if (typeof t !== "object" || t === null || !Array.isArray(t.words) || !Array.isArray(t.roles)) {
    return "no words and roles lists";
  }
  if (t.words.length !== t.roles.length) return `${t.words.length} words but ${t.roles.length} roles`;
  const role = t.roles.find((r) => r !== "plan" && r !== "exec" && r !== "answer");
  return role === undefined ? null : `the role ${JSON.stringify(role)}, not plan, exec or answer`;
}

/** Call `f` for `what`, turning a throw into one line naming `source`. */
function guarded<T>(source: string, what: string, f: () => T, problem: (x: T) => string | null): T {
  let out: T;
  try {
    out = f();
  } catch (e) {
    throw new Error(`task file ${source}: ${what} threw (${firstLine(e)}); ${CONTRACT}`);
  }
  const bad = problem(out);
  if (bad) throw new Error(`task file ${source}: ${what} returned ${bad}; ${CONTRACT}`);
  return out;
}

/**
 * The task of the task file at `source` ({@link loadTask}), its functions checked on every call.
 *
 * @example
 * ```ts
 * import { loadTaskFile } from "./task_file.ts";
 *
 * const task = await loadTaskFile("./tests/fixtures/outside_task.ts");
 * console.log(task.name); // "outside_sum"
 * ```
 */
export async function loadTaskFile(source: string): Promise<TaskDef> {
  const task = await loadTask(source);
  return {
    ...task,
    generate: (rng, index, level) =>
      guarded(
        source,
        `generate(rng, ${index}, ${level})`,
        () => task.generate(rng, index, level),
        (p: Problem) =>
          typeof p?.prompt === "string" && p.task === task.name
            ? null
            : `a problem whose task is not ${JSON.stringify(task.name)} or whose prompt is not a string`,
      ),
    verify: (problem, response) =>
      guarded(
        source,
        `verify on the response ${clip(response)}`,
        () => task.verify(problem, response),
        (v) => verdictProblem(v, response.split(" ").filter((w) => w).length),
      ),
    demonstrate: (problem, rng, style) =>
      guarded(
        source,
        `demonstrate on ${clip(problem.prompt)}`,
        () => task.demonstrate(problem, rng, style),
        traceProblem,
      ),
  };
}
