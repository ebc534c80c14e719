/**
 * Building teacher traces and reading responses, shared by every task: words with roles, the
 * exec-error / reflect-and-correct mechanics of a {@link Style}, and the `answer :` section.
 * @module
 */
import type { Rng } from "../../harness/core/rng.ts";
import type { Role, StepCheck, Style, Trace, Verdict } from "./task.ts";
import { longest, phrase, type PhraseKind, reflection, REFLECTION_PHRASES } from "./phrases.ts";
import { inVocab, words } from "../../harness/text/tokenizer.ts";
import { MAX_NUMBER } from "../../harness/text/vocab.ts";

/**
 * Accumulates a teacher trace word by word, each with its role.
 *
 * @example A plan, a step that may be written wrong and caught, and the answer
 * ```ts
 * import { DEFAULT_STYLE, rng, TraceBuilder } from "@credit-bench/credit-bench/tasks";
 *
 * const t = new TraceBuilder(rng(1, "example"), DEFAULT_STYLE).phrase("deduction").plan("use 3 and 4");
 * const sum = t.step("3 + 4", 7, (r) => r.pick([6, 8]));
 * const trace = t.finish(String(sum), "direct", sum === 7);
 * ```
 */
export class TraceBuilder {
  /** The words written so far. */
  readonly words: string[] = [];
  /** The role of each word written so far. */
  readonly roles: Role[] = [];

  /** Create a builder drawing optional phrases and errors from `rng` in `style`. */
  constructor(
    /** The stream optional phrases and errors are drawn from. */
    readonly rng: Rng,
    /** How the teacher writes. */
    readonly style: Style,
  ) {}

  /** Append words (a string is split on spaces) with one role. */
  push(role: Role, text: string | readonly string[]): this {
    const ws = typeof text === "string" ? words(text) : text;
    for (const w of ws) {
      this.words.push(w);
      this.roles.push(role);
    }
    return this;
  }

  /** Append planning words. */
  plan(text: string | readonly string[]): this {
    return this.push("plan", text);
  }

  /** Append execution words. */
  exec(text: string | readonly string[]): this {
    return this.push("exec", text);
  }

  /** Append a planning phrase of a kind (always). */
  phrase(kind: PhraseKind): this {
    return this.plan(phrase(this.rng, kind));
  }

  /** Append a planning phrase of a kind with probability `style.verbosity`. */
  maybePhrase(kind: PhraseKind): this {
    return this.rng.bernoulli(this.style.verbosity) ? this.phrase(kind) : this;
  }

  /**
   * Write one execution step `lhs = result` ending with ".". With probability `style.execError`
   * the result is `wrong(rng)` instead of `right`; a wrong step is then caught with probability
   * `style.reflect`, and a step not caught is double-checked with probability `style.check` (both: a
   * reflection phrase, then the step rewritten right). Returns the result the teacher goes on with:
   * `right`, or the wrong one when the error stays uncaught.
   */
  step<T extends string | number>(lhs: string, right: T, wrong: (rng: Rng) => T): T {
    const bad = this.rng.bernoulli(this.style.execError) ? wrong(this.rng) : right;
    this.exec(`${lhs} = ${bad} .`);
    if (!rethinks(this.rng, this.style, bad !== right)) return bad;
    this.plan(reflection(this.rng)).exec(`${lhs} = ${right} .`);
    return right;
  }

  /** Close with `answer : <answer>` and return the trace. */
  finish(answer: string, strategy: string, correct: boolean): Trace {
    this.push("answer", `answer : ${answer}`);
    return { words: this.words, roles: this.roles, strategy, correct };
  }
}

/**
 * Whether the teacher writes a reflection after a step: a wrong step is caught with probability
 * `style.reflect`; any step not caught is double-checked with probability `style.check` (no draw when
 * it is 0 or unset, so styles without checks write as before).
 *
 * @example
 * ```ts
 * import { rethinks, rng } from "@credit-bench/credit-bench/tasks";
 *
 * rethinks(rng(1), { execError: 0.1, reflect: 1, verbosity: 0 }, true); // true: every wrong step is caught
 * ```
 */
export function rethinks(rng: Rng, style: Style, wrongStep: boolean): boolean {
  if (wrongStep && rng.bernoulli(style.reflect)) return true;
  return (style.check ?? 0) > 0 && rng.bernoulli(style.check!);
}

/** Words in the longest reflection phrase. */
const MAX_REFLECTION = longest(REFLECTION_PHRASES);

/**
 * A {@link TraceBuilder} held to a word budget. Its steps go through {@link BoundedTrace.stepWithin},
 * which lets a step be caught or checked and rewritten (`style.reflect`, `style.check`) only while
 * the longest such rewrite still leaves room for the words that must follow; otherwise an error stays
 * uncaught. With every optional phrase checked by {@link BoundedTrace.fits}, a response planned within
 * the budget stays within it for any style.
 *
 * @example A step followed by the 3 words of `answer : 7`, within 20 words
 * ```ts
 * import { BoundedTrace, DEFAULT_STYLE, rng } from "@credit-bench/credit-bench/tasks";
 *
 * const t = new BoundedTrace(rng(1, "example"), DEFAULT_STYLE, 20);
 * const sum = t.stepWithin("3 + 4", 7, () => 8, 3);
 * const trace = t.finish(String(sum), "direct", sum === 7);
 * ```
 */
export class BoundedTrace extends TraceBuilder {
  readonly #style: Style;

