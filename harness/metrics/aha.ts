/**
 * Aha moments, measured as DESIGN.md defines them: a reflection phrase followed by a revision that
 * turns a step the task's checker marks wrong into a right one. Exactly, an aha event of a response
 * is a pair of steps (s1, s2) of its `Verdict.steps` such that
 * - s1 is wrong (`ok` false) and s2 is right (`ok` true);
 * - s2 has the same `key` as s1 and is the next step with that key after s1 (the revision of s1);
 * - a reflection phrase (one of {@link REFLECTION_PHRASES}, matched as a word sequence in the
 *   response's words) lies between them: it starts at or after s1's end and ends at or before s2's start.
 *
 * Choices: the reflection must come before the *next* step with s1's key, not just any later one:
 * a revision that stays wrong is a failed correction, and a right step after it revises that wrong
 * step (which is then s1), so a chain wrong → wait → wrong → wait → right is one event, and a right
 * step never counts twice. A reflection anywhere in the gap counts, even with other steps between it
 * and s2. A right step with the same key that comes without a reflection phrase in the gap is a silent
 * rewrite, not an aha; a reflection with no wrong step before it is no aha either.
 * @module
 */
import { REFLECTION_PHRASES } from "../../tasks/kit/phrases.ts";
import type { StepCheck, Verdict } from "../../tasks/kit/task.ts";
import { words } from "../text/tokenizer.ts";
import { ratio } from "./stats.ts";

/**
 * One aha event: indices into `Verdict.steps` and the word index where the reflection starts.
 *
 * @example
 * ```ts
 * import { checkStep, findSteps } from "@credit-bench/credit-bench/tasks";
 * import { type AhaEvent, ahaEvents } from "@credit-bench/credit-bench/metrics";
 *
 * const words = "3 + 4 = 8 . wait , check again 3 + 4 = 7 .".split(" ");
 * const [event]: AhaEvent[] = ahaEvents(words, findSteps(words).map(checkStep)); // { wrong: 0, right: 1, reflection: 6 }
 * ```
 */
export interface AhaEvent {
  /** Index of the wrong step s1. */
  wrong: number;
  /** Index of its right revision s2. */
  right: number;
  /** Word index of the first reflection phrase between them. */
  reflection: number;
}

/**
 * The word spans [start, end) of every occurrence of any of `phrases` (each space-separated words)
 * in `ws`, by start then length.
 *
 * @example
 * ```ts
 * import { phraseSpans } from "@credit-bench/credit-bench/metrics";
 *
 * phraseSpans("8 . wait , check again 7".split(" ")); // [[2, 6]]
 * ```
 */
export function phraseSpans(
  ws: readonly string[],
  phrases: readonly string[] = REFLECTION_PHRASES,
): [number, number][] {
  const ps = phrases.map(words).filter((p) => p.length > 0);
  const out: [number, number][] = [];
  for (let i = 0; i < ws.length; i++) {
    for (const p of ps) if (p.every((w, k) => ws[i + k] === w)) out.push([i, i + p.length]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * The aha events of a response (text or words) given its checked steps (`Verdict.steps`, word spans
 * into the same words), as defined in the module documentation, in the order of their wrong step.
 * `phrases` defaults to {@link REFLECTION_PHRASES}.
 *
 * @example A wrong step, a reflection, the step rewritten right: one event
 * ```ts
 * import { answerSection, checkStep, findSteps } from "@credit-bench/credit-bench/tasks";
 * import { ahaEvents } from "@credit-bench/credit-bench/metrics";
 *
 * const response = "3 + 4 = 8 . wait , check again 3 + 4 = 7 . answer : 7";
 * ahaEvents(response, findSteps(answerSection(response).body).map(checkStep)); // [{ wrong: 0, right: 1, reflection: 6 }]
 * ```
 */
export function ahaEvents(
  response: string | readonly string[],
  steps: readonly StepCheck[],
  phrases: readonly string[] = REFLECTION_PHRASES,
): AhaEvent[] {
  const spans = phraseSpans(typeof response === "string" ? words(response) : response, phrases);
  const events: AhaEvent[] = [];
  steps.forEach((s1, i) => {
    if (s1.ok) return;
    const j = steps.findIndex((s2, jj) => jj > i && s2.key === s1.key);
    if (j < 0 || !steps[j].ok) return;
    const r = spans.find(([start, end]) => start >= s1.end && end <= steps[j].start);
    if (r) events.push({ wrong: i, right: j, reflection: r[0] });
  });
  return events;
}

/**
 * A response as the aha aggregates read it (a `Rollout` is one).
 *
 * @example
 * ```ts
 * import { getTask, rng } from "@credit-bench/credit-bench";
 * import type { AhaResponse } from "@credit-bench/credit-bench/metrics";
 *
 * const task = getTask("arithmetic_chain"), problem = task.generate(rng(1, "example"), 0, 1);
 * const text = "answer : 7";
 * const response: AhaResponse = { text, verdict: task.verify(problem, text) };
 * ```
 */
export interface AhaResponse {
  /** The response's text. */
  text: string;
  /** The task's verdict on it. */
  verdict: Verdict;
}

/**
 * Aha figures of a set of responses.
 *
 * @example
 * ```ts
 * import { type AhaResponse, type AhaSummary, ahaSummary } from "@credit-bench/credit-bench/metrics";
 *
 * const show = (responses: AhaResponse[]) => {
 *   const s: AhaSummary = ahaSummary(responses);
 *   console.log(`${s.withAha} of ${s.responses} responses have an aha moment`);
 * };
 * ```
 */
export interface AhaSummary {
  /** Responses. */
  responses: number;
  /** Responses with at least one aha event. */
  withAha: number;
  /** Aha events in all responses. */
  events: number;
  /** Aha frequency: withAha / responses (0 for no responses). */
  frequency: number;
  /** Correct responses. */
  correct: number;
  /** Correct responses with at least one aha event. */
  correctWithAha: number;
  /** Aha frequency among correct responses: correctWithAha / correct (0 when none is correct). */
  amongCorrect: number;
}

/**
 * Count {@link ahaEvents} over responses: frequency overall and among correct responses.
 *
 * @example
 * ```ts
 * import { getTask, rng } from "@credit-bench/credit-bench";
 * import { ahaSummary } from "@credit-bench/credit-bench/metrics";
 *
 * const task = getTask("arithmetic_chain"), problem = task.generate(rng(1, "example"), 0, 1);
 * const texts = ["answer : 7", "answer : 8"];
 * ahaSummary(texts.map((text) => ({ text, verdict: task.verify(problem, text) }))).frequency; // 0: no reflection
 * ```
 */
export function ahaSummary(responses: readonly AhaResponse[]): AhaSummary {
  let withAha = 0, events = 0, correct = 0, correctWithAha = 0;
  for (const r of responses) {
    const n = ahaEvents(r.text, r.verdict.steps).length;
    events += n;
    withAha += n > 0 ? 1 : 0;
    correct += r.verdict.correct ? 1 : 0;
    correctWithAha += r.verdict.correct && n > 0 ? 1 : 0;
  }
  return {
    responses: responses.length,
    withAha,
    events,
    frequency: ratio(withAha, responses.length),
    correct,
    correctWithAha,
    amongCorrect: ratio(correctWithAha, correct),
  };
}
