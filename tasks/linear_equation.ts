/**
 * `linear_equation`: solve a linear equation in x with a whole-number solution, the suite's mixed
 * task (a plan exists, little branching). Level 1 has `a x + b = c` and `a x - b = c`; level 2 has
 * `a ( x + b ) = c` and `a x + b = c x + d`:
 *
 *     linear_equation 3 x + 5 = 20
 *
 * Every number written on the way stays in 0..99. A response states its plan, works it out in
 * arithmetic steps `a op b = c .` (checked like every arithmetic task's) and ends with `answer : x = 5`.
 *
 * Strategies: `isolate` writes the solution as a formula (`the key insight is x = ( 20 - 5 ) / 3 .`)
 * and evaluates it step by step (`20 - 5 = 15 . 15 / 3 = 5 .`): always right when its steps are.
 * `guess_check` guesses x by ignoring the constant next to it (`let us try x = 6 .`), substitutes it
 * (`3 * 6 = 18 . 18 + 5 = 23 .`) and, when the two sides differ, backtracks to the next value in the
 * right direction (`this does not work so x = 5 .`); after two checked guesses (one when a check takes
 * four steps) it answers the next value unchecked, so it fails when its first guess is far off.
 * A response stays within 60 words for any style.
 * @module
 */
import { checkStep, findSteps, MAX_NUMBER, num } from "./kit/arith.ts";
import { phrase, PLANNING_PHRASES } from "./kit/phrases.ts";
import { defineTask, type Problem, type Rng, type Style, type Trace, type Verdict } from "./kit/task.ts";
import { answerSection, BoundedTrace, missWhere, pickStrategy, verdict } from "./kit/trace.ts";

/** The shapes of equation: level 1 has `add` and `sub`, level 2 `paren` and `two`. */
export type Form = "add" | "sub" | "paren" | "two";

/** The data of a linear_equation problem (plain JSON). */
export interface EquationData {
  /** `add`: `a x + b = c`; `sub`: `a x - b = c`; `paren`: `a ( x + b ) = c`; `two`: `a x + b = c x + d`. */
  form: Form;
  a: number;
  b: number;
  c: number;
  /** Only in the `two` form. */
  d?: number;
  /** The solution. */
  x: number;
}

const NAME = "linear_equation";
const STRATEGIES = { isolate: 0.75, guess_check: 0.25 } as const;
type Strategy = keyof typeof STRATEGIES;
/** Longest response, in words. */
const MAX_RESPONSE_WORDS = 60;
const MAX_ATTEMPTS = 10_000;
/** Words in a step `a op b = c .` and in the answer section `answer : x = v`. */
const STEP_WORDS = 6, ANSWER_WORDS = 5;
/** Words of a guess's plan at its longest: `<backtracking phrase> so x = g .`. */
const GUESS_WORDS = Math.max(...PLANNING_PHRASES.backtracking.map((p) => p.split(" ").length)) + 4;

const inRange = (v: number) => Number.isInteger(v) && v >= 0 && v <= MAX_NUMBER;

/** The equation's text, as in the prompt. */
function equationText(e: EquationData): string {
  const { a, b, c } = e;
  switch (e.form) {
    case "add":
      return `${a} x + ${b} = ${c}`;
    case "sub":
      return `${a} x - ${b} = ${c}`;
    case "paren":
      return `${a} ( x + ${b} ) = ${c}`;
    case "two":
      return `${a} x + ${b} = ${c} x + ${e.d}`;
  }
}

/** The two sides at x = g, and their values after each step of working them out (null when a value leaves 0..99). */
function sidesAt(e: EquationData, g: number): { left: number; right: number; values: number[] } | null {
  const { a, b, c } = e, d = e.d ?? 0;
  const values = e.form === "add"
    ? [a * g, a * g + b]
    : e.form === "sub"
    ? [a * g, a * g - b]
    : e.form === "paren"
    ? [g + b, a * (g + b)]
    : [a * g, a * g + b, c * g, c * g + d];
  if (!values.every(inRange)) return null;
  return e.form === "two" ? { left: values[1], right: values[3], values } : { left: values[1], right: c, values };
}

