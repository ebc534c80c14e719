import { assert, assertEquals, assertNotEquals } from "./testing.ts";
import task, { makeProblem, type ShortestPathData } from "../tasks/shortest_path.ts";
import { rng } from "../harness/core/rng.ts";
import { DEFAULT_STYLE, type Problem, type Style, type Trace, type Verdict } from "../tasks/kit/task.ts";
import { inVocab, words } from "../harness/text/tokenizer.ts";
import { VOCAB } from "../harness/text/vocab.ts";

/** `shortest_path A B 3 , B C 2 , A C 7 , C D 1 , from A to D`: shortest A→B→C→D = 6. */
const HAND = makeProblem(1, [["A", "B", 3], ["B", "C", 2], ["A", "C", 7], ["C", "D", 1]], "A", "D");

/** Greedy takes A→B→D = 10; the shortest is A→C→D = 5. */
const GREEDY_WRONG = makeProblem(1, [["A", "B", 1], ["B", "D", 9], ["A", "C", 2], ["C", "D", 3]], "A", "D");

/** Explore's second walk, down A→C, dead-ends at C; greedy A→B→D = 3 is the shortest. */
const DEAD_END = makeProblem(1, [["A", "B", 1], ["B", "D", 2], ["A", "C", 3], ["D", "C", 1]], "A", "D");

const RIGHT_BODY = "from A 0 : A B 3 : 0 + 3 = 3 . A C 7 : 0 + 7 = 7 . from B 3 : B C 2 : 3 + 2 = 5 . " +
  "from C 5 : C D 1 : 5 + 1 = 6 . we know that D 6 .";

