/**
 * Building teacher traces and reading responses, shared by every task: words with roles, the
 * exec-error / reflect-and-correct mechanics of a {@link Style}, and the `answer :` section.
 * @module
 */
import type { Rng } from "./rng.ts";
import type { Role, StepCheck, Style, Trace, Verdict } from "./task.ts";
import { phrase, type PhraseKind, reflection } from "./phrases.ts";
import { inVocab, words } from "./tokenizer.ts";

/** Accumulates a teacher trace word by word, each with its role. */
export class TraceBuilder {
  readonly words: string[] = [];
  readonly roles: Role[] = [];

  /** Create a builder drawing optional phrases and errors from `rng` in `style`. */
  constructor(readonly rng: Rng, readonly style: Style) {}

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
   * `style.reflect` (a reflection phrase, then the step rewritten right). Returns the result the
   * teacher goes on with: `right`, or the wrong one when the error stays uncaught.
   */
  step<T extends string | number>(lhs: string, right: T, wrong: (rng: Rng) => T): T {
    if (!this.rng.bernoulli(this.style.execError)) {
      this.exec(`${lhs} = ${right} .`);
      return right;
    }
    const bad = wrong(this.rng);
    this.exec(`${lhs} = ${bad} .`);
    if (bad === right || !this.rng.bernoulli(this.style.reflect)) return bad;
    this.plan(reflection(this.rng)).exec(`${lhs} = ${right} .`);
    return right;
  }

  /** Close with `answer : <answer>` and return the trace. */
  finish(answer: string, strategy: string, correct: boolean): Trace {
    this.push("answer", `answer : ${answer}`);
    return { words: this.words, roles: this.roles, strategy, correct };
  }
}

/** A number within `spread` of `right`, never equal to it, clamped to [lo, hi] (for wrong steps). */
export function nearMiss(rng: Rng, right: number, lo = 0, hi = 99, spread = 3): number {
  const candidates: number[] = [];
  for (let d = -spread; d <= spread; d++) {
    const v = right + d;
    if (d !== 0 && v >= lo && v <= hi) candidates.push(v);
  }
  return candidates.length ? rng.pick(candidates) : right;
}

/** The response split at its `answer :` marker(s). */
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

/** Split a response into body and answer at `answer :`. */
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
 * words included); rewarded when well formed and `isCorrect(canonical)`.
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
