/**
 * The `oracle` planning-token mask: the plan/exec roles a teacher writes, recovered in any response
 * (the model's own output included) with the task's own parser, for every task alike. The task's
 * verifier finds the execution steps of a response (`Verdict.steps`, word spans into the body, the
 * words before the first `answer :`); the words inside a step span are `exec`, the words from the
 * first `answer :` marker on are `answer`, and every other body word is `plan`; a "." right after a
 * step span closes that step and is `exec` too (the teachers write every step as `… = r .`, and the
 * arithmetic tasks' spans stop before the "."). Planning tokens are the `plan` words.
 *
 * {@link roleAgreement} measures how well this recovers the teacher's own roles, and
 * tests/planning_test.ts pins it per task.
 * @module
 */
import { decode } from "../text/tokenizer.ts";
import { isSpecialToken } from "./planning.ts";
import type { Problem, Role, TaskDef } from "../../tasks/kit/task.ts";

/** Index of the first `answer :` marker in words, or their length when there is none. */
function markerAt(ws: readonly string[]): number {
  for (let i = 0; i + 1 < ws.length; i++) if (ws[i] === "answer" && ws[i + 1] === ":") return i;
  return ws.length;
}

/**
 * The role of every word of a response, recovered with the task's parser: `exec` inside a step span
 * of `task.verify(problem, words).steps`, `answer` from the first `answer :` marker on, `plan` for
 * every other word. Never throws for any words (the verifier never does).
 */
export function oracleRoles<D>(task: TaskDef<D>, problem: Problem<D>, words: readonly string[]): Role[] {
  const end = markerAt(words);
  const roles: Role[] = words.map((_, i) => (i < end ? "plan" : "answer"));
  for (const s of task.verify(problem, words.join(" ")).steps) {
    for (let i = Math.max(s.start, 0); i < Math.min(s.end, end); i++) roles[i] = "exec";
    if (s.end < end && words[s.end] === ".") roles[s.end] = "exec";
  }
  return roles;
}

/**
 * The oracle planning-token mask of a response given as token ids (prompt excluded, as in
 * `RolloutContext.tokens`): 1 where {@link oracleRoles} says `plan`, else 0. Special tokens (a
 * final `<eos>`, or any the model wrote elsewhere) are left out of the text the verifier reads, as
 * evaluation leaves out `<eos>`, and are never planning tokens.
 */
export function oracleMask<D>(task: TaskDef<D>, problem: Problem<D>, tokens: ArrayLike<number>): Uint8Array {
  const at: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (!isSpecialToken(tokens[i])) at.push(i);
  const words = at.length ? decode(at.map((i) => tokens[i])).split(" ") : [];
  const mask = new Uint8Array(tokens.length);
  oracleRoles(task, problem, words).forEach((r, k) => {
    if (r === "plan") mask[at[k]] = 1;
  });
  return mask;
}

/** How two role sequences of the same words agree. */
export interface RoleAgreement {
  /** Words compared. */
  words: number;
  /** Share of words given the same role (1 for no words). */
  roles: number;
  /** Share of words on which both agree whether the word is a planning (`plan`) word (1 for no words). */
  planning: number;
  /** Word counts by role pair: `confusion[a][b]` counts words `a` calls `a` and `b` calls `b`. */
  confusion: Record<Role, Record<Role, number>>;
}

/**
 * Agreement of roles `a` (e.g. recovered by {@link oracleRoles}) with roles `b` (e.g. a teacher
 * trace's `roles`); several responses' roles may be concatenated. Throws when the lengths differ.
 */
export function roleAgreement(a: readonly Role[], b: readonly Role[]): RoleAgreement {
  if (a.length !== b.length) throw new RangeError(`roleAgreement: ${a.length} roles against ${b.length}`);
  const row = () => ({ plan: 0, exec: 0, answer: 0 });
  const confusion = { plan: row(), exec: row(), answer: row() };
  let same = 0, samePlan = 0;
  for (let i = 0; i < a.length; i++) {
    confusion[a[i]][b[i]]++;
    if (a[i] === b[i]) same++;
    if ((a[i] === "plan") === (b[i] === "plan")) samePlan++;
  }
  const n = a.length;
  return { words: n, roles: n ? same / n : 1, planning: n ? samePlan / n : 1, confusion };
}
