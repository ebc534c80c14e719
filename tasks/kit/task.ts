/**
 * The task contract: deterministic generation, exact verification, and a teacher that writes
 * role-annotated traces. A task module `export default`s the result of {@link defineTask}.
 * @module
 */
import { isObject } from "../../harness/core/json_object.ts";
import type { Rng } from "../../harness/core/rng.ts";

/** The seeded stream a task draws from (harness/core/rng.ts), here for task authors. */
export type { Rng };

/**
 * The role of a response token: strategy (`plan`), procedure (`exec`) or the final `answer`.
 *
 * @example
 * ```ts
 * import type { Role } from "@credit-bench/credit-bench/tasks";
 *
 * const roles: Role[] = ["plan", "exec", "answer"];
 * ```
 */
export type Role = "plan" | "exec" | "answer";

/**
 * One generated problem. The prompt determines the problem: its text is the canonical key.
 *
 * @example
 * ```ts
 * import { getTask, type Problem, rng } from "@credit-bench/credit-bench";
 *
 * const problem: Problem = getTask("countdown").generate(rng(1, "example"), 0, 1);
 * console.log(problem.prompt); // "countdown ..."
 * ```
 */
export interface Problem<D = unknown> {
  /** Name of the task that made it. */
  task: string;
  /** Difficulty level it was generated at: the `level` its `generate` was asked for. */
  level: number;
  /**
   * Prompt text: space-separated vocabulary words, no special token. The suite's tasks begin theirs
   * with the task's name; nothing requires it (a task file's name need not be a vocabulary word).
   */
  prompt: string;
  /**
   * Whatever the verifier and the teacher need, as plain JSON (objects, lists, strings, finite numbers,
   * booleans, null); a task file's is checked.
   */
  data: D;
}

/**
 * The check of one execution step written in a response.
 *
 * @example `3 + 4 = 8 .` at the start of a response
 * ```ts
 * import type { StepCheck } from "@credit-bench/credit-bench/tasks";
 *
 * const check: StepCheck = { start: 0, end: 5, key: "3 + 4", ok: false };
 * ```
 */
export interface StepCheck {
  /** First word of the step in the response. */
  start: number;
  /** End of the step (exclusive): its word span is [start, end). */
  end: number;
  /** The step's identity without its result (e.g. "5 + 7"): a later step with the same key revises it. */
  key: string;
  /** Whether the step is right. */
  ok: boolean;
}

/**
 * The verifier's judgement of a response.
 *
 * @example
 * ```ts
 * import { getTask, rng, type Verdict } from "@credit-bench/credit-bench";
 *
 * const task = getTask("arithmetic_chain");
 * const verdict: Verdict = task.verify(task.generate(rng(1, "example"), 0, 1), "answer : 7");
 * console.log(verdict.wellFormed, verdict.reward);
 * ```
 */
export interface Verdict {
  /** 1 for a correct final answer in the required format, else 0. */
  reward: number;
  /** Whether the final answer is right. */
  correct: boolean;
  /** Whether the response has exactly one answer section in the required format, and nothing after it. */
  wellFormed: boolean;
  /** The parsed answer in canonical form (equal answers give equal strings), or null. */
  answer: string | null;
  /** Every execution step found in the response, in order, checked. */
  steps: StepCheck[];
}

/**
 * A teacher's demonstration: response words with a role for every word.
 *
 * @example
 * ```ts
 * import { DEFAULT_STYLE, getTask, rng, type Trace } from "@credit-bench/credit-bench";
 *
 * const task = getTask("countdown"), stream = rng(1, "example");
 * const trace: Trace = task.demonstrate(task.generate(stream, 0, 1), stream, DEFAULT_STYLE);
 * console.log(trace.words.length === trace.roles.length); // true
 * ```
 */
export interface Trace {
  /** Response words (no special tokens). */
  words: string[];
  /** Role of each word, same length as `words`. */
  roles: Role[];
  /** The strategy the teacher followed. */
  strategy: string;
  /** Whether the trace ends with a correct answer (the verifier agrees; a test checks it). */
  correct: boolean;
}

