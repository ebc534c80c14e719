/**
 * countdown: reach a target from given numbers with + - * /, every number used exactly once and
 * every intermediate a whole number in 0..99. The high-level choice is which pair and operation to
 * combine first, and when to back up from a dead end; the steps themselves are the execution.
 *
 * A response is a search written out, then the chain that reached the target:
 * `let us try 7 * 3 = 21 . 21 + 5 = 26 . this does not work . another approach is to 5 * 3 = 15 .
 * 15 + 7 = 22 . answer : 5 * 3 = 15 , 15 + 7 = 22`. After a failed attempt the next one goes on
 * from the steps they share (the pool of numbers is what those steps left).
 * @module
 */
import { apply, checkStep, findSteps, num, type Op, OPS } from "./kit/arith.ts";
import { phrase } from "./kit/phrases.ts";
import { defineTask, type Problem, type Rng, type Style, type Trace, type Verdict } from "./kit/task.ts";
import { answerSection, BoundedTrace, missWhere, pickStrategy, verdict } from "./kit/trace.ts";

/** A countdown problem: the numbers, in prompt order, and the target. */
export interface CountdownData {
  /** The numbers to use, each exactly once. */
  numbers: number[];
  /** The value to reach. */
  target: number;
}

/** One step `a op b = c` of a chain, with the result as written. */
export interface ChainStep {
  /** First operand. */
  a: number;
  /** Operation. */
  op: Op;
  /** Second operand. */
  b: number;
  /** Result as written (right or not). */
  c: number;
}

/** A move: combine `pool[i] op pool[j]`, that is `a op b` (the larger operand first), into `v`. */
interface Move {
  i: number;
  j: number;
  op: Op;
  a: number;
  b: number;
  v: number;
}

/**
 * Per level: how many numbers, the largest number, and the target range. Level 1 (two numbers: which
 * operation, and backtracking when it misses) leaves the base model room to learn; level 2 (three
 * numbers: which pair first) is where search matters.
 */
const LEVELS: Readonly<Record<number, { count: number; max: number; lo: number; hi: number }>> = {
  1: { count: 2, max: 40, lo: 2, hi: 99 },
  2: { count: 3, max: 12, lo: 5, hi: 40 },
};

/** The teacher's strategies and their default weights. */
const STRATEGIES = { search: 0.65, greedy: 0.35 } as const;
/** Words of the response's budget. */
const MAX_WORDS = 60;
/** Words in one written step `a op b = c .`. */
const STEP_WORDS = 6;
/** Attempts the `greedy` teacher makes before it gives up. */
const GREEDY_ATTEMPTS = 2;

/** Every valid move on a pool, the larger operand first; of moves equal by value (equal numbers), the first. */
function moves(pool: readonly number[]): Move[] {
  const out: Move[] = [];
  const seen = new Set<string>();
  for (let x = 0; x < pool.length; x++) {
    for (let y = x + 1; y < pool.length; y++) {
      const [i, j] = pool[x] >= pool[y] ? [x, y] : [y, x];
      for (const op of OPS) {
        const v = apply(pool[i], op, pool[j]), key = `${pool[i]} ${op} ${pool[j]}`;
        if (v === null || seen.has(key)) continue;
        seen.add(key);
        out.push({ i, j, op, a: pool[i], b: pool[j], v });
      }
    }
  }
  return out;
}

/** The pool after a move whose result is written as `v`. */
function next(pool: readonly number[], m: Move, v: number): number[] {
  return [...pool.filter((_, k) => k !== m.i && k !== m.j), v];
}

/** The operands of a move on a pool, the larger first. */
function operands(pool: readonly number[], m: Move): [number, number] {
  const a = pool[m.i], b = pool[m.j];
  return a >= b ? [a, b] : [b, a];
}

/** Every value reachable with all of the numbers. */
function reachable(pool: readonly number[], out = new Set<number>()): Set<number> {
  if (pool.length === 1) out.add(pool[0]);
  else for (const m of moves(pool)) reachable(next(pool, m, m.v), out);
  return out;
}

