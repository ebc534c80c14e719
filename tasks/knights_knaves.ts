/**
 * `knights_knaves`: who is a knight (always tells the truth) and who is a knave (always lies), the
 * suite's branching task. Each person makes one statement; the prompt lists them:
 *
 *     knights_knaves A says B knave ; B says A and C same ; C says A knight or B knave
 *
 * A statement (a claim) is one of `Y T`, `Y and Z same`, `Y and Z different`, `Y T and Z T`, `Y T or Z T`
 * (T is `knight` or `knave`; `same` means same type; nobody says `Y T` of themselves). Level 1 has 2-3
 * people (mostly 3) whose claims are mostly `Y T`, else `Y and Z same` or `different`; level 2 has 3 people
 * and every kind of claim. Names are drawn from A-D and statements listed in random order. Generated
 * puzzles have exactly one solution.
 *
 * A response makes assumptions (`<branching phrase> A knight .`), works out statements one at a time in
 * steps and, on a contradiction, backtracks (`<backtracking phrase> so A knave .`); it ends with
 * `answer : A knave B knight C knave` (every person once; the canonical answer lists them in name order).
 * A step quotes the claim it uses:
 *
 *     <premises> says <claim> so <conclusion> .     e.g. `B knave A knight says A and C same so C knave .`
 *
 * The premises are facts `Y T`: first the speaker S with its (assumed or known) type, then the other
 * people S's claim names whose types are known, in the order the claim names them. The claim is S's
 * claim word for word as in the prompt. The conclusion is facts `Z T …`, `contradiction` or `consistent`.
 * A step is right when it quotes S's claim exactly and the premises together with that claim (which
 * holds exactly when S is a knight) are consistent and entail every fact concluded (`consistent`
 * concludes nothing), or are inconsistent and it concludes `contradiction`. Words that parse as
 * `<premises> so <conclusion> .` (no quote) or `<premises> says <1-5 words> so <conclusion> .` are a
 * step: one without a quote, or quoting anything but S's claim, is wrong. Other text is not a step. A
 * step's key is its premises, so a reflect-and-correct rewrite (the whole step written again) has the
 * same key.
 *
 * Strategies: `case_split` assumes the type of a person from whom a case split fits the budget, works
 * out the statements of known speakers in prompt order, assumes the next unknown person when stuck,
 * and backtracks on a contradiction. While an assumption is unflipped it also checks each statement
 * whose people are all known (`consistent` or `contradiction`); once every assumption has been flipped,
 * all it knows follows from the puzzle, so it only deduces. It is always right when its steps are.
 * `guess_first` assumes anyone and never checks, so it commits to a wrong assumption whenever no
 * contradiction shows up while deducing. The teacher's execution errors change a step's conclusion
 * only; a reflection writes the whole step again. A response stays within 84 words: generated puzzles
 * leave room for `case_split`'s longest error-free trace, and a reflection or an optional phrase is
 * written only where the rest of the trace still fits; otherwise the teacher stops and answers what it
 * knows (unknown people as knights).
 * @module
 */
import { longest, phrase, PLANNING_PHRASES, reflection } from "./kit/phrases.ts";
import {
  defineTask,
  type Problem,
  type Rng,
  type StepCheck,
  type Style,
  type Trace,
  type Verdict,
} from "./kit/task.ts";
import { answerSection, pickStrategy, rethinks, TraceBuilder, verdict } from "./kit/trace.ts";

/** Names people can have, in name order; a puzzle's people are a random subset of them. */
const NAMES = ["A", "B", "C", "D"] as const;

/** What one person says; `a` and `b` are indices into the puzzle's people. */
export interface Claim {
  /**
   * `is`: `a` has type `ta` (`Y T`); `and`, `or`: `a` has type `ta` and/or `b` has type `tb`
   * (`Y T and Z T`); `same`, `different`: `a` and `b` have the same or different types (`Y and Z same`).
   */
  op: "is" | "and" | "or" | "same" | "different";
  /** The first person named. */
  a: number;
  /** The type claimed for `a` (true for knight); unused by `same` and `different`. */
  ta: boolean;
  /** The second person named (`a < b`), or -1 for `is`. */
  b: number;
  /** The type claimed for `b`; used by `and` and `or` only. */
  tb: boolean;
}