/**
 * How a teacher writes: strategy mixture, error and reflection rates, verbosity.
 *
 * @example A teacher that never errs and writes every optional phrase
 * ```ts
 * import type { Style } from "@credit-bench/credit-bench/tasks";
 *
 * const careful: Style = { execError: 0, reflect: 0, verbosity: 1 };
 * ```
 */
export interface Style {
  /**
   * Strategy weights by name. A task whose strategies the style names draws from those (missing
   * ones weigh 0); a task whose strategies it does not name uses its own defaults.
   */
  strategies?: Record<string, number>;
  /** Probability that an execution step is written with a wrong result. */
  execError: number;
  /** Probability that a wrong step is caught ("wait , let us check") and rewritten right. */
  reflect: number;
  /**
   * Probability that a step not caught that way is double-checked all the same: the reflection phrase,
   * then the step rewritten right. On a right step that is a confirmation; on a wrong one, a repair.
   * Default 0.
   */
  check?: number;
  /** Probability of each optional planning phrase (deduction remarks, restated plans). */
  verbosity: number;
}

/**
 * A task definition: what {@link defineTask} checks and a task module exports by default.
 *
 * @example
 * ```ts
 * import { getTask, type TaskDef } from "@credit-bench/credit-bench";
 *
 * const task: TaskDef = getTask("linear_equation");
 * console.log(task.name, task.levels);
 * ```
 */
export interface TaskDef<D = unknown> {
  /** Unique lower_snake_case name: runs, tables and the task's problem streams go by it. */
  name: string;
  /** One line saying what the task tests. */
  summary: string;
  /** Difficulty levels this task can generate. */
  levels: readonly number[];
  /** The task's strategy names and their default weights for the teacher. */
  strategies: Readonly<Record<string, number>>;
  /** Longest response, in words, a policy may write for this task (sampling stops there). */
  maxResponseWords: number;
  /** Problem number `index` at `level`; `rng` is that problem's own stream. Deterministic. */
  generate(rng: Rng, index: number, level: number): Problem<D>;
  /**
   * Judge a response. Never throws, whatever the text. A policy's response comes as its sampled tokens
   * joined by single spaces, the final `<eos>` left out: vocabulary words, and any special token the
   * policy wrote (`<pad>`, `<bos>`, `<sep>`) kept where it wrote it; it may be empty, or cut off
   * without an answer (at `maxResponseWords + 1` words, or where the model's context ends). The
   * oracle planning mask calls it on the same words with every special token left out; the teacher
   * check, on a trace's words.
   */
  verify(problem: Problem<D>, response: string): Verdict;
  /** A teacher trace for the problem in the given style. */
  demonstrate(problem: Problem<D>, rng: Rng, style: Style): Trace;
}

/** The pointer every message about a task definition ends with: this file, the contract with its example. */
export const CONTRACT = "see tasks/kit/task.ts for the contract";

const FIELDS = [
  "name",
  "summary",
  "levels",
  "strategies",
  "maxResponseWords",
  "generate",
  "verify",
  "demonstrate",
] as const;

