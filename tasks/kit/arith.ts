/**
 * Binary arithmetic steps `a op b = c` over the vocabulary's whole numbers: evaluation, and finding
 * and checking such steps in a response. Shared by the arithmetic tasks.
 * @module
 */
import type { StepCheck } from "./task.ts";
import { MAX_NUMBER } from "../../harness/text/vocab.ts";

/** The largest whole number that is one token (harness/text/vocab.ts): every number a task writes is in 0..MAX_NUMBER. */
export { MAX_NUMBER };

/**
 * The four operations.
 *
 * @example
 * ```ts
 * import { apply, OPS } from "@credit-bench/credit-bench/tasks";
 *
 * OPS.map((op) => apply(12, op, 4)); // [16, 8, 48, 3]
 * ```
 */
export const OPS = ["+", "-", "*", "/"] as const;
/**
 * One of {@link OPS}.
 *
 * @example
 * ```ts
 * import type { Op } from "@credit-bench/credit-bench/tasks";
 *
 * const op: Op = "*";
 * ```
 */
export type Op = typeof OPS[number];

/**
 * `a op b` when it is a whole number in [0, MAX_NUMBER] (exact division only), else null.
 *
 * @example
 * ```ts
 * import { apply } from "@credit-bench/credit-bench/tasks";
 *
 * apply(7, "/", 2); // null: not exact
 * apply(3, "-", 5); // null: negative
 * ```
 */
export function apply(a: number, op: Op, b: number): number | null {
  let v: number;
  switch (op) {
    case "+":
      v = a + b;
      break;
    case "-":
      v = a - b;
      break;
    case "*":
      v = a * b;
      break;
    case "/":
      if (b === 0 || a % b !== 0) return null;
      v = a / b;
      break;
  }
  return v >= 0 && v <= MAX_NUMBER ? v : null;
}

/**
 * Parse a whole-number token (0..MAX_NUMBER), else null.
 *
 * @example
 * ```ts
 * import { num } from "@credit-bench/credit-bench/tasks";
 *
 * num("42"); // 42
 * num("042"); // null
 * ```
 */
export function num(word: string | undefined): number | null {
  if (word === undefined || !/^(0|[1-9][0-9]?)$/.test(word)) return null;
  const v = Number(word);
  return v <= MAX_NUMBER ? v : null;
}

/**
 * A step `a op b = c` found in a response.
 *
 * @example
 * ```ts
 * import { type ArithStep, findSteps } from "@credit-bench/credit-bench/tasks";
 *
 * const [step]: ArithStep[] = findSteps(["so", "3", "*", "4", "=", "12"]); // { a: 3, op: "*", b: 4, c: 12, start: 1, end: 6 }
 * ```
 */
export interface ArithStep {
  /** The left operand. */
  a: number;
  /** The operation. */
  op: Op;
  /** The right operand. */
  b: number;
  /** The result written. */
  c: number;
  /** First word of `a op b = c` in the response. */
  start: number;
  /** End of the step (exclusive): its word span is [start, end). */
  end: number;
}

/**
 * Every `a op b = c` in the words, left to right, non-overlapping.
 *
 * @example
 * ```ts
 * import { findSteps } from "@credit-bench/credit-bench/tasks";
 *
 * findSteps("3 + 4 = 7 . 7 * 2 = 15 .".split(" ")).map((s) => s.c); // [7, 15]
 * ```
 */
export function findSteps(ws: readonly string[]): ArithStep[] {
  const out: ArithStep[] = [];
  for (let i = 0; i + 4 < ws.length; i++) {
    const a = num(ws[i]), b = num(ws[i + 2]), c = num(ws[i + 4]);
    if (a !== null && b !== null && c !== null && (OPS as readonly string[]).includes(ws[i + 1]) && ws[i + 3] === "=") {
      out.push({ a, op: ws[i + 1] as Op, b, c, start: i, end: i + 5 });
      i += 4;
    }
  }
  return out;
}

/**
 * The check of an arithmetic step: right when `a op b` really is `c`.
 *
 * @example
 * ```ts
 * import { checkStep, findSteps } from "@credit-bench/credit-bench/tasks";
 *
 * findSteps("7 * 2 = 15".split(" ")).map(checkStep); // [{ start: 0, end: 5, key: "7 * 2", ok: false }]
 * ```
 */
export function checkStep(s: ArithStep): StepCheck {
  return { start: s.start, end: s.end, key: `${s.a} ${s.op} ${s.b}`, ok: apply(s.a, s.op, s.b) === s.c };
}
