import { assert, assertEquals, assertNotEquals, assertThrows } from "./testing.ts";
import chain, { type ChainData, runningValues } from "../tasks/arithmetic_chain.ts";
import { BoundedTrace, missWhere } from "../tasks/kit/trace.ts";
import { rng } from "../harness/core/rng.ts";
import { DEFAULT_STYLE, type Problem, type Style } from "../tasks/kit/task.ts";
import { inVocab, words } from "../harness/text/tokenizer.ts";
import { VOCAB } from "../harness/text/vocab.ts";
import { ahaEvents, phraseSpans } from "../harness/metrics/aha.ts";

const P: Problem<ChainData> = {
  task: "arithmetic_chain",
  level: 1,
  prompt: "arithmetic_chain 3 + 4 * 2 - 5",
  data: { numbers: [3, 4, 2, 5], ops: ["+", "*", "-"] },
};
const verify = (text: string) => chain.verify(P, text);

Deno.test("arithmetic_chain verifier", async (t) => {
  await t.step("left to right, not by precedence", () => {
    assertEquals(runningValues(P.data), [7, 14, 9]);
    assertEquals(runningValues(P.data, 10, 1), [20, 15]);
    assertEquals(runningValues(P.data, 50, 1), [null, null]); // 50 * 2 leaves 0..99
  });

  await t.step("a correct answer is rewarded", () => {
    const v = verify("3 + 4 = 7 . 7 * 2 = 14 . 14 - 5 = 9 . answer : 9");
    assertEquals(v, {
      reward: 1,
      correct: true,
      wellFormed: true,
      answer: "9",
      steps: [
        { start: 0, end: 5, key: "3 + 4", ok: true },
        { start: 6, end: 11, key: "7 * 2", ok: true },
        { start: 12, end: 17, key: "14 - 5", ok: true },
      ],
    });
    assert(verify("answer : 9").correct);
  });

  await t.step("a wrong answer is well formed but not rewarded", () => {
    const v = verify("3 + 4 = 8 . 8 * 2 = 16 . 16 - 5 = 11 . answer : 11");
    assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, true, "11"]);
    assertEquals(v.steps.map((s) => s.ok), [false, true, true]);
    assertEquals(verify("answer : 6").answer, "6"); // precedence order, not left to right
    assert(!verify("answer : 6").correct);
  });

  await t.step("malformed, missing, repeated answers and trailing words are not well formed", () => {
    for (
      const text of [
        "answer : 9 9",
        "answer : 9 .",
        "answer : 9 done",
        "answer :",
        "answer : =",
        "answer : 09",
        "answer : 100",
        "3 + 4 = 7 . 7 * 2 = 14 . 14 - 5 = 9 .",
        "answer : 9 answer : 9",
        "answer : nine",
        "ok answer : 9",
        "",
      ]
    ) {
      const v = verify(text);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, false, null], text);
    }
  });

  await t.step("a reflect-and-correct rewrite has the key of the step it fixes", () => {
    const v = verify("3 + 4 = 8 . wait , check again 3 + 4 = 7 . 7 * 2 = 14 . 14 - 5 = 9 . answer : 9");
    assertEquals(v.steps.slice(0, 2), [
      { start: 0, end: 5, key: "3 + 4", ok: false },
      { start: 10, end: 15, key: "3 + 4", ok: true },
    ]);
    assert(v.correct);
  });

  await t.step("random word strings never throw", () => {
    const r = rng(1, "chain-random");
    const pool = [...VOCAB, "answer", ":", "9", "=", "zz", "-3", "9.0", ""];
    for (let i = 0; i < 500; i++) {
      const v = verify(Array.from({ length: r.int(30) }, () => r.pick(pool)).join(" "));
      assert(v.reward === 0 || v.reward === 1);
      assert(!v.correct || v.wellFormed);
    }
  });
});

Deno.test("arithmetic_chain generation", async (t) => {
  await t.step("the same stream gives the same problem, another stream another", () => {
    for (const level of chain.levels) {
      const a = chain.generate(rng(5, "p", 1), 1, level);
      assertEquals(chain.generate(rng(5, "p", 1), 1, level), a);
      assertNotEquals(chain.generate(rng(5, "p", 2), 1, level), a);
      assertEquals(JSON.parse(JSON.stringify(a.data)), a.data);
    }
  });

  await t.step("prompts and intermediates stay in range; level 2 chains are longer; few duplicates", () => {
    for (const level of chain.levels) {
      const problems = Array.from({ length: 200 }, (_, i) => chain.generate(rng(9, "gen", i), i, level));
      for (const p of problems) {
        const ws = words(p.prompt);
        assertEquals(ws[0], "arithmetic_chain");
        assert(inVocab(ws) && ws.length <= 30, p.prompt);
        assert(runningValues(p.data).every((v) => v !== null && v >= 1), p.prompt);
        const n = p.data.ops.length;
        assert(level === 1 ? n >= 3 && n <= 5 : n >= 5 && n <= 7, p.prompt);
      }
      assert(new Set(problems.map((p) => p.prompt)).size >= 197);
    }
  });

  await t.step("unknown levels are refused", () => {
    assertThrows(() => chain.generate(rng(1), 0, 3), RangeError);
  });
});

