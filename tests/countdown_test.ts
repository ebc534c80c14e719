import { assert, assertEquals, assertNotEquals, assertThrows } from "./testing.ts";
import countdown, { canonicalChain, type CountdownData, parseChain, solves } from "../tasks/countdown.ts";
import { pickStrategy } from "../tasks/kit/trace.ts";
import { rng } from "../harness/core/rng.ts";
import { DEFAULT_STYLE, type Problem, type Style, type Trace } from "../tasks/kit/task.ts";
import { inVocab, words } from "../harness/text/tokenizer.ts";
import { VOCAB } from "../harness/text/vocab.ts";

const P: Problem<CountdownData> = {
  task: "countdown",
  level: 1,
  prompt: "countdown 3 5 7 target 22",
  data: { numbers: [3, 5, 7], target: 22 },
};
const P2: Problem<CountdownData> = {
  task: "countdown",
  level: 2,
  prompt: "countdown 8 2 5 11 target 36",
  data: { numbers: [8, 2, 5, 11], target: 36 },
};

const verify = (text: string, p = P) => countdown.verify(p, text);

Deno.test("countdown verifier", async (t) => {
  await t.step("a correct chain is rewarded, in canonical form", () => {
    const v = verify("let us try 5 * 3 = 15 . 15 + 7 = 22 . answer : 3 * 5 = 15 , 7 + 15 = 22");
    assertEquals(v.reward, 1);
    assert(v.correct && v.wellFormed);
    assertEquals(v.answer, "5 * 3 = 15 , 15 + 7 = 22");
    assertEquals(v.steps.length, 2);
    assert(v.steps.every((s) => s.ok));
  });

  await t.step("independent steps in either order give one canonical answer", () => {
    const x = verify("answer : 8 - 2 = 6 , 11 - 5 = 6 , 6 * 6 = 36", P2);
    const y = verify("answer : 11 - 5 = 6 , 8 - 2 = 6 , 6 * 6 = 36", P2);
    assert(x.correct && y.correct);
    assertEquals(x.answer, y.answer);
    assertEquals(x.answer, "11 - 5 = 6 , 8 - 2 = 6 , 6 * 6 = 36");
    assertEquals(
      canonicalChain(parseChain(words("2 * 8 = 16 , 16 + 5 = 21 , 21 + 11 = 32"))!),
      "8 * 2 = 16 , 16 + 5 = 21 , 21 + 11 = 32",
    );
  });

  await t.step("wrong answers are well formed but not rewarded", () => {
    for (
      const answer of [
        "7 * 3 = 21 , 21 + 5 = 26", // misses the target
        "5 * 3 = 15 , 15 + 7 = 23", // wrong arithmetic
        "5 * 3 = 16 , 16 + 6 = 22", // a number that is not given
        "7 * 3 = 21 , 21 + 3 = 24", // a number used twice, one unused
        "5 * 3 = 15 , 15 + 15 = 30", // a result used twice
        "7 + 5 = 12 , 12 + 10 = 22", // a result that was never made
        "5 * 3 = 15", // not every number used
        "5 * 3 = 15 , 15 + 7 = 22 , 22 - 0 = 22", // an extra step
        "3 - 5 = 0 , 7 + 15 = 22", // a negative intermediate
      ]
    ) {
      const v = verify(`answer : ${answer}`);
      assert(v.wellFormed, answer);
      assertEquals([v.reward, v.correct], [0, false], answer);
      assert(v.answer !== null);
    }
  });

  await t.step("malformed, missing, repeated answers and trailing words are not well formed", () => {
    for (
      const text of [
        "answer : 5 * 3 = 15 15 + 7 = 22", // no comma
        "answer : 22", // a number, not a chain
        "answer : 5 * 3 = 15 ,", // dangling comma
        "answer :", // empty
        "let us try 5 * 3 = 15 . 15 + 7 = 22 .", // no answer
        "answer : 5 * 3 = 15 , 15 + 7 = 22 answer : 5 * 3 = 15 , 15 + 7 = 22", // twice
        "answer : 5 * 3 = 15 , 15 + 7 = 22 .", // trailing "."
        "answer : 5 * 3 = 15 , 15 + 7 = 22 done", // trailing word
        "answer : 5 * 3 = 15 , 15 + 7 = 022", // not a vocabulary number
        "answer : 5 x 3 = 15 , 15 + 7 = 22", // out of vocabulary
        "hmm answer : 5 * 3 = 15 , 15 + 7 = 22", // out of vocabulary before the answer
        "",
      ]
    ) {
      const v = verify(text);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, false, null], text);
    }
  });

  await t.step("steps in the body are checked and keyed; a rewrite keeps the key", () => {
    const v = verify("let us try 7 * 3 = 20 . wait , let us check 7 * 3 = 21 . 21 + 5 = 26 . answer : 7 * 3 = 21");
    assertEquals(v.steps, [
      { start: 3, end: 8, key: "7 * 3", ok: false },
      { start: 14, end: 19, key: "7 * 3", ok: true },
      { start: 20, end: 25, key: "21 + 5", ok: true },
    ]);
  });

  await t.step("random word strings never throw", () => {
    const r = rng(1, "countdown-random");
    const pool = [...VOCAB, "answer", ":", "=", ",", "*", "+", "15", "22", "zz", "-1", "1.5", "", "\n"];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: r.int(40) }, () => r.pick(pool)).join(r.bernoulli(0.1) ? "  " : " ");
      const v = verify(text, r.bernoulli(0.5) ? P : P2);
      assert(v.reward === 0 || v.reward === 1);
      assert(!v.correct || v.wellFormed);
      assert(v.steps.every((s) => s.start >= 0 && s.end > s.start));
    }
  });

  await t.step("solves counts numbers as a multiset", () => {
    const data = { numbers: [4, 4, 2], target: 32 };
    assert(solves(parseChain(words("4 * 4 = 16 , 16 * 2 = 32"))!, data));
    assert(!solves(parseChain(words("4 * 2 = 8 , 8 * 4 = 32 , 32 - 0 = 32"))!, data));
    assertEquals(parseChain(words("4 * 4 = 16 ,")), null);
  });
});