/**
 * Full attempts (move lists down to one number) in depth-first order, the moves at each node ordered
 * by `order`. The last move of an attempt is the one that hits the target, or else the closest.
 */
function* attempts(pool: readonly number[], target: number, order: (ms: Move[]) => Move[]): Generator<Move[]> {
  const ms = order(moves(pool));
  if (pool.length === 2) {
    const dist = (m: Move) => Math.abs(m.v - target);
    yield [ms.reduce((best, m) => (dist(m) < dist(best) ? m : best))];
    return;
  }
  for (const m of ms) for (const rest of attempts(next(pool, m, m.v), target, order)) yield [m, ...rest];
}

/** How many leading moves two attempts share. */
function shared(x: readonly Move[], y: readonly Move[]): number {
  let k = 0;
  while (k < x.length && k < y.length && x[k].i === y[k].i && x[k].j === y[k].j && x[k].op === y[k].op) k++;
  return k;
}

/**
 * The planning phrases of a trace, drawn before it is planned so the plan knows their lengths. A trace
 * has at most two attempts: the budget leaves no room for a third.
 */
interface Phrases {
  /** Opens the first attempt (branching). */
  open: string[];
  /** Opens the second attempt (backtracking, ".", then branching). */
  retry: string[];
}

/** Words of the answer section for `count` numbers: `answer :` and count − 1 steps between commas. */
function answerWords(count: number): number {
  return 2 + 6 * (count - 1) - 1;
}

/** Words of a planned trace without optional phrases or reflections. */
function planWords(plan: readonly Move[][], phrases: Phrases, count: number): number {
  let n = answerWords(count);
  plan.forEach((a, k) => {
    const keep = k ? shared(plan[k - 1], a) : 0;
    n += (k ? phrases.retry.length : phrases.open.length) + (a.length - keep) * STEP_WORDS;
  });
  return n;
}

/**
 * The `search` plan: depth-first over moves ordered by how close their result comes to the target
 * (ties in random order), which always finds a solution. Of the failed attempts before it, it writes
 * the first one that fits the budget with the solution, if any does.
 */
function searchPlan(data: CountdownData, rng: Rng, phrases: Phrases): Move[][] {
  const order = (ms: Move[]) =>
    rng.shuffle(ms).sort((x, y) => Math.abs(x.v - data.target) - Math.abs(y.v - data.target));
  const failures: Move[][] = [];
  for (const a of attempts(data.numbers, data.target, order)) {
    if (a[a.length - 1].v !== data.target) {
      failures.push(a);
      continue;
    }
    const shown = failures.find((f) => planWords([f, a], phrases, data.numbers.length) <= MAX_WORDS);
    return shown ? [shown, a] : [a];
  }
  throw new Error(`countdown ${data.numbers.join(" ")} target ${data.target} has no solution`);
}

/** Moves on the two largest numbers first (then the next largest pairs), operations in the order + - * /. */
function byLargestPair(x: Move, y: Move): number {
  return y.a - x.a || y.b - x.b || OPS.indexOf(x.op) - OPS.indexOf(y.op);
}

/**
 * The `greedy` plan: combine the largest numbers first (see {@link byLargestPair}) and stop at the
 * first attempt that hits the target, after {@link GREEDY_ATTEMPTS} attempts, or when the next would
 * not fit the budget. Like every teacher it answers with its attempt that came closest.
 */
function greedyPlan(data: CountdownData, phrases: Phrases): Move[][] {
  const plan: Move[][] = [];
  for (const a of attempts(data.numbers, data.target, (ms) => ms.sort(byLargestPair))) {
    if (plan.length && planWords([...plan, a], phrases, data.numbers.length) > MAX_WORDS) break;
    plan.push(a);
    if (a[a.length - 1].v === data.target || plan.length === GREEDY_ATTEMPTS) break;
  }
  return plan;
}

/**
 * Whether the rest of a plan can still be written when step `d` of attempt `k` is written as `v`:
 * every later step, computed right from the values written before it, stays in 0..99 and exact.
 */