/** The data of a knights_knaves problem (plain JSON). */
export interface KnightsData {
  /** The people's names, in name order. */
  people: string[];
  /** What each person says, in the order of `people`. */
  claims: Claim[];
  /** The speakers in prompt order. */
  order: number[];
  /** Each person's type in the unique solution (true for knight). */
  solution: boolean[];
}

/** A fact `person type`: an index into the people and whether that person is a knight. */
type Fact = [number, boolean];

/** What a step concludes: facts, `contradiction` or `consistent`. */
type Conclusion = Fact[] | "contradiction" | "consistent";

const NAME = "knights_knaves";
const STRATEGIES = { case_split: 0.7, guess_first: 0.3 } as const;
type Strategy = keyof typeof STRATEGIES;
/** Longest response, in words. */
const MAX_RESPONSE_WORDS = 84;
/** Longest prompt, in words: prompt, response and three special tokens fit the model's 128-token context. */
const MAX_PROMPT_WORDS = 128 - 3 - MAX_RESPONSE_WORDS;
/** Longest claim, in words (`Y T and Z T`); a longer quote is not read as a step. */
const MAX_CLAIM_WORDS = 5;
const MAX_ATTEMPTS = 10_000;

/** Word counts of the trace's pieces, for the length budget (phrases at their longest). */
const COST = {
  assume: longest(PLANNING_PHRASES.branching) + 3, // <branching> A knight .
  flip: longest(PLANNING_PHRASES.backtracking) + 4, // <backtracking> so A knave .
  deduction: longest(PLANNING_PHRASES.deduction),
};

/**
 * Per level: its two puzzle sizes, the chance of the smaller, and the weights of the kinds of statement
 * (`Y T`, `Y and Z same`/`different`, `Y T and`/`or Z T`; a missing weight is 0).
 */
const LEVELS: Readonly<Record<number, { sizes: [number, number]; small: number; kinds: readonly number[] }>> = {
  1: { sizes: [2, 3], small: 0.05, kinds: [0.6, 0.4] },
  2: { sizes: [3, 3], small: 0, kinds: [0.4, 0.3, 0.3] },
};

/** `knight` or `knave`. */
function typeWord(knight: boolean): string {
  return knight ? "knight" : "knave";
}

/** Whether claim `c` holds when `x[i]` says whether person i is a knight. */
function holds(c: Claim, x: readonly boolean[]): boolean {
  switch (c.op) {
    case "is":
      return x[c.a] === c.ta;
    case "and":
      return x[c.a] === c.ta && x[c.b] === c.tb;
    case "or":
      return x[c.a] === c.ta || x[c.b] === c.tb;
    case "same":
      return x[c.a] === x[c.b];
    case "different":
      return x[c.a] !== x[c.b];
  }
}

/** Every assignment of types to `n` people (true for knight). */
function assignments(n: number): boolean[][] {
  return Array.from({ length: 1 << n }, (_, m) => Array.from({ length: n }, (_, i) => ((m >> i) & 1) === 1));
}

/** Every assignment under which each person's statement holds exactly when that person is a knight. */
export function solutions(claims: readonly Claim[]): boolean[][] {
  return assignments(claims.length).filter((x) => claims.every((c, s) => x[s] === holds(c, x)));
}

/** The words of a claim. */
function claimWords(c: Claim, people: readonly string[]): string[] {
  const [a, b] = [people[c.a], people[c.b]];
  if (c.op === "is") return [a, typeWord(c.ta)];
  if (c.op === "same" || c.op === "different") return [a, "and", b, c.op];
  return [a, typeWord(c.ta), c.op, b, typeWord(c.tb)];
}