Deno.test("countdown generation", async (t) => {
  await t.step("the same stream gives the same problem, another stream another", () => {
    for (const level of countdown.levels) {
      const a = countdown.generate(rng(5, "p", 1), 1, level);
      assertEquals(countdown.generate(rng(5, "p", 1), 1, level), a);
      assertNotEquals(countdown.generate(rng(5, "p", 2), 1, level), a);
      assertEquals(JSON.parse(JSON.stringify(a.data)), a.data);
    }
  });

  await t.step("prompts: task name first, in vocabulary, at most 30 words, few duplicates", () => {
    for (const level of countdown.levels) {
      const prompts = Array.from({ length: 200 }, (_, i) => countdown.generate(rng(9, "dup", i), i, level).prompt);
      for (const p of prompts) {
        const ws = words(p);
        assertEquals(ws[0], "countdown");
        assertEquals(ws.length, level === 1 ? 5 : 6);
        assert(inVocab(ws) && ws.length <= 30, p);
      }
      // Level 1 (two numbers up to 40) has a few thousand problems: a handful of repeats in 200 draws.
      const least = level === 1 ? 194 : 197;
      assert(new Set(prompts).size >= least, `level ${level}: ${200 - new Set(prompts).size} duplicates`);
    }
  });

  await t.step("unknown levels are refused", () => {
    assertThrows(() => countdown.generate(rng(1), 0, 3), RangeError);
  });
});

/** Traces of 150 problems per level in a style, with their problems and verdicts. */
function traces(style: Style, seed = 11) {
  return countdown.levels.flatMap((level) =>
    Array.from({ length: 150 }, (_, i) => {
      const p = countdown.generate(rng(seed, "gen", level, i), i, level);
      const t = countdown.demonstrate(p, rng(seed, "demo", level, i), style);
      return { p, t, v: countdown.verify(p, t.words.join(" ")) };
    })
  );
}

/** The structural checks every teacher trace must pass. */
function checkTrace(p: Problem<CountdownData>, t: Trace, v: ReturnType<typeof verify>) {
  const text = t.words.join(" ");
  assertEquals(t.roles.length, t.words.length);
  assert(inVocab(t.words), text);
  assert(t.words.length <= countdown.maxResponseWords, `${t.words.length} words: ${text}`);
  assert(words(p.prompt).length + t.words.length + 3 <= 128);
  assertEquals(t.correct, v.correct, text);
  assert(v.wellFormed, text);
  const at = t.words.indexOf("answer");
  assert(t.roles.slice(at).every((r) => r === "answer") && t.roles.slice(0, at).every((r) => r !== "answer"), text);
  for (const s of v.steps) assert(t.roles.slice(s.start, s.end).every((r) => r === "exec"), text);
  const execWords = t.roles.filter((r) => r === "exec").length;
  assertEquals(execWords, v.steps.length * 6, text);
}

