import { assert, assertEquals, assertNotEquals } from "./testing.ts";
import knights, { type Claim, findKnightSteps, type KnightsData, solutions } from "../tasks/knights_knaves.ts";
import { rng } from "../harness/core/rng.ts";
import { DEFAULT_STYLE, type Problem, type Style } from "../tasks/kit/task.ts";
import { encode, inVocab, words } from "../harness/text/tokenizer.ts";
import { VOCAB } from "../harness/text/vocab.ts";

/** `A says B knave ; B says A and C same ; C says A knight or B knave`: A knave, B knight, C knave. */
const CLAIMS: Claim[] = [
  { op: "is", a: 1, ta: false, b: -1, tb: true },
  { op: "same", a: 0, ta: true, b: 2, tb: true },
  { op: "or", a: 0, ta: true, b: 1, tb: false },
];
const HAND: Problem<KnightsData> = {
  task: "knights_knaves",
  level: 2,
  prompt: "knights_knaves A says B knave ; B says A and C same ; C says A knight or B knave",
  data: { people: ["A", "B", "C"], claims: CLAIMS, order: [0, 1, 2], solution: [false, true, false] },
};
const SOLVED =
  "let us try A knight . A knight says B knave so B knave . B knave A knight says A and C same so C knave . " +
  "C knave A knight B knave says A knight or B knave so contradiction . that assumption was incorrect so A knave . " +
  "A knave says B knave so B knight . B knight A knave says A and C same so C knave .";
const ANSWER = "answer : A knave B knight C knave";

const SOUND: Style = { execError: 0, reflect: 0, verbosity: 0.3, strategies: { case_split: 1 } };
const STYLES: Style[] = [
  DEFAULT_STYLE,
  SOUND,
  { execError: 0.3, reflect: 1, verbosity: 1 },
  { execError: 0.3, reflect: 0, verbosity: 1 },
  { execError: 0.3, reflect: 1, verbosity: 1, strategies: { guess_first: 1 } },
];

/** Each speaker's claim words, read from the prompt. */
function claimsOf(prompt: string): Map<string, string> {
  const statements = prompt.replace(/^knights_knaves /, "").split(" ; ");
  return new Map(statements.map((st) => [st.split(" ")[0], st.split(" ").slice(2).join(" ")]));
}

/** Problem i of a 300-problem set, levels alternating. */
function problems(seed: number, n = 300): Problem<KnightsData>[] {
  return Array.from({ length: n }, (_, i) => knights.generate(rng(seed, "knights", i), i, 1 + (i % 2)));
}

