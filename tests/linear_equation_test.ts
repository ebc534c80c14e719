import { assert, assertEquals, assertNotEquals } from "./testing.ts";
import linear, { type EquationData, firstGuess } from "../tasks/linear_equation.ts";
import { rng } from "../harness/core/rng.ts";
import { DEFAULT_STYLE, type Problem, type Style } from "../tasks/kit/task.ts";
import { inVocab, words } from "../harness/text/tokenizer.ts";
import { VOCAB } from "../harness/text/vocab.ts";

const HAND: Problem<EquationData> = {
  task: "linear_equation",
  level: 1,
  prompt: "linear_equation 3 x + 5 = 20",
  data: { form: "add", a: 3, b: 5, c: 20, x: 5 },
};
const SOLVED = "the key insight is x = ( 20 - 5 ) / 3 . 20 - 5 = 15 . 15 / 3 = 5 .";
const ANSWER = "answer : x = 5";

const SOUND: Style = { execError: 0, reflect: 0, verbosity: 0.3, strategies: { isolate: 1 } };
const STYLES: Style[] = [
  DEFAULT_STYLE,
  SOUND,
  { execError: 0.3, reflect: 1, verbosity: 1 },
  { execError: 0.3, reflect: 0, verbosity: 1 },
  { execError: 0.3, reflect: 1, verbosity: 1, strategies: { guess_check: 1 } },
];

/** Problem i of a 300-problem set, levels alternating. */
function problems(seed: number, n = 300): Problem<EquationData>[] {
  return Array.from({ length: n }, (_, i) => linear.generate(rng(seed, "linear", i), i, 1 + (i % 2)));
}

/** Both sides of the equation at x = v. */
function sides(e: EquationData, v: number): [number, number] {
  if (e.form === "add") return [e.a * v + e.b, e.c];
  if (e.form === "sub") return [e.a * v - e.b, e.c];
  if (e.form === "paren") return [e.a * (v + e.b), e.c];
  return [e.a * v + e.b, e.c * v + e.d!];
}