function workable(plan: readonly Move[][], pools: readonly number[][], k: number, d: number, v: number): boolean {
  const ps = pools.slice(0, d + 1);
  ps.push(next(ps[d], plan[k][d], v));
  for (let kk = k; kk < plan.length; kk++) {
    const start = kk === k ? d + 1 : shared(plan[kk - 1], plan[kk]);
    ps.length = start + 1;
    for (let dd = start; dd < plan[kk].length; dd++) {
      const [a, b] = operands(ps[dd], plan[kk][dd]);
      const r = apply(a, plan[kk][dd].op, b);
      if (r === null) return false;
      ps.push(next(ps[dd], plan[kk][dd], r));
    }
  }
  return true;
}

/**
 * Write a plan: each attempt opens with its phrases and goes on from the steps it shares with the one
 * before, each step subject to the style's errors and reflections; values written wrong are carried on.
 * A deduction phrase may precede a step that reaches the target. Writing stops at the first attempt
 * whose written result is the target (an error can make that happen early), or after the last one.
 * Returns the attempts as written, each as its full chain.
 */
function writePlan(tb: BoundedTrace, data: CountdownData, plan: readonly Move[][], phrases: Phrases): ChainStep[][] {
  const total = planWords(plan, phrases, data.numbers.length);
  let planned = 0;
  const pools: number[][] = [data.numbers];
  const written: ChainStep[][] = [];
  for (let k = 0; k < plan.length; k++) {
    const open = k ? phrases.retry : phrases.open;
    tb.plan(open);
    planned += open.length;
    const keep = k ? shared(plan[k - 1], plan[k]) : 0;
    pools.length = keep + 1;
    const steps = k ? written[k - 1].slice(0, keep) : [];
    written.push(steps);
    for (let d = keep; d < plan[k].length; d++) {
      planned += STEP_WORDS;
      const after = total - planned;
      const m = plan[k][d];
      const [a, b] = operands(pools[d], m);
      const right = apply(a, m.op, b)!;
      if (right === data.target && d === plan[k].length - 1 && tb.rng.bernoulli(tb.style.verbosity)) {
        const remark = phrase(tb.rng, "deduction");
        if (tb.fits(remark.length + STEP_WORDS, after)) tb.plan(remark);
      }
      const wrong = (r: Rng) => missWhere(r, right, (v) => workable(plan, pools, k, d, v));
      const c = tb.stepWithin(`${a} ${m.op} ${b}`, right, wrong, after);
      steps.push({ a, op: m.op, b, c });
      pools.push(next(pools[d], m, c));
    }
    if (steps[steps.length - 1].c === data.target) break;
  }
  return written;
}

/** The written attempt whose result comes closest to the target (the latest of equally close ones). */
function best(written: readonly ChainStep[][], target: number): ChainStep[] {
  const miss = (chain: readonly ChainStep[]) => Math.abs(chain[chain.length - 1].c - target);
  return written.reduce((b, chain) => (miss(chain) <= miss(b) ? chain : b));
}

/** A chain as answer words: `a op b = c , a op b = c …`. */
function chainText(steps: readonly ChainStep[]): string {
  return steps.map((s) => `${s.a} ${s.op} ${s.b} = ${s.c}`).join(" , ");
}

/** Parse an answer `a op b = c , a op b = c …` (at least one step); null unless it is exactly that. */
export function parseChain(ws: readonly string[]): ChainStep[] | null {
  if (ws.length === 0 || (ws.length + 1) % 6 !== 0) return null;
  const steps: ChainStep[] = [];
  for (let k = 0; k < ws.length; k += 6) {
    const a = num(ws[k]), b = num(ws[k + 2]), c = num(ws[k + 4]), op = ws[k + 1] as Op;
    const sep = k + 5 === ws.length || ws[k + 5] === ",";
    if (a === null || b === null || c === null || !OPS.includes(op) || ws[k + 3] !== "=" || !sep) return null;
    steps.push({ a, op, b, c });
  }
  return steps;
}