/** guess_check's first guess: x with the constant next to it ignored (the division rounded down). */
export function firstGuess(e: EquationData): number {
  const { a, b, c } = e, d = e.d ?? 0;
  if (e.form === "two") return a > c ? Math.floor(d / (a - c)) : Math.floor(b / (c - a));
  return Math.floor(c / a);
}

/** The next guess after `g`, one towards where the sides `left` and `right` (as written) meet; never below 0. */
function nextGuess(e: EquationData, g: number, left: number, right: number): number {
  const slope = e.form === "two" ? e.a - e.c : 1; // how left − right grows with x
  return (left - right) * slope > 0 ? Math.max(g - 1, 0) : g + 1;
}

/** Whether guess_check's first two guesses can be worked out within 0..99. */
function guessesFit(e: EquationData): boolean {
  const g = firstGuess(e), s = sidesAt(e, g);
  return s !== null && (s.left === s.right || sidesAt(e, nextGuess(e, g, s.left, s.right)) !== null);
}

/** Per level: its forms and their weights. */
const LEVELS: Readonly<Record<number, { forms: Form[]; weights: number[] }>> = {
  1: { forms: ["add", "sub"], weights: [0.5, 0.5] },
  2: { forms: ["paren", "two"], weights: [0.2, 0.8] },
};

/**
 * An equation of a form, drawn uniformly from a box of coefficients that holds every valid one; null
 * when the draw is not valid (a value outside 0..99, or guess_check's guesses out of range).
 */
function draw(rng: Rng, form: Form): EquationData | null {
  const a = rng.range(2, 9), x = rng.range(1, 48), b = rng.range(1, 97);
  let e: EquationData;
  if (form === "add") e = { form, a, b, c: a * x + b, x };
  else if (form === "sub") e = { form, a, b, c: a * x - b, x };
  else if (form === "paren") e = { form, a, b, c: a * (x + b), x };
  else {
    const c = rng.range(2, 9), [hi, lo] = a > c ? [a, c] : [c, a];
    const other = b + (hi - lo) * x; // the constant beside the smaller x term; b is beside the larger
    if (a === c || hi * x + b > MAX_NUMBER) return null;
    e = a > c ? { form, a, b, c, d: other, x } : { form, a, b: other, c, d: b, x };
  }
  return inRange(e.c) && e.c > 0 && inRange(a * x) && guessesFit(e) ? e : null;
}

function generate(rng: Rng, _index: number, level: number): Problem<EquationData> {
  const cfg = LEVELS[level];
  if (!cfg) throw new RangeError(`${NAME} has no level ${level} (levels: 1, 2)`);
  const form = cfg.forms[rng.weighted(cfg.weights)];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const e = draw(rng, form);
    if (e) return { task: NAME, level, prompt: `${NAME} ${equationText(e)}`, data: e };
  }
  throw new Error(`${NAME}: no equation found at level ${level} in ${MAX_ATTEMPTS} attempts`);
}

/** The canonical answer `x = v` from the answer words, else null. */
function parseAnswer(ws: readonly string[]): string | null {
  const v = ws.length === 3 && ws[0] === "x" && ws[1] === "=" ? num(ws[2]) : null;
  return v === null ? null : `x = ${v}`;
}

function verify(problem: Problem<EquationData>, response: string): Verdict {
  const sec = answerSection(response);
  const canonical = sec.answer === null ? null : parseAnswer(sec.answer);
  const steps = findSteps(sec.body).map(checkStep);
  return verdict(sec, canonical, (c) => c === `x = ${problem.data.x}`, steps);
}

/** A wrong quotient's dividend: a multiple of `divisor` near `right` (so the division after it stays exact). */
function missMultiple(rng: Rng, right: number, divisor: number): number {
  return divisor * missWhere(rng, right / divisor, (q) => q > 0 && inRange(q * divisor));
}