Deno.test("knights_knaves", async (t) => {
  await t.step("the hand puzzle has one solution, the one recorded", () => {
    assertEquals(solutions(CLAIMS), [HAND.data.solution]);
  });

  await t.step("verifier: a correct response", () => {
    const v = knights.verify(HAND, `${SOLVED} ${ANSWER}`);
    assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [1, true, true, "A knave B knight C knave"]);
    assertEquals(v.steps.length, 5);
    assert(v.steps.every((s) => s.ok));
    // people in another order: same canonical answer
    assertEquals(knights.verify(HAND, "answer : C knave A knave B knight").answer, "A knave B knight C knave");
  });

  await t.step("verifier: wrong, malformed, missing, repeated, trailing, out-of-vocabulary answers", () => {
    const wrong = knights.verify(HAND, `${SOLVED} answer : A knight B knave C knave`);
    assertEquals([wrong.reward, wrong.correct, wrong.wellFormed, wrong.answer], [
      0,
      false,
      true,
      "A knight B knave C knave",
    ]);
    for (
      const bad of [
        `${SOLVED} answer : A knave B knight`, // a person missing
        `${SOLVED} answer : A knave A knave B knight C knave`, // a person twice
        `${SOLVED} answer : A knave B knight D knave`, // a stranger
        `${SOLVED} answer : A knave B knight C`, // a type missing
        `${SOLVED}`, // no answer
        `${SOLVED} ${ANSWER} ${ANSWER}`, // given twice
        `${SOLVED} ${ANSWER} .`, // trailing garbage
        `${SOLVED} ${ANSWER} so A knave`,
        `${SOLVED} ${ANSWER} banana`, // out of vocabulary
        `banana ${ANSWER}`,
        "",
      ]
    ) {
      const v = knights.verify(HAND, bad);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, false, null], bad);
    }
  });

  await t.step("verifier never throws on random word strings", () => {
    const r = rng(11, "noise");
    const pool = [...VOCAB, "banana", "E", "Z", "knights", "", "  ", "\n", "answer", ":", "so", "knight", "knave"];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: r.int(80) }, () => r.pick(pool)).join(r.bernoulli(0.1) ? "  " : " ");
      const v = knights.verify(HAND, text);
      assert(v.reward === 0 || v.reward === 1);
      for (const s of v.steps) assert(s.start >= 0 && s.end > s.start && s.end <= words(text).length);
    }
  });

  await t.step("step checks: a right step, a wrong conclusion, a misquoted claim, contradiction and consistent", () => {
    const check = (text: string) => findKnightSteps(words(text), HAND.data);
    const oks = (text: string) => check(text).map((s) => s.ok);
    assertEquals(check("A knight says B knave so B knave ."), [{ start: 0, end: 9, key: "A knight", ok: true }]);
    // a wrong conclusion
    const wrong = { start: 6, end: 15, key: "A knight", ok: false };
    assertEquals(check("let us try A knight . A knight says B knave so B knight ."), [wrong]);
    // B knave: A and C differ, so with A knight C is a knave
    assertEquals(oks("B knave A knight says A and C same so C knave ."), [true]);
    assertEquals(oks("B knave A knight says A and C same so C knight ."), [false]);
    // misquoted claims, even when the conclusion is right or follows from the misquote; another person's claim
    assertEquals(oks("B knave A knight says A and C different so C knave ."), [false]);
    assertEquals(oks("B knave A knight says A and C different so C knight ."), [false]);
    assertEquals(oks("A knight says A and C same so C knight ."), [false]);
    assertEquals(oks("A knight says B knave C knight so B knave ."), [false]);
    // no quote at all: a step, always wrong
    assertEquals(check("A knight so B knave ."), [{ start: 0, end: 6, key: "A knight", ok: false }]);
    // C knave: A knave and B knight, so A knight contradicts
    assertEquals(oks("C knave A knight says A knight or B knave so contradiction ."), [true]);
    assertEquals(oks("C knave A knight says A knight or B knave so consistent ."), [false]);
    assertEquals(oks("C knave A knave B knight says A knight or B knave so consistent ."), [true]);
    assertEquals(oks("C knave A knave B knight says A knight or B knave so contradiction ."), [false]);
    // facts not entailed, a person not in the puzzle
    assertEquals(oks("B knight says A and C same so C knave ."), [false]);
    assertEquals(oks("D knight says B knave so A knave ."), [false]);
    // not steps: no premises, no final ".", an empty quote, a quote over five words or holding a "."
    for (
      const text of [
        "so A knave .",
        "A knight says B knave so B knave",
        "A knight says so B knave .",
        "A knight says B knave and C knight or D so B knave .",
        "A knight says B knave . so B knave .",
      ]
    ) assertEquals(check(text), [], text);
    // a reflect-and-correct rewrite keeps the key
    const [bad, fixed] = check(
      "A knave says B knave so B knave . wait , let us check A knave says B knave so B knight .",
    );
    assertEquals([bad.key, bad.ok, fixed.key, fixed.ok], ["A knave", false, "A knave", true]);
  });

  await t.step("generation is deterministic, varied, and only makes puzzles with one solution", () => {
    const a = knights.generate(rng(1, "x", 0), 0, 1), b = knights.generate(rng(1, "x", 0), 0, 1);
    assertEquals(a, b);
    assertNotEquals(knights.generate(rng(1, "x", 1), 1, 1).prompt, a.prompt);
    for (const p of problems(2)) {
      assertEquals(solutions(p.data.claims), [p.data.solution], p.prompt);
      assert(p.prompt.startsWith("knights_knaves "));
      assert(inVocab(p.prompt) && encode(p.prompt).length + knights.maxResponseWords + 3 <= 128, p.prompt);
      assertEquals(JSON.parse(JSON.stringify(p.data)), p.data);
      const n = p.data.people.length;
      assert(p.level === 1 ? n === 2 || n === 3 : n === 3);
      if (p.level === 1) assert(p.data.claims.every((c) => c.op !== "and" && c.op !== "or"), p.prompt);
    }
  });

  await t.step("a 200-problem split has under 2% duplicate prompts at each level", () => {
    for (const level of knights.levels) {
      const prompts = new Set(
        Array.from({ length: 200 }, (_, i) => knights.generate(rng(3, "split", i), i, level).prompt),
      );
      assert(200 - prompts.size < 4, `level ${level}: ${200 - prompts.size} duplicates`);
    }
  });

  await t.step("teacher traces: roles, vocabulary, lengths, and correct agrees with the verifier", () => {
    const ps = problems(4);
    for (const style of STYLES) {
      for (const [i, p] of ps.entries()) {
        const tr = knights.demonstrate(p, rng(5, "teach", i), style);
        const text = tr.words.join(" ");
        assertEquals(tr.roles.length, tr.words.length);
        assert(inVocab(tr.words), text);
        assert(tr.words.length <= knights.maxResponseWords, `${tr.words.length} words: ${text}`);
        assert(words(p.prompt).length + tr.words.length + 3 <= 128);
        assertEquals(tr.correct, knights.verify(p, text).correct, text);
        assert(knights.verify(p, text).wellFormed, text);
        assert(Object.keys(knights.strategies).includes(tr.strategy));
        const answerAt = tr.words.lastIndexOf("answer");
        assert(tr.roles.every((r, k) => (r === "answer") === (k >= answerAt)), text);
        assertEquals(tr.roles[tr.words.indexOf(".") - 1], "plan"); // the first assumption is a plan
        // errors are in conclusions only: every step quotes its speaker's claim
        const claims = claimsOf(p.prompt);
        for (const s of knights.verify(p, text).steps) {
          const step = tr.words.slice(s.start, s.end);
          const quote = step.slice(step.indexOf("says") + 1, step.indexOf("so")).join(" ");
          assertEquals(quote, claims.get(step[0]), text);
        }
      }
    }
  });

  await t.step("with no errors, case_split is always right and every step checks", () => {
    for (const [i, p] of problems(6).entries()) {
      for (const verbosity of [0, 1]) {
        const tr = knights.demonstrate(p, rng(7, i, verbosity), { ...SOUND, verbosity });
        const v = knights.verify(p, tr.words.join(" "));
        assert(tr.correct && v.steps.length > 0 && v.steps.every((s) => s.ok), tr.words.join(" "));
      }
    }
  });

  await t.step("at the default style, accuracy is 55-80% per level, with planning and execution failures", () => {
    for (const level of knights.levels) {
      let right = 0, planning = 0, execution = 0;
      for (let i = 0; i < 300; i++) {
        const p = knights.generate(rng(8, level, i), i, level);
        const tr = knights.demonstrate(p, rng(9, level, i), DEFAULT_STYLE);
        if (tr.correct) right++;
        else if (knights.verify(p, tr.words.join(" ")).steps.every((s) => s.ok)) planning++;
        else execution++;
      }
      assert(right >= 165 && right <= 240, `level ${level}: ${right}/300`);
      assert(
        planning >= 10 && execution >= 10,
        `level ${level}: ${planning} planning, ${execution} execution failures`,
      );
    }
  });
});