/** Traces of 150 problems per level in a style, with their verdicts. */
function traces(style: Style, seed = 11) {
  return chain.levels.flatMap((level) =>
    Array.from({ length: 150 }, (_, i) => {
      const p = chain.generate(rng(seed, "gen", level, i), i, level);
      const t = chain.demonstrate(p, rng(seed, "demo", level, i), style);
      return { p, t, v: chain.verify(p, t.words.join(" ")) };
    })
  );
}

Deno.test("arithmetic_chain teacher", async (t) => {
  const extreme: Style = { execError: 0.3, reflect: 1, verbosity: 1 };
  for (const [name, style] of [["default", DEFAULT_STYLE], ["extreme", extreme]] as const) {
    await t.step(`traces are well formed and within bounds (${name} style)`, () => {
      for (const { p, t, v } of traces(style)) {
        const text = t.words.join(" ");
        assertEquals(t.roles.length, t.words.length);
        assert(inVocab(t.words), text);
        assert(t.words.length <= chain.maxResponseWords, `${t.words.length} words: ${text}`);
        assert(words(p.prompt).length + t.words.length + 3 <= 128);
        assertEquals(t.correct, v.correct, text);
        assert(v.wellFormed, text);
        assertEquals(t.strategy, "left_to_right");
        assertEquals(t.roles.slice(-3), ["answer", "answer", "answer"]);
        assertEquals(t.roles.filter((r) => r === "exec").length, v.steps.length * 6);
        for (const s of v.steps) assert(t.roles.slice(s.start, s.end).every((r) => r === "exec"), text);
      }
    });
  }

  await t.step("without errors the teacher is always right", () => {
    for (const { t } of traces({ execError: 0, reflect: 0, verbosity: 0.5 })) assert(t.correct, t.words.join(" "));
  });

  await t.step("default style: accuracy 65-85%, every failure an execution error", () => {
    const all = traces(DEFAULT_STYLE);
    const acc = all.filter(({ t }) => t.correct).length / all.length;
    assert(acc >= 0.65 && acc <= 0.85, `accuracy ${acc}`);
    assert(all.every(({ t, v }) => t.correct || v.steps.some((s) => !s.ok)));
  });

  await t.step("double checks: a right step confirmed, a wrong one repaired (an aha event); none at rate 0", () => {
    const reflections = (ws: readonly string[]) => phraseSpans(ws).length;
    for (const { t, v } of traces({ execError: 0, reflect: 0, check: 1, verbosity: 0 })) {
      assert(t.correct && reflections(t.words) > 0, t.words.join(" "));
      assertEquals(ahaEvents(t.words, v.steps), [], "a check of a right step is no aha");
      // Every step checked where the rewrite fits: each key written twice in a row, the same both times.
      const keys = v.steps.map((s) => s.key);
      assert(keys.some((k, i) => keys[i + 1] === k), t.words.join(" "));
    }
    // Every wrong step rewritten (while the budget leaves room for it) is an aha event; some are.
    let aha = 0;
    for (const { t, v } of traces({ execError: 0.3, reflect: 0, check: 1, verbosity: 0 })) {
      const rewritten = v.steps.filter((s, i) => !s.ok && v.steps.slice(i + 1).some((x) => x.key === s.key));
      assertEquals(ahaEvents(t.words, v.steps).length, rewritten.length, t.words.join(" "));
      aha += rewritten.length;
    }
    assert(aha > 50, `${aha} repairs`);
    for (const { t } of traces({ execError: 0.3, reflect: 0, check: 0, verbosity: 0 })) {
      assertEquals(reflections(t.words), 0, t.words.join(" "));
    }
  });

  await t.step("planning phrases only from verbosity", () => {
    for (const { t } of traces({ execError: 0, reflect: 0, verbosity: 0 })) assert(!t.roles.includes("plan"));
    for (const { t } of traces({ execError: 0, reflect: 0, verbosity: 1 })) assertEquals(t.roles[0], "plan");
  });
});

Deno.test("shared trace helpers", async (t) => {
  await t.step("missWhere: a near miss that keeps the predicate, else the right value", () => {
    const r = rng(4, "miss");
    for (let i = 0; i < 200; i++) {
      const v = missWhere(r, 10, (x) => x % 2 === 0);
      assert(v !== 10 && Math.abs(v - 10) <= 3 && v % 2 === 0);
      assert(missWhere(r, 0, () => true) > 0);
    }
    assertEquals(missWhere(r, 10, () => false), 10);
  });

  await t.step("BoundedTrace: a wrong step is caught only while the rewrite fits", () => {
    const style = { execError: 1, reflect: 1, verbosity: 0 };
    const roomy = new BoundedTrace(rng(1), style, 60);
    assertEquals(roomy.stepWithin("3 + 4", 7, () => 8, 0), 7);
    assert(roomy.words.includes("wait") || roomy.words.includes("hold"));
    const tight = new BoundedTrace(rng(1), style, 60);
    assertEquals(tight.stepWithin("3 + 4", 7, () => 8, 50), 8);
    assertEquals(tight.words, words("3 + 4 = 8 ."));
    assertEquals(style.reflect, 1);
  });
});