/** The isolate plan (a formula for x) and its steps, written with the style's errors; returns the x reached. */
function isolate(tb: BoundedTrace, e: EquationData): number {
  const { a, b, c } = e, d = e.d ?? 0;
  const any = (right: number) => (r: Rng) => missWhere(r, right, () => true);
  const after = (stepsLeft: number) => stepsLeft * STEP_WORDS + ANSWER_WORDS;
  tb.phrase("deduction");
  if (e.form === "add" || e.form === "sub") {
    const op = e.form === "add" ? "-" : "+";
    tb.plan(`x = ( ${c} ${op} ${b} ) / ${a} .`);
    const right = e.form === "add" ? c - b : c + b;
    const p = tb.stepWithin(`${c} ${op} ${b}`, right, (r) => missMultiple(r, right, a), after(1));
    return tb.stepWithin(`${p} / ${a}`, p / a, any(p / a), after(0));
  }
  if (e.form === "paren") {
    tb.plan(`x = ${c} / ${a} - ${b} .`);
    const p = tb.stepWithin(`${c} / ${a}`, c / a, (r) => missWhere(r, c / a, (v) => v >= b), after(1));
    return tb.stepWithin(`${p} - ${b}`, p - b, any(p - b), after(0));
  }
  const [hi, lo, big, small] = a > c ? [a, c, d, b] : [c, a, b, d];
  tb.plan(`x = ( ${big} - ${small} ) / ( ${hi} - ${lo} ) .`);
  const k = tb.stepWithin(
    `${hi} - ${lo}`,
    hi - lo,
    (r) => missWhere(r, hi - lo, (v) => v > 0 && (big - small) % v === 0),
    after(2),
  );
  const m = tb.stepWithin(`${big} - ${small}`, big - small, (r) => missMultiple(r, big - small, k), after(1));
  return tb.stepWithin(`${m} / ${k}`, m / k, any(m / k), after(0));
}

/**
 * guess_check: guess, substitute, and move one towards the solution while checks fit (at most two);
 * returns the last guess that checked out, or the next one unchecked.
 */
function guessCheck(tb: BoundedTrace, e: EquationData): number {
  const { a, b, c } = e, d = e.d ?? 0;
  let g = firstGuess(e);
  for (let k = 0; k < 2; k++) {
    const s = sidesAt(e, g);
    if (s === null || !tb.fits(GUESS_WORDS + s.values.length * STEP_WORDS, ANSWER_WORDS)) return g;
    if (k === 0) tb.phrase("branching").plan(`x = ${g} .`);
    else tb.phrase("backtracking").plan(`so x = ${g} .`);
    const left = s.values.length * STEP_WORDS + ANSWER_WORDS;
    const step = (lhs: string, right: number, ok: (v: number) => boolean, done: number) =>
      tb.stepWithin(lhs, right, (r) => missWhere(r, right, ok), left - done * STEP_WORDS - STEP_WORDS);
    let l: number, r: number;
    if (e.form === "paren") {
      const p = step(`${g} + ${b}`, g + b, (v) => inRange(a * v), 0);
      [l, r] = [step(`${a} * ${p}`, a * p, () => true, 1), c];
    } else {
      const p = step(`${a} * ${g}`, a * g, (v) => inRange(e.form === "sub" ? v - b : v + b), 0);
      l = e.form === "sub" ? step(`${p} - ${b}`, p - b, () => true, 1) : step(`${p} + ${b}`, p + b, () => true, 1);
      if (e.form === "two") {
        const q = step(`${c} * ${g}`, c * g, (v) => inRange(v + d), 2);
        r = step(`${q} + ${d}`, q + d, () => true, 3);
      } else r = c;
    }
    if (l === r) return g;
    g = nextGuess(e, g, l, r);
  }
  return g;
}

function demonstrate(problem: Problem<EquationData>, rng: Rng, style: Style): Trace {
  const e = problem.data;
  const strategy = pickStrategy(rng, style, STRATEGIES);
  const tb = new BoundedTrace(rng, style, MAX_RESPONSE_WORDS);
  const x = strategy === "isolate" ? isolate(tb, e) : guessCheck(tb, e);
  if (rng.bernoulli(style.verbosity)) {
    const p = phrase(rng, "deduction");
    if (tb.fits(p.length, ANSWER_WORDS)) tb.plan(p);
  }
  return tb.finish(`x = ${x}`, strategy, x === e.x);
}

/** The linear_equation task. */
export default defineTask<EquationData>({
  name: NAME,
  summary: "Linear equations in x: isolate x by a planned sequence of arithmetic steps, or guess and check.",
  levels: [1, 2],
  strategies: STRATEGIES,
  maxResponseWords: MAX_RESPONSE_WORDS,
  generate,
  verify,
  demonstrate,
});
