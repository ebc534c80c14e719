/**
 * arithmetic_chain: the execution-only control task. The prompt is a chain like `3 + 4 * 2 - 5`,
 * evaluated strictly left to right; the response works it out one step at a time. There is no
 * strategy to choose, so every failure of the teacher is an execution error.

 * @module
 */
import { apply, checkStep, findSteps, MAX_NUMBER, num, type Op } from "./kit/arith.ts";
import { defineTask, type Problem, type Rng, type Style, type Trace, type Verdict } from "./kit/task.ts";
import { answerSection, BoundedTrace, missWhere, verdict } from "./kit/trace.ts";

/** An arithmetic chain: `numbers[0] ops[0] numbers[1] ops[1] …`, evaluated left to right. */
export interface ChainData {
  /** The operands, one more than the operations. */
  numbers: number[];
  /** The operations between consecutive operands. */
  ops: Op[];
}

/**
 * The chain's running values, left to right, going on from value `start` before operation `from`
 * (by default the whole chain); null from the first step whose result is not a whole number in 0..99.
 */
export function runningValues(data: ChainData, start = data.numbers[0], from = 0): (number | null)[] {
  const out: (number | null)[] = [];
  let v: number | null = start;
  for (let k = from; k < data.ops.length; k++) {
    v = v === null ? null : apply(v, data.ops[k], data.numbers[k + 1]);
    out.push(v);
  }
  return out;
}

/** Per level: how many operations, the largest first number, addend and factor. */
const LEVELS: Readonly<Record<number, { ops: [number, number]; first: number; addend: number; factor: number }>> = {
  1: { ops: [3, 5], first: 12, addend: 9, factor: 5 },
  2: { ops: [5, 7], first: 20, addend: 20, factor: 9 },
};

/** Words of the response's budget. */
const MAX_WORDS = 60;
/** Words in one written step `a op b = c .`. */
const STEP_WORDS = 6;
/** Words in the answer section `answer : v`. */
const ANSWER_WORDS = 3;

/** The next operation and operand from value `v` (results stay in 1..99, division exact). */
function nextOp(rng: Rng, v: number, level: { addend: number; factor: number }): [Op, number] {
  const options: Record<Op, number[]> = { "+": [], "-": [], "*": [], "/": [] };
  for (let b = 1; b <= level.addend; b++) {
    if (v + b <= MAX_NUMBER) options["+"].push(b);
    if (v - b >= 1) options["-"].push(b);
  }
  for (let b = 2; b <= level.factor; b++) {
    if (v * b <= MAX_NUMBER) options["*"].push(b);
    if (v % b === 0) options["/"].push(b);
  }
  const op = rng.pick((Object.keys(options) as Op[]).filter((o) => options[o].length > 0));
  return [op, rng.pick(options[op])];
}

function generate(rng: Rng, _index: number, level: number): Problem<ChainData> {
  const cfg = LEVELS[level];
  if (!cfg) throw new RangeError(`arithmetic_chain has no level ${level} (levels: 1, 2)`);
  const numbers = [rng.range(1, cfg.first)];
  const ops: Op[] = [];
  let v = numbers[0];
  for (let k = rng.range(cfg.ops[0], cfg.ops[1]); k > 0; k--) {
    const [op, b] = nextOp(rng, v, cfg);
    ops.push(op);
    numbers.push(b);
    v = apply(v, op, b)!;
  }
  const expr = numbers.map((n, k) => (k ? `${ops[k - 1]} ${n}` : `${n}`)).join(" ");
  return { task: "arithmetic_chain", level, prompt: `arithmetic_chain ${expr}`, data: { numbers, ops } };
}

function verify(problem: Problem<ChainData>, response: string): Verdict {
  const sec = answerSection(response);
  const value = sec.answer?.length === 1 ? num(sec.answer[0]) : null;
  const right = runningValues(problem.data).at(-1);
  return verdict(
    sec,
    value === null ? null : String(value),
    (c) => c === String(right),
    findSteps(sec.body).map(checkStep),
  );
}

function demonstrate(problem: Problem<ChainData>, rng: Rng, style: Style): Trace {
  const { numbers, ops } = problem.data;
  const tb = new BoundedTrace(rng, style, MAX_WORDS);
  tb.maybePhrase("deduction");
  let v = numbers[0];
  for (let k = 0; k < ops.length; k++) {
    const right = apply(v, ops[k], numbers[k + 1])!;
    const after = (ops.length - k - 1) * STEP_WORDS + ANSWER_WORDS;
    const keepsChain = (w: number) => runningValues(problem.data, w, k + 1).every((x) => x !== null);
    v = tb.stepWithin(`${v} ${ops[k]} ${numbers[k + 1]}`, right, (r) => missWhere(r, right, keepsChain), after);
  }
  const trace = tb.finish(String(v), "left_to_right", false);
  return { ...trace, correct: verify(problem, trace.words.join(" ")).correct };
}

/** The arithmetic_chain task. */
export default defineTask<ChainData>({
  name: "arithmetic_chain",
  summary: "Execution-only control: evaluate a chain of + - * / strictly left to right, one step at a time.",
  levels: [1, 2],
  strategies: { left_to_right: 1 },
  maxResponseWords: MAX_WORDS,
  generate,
  verify,
  demonstrate,
});
