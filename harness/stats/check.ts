/**
 * Input checks shared by the statistics functions: every value finite, a score matrix rectangular.
 * A bad value is a RangeError that names it (`x[3] is NaN`), never a silent NaN in a report.
 * @module
 */
import { shownValue } from "../core/errors.ts";

/** Throw a RangeError naming the first value of `xs` that is not a finite number (`label[i] is NaN`). */
export function checkFinite(xs: readonly number[], label: string): void {
  for (let i = 0; i < xs.length; i++) {
    if (typeof xs[i] !== "number" || !Number.isFinite(xs[i])) {
      throw new RangeError(`${label}[${i}] is ${shownValue(xs[i])}, not a finite number`);
    }
  }
}

/** Throw a RangeError unless `x` is a finite number, naming it. */
export function checkNumber(x: number, label: string): void {
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new RangeError(`${label} is ${shownValue(x)}, not a finite number`);
  }
}

/** Throw a RangeError unless `x` is a probability strictly between 0 and 1, naming it. */
export function checkLevel(x: number, label: string): void {
  if (typeof x !== "number" || !(x > 0 && x < 1)) {
    throw new RangeError(`${label} is ${shownValue(x)}, not a number strictly between 0 and 1`);
  }
}

/** Throw a RangeError unless `x` is a positive integer, naming it. */
export function checkCount(x: number, label: string): void {
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`${label} is ${shownValue(x)}, not a positive integer`);
}

/**
 * Throw a RangeError unless `scores` is a runs × tasks matrix: at least one run, the same positive number of
 * tasks in every run, every value finite (the first bad one named, `label[run][task] is NaN`).
 */
export function checkScores(scores: readonly (readonly number[])[], label: string): void {
  if (scores.length === 0) throw new RangeError(`${label} has no runs`);
  const tasks = scores[0].length;
  if (tasks === 0) throw new RangeError(`${label} has no tasks`);
  scores.forEach((row, r) => {
    if (row.length !== tasks) throw new RangeError(`${label}[${r}] has ${row.length} tasks, run 0 has ${tasks}`);
    checkFinite(row, `${label}[${r}]`);
  });
}