  /** A builder for `style` that writes at most `maxWords` words. */
  constructor(
    rng: Rng,
    style: Style,
    /** The most words the trace may have. */
    readonly maxWords: number,
  ) {
    super(rng, { ...style });
    this.#style = style;
  }

  /** Whether `n` more words, followed by `after` words still to come, fit the budget. */
  fits(n: number, after: number): boolean {
    return this.words.length + n + after <= this.maxWords;
  }

  /** {@link TraceBuilder.step}, catching or checking a step only when its rewrite and `after` more words fit. */
  stepWithin<T extends string | number>(lhs: string, right: T, wrong: (rng: Rng) => T, after: number): T {
    const stepWords = words(lhs).length + 3;
    // `style` is this builder's own copy of the caller's style, so only this builder sees the change.
    const room = this.fits(2 * stepWords + MAX_REFLECTION, after);
    this.style.reflect = room ? this.#style.reflect : 0;
    this.style.check = room ? this.#style.check : 0;
    return this.step(lhs, right, wrong);
  }
}

/**
 * A wrong result for a step whose right result is `right`: drawn uniformly from the numbers within 3
 * of it (in 0..MAX_NUMBER) for which `ok` holds, or `right` itself (no error) when there is none.
 *
 * @example A wrong even sum near 10
 * ```ts
 * import { missWhere, rng } from "@credit-bench/credit-bench/tasks";
 *
 * missWhere(rng(1), 10, (v) => v % 2 === 0); // 8 or 12
 * ```
 */
export function missWhere(rng: Rng, right: number, ok: (v: number) => boolean): number {
  const candidates: number[] = [];
  for (let d = -3; d <= 3; d++) {
    const v = right + d;
    if (d !== 0 && v >= 0 && v <= MAX_NUMBER && ok(v)) candidates.push(v);
  }
  return candidates.length ? rng.pick(candidates) : right;
}

/**
 * The strategy a teacher follows: drawn from the style's weights for this task's strategies, or from
 * the task's `defaults` when the style names none of them (a style may name several tasks' strategies).
 *
 * @example
 * ```ts
 * import { DEFAULT_STYLE, pickStrategy, rng } from "@credit-bench/credit-bench/tasks";
 *
 * pickStrategy(rng(1), DEFAULT_STYLE, { forward: 3, backward: 1 }); // "backward": a draw, "forward" at odds 3 to 1
 * ```
 */
export function pickStrategy<S extends string>(rng: Rng, style: Style, defaults: Readonly<Record<S, number>>): S {
  const names = Object.keys(defaults) as S[];
  const given = (style.strategies ?? {}) as Partial<Record<string, number>>;
  const weights = names.some((s) => s in given) ? names.map((s) => given[s] ?? 0) : names.map((s) => defaults[s]);
  if (!weights.some((w) => w > 0)) {
    throw new RangeError(`the style gives no weight to any of the strategies ${names.join(", ")}`);
  }
  return names[rng.weighted(weights)];
}

/**
 * The response split at its `answer :` marker(s).
 *
 * @example
 * ```ts
 * import { type AnswerSection, answerSection } from "@credit-bench/credit-bench/tasks";
 *
 * const sec: AnswerSection = answerSection("3 + 4 = 7 . answer : 7");
 * console.log(sec.body.length, sec.answer); // 6 [ "7" ]
 * ```
 */
export interface AnswerSection {
  /** Words before the first marker. */
  body: string[];
  /** Words after the last marker (the answer), or null when there is no marker. */
  answer: string[] | null;
  /** How many `answer :` markers the response has. */
  markers: number;
  /** Whether every word is in the vocabulary. */
  inVocab: boolean;
}

/**
 * Split a response into body and answer at `answer :`.
 *
 * @example
 * ```ts
 * import { answerSection } from "@credit-bench/credit-bench/tasks";
 *
 * answerSection("so x = 2 . answer : 2").answer; // ["2"]
 * ```
 */
export function answerSection(response: string): AnswerSection {
  const ws = words(response);
  const at: number[] = [];
  for (let i = 0; i + 1 < ws.length; i++) if (ws[i] === "answer" && ws[i + 1] === ":") at.push(i);
  return {
    body: at.length ? ws.slice(0, at[0]) : ws,
    answer: at.length ? ws.slice(at[at.length - 1] + 2) : null,
    markers: at.length,
    inVocab: inVocab(ws),
  };
}

/**
 * The verdict from a parsed answer: well formed when there is exactly one marker, every word is in
 * the vocabulary and `canonical` parsed the whole answer (it returns null on anything else, trailing
 * words included); rewarded when well formed and `isCorrect(canonical)`; `steps` are the checks of
 * the execution steps found in the response.
 *
 * @example
 * ```ts
 * import { answerSection, checkStep, findSteps, num, verdict } from "@credit-bench/credit-bench/tasks";
 *
 * const sec = answerSection("3 + 4 = 7 . answer : 7");
 * const value = sec.answer?.length === 1 ? num(sec.answer[0]) : null;
 * const v = verdict(sec, value === null ? null : String(value), (c) => c === "7", findSteps(sec.body).map(checkStep));
 * console.log(v.reward, v.steps[0].ok); // 1 true
 * ```
 */
export function verdict(
  sec: AnswerSection,
  canonical: string | null,
  isCorrect: (c: string) => boolean,
  steps: StepCheck[],
): Verdict {
  const wellFormed = sec.markers === 1 && sec.inVocab && canonical !== null;
  const correct = wellFormed && isCorrect(canonical!);
  return { reward: correct ? 1 : 0, correct, wellFormed, answer: wellFormed ? canonical : null, steps };
}