/**
 * The canonical form of a chain: operands of + and * larger first, and the steps in a fixed order of
 * the expression tree they build (a step's operand is the latest unused earlier result of that value,
 * else a given number; sibling sub-chains in order of their text), so equal answers are equal text.
 */
export function canonicalChain(steps: readonly ChainStep[]): string {
  interface Node {
    step: ChainStep;
    kids: Node[];
    key: string;
  }
  const byKey = (x: Node, y: Node) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
  const unused: Node[] = [];
  for (const s of steps) {
    const swap = (s.op === "+" || s.op === "*") && s.a < s.b;
    const step = swap ? { ...s, a: s.b, b: s.a } : s;
    const kids: Node[] = [];
    const term = (v: number) => {
      const at = unused.findLastIndex((n) => n.step.c === v);
      if (at < 0) return String(v);
      const [kid] = unused.splice(at, 1);
      kids.push(kid);
      return kid.key;
    };
    const left = term(step.a), right = term(step.b);
    unused.push({ step, kids, key: `( ${left} ${step.op} ${right} = ${step.c} )` });
  }
  const out: ChainStep[] = [];
  const emit = (n: Node) => {
    [...n.kids].sort(byKey).forEach(emit);
    out.push(n.step);
  };
  [...unused].sort(byKey).forEach(emit);
  return chainText(out);
}

/**
 * Whether a chain solves the problem: every step right, each operand taken from the pool of unused
 * numbers and results (the given numbers to start with), and the pool left holding just the target.
 */
export function solves(steps: readonly ChainStep[], data: CountdownData): boolean {
  const pool = [...data.numbers];
  for (const s of steps) {
    if (apply(s.a, s.op, s.b) !== s.c) return false;
    for (const v of [s.a, s.b]) {
      const at = pool.indexOf(v);
      if (at < 0) return false;
      pool.splice(at, 1);
    }
    pool.push(s.c);
  }
  return pool.length === 1 && pool[0] === data.target;
}

function generate(rng: Rng, _index: number, level: number): Problem<CountdownData> {
  const cfg = LEVELS[level];
  if (!cfg) throw new RangeError(`countdown has no level ${level} (levels: 1, 2)`);
  for (;;) {
    const numbers = Array.from({ length: cfg.count }, () => rng.range(1, cfg.max));
    const targets = [...reachable(numbers)].filter((t) => t >= cfg.lo && t <= cfg.hi).sort((x, y) => x - y);
    if (targets.length === 0) continue;
    const target = rng.pick(targets);
    return {
      task: "countdown",
      level,
      prompt: `countdown ${numbers.join(" ")} target ${target}`,
      data: { numbers, target },
    };
  }
}

function verify(problem: Problem<CountdownData>, response: string): Verdict {
  const sec = answerSection(response);
  const chain = sec.answer ? parseChain(sec.answer) : null;
  const steps = findSteps(sec.body).map(checkStep);
  return verdict(sec, chain && canonicalChain(chain), () => chain !== null && solves(chain, problem.data), steps);
}

function demonstrate(problem: Problem<CountdownData>, rng: Rng, style: Style): Trace {
  const data = problem.data;
  const strategy = pickStrategy(rng, style, STRATEGIES);
  const phrases: Phrases = {
    open: phrase(rng, "branching"),
    retry: [...phrase(rng, "backtracking"), ".", ...phrase(rng, "branching")],
  };
  const plan = strategy === "search" ? searchPlan(data, rng, phrases) : greedyPlan(data, phrases);
  const tb = new BoundedTrace(rng, style, MAX_WORDS);
  const trace = tb.finish(chainText(best(writePlan(tb, data, plan, phrases), data.target)), strategy, false);
  return { ...trace, correct: verify(problem, trace.words.join(" ")).correct };
}

/** The countdown task. */
export default defineTask<CountdownData>({
  name: "countdown",
  summary:
    "Reach a target from given numbers with + - * /: choose which pair to combine first, back up from dead ends.",
  levels: [1, 2],
  strategies: STRATEGIES,
  maxResponseWords: MAX_WORDS,
  generate,
  verify,
  demonstrate,
});
