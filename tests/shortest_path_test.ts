import { assert, assertEquals, assertNotEquals } from "./testing.ts";
import task, { makeProblem, type ShortestPathData } from "../tasks/shortest_path.ts";
import { rng } from "../harness/rng.ts";
import { DEFAULT_STYLE, type Problem, type Style, type Trace, type Verdict } from "../harness/task.ts";
import { inVocab, words } from "../harness/tokenizer.ts";
import { VOCAB } from "../harness/vocab.ts";

/** `shortest_path A B 3 , B C 2 , A C 7 , C D 1 , from A to D`: shortest A B C D = 6. */
const HAND = makeProblem(1, [["A", "B", 3], ["B", "C", 2], ["A", "C", 7], ["C", "D", 1]], "A", "D");

const RIGHT_BODY = "from A 0 : B 0 + 3 = 3 . C 0 + 7 = 7 . from B 3 : C 3 + 2 = 5 . from C 5 : D 5 + 1 = 6 . " +
  "we know that D 6 .";

function check(response: string): Verdict {
  return task.verify(HAND, response);
}

function problems(count: number, seed: number): Problem<ShortestPathData>[] {
  return Array.from({ length: count }, (_, i) => {
    const level = task.levels[i % task.levels.length];
    return task.generate(rng(seed, "problem", i), i, level);
  });
}

/** An uncaught wrong step: some step key whose last writing is wrong. */
function uncaughtError(v: Verdict): boolean {
  const last = new Map<string, boolean>();
  for (const s of v.steps) last.set(s.key, s.ok);
  return [...last.values()].some((ok) => !ok);
}

Deno.test("shortest_path verifier", async (t) => {
  await t.step("the hand problem", () => {
    assertEquals(HAND.prompt, "shortest_path A B 3 , B C 2 , A C 7 , C D 1 , from A to D");
    assertEquals(HAND.data.answer, "A B C D = 6");
    assertEquals(HAND.data.distance, 6);
  });

  await t.step("a correct response", () => {
    const v = check(`${RIGHT_BODY} answer : A B C D = 6`);
    assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [1, true, true, "A B C D = 6"]);
    assertEquals(check("answer : A B C D = 6").correct, true);
  });

  await t.step("wrong answers are well formed but not correct", () => {
    for (
      const a of [
        "A C D = 8", // a valid but longer path, its cost right
        "A B C D = 7", // the shortest path with a wrong cost
        "A C D = 6", // a longer path claimed at the shortest distance
        "A D = 6", // no such edge
        "B C D = 3", // does not start at the source
        "A B C = 5", // does not end at the target
        "A B C D E = 6", // a node the graph lacks
      ]
    ) {
      const v = check(`${RIGHT_BODY} answer : ${a}`);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, true, a], a);
    }
  });

  await t.step("malformed, missing, repeated answers and trailing words", () => {
    for (
      const r of [
        "answer : A B C D =", // no cost
        "answer : 6", // no path
        "answer : A = 0", // a single node
        "answer : A B C D 6", // no =
        "answer : A B C D = = 6",
        "answer : a b c d = 6",
        "answer :",
        RIGHT_BODY, // no answer
        "", // empty
        "answer : A B C D = 6 answer : A B C D = 6", // twice
        "answer : A B C D = 6 .", // trailing garbage
        "answer : A B C D = 6 so",
        "answer : A B C D = 100", // not a vocabulary number
        "hello answer : A B C D = 6", // out of vocabulary
        "answer : A B C D = 6 banana",
      ]
    ) {
      const v = check(r);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, false, null], r);
    }
  });

  await t.step("random text never throws", () => {
    const r = rng(7, "random text");
    const junk = ["", " ", "\n\t", "answer", "answer :", "=", "😀", "A", "B", "0", "99", "100", "-1", "+"];
    for (let i = 0; i < 2000; i++) {
      const n = r.int(40);
      const ws = Array.from({ length: n }, () => r.bernoulli(0.8) ? r.pick(VOCAB) : r.pick(junk));
      const v = check(ws.join(r.bernoulli(0.5) ? " " : "  "));
      assertEquals(v.reward, v.correct ? 1 : 0);
      if (v.correct) assert(v.wellFormed);
    }
  });

  await t.step("step checks: right and wrong steps, keys and spans", () => {
    const response = "from A 0 : B 0 + 3 = 3 . C 0 + 7 = 8 . wait , let us check C 0 + 7 = 7 . answer : A C D = 8";
    const v = check(response);
    assertEquals(v.steps.map((s) => [s.key, s.ok]), [["B 0 + 3", true], ["C 0 + 7", false], ["C 0 + 7", true]]);
    const ws = words(response);
    assertEquals(ws.slice(v.steps[1].start, v.steps[1].end).join(" "), "C 0 + 7 = 8");
    assertEquals(check("3 + 4 = 8 .").steps, [{ start: 0, end: 5, key: "3 + 4", ok: false }]);
    assertEquals(check("answer : A B C D = 6").steps, []);
  });
});