/** Styles without errors or optional phrases, following one strategy. */
const exact = (strategy: string): Style => ({ execError: 0, reflect: 0, verbosity: 0, strategies: { [strategy]: 1 } });

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
    assertEquals(HAND.data.answer, "6");
    assertEquals(HAND.data.distance, 6);
    assertEquals(HAND.data.nodes, ["A", "B", "C", "D"]);
    // Edges are directed: D cannot reach A, and reversing an edge changes the distance.
    const reversed = makeProblem(1, [["A", "B", 3], ["C", "B", 2], ["A", "C", 7], ["C", "D", 1]], "A", "D");
    assertEquals(reversed.data.distance, 8);
  });

  await t.step("a correct response", () => {
    const v = check(`${RIGHT_BODY} answer : 6`);
    assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [1, true, true, "6"]);
    assertEquals(check("answer : 6").correct, true);
  });

  await t.step("wrong answers are well formed but not correct", () => {
    for (const a of ["8", "7", "5", "0", "99"]) {
      const v = check(`${RIGHT_BODY} answer : ${a}`);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, true, a], a);
    }
  });

  await t.step("malformed, missing, repeated answers and trailing words", () => {
    for (
      const r of [
        "answer : A B C D = 6", // the old path format
        "answer : D 6", // a node before the cost
        "answer : = 6",
        "answer : 6 6", // two numbers
        "answer : 06", // not a number word
        "answer :",
        RIGHT_BODY, // no answer
        "", // empty
        "answer : 6 answer : 6", // twice
        `${RIGHT_BODY} answer : 6 answer : 6`,
        "answer : 6 .", // trailing garbage
        "answer : 6 so",
        "answer : 100", // not a vocabulary number
        "hello answer : 6", // out of vocabulary
        "answer : 6 banana",
      ]
    ) {
      const v = check(r);
      assertEquals([v.reward, v.correct, v.wellFormed, v.answer], [0, false, false, null], r);
    }
  });

  await t.step("random text never throws", () => {
    const r = rng(7, "random text");
    const junk = ["", " ", "\n\t", "answer", "answer :", "=", ":", "😀", "A", "B", "0", "99", "100", "-1", "+"];
    for (let i = 0; i < 2000; i++) {
      const n = r.int(40);
      const ws = Array.from({ length: n }, () => r.bernoulli(0.8) ? r.pick(VOCAB) : r.pick(junk));
      const v = check(ws.join(r.bernoulli(0.5) ? " " : "  "));
      assertEquals(v.reward, v.correct ? 1 : 0);
      if (v.correct) assert(v.wellFormed);
    }
  });

  await t.step("step checks: the edge copied, the weight added, the sum; keys and spans", () => {
    const response = "from A 0 : A B 3 : 0 + 3 = 3 . A C 7 : 0 + 7 = 8 . wait , let us check A C 7 : 0 + 7 = 7 . " +
      "answer : 8";
    const v = check(response);
    assertEquals(v.steps.map((s) => [s.key, s.ok]), [["A B 0 + 3", true], ["A C 0 + 7", false], ["A C 0 + 7", true]]);
    const ws = words(response);
    assertEquals(ws.slice(v.steps[1].start, v.steps[1].end).join(" "), "A C 7 : 0 + 7 = 8");
    assertEquals(check(RIGHT_BODY).steps.map((s) => s.ok), [true, true, true, true]);
    const one = (step: string) => check(`from A 0 : ${step} .`).steps.map((s) => [s.key, s.ok]);
    assertEquals(one("A B 4 : 0 + 4 = 4"), [["A B 0 + 4", false]], "wrong weight copied");
    assertEquals(one("A B 3 : 0 + 4 = 4"), [["A B 0 + 4", false]], "wrong weight added");
    assertEquals(one("A D 1 : 0 + 1 = 1"), [["A D 0 + 1", false]], "no such edge");
    assertEquals(one("B A 3 : 0 + 3 = 3"), [["B A 0 + 3", false]], "edge reversed");
    assertEquals(one("A B 3 : 5 - 3 = 2"), [["A B 5 - 3", false]], "not an addition");
    assertEquals(one("A B 3 : 7 + 3 = 10"), [["A B 7 + 3", true]], "the distance added to is not checked");
    assertEquals(check("3 + 4 = 7 .").steps, [{ start: 0, end: 5, key: "3 + 4", ok: false }], "no edge");
    assertEquals(check("answer : 6").steps, []);
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

  await t.step("prompts: short, in vocabulary, large problem space, graphs as documented", () => {
    for (const level of task.levels) {
      const ps = Array.from({ length: 1000 }, (_, i) => task.generate(rng(3, "space", level, i), i, level));
      // Level 1 (three nodes, three edges) has tens of thousands of problems: a few repeats in 1,000 draws.
      assert(new Set(ps.map((p) => p.prompt)).size >= (level === 1 ? 970 : 990), `level ${level} repeats prompts`);
      assert(new Set(ps.slice(0, 200).map((p) => p.prompt)).size >= 197);
      for (const p of ps) {
        const ws = words(p.prompt);
        const { edges, source, target, distance, answer, nodes } = p.data;
        assertEquals([ws[0], p.task, p.level], ["shortest_path", "shortest_path", level]);
        assert(ws.length <= 29 && inVocab(ws), p.prompt);
        assertEquals(nodes.length, level === 1 ? 3 : 4);
        assert(level === 1 ? edges.length === 3 : edges.length === 4 || edges.length === 5, p.prompt);
        const pairs = new Set(edges.map(([a, b]) => [a, b].sort().join(" ")));
        assertEquals(pairs.size, edges.length, `a pair joined twice: ${p.prompt}`);
        assert(edges.every(([a, b, w]) => a !== b && w >= 1 && w <= 9), p.prompt);
        assert(edges.filter(([a]) => a === source).length >= 2, p.prompt);
        assert(source !== target && answer === String(distance));
        assert(task.verify(p, `answer : ${answer}`).correct, p.prompt);
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
        assert(tr.words.length <= task.maxResponseWords && task.maxResponseWords <= 96, text);
        assert(words(p.prompt).length + task.maxResponseWords + 3 <= 128);
        const v = task.verify(p, text);
        assert(v.wellFormed, text);
        assertEquals(tr.correct, v.correct, text);
        const answerAt = tr.words.lastIndexOf("answer");
        assert(tr.roles.every((r, i) => (r === "answer") === (i >= answerAt)), text);
        for (const s of v.steps) {
          assertEquals(s.end - s.start, 9, text);
          assert(tr.roles.slice(s.start, s.end).every((r) => r === "exec"), text);
        }
        assert(tr.roles.includes("plan"));
      }
    }
  });

  await t.step("the strategies on hand-made graphs", () => {
    const run = (p: Problem<ShortestPathData>, strategy: string) => {
      const tr = task.demonstrate(p, rng(5, "hand", strategy), exact(strategy));
      const text = tr.words.join(" ");
      assertEquals(task.verify(p, text).correct, tr.correct, text);
      assert(task.verify(p, text).steps.every((s) => s.ok), text);
      return { tr, text };
    };
    const dijkstra = run(GREEDY_WRONG, "dijkstra");
    assert(
      dijkstra.text.startsWith(
        "from A 0 : A B 1 : 0 + 1 = 1 . A C 2 : 0 + 2 = 2 . from B 1 : B D 9 : 1 + 9 = 10 . " +
          "from C 2 : C D 3 : 2 + 3 = 5 . ",
      ) && dijkstra.text.endsWith(" D 5 . answer : 5"),
      dijkstra.text,
    );
    assert(dijkstra.tr.correct);
    // `from A 0 :` is planning; the whole step `A B 1 : 0 + 1 = 1 .` is execution.
    assertEquals(dijkstra.tr.roles.slice(0, 14), [...Array(4).fill("plan"), ...Array(10).fill("exec")]);
    const greedy = run(GREEDY_WRONG, "greedy");
    assert(greedy.text.startsWith("from A 0 : A B 1 : 0 + 1 = 1 . then B D 9 : 1 + 9 = 10 . "), greedy.text);
    assert(greedy.text.endsWith(" D 10 . answer : 10") && !greedy.tr.correct, greedy.text);
    assert(run(HAND, "greedy").tr.correct, "greedy is right where the greedy path is the shortest");
    const explore = run(GREEDY_WRONG, "explore");
    assert(explore.text.includes(" then B D 9 : 1 + 9 = 10 . "), explore.text);
    assert(explore.text.includes(" from A 0 : A C 2 : 0 + 2 = 2 . then C D 3 : 2 + 3 = 5 . "), explore.text);
    assert(explore.text.endsWith(" D 5 . answer : 5") && explore.tr.correct, explore.text);
    const deadEnd = run(DEAD_END, "explore");
    assert(deadEnd.text.includes(" from A 0 : A C 3 : 0 + 3 = 3 . "), deadEnd.text);
    assert(deadEnd.text.endsWith(" D 3 . answer : 3") && deadEnd.tr.correct, deadEnd.text);
  });

  await t.step("dijkstra without errors is always right", () => {
    for (const { tr } of demo({ execError: 0, reflect: 0, verbosity: 0.5, strategies: { dijkstra: 1 } }, "sound")) {
      assertEquals(tr.strategy, "dijkstra");
      assert(tr.correct, tr.words.join(" "));
    }
  });

  await t.step("greedy without errors is right exactly when its walk is the shortest, in about 45%", () => {
    const traces = demo(exact("greedy"), "greedy");
    const right = traces.filter(({ tr }) => tr.correct).length / traces.length;
    assert(right > 0.3 && right < 0.6, `greedy right on ${right}`);
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
