/**
 * Property test: every task's verifier, handed seeded random token strings (uniform vocabulary words,
 * special tokens included, and teacher traces with words deleted, repeated, swapped or replaced),
 * returns a well-typed verdict and never throws.
 */
import { assert, assertEquals } from "./testing.ts";
import { TASKS } from "../tasks/mod.ts";
import { DEFAULT_STYLE, type Verdict } from "../tasks/kit/task.ts";
import { type Rng, rng } from "../harness/core/rng.ts";
import { VOCAB } from "../harness/text/vocab.ts";

const PER_LEVEL = 150;

/** A teacher trace of the problem, damaged by a few random edits. */
function mutated(words: string[], r: Rng): string[] {
  const out = words.slice();
  for (let n = r.range(1, 4); n > 0 && out.length; n--) {
    const i = r.int(out.length);
    const edit = r.int(4);
    if (edit === 0) out.splice(i, 1);
    else if (edit === 1) out.splice(i, 0, out[i]);
    else if (edit === 2) [out[i], out[out.length - 1 - i]] = [out[out.length - 1 - i], out[i]];
    else out[i] = r.pick(VOCAB);
  }
  return out;
}

/** What must hold of any verdict of a response of `n` words. */
function checkVerdict(v: Verdict, n: number, what: string): void {
  assert(v.reward === 0 || v.reward === 1, `${what}: reward ${v.reward}`);
  assert(typeof v.correct === "boolean" && typeof v.wellFormed === "boolean", what);
  assert(v.reward === 0 || (v.correct && v.wellFormed), `${what}: reward 1 needs a correct, well-formed answer`);
  assert(v.answer === null || typeof v.answer === "string", what);
  assert(!v.correct || v.answer !== null, `${what}: correct without an answer`);
  for (const s of v.steps) {
    assert(0 <= s.start && s.start < s.end && s.end <= n, `${what}: step span [${s.start}, ${s.end}) of ${n} words`);
    assert(typeof s.key === "string" && typeof s.ok === "boolean", what);
  }
}

for (const task of TASKS.values()) {
  Deno.test(`${task.name}: the verifier never throws on random token strings`, () => {
    let rewarded = 0, checkedSteps = 0;
    for (const level of task.levels) {
      for (let i = 0; i < PER_LEVEL; i++) {
        const r = rng(7, "fuzz", task.name, level, i);
        const problem = task.generate(r.stream("problem"), i, level);
        const kind = i % 3;
        const words = kind === 0
          ? Array.from({ length: r.int(task.maxResponseWords + 8) }, () => r.pick(VOCAB))
          : mutated(task.demonstrate(problem, r.stream("teacher"), DEFAULT_STYLE).words, r);
        const text = kind === 2 ? `  ${words.join("   ")} ` : words.join(" ");
        const what = `${task.name} level ${level} #${i}: "${text}"`;
        const verdict = task.verify(problem, text);
        checkVerdict(verdict, text.trim() ? text.trim().split(/\s+/).length : 0, what);
        assertEquals(task.verify(problem, text), verdict, `${what}: the same verdict twice`);
        rewarded += verdict.reward;
        checkedSteps += verdict.steps.length;
      }
    }
    // The strings reach every part of the verifier: some still earn the reward, some fail, steps get checked.
    assert(0 < rewarded && rewarded < task.levels.length * PER_LEVEL, `${rewarded} rewarded`);
    assert(checkedSteps > 0, "no step was checked");
  });
}

Deno.test("verifiers never throw on empty text, stray characters or words outside the vocabulary", () => {
  for (const task of TASKS.values()) {
    const problem = task.generate(rng(7, "odd", task.name), 0, task.levels[0]);
    for (
      const text of ["", " ", "\n\t", "answer", "<eos> <eos>", "ünïcödé 🙂", "NaN Infinity -0 1e309", "a".repeat(5000)]
    ) {
      checkVerdict(
        task.verify(problem, text),
        text.trim() ? text.trim().split(/\s+/).length : 0,
        `${task.name}: ${text}`,
      );
    }
  }
});