Deno.test("countdown teacher", async (t) => {
  const extreme: Style = { execError: 0.3, reflect: 1, verbosity: 1 };
  for (const [name, style] of [["default", DEFAULT_STYLE], ["extreme", extreme]] as const) {
    await t.step(`traces are well formed and within bounds (${name} style)`, () => {
      for (const { p, t, v } of traces(style)) checkTrace(p, t, v);
    });
  }

  await t.step("without errors the search strategy is always right", () => {
    for (const { t, v } of traces({ execError: 0, reflect: 0, verbosity: 0.5, strategies: { search: 1 } })) {
      assertEquals(t.strategy, "search");
      assert(t.correct && v.steps.every((s) => s.ok), t.words.join(" "));
    }
  });

  await t.step("without errors the greedy strategy fails on some problems, with every step right", () => {
    const all = traces({ execError: 0, reflect: 0, verbosity: 0, strategies: { greedy: 1 } });
    const failed = all.filter(({ t }) => !t.correct);
    assert(failed.length > 30 && failed.length < all.length - 30, `${failed.length} of ${all.length} failed`);
    assert(all.every(({ t, v }) => t.strategy === "greedy" && v.steps.every((s) => s.ok)));
  });

  await t.step("default style: accuracy 65-90%, failures from both strategy and execution", () => {
    const all = traces(DEFAULT_STYLE);
    const acc = all.filter(({ t }) => t.correct).length / all.length;
    assert(acc >= 0.65 && acc <= 0.9, `accuracy ${acc}`);
    const failed = all.filter(({ t }) => !t.correct);
    const exec = failed.filter(({ v }) => v.steps.some((s) => !s.ok)).length;
    assert(exec >= 10 && failed.length - exec >= 10, `${exec} execution and ${failed.length - exec} strategy failures`);
    assert(all.some(({ t }) => t.words.includes("wait") || t.words.includes("hold")), "no reflection");
  });

  await t.step("strategy weights: a style's weights for the task, else the task's defaults", () => {
    const r = rng(3, "pick");
    for (let i = 0; i < 50; i++) {
      assertEquals(pickStrategy(r, { ...DEFAULT_STYLE, strategies: { greedy: 1 } }, countdown.strategies), "greedy");
    }
    const picks = Array.from(
      { length: 400 },
      () => pickStrategy(r, { ...DEFAULT_STYLE, strategies: {} }, countdown.strategies),
    );
    const search = picks.filter((s) => s === "search").length / picks.length;
    assert(Math.abs(search - countdown.strategies.search) < 0.1, `search share ${search}`);
    const otherTask = { ...DEFAULT_STYLE, strategies: { case_split: 1 } };
    assert(["search", "greedy"].includes(pickStrategy(r, otherTask, countdown.strategies)));
    assertThrows(
      () => pickStrategy(r, { ...DEFAULT_STYLE, strategies: { search: 0, greedy: 0 } }, countdown.strategies),
      /no weight to any of the strategies search, greedy/,
    );
  });

  await t.step("equal numbers do not make the teacher repeat an attempt", () => {
    const p = { ...P, prompt: "countdown 11 8 8 target 53", data: { numbers: [11, 8, 8], target: 53 } };
    const trace = countdown.demonstrate(p, rng(1), {
      execError: 0,
      reflect: 0,
      verbosity: 0,
      strategies: { greedy: 1 },
    });
    const keys = countdown.verify(p, trace.words.join(" ")).steps.map((s) => s.key);
    assertEquals(keys, ["11 + 8", "19 + 8", "11 - 8", "8 * 3"]);
  });

  await t.step("the same stream gives the same trace", () => {
    const p = countdown.generate(rng(2, "g"), 0, 2);
    assertEquals(
      countdown.demonstrate(p, rng(2, "d"), DEFAULT_STYLE),
      countdown.demonstrate(p, rng(2, "d"), DEFAULT_STYLE),
    );
  });
});