/** The people a claim names, other than its speaker `s`. */
function others(c: Claim, s: number): number[] {
  return (c.op === "is" ? [c.a] : [c.a, c.b]).filter((p) => p !== s);
}

/** The words of a step: premises, `says`, the speaker's claim, `so`, conclusion, `.`. */
function stepWords(data: KnightsData, premises: readonly Fact[], c: Conclusion): string[] {
  const { people, claims } = data;
  const facts = (fs: readonly Fact[]) => fs.flatMap(([p, t]) => [people[p], typeWord(t)]);
  const said = claimWords(claims[premises[0][0]], people);
  return [...facts(premises), "says", ...said, "so", ...(typeof c === "string" ? [c] : facts(c)), "."];
}

/** The assignments where the premises hold and the first premise's person (the speaker) tells the truth. */
function modelsOf(data: KnightsData, premises: readonly Fact[]): boolean[][] {
  const s = premises[0][0];
  return assignments(data.people.length).filter((x) =>
    x[s] === holds(data.claims[s], x) && premises.every(([p, t]) => x[p] === t)
  );
}

/**
 * Whether a step is right: the premises (the first one's person is the speaker) together with the
 * speaker's statement are consistent and entail every concluded fact, or are inconsistent and the
 * step concludes `contradiction`.
 */
function judgeStep(data: KnightsData, premises: readonly Fact[], conclusion: Conclusion): boolean {
  if (premises.length === 0) return false;
  const models = modelsOf(data, premises);
  if (conclusion === "contradiction") return models.length === 0;
  if (models.length === 0) return false;
  return conclusion === "consistent" || conclusion.every(([p, t]) => models.every((x) => x[p] === t));
}

const isName = (w: string | undefined) => w !== undefined && /^[A-Z]$/.test(w);
const isType = (w: string | undefined) => w === "knight" || w === "knave";

/** Facts `N T …` read from `ws` at `i`: the facts (null for a name not in the puzzle) and where they end. */
function readFacts(ws: readonly string[], i: number, people: readonly string[]): [(Fact | null)[], number] {
  const out: (Fact | null)[] = [];
  for (; isName(ws[i]) && isType(ws[i + 1]); i += 2) {
    const p = people.indexOf(ws[i]);
    out.push(p < 0 ? null : [p, ws[i + 1] === "knight"]);
  }
  return [out, i];
}

/**
 * Every step `S T [Y T …] says <claim> so <conclusion> .` in the words, left to right, checked. Also found,
 * and wrong: a step without `says <claim>`, and one quoting 1-5 words other than S's claim.
 */
export function findKnightSteps(ws: readonly string[], data: KnightsData): StepCheck[] {
  const out: StepCheck[] = [];
  for (let i = 0; i < ws.length; i++) {
    const [premises, j] = readFacts(ws, i, data.people);
    if (premises.length === 0) continue;
    const says = ws[j] === "says";
    const so = says ? ws.indexOf("so", j + 1) : j;
    if (ws[so] !== "so") continue;
    const quote = says ? ws.slice(j + 1, so) : null;
    const badQuote = (q: string[]) =>
      q.length === 0 || q.length > MAX_CLAIM_WORDS || q.includes(".") || q.includes("says");
    if (quote && badQuote(quote)) continue;
    const word = ws[so + 1];
    const [conclusion, k] = word === "contradiction" || word === "consistent"
      ? [word, so + 2] as const
      : readFacts(ws, so + 1, data.people);
    if (conclusion.length === 0 || ws[k] !== ".") continue;
    const known = (fs: (Fact | null)[]): fs is Fact[] => fs.every((f) => f !== null);
    const ok = quote !== null && known(premises) && (typeof conclusion === "string" || known(conclusion)) &&
      quote.join(" ") === claimWords(data.claims[premises[0][0]], data.people).join(" ") &&
      judgeStep(data, premises, conclusion);
    out.push({ start: i, end: k + 1, key: ws.slice(i, j).join(" "), ok });
    i = k;
  }
  return out;
}

