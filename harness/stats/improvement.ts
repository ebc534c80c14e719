/**
 * Probability of improvement, rliable's P(X > Y): on each task, the chance that a run of X scores above a
 * run of Y, ties counting one half (the Mann–Whitney U statistic over n·m), averaged over tasks.
 * @module
 */
import type { Scores } from "./aggregate.ts";
import { checkScores } from "./check.ts";

/**
 * P(X > Y) of two score matrices over the same tasks (`x[run][task]`, `y[run][task]`, any run counts):
 * the mean over tasks t of (1/(n·m)) Σᵢ Σⱼ S(xᵢₜ, yⱼₜ), with S = 1 when x > y, ½ when equal, 0 otherwise.
 * 0.5 means no difference; with its interval from `stratifiedBootstrap([x, y], …)`.
 *
 * @example
 * ```ts
 * import { probabilityOfImprovement } from "@credit-bench/credit-bench";
 *
 * probabilityOfImprovement([[3], [5]], [[4], [4]]); // 0.5: 5 beats both 4s, 3 beats neither
 * probabilityOfImprovement([[1, 9]], [[2, 9]]); // (0 + ½) / 2 = 0.25
 * ```
 */
export function probabilityOfImprovement(x: Scores, y: Scores): number {
  checkScores(x, "x");
  checkScores(y, "y");
  const tasks = x[0].length;
  if (y[0].length !== tasks) throw new RangeError(`x has ${tasks} tasks, y has ${y[0].length}`);
  let total = 0;
  for (let t = 0; t < tasks; t++) {
    let u = 0;
    for (const xr of x) for (const yr of y) u += xr[t] > yr[t] ? 1 : xr[t] === yr[t] ? 0.5 : 0;
    total += u / (x.length * y.length);
  }
  return total / tasks;
}
