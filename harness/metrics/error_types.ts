/**
 * Error types of failed responses, from the task's step checker alone (no LLM judge): each failed
 * response has the kind {@link errorKind} gives it: `format` (not well formed),
 * `execution` (well formed, some step wrong) or `planning` (well formed, every step right, the answer
 * still wrong). Shares are given over all responses (as `TaskEval.errors`) and over failed ones.
 * @module
 */
import type { Verdict } from "../../tasks/kit/task.ts";
import { ratio } from "./stats.ts";

/**
 * What went wrong in a failed response: `format`, `execution` or `planning`.
 *
 * @example
 * ```ts
 * import type { ErrorKind } from "@credit-bench/credit-bench/metrics";
 *
 * const kind: ErrorKind = "planning";
 * ```
 */
export type ErrorKind = "format" | "execution" | "planning";

/**
 * The error kind of a verdict, or null when it is correct.
 *
 * @example
 * ```ts
 * import { errorKind } from "@credit-bench/credit-bench/metrics";
 *
 * const wrongStep = { start: 0, end: 5, key: "3 + 4", ok: false };
 * errorKind({ reward: 0, correct: false, wellFormed: true, answer: "8", steps: [wrongStep] }); // "execution"
 * ```
 */
export function errorKind(v: Verdict): ErrorKind | null {
  if (v.correct) return null;
  if (!v.wellFormed) return "format";
  return v.steps.some((s) => !s.ok) ? "execution" : "planning";
}

/**
 * The error kinds, in report order.
 *
 * @example
 * ```ts
 * import { ERROR_KINDS } from "@credit-bench/credit-bench/metrics";
 *
 * ERROR_KINDS.join(", "); // "format, execution, planning"
 * ```
 */
export const ERROR_KINDS: readonly ErrorKind[] = ["format", "execution", "planning"];

/**
 * Error-type figures of a set of responses.
 *
 * @example
 * ```ts
 * import { type ErrorShares, errorShares, type Verdict } from "@credit-bench/credit-bench/metrics";
 *
 * const report = (verdicts: Verdict[]) => {
 *   const e: ErrorShares = errorShares(verdicts);
 *   console.log(`${e.failed} failed: ${e.counts.format} format, ${e.counts.execution} execution, ${e.counts.planning} planning`);
 * };
 * ```
 */
export interface ErrorShares {
  /** Responses. */
  responses: number;
  /** Failed (not correct) responses. */
  failed: number;
  /** Failed responses of each kind. */
  counts: Record<ErrorKind, number>;
  /** counts / responses for each kind (all 0 for no responses); they sum to the failure rate. */
  ofAll: Record<ErrorKind, number>;
  /** counts / failed for each kind (all 0 when nothing failed); they sum to 1 otherwise. */
  ofFailed: Record<ErrorKind, number>;
}

/**
 * Sort the failed responses among `verdicts` by {@link errorKind} and give the shares.
 *
 * @example
 * ```ts
 * import { errorShares } from "@credit-bench/credit-bench/metrics";
 *
 * const noAnswer = { reward: 0, correct: false, wellFormed: false, answer: null, steps: [] };
 * const right = { reward: 1, correct: true, wellFormed: true, answer: "7", steps: [] };
 * errorShares([noAnswer, right]).ofAll.format; // 0.5
 * ```
 */
export function errorShares(verdicts: readonly Verdict[]): ErrorShares {
  const counts: Record<ErrorKind, number> = { format: 0, execution: 0, planning: 0 };
  for (const v of verdicts) {
    const kind = errorKind(v);
    if (kind) counts[kind]++;
  }
  const failed = ERROR_KINDS.reduce((s, k) => s + counts[k], 0);
  const shares = (whole: number) =>
    Object.fromEntries(ERROR_KINDS.map((k) => [k, ratio(counts[k], whole)])) as Record<ErrorKind, number>;
  return { responses: verdicts.length, failed, counts, ofAll: shares(verdicts.length), ofFailed: shares(failed) };
}