/** The canonical answer (people in name order) from answer words naming every person once, else null. */
function parseAnswer(ws: readonly string[], people: readonly string[]): string | null {
  if (ws.length !== 2 * people.length) return null;
  const types: (boolean | null)[] = people.map(() => null);
  for (let i = 0; i < ws.length; i += 2) {
    const p = people.indexOf(ws[i]);
    if (p < 0 || !isType(ws[i + 1]) || types[p] !== null) return null;
    types[p] = ws[i + 1] === "knight";
  }
  return answerText(people, types);
}

/** `A knight B knave …` in name order (an unknown type is written as knight). */
function answerText(people: readonly string[], types: readonly (boolean | null)[]): string {
  return people.map((name, i) => `${name} ${typeWord(types[i] ?? true)}`).join(" ");
}

/** Writes a solver's moves: assumptions, flips after a contradiction, and steps. */
interface Moves {
  /** Assume person `p` has type `t` (`flip`: after a contradiction); false when it does not fit. */
  assume(p: number, t: boolean, flip: boolean): boolean;
  /** Write a step; the conclusion written, or null when it does not fit (`rest()`: error-free words left). */
  step(premises: Fact[], right: Conclusion, rest: () => number): Conclusion | null;
}

/** An assumption on the solver's stack, with the state from before it. */
interface Frame {
  p: number;
  t: boolean;
  flipped: boolean;
  known: (boolean | null)[];
  pending: number[];
}

/**
 * The teacher's reasoning: depth-first case splits with step-by-step deduction. Its state is what is
 * known, which speakers' statements are still to work out, and the stack of assumptions.
 */
class Solver {
  constructor(
    readonly data: KnightsData,
    readonly checks: boolean,
    public next: Fact | null,
    public known: (boolean | null)[] = data.people.map(() => null),
    public pending: number[] = data.order.slice(),
    public stack: Frame[] = [],
  ) {}

  /** An independent copy, to try the rest of the reasoning without changing this one. */
  clone(): Solver {
    const frames = this.stack.map((f) => ({ ...f, known: f.known.slice(), pending: f.pending.slice() }));
    return new Solver(this.data, this.checks, this.next, this.known.slice(), this.pending.slice(), frames);
  }

  /** Words of the rest of the trace without errors (phrases at their longest), the close included. */
  cost(): number {
    let n = COST.deduction + 2 + 2 * this.data.people.length;
    const data = this.data;
    this.clone().run({
      assume: (_p, _t, flip) => {
        n += flip ? COST.flip : COST.assume;
        return true;
      },
      step: (premises, right) => {
        n += stepWords(data, premises, right).length;
        return right;
      },
    });
    return n;
  }

  /** Work the puzzle out, writing through `moves`; the types known at the end (null: never found). */
  run(moves: Moves): (boolean | null)[] {
    for (;;) {
      if (this.next) {
        const [p, t] = this.next;
        if (!moves.assume(p, t, false)) return this.known;
        this.next = null;
        this.#push(p, t, false);
        continue;
      }
      const s = this.#nextStep();
      if (!s) {
        const u = this.known.indexOf(null);
        if (u < 0) return this.known;
        this.next = [u, true];
        continue;
      }
      const got = moves.step(s.premises, s.right, () => this.cost());
      if (got === null) return this.known;
      this.pending = this.pending.filter((q) => q !== s.speaker);
      if (got === "contradiction" && !this.#backtrack(moves)) return this.known;
      if (typeof got !== "string") {
        for (const [p, t] of got) this.known[p] = t;
      }
    }
  }

  #push(p: number, t: boolean, flipped: boolean): void {
    this.stack.push({ p, t, flipped, known: this.known.slice(), pending: this.pending.slice() });
    this.known[p] = t;
  }