Deno.test("linear_equation", async (t) => {
  await t.step("verifier: a correct response", () => {
    const v = linear.verify(HAND, `${SOLVED} ${ANSWER}`);
    assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [1, true, true, "x = 5"]);
    assertEquals(v.steps.map((s) => [s.key, s.ok]), [["20 - 5", true], ["15 / 3", true]]);
  });

  await t.step("verifier: wrong, malformed, missing, repeated, trailing, out-of-vocabulary answers", () => {
    const wrong = linear.verify(HAND, `${SOLVED} answer : x = 6`);
    assertEquals([wrong.reward, wrong.correct, wrong.wellFormed, wrong.answer], [0, false, true, "x = 6"]);
    for (
      const bad of [
        `${SOLVED} answer : 5`, // no "x ="
        `${SOLVED} answer : x 5`,
        `${SOLVED} answer : x = 05`, // not a number word
        `${SOLVED}`, // no answer
        `${SOLVED} ${ANSWER} ${ANSWER}`, // given twice
        `${SOLVED} ${ANSWER} .`, // trailing garbage
        `${SOLVED} ${ANSWER} = 5`,
        `${SOLVED} answer : x = 100`, // out of vocabulary
        `${SOLVED} answer : y = 5`,
        "",
      ]
    ) {
      const v = linear.verify(HAND, bad);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, false, null], bad);
    }
  });

  await t.step("verifier never throws on random word strings", () => {
    const r = rng(11, "noise");
    const pool = [...VOCAB, "banana", "y", "100", "-1", "", "answer", ":", "x", "=", "5", "+", "/"];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: r.int(80) }, () => r.pick(pool)).join(r.bernoulli(0.1) ? "  " : " ");
      const v = linear.verify(HAND, text);
      assert(v.reward === 0 || v.reward === 1);
    }
  });

  await t.step("step checks: a right and a wrong step, and a rewrite with the same key", () => {
    const v = linear.verify(HAND, "20 - 5 = 14 . wait , let us check 20 - 5 = 15 . 15 / 3 = 5 . answer : x = 5");
    assertEquals(v.steps.map((s) => [s.start, s.end, s.key, s.ok]), [
      [0, 5, "20 - 5", false],
      [11, 16, "20 - 5", true],
      [17, 22, "15 / 3", true],
    ]);
    assertEquals(linear.verify(HAND, "16 / 3 = 5 . answer : x = 5").steps.map((s) => s.ok), [false]);
  });

  await t.step("generation is deterministic, varied, and every equation has its whole-number solution", () => {
    const a = linear.generate(rng(1, "x", 0), 0, 2), b = linear.generate(rng(1, "x", 0), 0, 2);
    assertEquals(a, b);
    assertNotEquals(linear.generate(rng(1, "x", 1), 1, 2).prompt, a.prompt);
    for (const p of problems(2)) {
      const e = p.data;
      const [l, r] = sides(e, e.x);
      assertEquals(l, r, p.prompt);
      assert(p.level === 1 ? e.form === "add" || e.form === "sub" : e.form === "paren" || e.form === "two");
      assert(p.prompt.startsWith("linear_equation ") && inVocab(p.prompt) && words(p.prompt).length <= 30);
      assert(firstGuess(e) >= 0);
      assertEquals(JSON.parse(JSON.stringify(e)), e);
    }
  });

  await t.step("a 200-problem split has under 2% duplicate prompts at each level", () => {
    for (const level of linear.levels) {
      const prompts = new Set(
        Array.from({ length: 200 }, (_, i) => linear.generate(rng(3, "split", i), i, level).prompt),
      );
      assert(200 - prompts.size < 4, `level ${level}: ${200 - prompts.size} duplicates`);
    }
  });

  await t.step("teacher traces: roles, vocabulary, lengths, and correct agrees with the verifier", () => {
    const ps = problems(4);
    for (const style of STYLES) {
      for (const [i, p] of ps.entries()) {
        const tr = linear.demonstrate(p, rng(5, "teach", i), style);
        const text = tr.words.join(" ");
        const v = linear.verify(p, text);
        assertEquals(tr.roles.length, tr.words.length);
        assert(inVocab(tr.words), text);
        assert(tr.words.length <= linear.maxResponseWords, `${tr.words.length} words: ${text}`);
        assert(words(p.prompt).length + tr.words.length + 3 <= 128);
        assertEquals(tr.correct, v.correct, text);
        assert(v.wellFormed && v.steps.length >= 2, text);
        assert(Object.keys(linear.strategies).includes(tr.strategy));
        const answerAt = tr.words.lastIndexOf("answer");
        assert(tr.roles.every((r, k) => (r === "answer") === (k >= answerAt)), text);
        for (const s of v.steps) assert(tr.roles.slice(s.start, s.end).every((r) => r === "exec"), text);
      }
    }
  });

  await t.step("with no errors, isolate is always right and every step checks", () => {
    for (const [i, p] of problems(6).entries()) {
      const tr = linear.demonstrate(p, rng(7, i), { ...SOUND, verbosity: i % 2 });
      const v = linear.verify(p, tr.words.join(" "));
      assert(tr.correct && v.steps.every((s) => s.ok), tr.words.join(" "));
    }
  });

  await t.step("at the default style, accuracy is 60-85% per level; guess_check fails on far first guesses", () => {
    for (const level of linear.levels) {
      let right = 0, planning = 0;
      for (let i = 0; i < 300; i++) {
        const p = linear.generate(rng(8, level, i), i, level);
        const tr = linear.demonstrate(p, rng(9, level, i), DEFAULT_STYLE);
        if (tr.correct) right++;
        else if (linear.verify(p, tr.words.join(" ")).steps.every((s) => s.ok)) planning++;
      }
      assert(right >= 180 && right <= 255, `level ${level}: ${right}/300`);
      assert(planning >= 10, `level ${level}: ${planning} planning failures`);
    }
  });
});