Deno.test("shortest_path generation", async (t) => {
  await t.step("deterministic per stream, different across streams", () => {
    for (const level of task.levels) {
      const a = task.generate(rng(1, "x", level), 0, level);
      assertEquals(task.generate(rng(1, "x", level), 0, level), a);
      assertNotEquals(task.generate(rng(1, "y", level), 0, level).prompt, a.prompt);
      assertEquals(JSON.parse(JSON.stringify(a.data)), a.data);
    }
  });

  await t.step("prompts: short, in vocabulary, large problem space, answer matches", () => {
    for (const level of task.levels) {
      const ps = Array.from({ length: 1000 }, (_, i) => task.generate(rng(3, "space", level, i), i, level));
      assert(new Set(ps.map((p) => p.prompt)).size >= 990, `level ${level} repeats prompts`);
      assert(new Set(ps.slice(0, 200).map((p) => p.prompt)).size >= 197);
      for (const p of ps) {
        const ws = words(p.prompt);
        assertEquals([ws[0], p.task, p.level], ["shortest_path", "shortest_path", level]);
        assert(ws.length <= 30 && inVocab(ws), p.prompt);
        assertEquals(p.data.nodes.length, level === 1 ? 4 : 5);
        assert(task.verify(p, `answer : ${p.data.answer}`).correct, p.prompt);
      }
    }
  });
});

Deno.test("shortest_path teacher", async (t) => {
  const ps = problems(300, 11);
  const demo = (style: Style, tag: string): { p: Problem<ShortestPathData>; tr: Trace }[] =>
    ps.map((p, i) => ({ p, tr: task.demonstrate(p, rng(12, tag, i), style) }));

  await t.step("traces are well formed, within bounds, and their `correct` agrees with verify", () => {
    const styles: Style[] = [
      DEFAULT_STYLE,
      { execError: 0.3, reflect: 1, verbosity: 1 },
      { execError: 0.3, reflect: 1, verbosity: 1, strategies: { dijkstra: 1 } },
      { execError: 0.3, reflect: 1, verbosity: 1, strategies: { explore: 1 } },
      { execError: 0, reflect: 0, verbosity: 0 },
    ];
    for (const [k, style] of styles.entries()) {
      for (const { p, tr } of demo(style, `bounds ${k}`)) {
        const text = tr.words.join(" ");
        assertEquals(tr.roles.length, tr.words.length);
        assert(inVocab(tr.words), text);
        assert(tr.words.length <= task.maxResponseWords && task.maxResponseWords <= 90, text);
        assert(words(p.prompt).length + tr.words.length + 3 <= 128);
        const v = task.verify(p, text);
        assert(v.wellFormed, text);
        assertEquals(tr.correct, v.correct, text);
        const answerAt = tr.words.lastIndexOf("answer");
        assert(tr.roles.every((r, i) => (r === "answer") === (i >= answerAt)), text);
        for (const s of v.steps) {
          assert(tr.roles.slice(s.start, s.end).every((r) => r === "exec"), text);
        }
        assert(tr.roles.includes("plan"));
      }
    }
  });

  await t.step("dijkstra without errors is always right", () => {
    for (const { tr } of demo({ execError: 0, reflect: 0, verbosity: 0.5, strategies: { dijkstra: 1 } }, "sound")) {
      assertEquals(tr.strategy, "dijkstra");
      assert(tr.correct, tr.words.join(" "));
    }
  });

  await t.step("default style: accuracy in range, both failure kinds, longer sound traces", () => {
    const traces = demo(DEFAULT_STYLE, "default");
    const accuracy = traces.filter(({ tr }) => tr.correct).length / traces.length;
    assert(accuracy >= 0.55 && accuracy <= 0.8, `accuracy ${accuracy}`);
    const failed = traces.filter(({ tr }) => !tr.correct).map(({ p, tr }) => task.verify(p, tr.words.join(" ")));
    assert(failed.some(uncaughtError), "no execution failure");
    assert(failed.some((v) => !uncaughtError(v)), "no planning failure");
    const meanLength = (strategy: string) => {
      const ok = traces.filter(({ tr }) => tr.correct && tr.strategy === strategy);
      return ok.reduce((s, { tr }) => s + tr.words.length, 0) / ok.length;
    };
    assert(meanLength("dijkstra") > meanLength("greedy") + 10);
    assert(traces.some(({ tr }) => tr.words.includes("wait")), "no reflection");
  });
});