  /** Flip the innermost assumption not yet flipped; false when there is none (every branch failed). */
  #backtrack(moves: Moves): boolean {
    for (let f = this.stack.pop(); f; f = this.stack.pop()) {
      if (f.flipped) continue;
      this.known = f.known.slice();
      this.pending = f.pending.slice();
      if (!moves.assume(f.p, !f.t, true)) return false;
      this.#push(f.p, !f.t, true);
      return true;
    }
    return false;
  }

  /**
   * The first pending statement (in prompt order) of a known speaker that yields something: new facts,
   * a contradiction, or `consistent` once all its people are known. A statement whose people are all
   * known is dropped unread when the solver does not check, or when every assumption on the stack has
   * been flipped: then all that is known follows from the puzzle (which has a solution), so it holds.
   */
  #nextStep(): { speaker: number; premises: Fact[]; right: Conclusion } | null {
    const checking = this.checks && this.stack.some((f) => !f.flipped);
    for (const s of this.pending.slice()) {
      const ts = this.known[s];
      if (ts === null) continue;
      const named = others(this.data.claims[s], s);
      const open = named.filter((p) => this.known[p] === null);
      if (open.length === 0 && !checking) {
        this.pending = this.pending.filter((q) => q !== s);
        continue;
      }
      const premises: Fact[] = [
        [s, ts],
        ...named.filter((p) => this.known[p] !== null).map((p): Fact => [p, this.known[p]!]),
      ];
      const models = modelsOf(this.data, premises);
      if (models.length === 0) return { speaker: s, premises, right: "contradiction" };
      const forced = open.filter((p) => models.every((x) => x[p] === models[0][p]));
      if (forced.length) return { speaker: s, premises, right: forced.map((p): Fact => [p, models[0][p]]) };
      if (open.length === 0) return { speaker: s, premises, right: "consistent" };
    }
    return null;
  }
}

/** A plausible wrong conclusion: one fact flipped, or `contradiction` and `consistent` swapped. */
function wrongConclusion(rng: Rng, right: Conclusion): Conclusion {
  if (right === "contradiction") return "consistent";
  if (right === "consistent") return "contradiction";
  const k = rng.int(right.length);
  return right.map(([p, t], i): Fact => [p, i === k ? !t : t]);
}

/** The moves written into a trace, with the style's errors and reflections, within the word budget. */
class TraceMoves implements Moves {
  readonly tb: TraceBuilder;

  constructor(rng: Rng, readonly style: Style, readonly data: KnightsData) {
    this.tb = new TraceBuilder(rng, style);
  }

  /** Whether `n` more words still leave room for the answer section. */
  fits(n: number): boolean {
    return this.tb.words.length + n + 2 + 2 * this.data.people.length <= MAX_RESPONSE_WORDS;
  }

  assume(p: number, t: boolean, flip: boolean): boolean {
    const ws = [...phrase(this.tb.rng, flip ? "backtracking" : "branching"), ...(flip ? ["so"] : [])];
    ws.push(this.data.people[p], typeWord(t), ".");
    if (!this.fits(ws.length)) return false;
    this.tb.plan(ws);
    return true;
  }

  step(premises: Fact[], right: Conclusion, rest: () => number): Conclusion | null {
    const line = (c: Conclusion) => stepWords(this.data, premises, c);
    const { rng } = this.tb;
    if (!this.fits(line(right).length)) return null;
    const bad = rng.bernoulli(this.style.execError) ? wrongConclusion(rng, right) : right;
    this.tb.exec(line(bad));
    if (!rethinks(rng, this.style, bad !== right)) return bad;
    const r = reflection(rng);
    if (this.tb.words.length + r.length + rest() > MAX_RESPONSE_WORDS) return bad;
    this.tb.plan(r).exec(line(right));
    return right;
  }
}