/** The problems with a would-be task definition, each a phrase; empty when it is fine. */
function problems(def: Record<string, unknown>): string[] {
  const missing = FIELDS.filter((k) => def[k] === undefined);
  if (missing.length) return [`is missing ${missing.join(", ")}`];
  const out: string[] = [];
  if (typeof def.name !== "string" || !/^[a-z][a-z0-9_]*$/.test(def.name)) {
    out.push(`has name ${JSON.stringify(def.name)}, which is not lower_snake_case`);
  }
  if (typeof def.summary !== "string" || !def.summary.trim()) out.push("has a summary that is not a sentence");
  if (!Array.isArray(def.levels) || def.levels.length === 0) out.push("has no levels");
  else if (!def.levels.every((l) => Number.isInteger(l) && l >= 0)) {
    out.push("has levels that are not whole numbers ≥ 0");
  }
  const weights = isObject(def.strategies) ? Object.values(def.strategies) : [];
  if (!weights.length || !weights.every((w) => typeof w === "number" && Number.isFinite(w) && w > 0)) {
    out.push("has strategies that are not { name: weight > 0, … }");
  }
  if (!Number.isInteger(def.maxResponseWords) || (def.maxResponseWords as number) < 1) {
    const v = def.maxResponseWords;
    out.push(`has maxResponseWords ${typeof v === "string" ? JSON.stringify(v) : String(v)}, not a whole number ≥ 1`);
  }
  for (const k of ["generate", "verify", "demonstrate"] as const) {
    if (typeof def[k] !== "function") out.push(`has a ${k} that is not a function`);
  }
  return out;
}

/**
 * Declare a task; checks the definition's shape (a TypeError names what is missing or wrong) and
 * returns it unchanged. A task module `export default`s the result.
 *
 * @example A task that adds two numbers (its name and prompts in the vocabulary)
 * ```ts
 * import { answerSection, defineTask, num, TraceBuilder, verdict } from "@credit-bench/credit-bench/tasks";
 *
 * export default defineTask<{ a: number; b: number }>({
 *   name: "numbers",
 *   summary: "add two numbers",
 *   levels: [1],
 *   strategies: { direct: 1 },
 *   maxResponseWords: 16,
 *   generate: (rng, _index, level) => {
 *     const a = rng.int(10), b = rng.int(10);
 *     return { task: "numbers", level, prompt: `numbers ${a} + ${b}`, data: { a, b } };
 *   },
 *   verify: (problem, response) => {
 *     const sec = answerSection(response);
 *     const value = sec.answer?.length === 1 ? num(sec.answer[0]) : null;
 *     const sum = String(problem.data.a + problem.data.b);
 *     return verdict(sec, value === null ? null : String(value), (c) => c === sum, []);
 *   },
 *   demonstrate: ({ data: { a, b } }, rng, style) =>
 *     new TraceBuilder(rng, style).exec(`${a} + ${b} = ${a + b} .`).finish(String(a + b), "direct", true),
 * });
 * ```
 */
export function defineTask<D>(def: TaskDef<D>): TaskDef<D> {
  const found = problems(def as unknown as Record<string, unknown>);
  if (found.length) throw new TypeError(`task ${def.name ?? "(unnamed)"} ${found.join("; ")}; ${CONTRACT}`);
  return def;
}

/**
 * Check a module's default export loaded from `source` (a path, for messages) and return it as a
 * {@link TaskDef}. Throws a TypeError such as `./my_task.ts: the default export is missing verify; see
 * tasks/kit/task.ts for the contract`.
 */
export function checkTask(value: unknown, source: string): TaskDef {
  if (value === undefined) {
    throw new TypeError(`${source}: has no default export; write export default defineTask({ ... }); ${CONTRACT}`);
  }
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `${source}: the default export is ${
        value === null ? "null" : `a ${typeof value}`
      }, not a task definition; ${CONTRACT}`,
    );
  }
  const found = problems(value as Record<string, unknown>);
  if (found.length) throw new TypeError(`${source}: the default export ${found.join("; ")}; ${CONTRACT}`);
  return value as TaskDef;
}

/**
 * The default teacher style used to build base models: one step in ten written wrong, half of the wrong
 * steps caught, and three in ten of the others double-checked (so the base model writes checks, and its
 * checks now and then repair a step: aha events in about 1–2% of its responses).
 *
 * @example A sloppier teacher
 * ```ts
 * import { DEFAULT_STYLE, type Style } from "@credit-bench/credit-bench/tasks";
 *
 * const sloppy: Style = { ...DEFAULT_STYLE, execError: 0.3 };
 * ```
 */
export const DEFAULT_STYLE: Style = { execError: 0.1, reflect: 0.5, check: 0.3, verbosity: 0.3 };