/** A random claim by speaker `s` among `n` people; `kinds` weighs `is`, `same`/`different`, `and`/`or`. */
function randomClaim(rng: Rng, n: number, s: number, kinds: readonly number[]): Claim {
  const kind = rng.weighted(kinds);
  if (kind === 0) {
    const a = rng.pick(Array.from({ length: n }, (_, i) => i).filter((i) => i !== s));
    return { op: "is", a, ta: rng.bernoulli(0.5), b: -1, tb: true };
  }
  const a = rng.int(n - 1), b = rng.range(a + 1, n - 1);
  if (kind === 1) return { op: rng.pick(["same", "different"] as const), a, ta: true, b, tb: true };
  return { op: rng.pick(["and", "or"] as const), a, ta: rng.bernoulli(0.5), b, tb: rng.bernoulli(0.5) };
}

/** The prompt: `knights_knaves A says … ; B says …`, statements in `data.order`. */
function promptOf(data: KnightsData): string {
  const { people, claims } = data;
  return `${NAME} ${data.order.map((s) => `${people[s]} says ${claimWords(claims[s], people).join(" ")}`).join(" ; ")}`;
}

/** The people from whom `case_split`, assuming either type first, fits the budget without errors. */
function goodPivots(data: KnightsData): number[] {
  return data.people.map((_, p) => p).filter((p) =>
    [true, false].every((t) => new Solver(data, true, [p, t]).cost() <= MAX_RESPONSE_WORDS)
  );
}

function generate(rng: Rng, _index: number, level: number): Problem<KnightsData> {
  const cfg = LEVELS[level];
  if (!cfg) throw new RangeError(`${NAME} has no level ${level} (levels: 1, 2)`);
  const n = rng.bernoulli(cfg.small) ? cfg.sizes[0] : cfg.sizes[1];
  const people = rng.shuffle(NAMES).slice(0, n).sort();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const claims = people.map((_, s) => randomClaim(rng, n, s, cfg.kinds));
    const sols = solutions(claims);
    if (sols.length !== 1) continue;
    const data: KnightsData = { people, claims, order: rng.shuffle(people.map((_, i) => i)), solution: sols[0] };
    const prompt = promptOf(data);
    if (prompt.split(" ").length <= MAX_PROMPT_WORDS && goodPivots(data).length) {
      return { task: NAME, level, prompt, data };
    }
  }
  throw new Error(`${NAME}: no puzzle found at level ${level} in ${MAX_ATTEMPTS} attempts`);
}

function verify(problem: Problem<KnightsData>, response: string): Verdict {
  const { data } = problem;
  const sec = answerSection(response);
  const canonical = sec.answer === null ? null : parseAnswer(sec.answer, data.people);
  const right = answerText(data.people, data.solution);
  return verdict(sec, canonical, (c) => c === right, findKnightSteps(sec.body, data));
}

function demonstrate(problem: Problem<KnightsData>, rng: Rng, style: Style): Trace {
  const { data } = problem;
  const strategy = pickStrategy(rng, style, STRATEGIES);
  const pivots = strategy === "case_split" ? goodPivots(data) : data.people.map((_, p) => p);
  const first: Fact = [rng.pick(pivots), rng.bernoulli(0.5)];
  const moves = new TraceMoves(rng, style, data);
  const known = new Solver(data, strategy === "case_split", first).run(moves);
  if (rng.bernoulli(style.verbosity)) {
    const p = phrase(rng, "deduction");
    if (moves.fits(p.length)) moves.tb.plan(p);
  }
  const answer = answerText(data.people, known);
  return moves.tb.finish(answer, strategy, answer === answerText(data.people, data.solution));
}

/** The knights_knaves task. */
export default defineTask<KnightsData>({
  name: NAME,
  summary: "Knights and knaves: assume a person's type, deduce statement by statement, backtrack on a contradiction.",
  levels: [1, 2],
  strategies: STRATEGIES,
  maxResponseWords: MAX_RESPONSE_WORDS,
  generate,
  verify,
  demonstrate,
});
