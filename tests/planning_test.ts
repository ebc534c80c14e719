import { assert, assertEquals, assertNotEquals } from "./testing.ts";
import { oracleMask, oracleRoles, roleAgreement } from "../harness/masks/oracle_mask.ts";
import {
  loadStrategicGrams,
  mineStrategicGrams,
  saveStrategicGrams,
  strategicGramMask,
  type StrategicGramOptions,
  strategicGramsJson,
} from "../harness/masks/strategic_grams.ts";
import { randomMasks } from "../harness/masks/random_mask.ts";
import { wordVectors } from "../harness/masks/word_vectors.ts";
import { answerStart, countPlanning, eligibleTokens, planningShare } from "../harness/masks/planning.ts";
import { CORPUS, PHRASE_WORDS, PLANTED } from "./planted_corpus.ts";
import { getConfig } from "../harness/config.ts";
import { TaskSplits } from "../harness/suite.ts";
import { rng } from "../harness/core/rng.ts";
import { encode, EOS } from "../harness/text/tokenizer.ts";
import { DEFAULT_STYLE, type Problem, type Role } from "../tasks/kit/task.ts";
import { getTask } from "../tasks/mod.ts";
import type { CountdownData } from "../tasks/countdown.ts";
import type { ShortestPathData } from "../tasks/shortest_path.ts";

const roleLetters = (roles: readonly Role[]) => roles.map((r) => r[0]).join("");

Deno.test("shared planning helpers", () => {
  const t = [...encode("let us try answer : 5"), EOS];
  assertEquals(answerStart(t), 3);
  assertEquals(Array.from(eligibleTokens(t)), [1, 1, 1, 0, 0, 0, 0]);
  assertEquals(Array.from(eligibleTokens([...encode("let us"), EOS])), [1, 1, 0]);
  assertEquals(planningShare([new Uint8Array([1, 0]), [true, false, false, true]]), 0.5);
  assertEquals(planningShare([]), 0);
});

Deno.test("oracle mask", async (t) => {
  await t.step("countdown: steps exec, the rest of the body plan, answer from the marker on", () => {
    const p: Problem<CountdownData> = {
      task: "countdown",
      level: 1,
      prompt: "countdown 3 5 7 target 22",
      data: { numbers: [3, 5, 7], target: 22 },
    };
    const ws = "let us try 7 * 3 = 21 . this does not work . another approach is to 5 * 3 = 15 . answer : 5 * 3 = 15"
      .split(" ");
    // The step span is `a op b = c`; the "." right after it closes the step and is exec too.
    assertEquals(
      roleLetters(oracleRoles(getTask("countdown"), p, ws)),
      "ppp" + "eeeee" + "e" + "ppppp" + "pppp" + "eeeee" + "e" + "aaaaaaa",
    );
    const mask = oracleMask(getTask("countdown"), p, [...encode(ws), EOS]);
    assertEquals(mask.length, ws.length + 1);
    assertEquals(mask[ws.length], 0);
    assertEquals(countPlanning(mask), 3 + 5 + 4);
  });

  await t.step("shortest_path: a step spans its edge and the sum; block headers are plan", () => {
    const p: Problem<ShortestPathData> = {
      task: "shortest_path",
      level: 1,
      prompt: "shortest_path A B 3 , B C 2 , A C 7 , C D 1 , from A to D",
      data: {
        nodes: ["A", "B", "C", "D"],
        edges: [["A", "B", 3], ["B", "C", 2], ["A", "C", 7], ["C", "D", 1]],
        source: "A",
        target: "D",
        distance: 6,
        answer: "6",
      },
    };
    const ws = "from A 0 : A B 3 : 0 + 3 = 3 . from B 3 : B C 2 : 3 + 2 = 5 . we know that D 6 . answer : 6".split(" ");
    assertEquals(
      roleLetters(oracleRoles(getTask("shortest_path"), p, ws)),
      "pppp" + "eeeeeeeeee" + "pppp" + "eeeeeeeeee" + "pppppp" + "aaa",
    );
  });

  await t.step("special tokens are never planning tokens and do not shift the word spans", () => {
    const p = new TaskSplits(getConfig("default").suite, getTask("countdown"), [1]).train(0);
    const ws = encode("let us try 7 * 3 = 21 .");
    const mask = oracleMask(getTask("countdown"), p, [ws[0], EOS, ...ws.slice(1)]);
    assertEquals(Array.from(mask), [1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    assertEquals(oracleMask(getTask("countdown"), p, []).length, 0);
  });
});

/**
 * The oracle recovers the teacher's roles exactly on 200 DEFAULT_STYLE train traces per task of the
 * default suite (the SFT stream of base seed 1): every word the teacher calls exec is inside a step
 * span or the "." closing one, and every other body word is a planning word.
 */
Deno.test("the oracle agrees with the teacher's roles on teacher traces", () => {
  const cfg = getConfig("default");
  for (const st of cfg.suite.tasks) {
    const task = getTask(st.name);
    const splits = new TaskSplits(cfg.suite, task, st.levels);
    const ours: Role[] = [], teacher: Role[] = [];
    const missed = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = splits.train(i);
      const trace = task.demonstrate(p, rng(1, "sft", task.name, i), DEFAULT_STYLE);
      const roles = oracleRoles(task, p, trace.words);
      roles.forEach((r, k) => {
        if (r !== trace.roles[k]) missed.add(`${trace.roles[k]}→${r} ${trace.words[k]}`);
      });
      ours.push(...roles);
      teacher.push(...trace.roles);
    }
    const a = roleAgreement(ours, teacher);
    assertEquals([...missed], [], task.name);
    assertEquals([a.roles, a.planning], [1, 1], task.name);
  }
});

function mine(options: Partial<StrategicGramOptions> = {}, seed = 1) {
  const sg = mineStrategicGrams(CORPUS, rng(seed, "strategic_grams"), options);
  const grams = new Set(sg.grams.map((g) => g.gram));
  return {
    sg,
    recovered: PLANTED.filter((p) => grams.has(p)).length,
    exec: sg.grams.filter((g) => !g.gram.split(" ").some((w) => PHRASE_WORDS.has(w))).length,
  };
}

Deno.test("mined strategic grams", async (t) => {
  await t.step("the paper's defaults keep only planted-phrase clusters", () => {
    const { sg, recovered, exec } = mine();
    assertEquals(sg.responses, 200);
    assertEquals([sg.clusters, sg.kept], [8, 2]);
    assertEquals(exec, 0);
    assert(recovered >= 7, `recovered ${recovered} of ${PLANTED.length}`);
    assert(sg.grams.every((g) => g.cluster < sg.kept && g.score > 0 && g.docs >= 2));
  });

  await t.step("without the top-20% cut, every planted phrase is a gram and no execution gram is", () => {
    const { recovered, exec } = mine({ topShare: 1 });
    assertEquals(recovered, PLANTED.length);
    assertEquals(exec, 0);
  });

  await t.step("without the value filter, execution clusters win: why it is on by default", () => {
    const { exec, sg } = mine({ dropValues: false });
    assert(exec > 0.5 * sg.grams.length, `${exec} execution grams of ${sg.grams.length}`);
  });

  await t.step("the mask marks planted phrases only, never the answer", () => {
    const { sg } = mine();
    const tokens = encode("let us try 5 + 3 = 8 . wait , let us check 5 + 3 = 9 . answer : we know that 8");
    assertEquals(Array.from(strategicGramMask(sg, tokens)), [
      ...[1, 1, 1, 0, 0, 0, 0, 0, 0],
      ...[1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
      ...[0, 0, 0, 0, 0, 0],
    ]);
  });

  await t.step("deterministic: same seed, same JSON; save and load round-trip", async () => {
    const a = mine().sg, b = mine().sg;
    assertEquals(strategicGramsJson(a), strategicGramsJson(b));
    assertNotEquals(strategicGramsJson(mine({}, 2).sg), strategicGramsJson(a));
    const dir = await Deno.makeTempDir();
    try {
      await saveStrategicGrams(`${dir}/grams.json`, a);
      const back = await loadStrategicGrams(`${dir}/grams.json`);
      assertEquals(back, a);
      assertEquals(Array.from(strategicGramMask(back, CORPUS[0])), Array.from(strategicGramMask(a, CORPUS[0])));
      // What is not a gram list is one line naming the file (were raw SyntaxErrors and TypeErrors, or a later crash).
      const bad: [string, string][] = [
        ['{"version": 1, "par', "is not JSON (truncated or edited); not a strategic-gram list"],
        ...["[{}]", "[null]", '[{"gram": 5}]', '[{"gram": " "}]'].map((grams): [string, string] => [
          `{"version": 1, "params": {}, "grams": ${grams}}`,
          "not a strategic-gram list (version 1 with params and grams, each a gram of words)",
        ]),
        ['{"version": 1, "params": {}, "grams": [{"gram": "zebra"}]}', "a gram is not in the vocabulary ("],
      ];
      for (const [text, message] of bad) {
        await Deno.writeTextFile(`${dir}/bad.json`, text);
        const e = await loadStrategicGrams(`${dir}/bad.json`).catch((x) => x as Error);
        assert(e instanceof Error && e.message.startsWith(`${dir}/bad.json: ${message}`), `${text}: ${e}`);
      }
      const missing = await loadStrategicGrams(`${dir}/none.json`).catch((x) => x as Error);
      assert(
        missing instanceof Error && missing.message.startsWith(`${dir}/none.json: cannot be read (`),
        `${missing}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("no successful rollouts, or only short ones: an empty list and zero masks", () => {
    for (const successes of [[], [encode("let us"), encode("answer : 5"), [EOS]]]) {
      const sg = mineStrategicGrams(successes, rng(1, "sg"));
      assertEquals([sg.grams.length, sg.clusters, sg.kept, sg.candidates], [0, 0, 0, 0]);
      const tokens = encode("let us try 5 + 3 = 8 . answer : 8");
      assertEquals(Array.from(strategicGramMask(sg, tokens)), new Array(tokens.length).fill(0));
    }
  });
});

Deno.test("word vectors: a token left out by the kept mask is no word and no context, and splits the window", () => {
  const long = [1, 2, 3, 9, 4, 5, 1, 2, 7, 4, 5, 3], kept = long.map((t) => (t === 9 || t === 7 ? 0 : 1));
  const runs = [[1, 2, 3], [4, 5, 1, 2], [4, 5, 3]];
  const masked = wordVectors([long], { dim: 3 }, [kept]), split = wordVectors(runs, { dim: 3 });
  assertEquals([...masked.vectors.keys()], [1, 2, 3, 4, 5]);
  assertEquals(
    [...masked.vectors].map(([id, v]) => [id, Array.from(v)]),
    [...split.vectors].map(([id, v]) => [id, Array.from(v)]),
  );
  // Without the mask, 9 and 7 are words and 3 and 4 are each other's contexts across the 9.
  assertNotEquals([...wordVectors([long], { dim: 3 }).vectors.keys()], [1, 2, 3, 4, 5]);
});

Deno.test("random placebo mask", async (t) => {
  const { sg } = mine();
  const batch = CORPUS.slice(0, 32);
  const mined = batch.map((tokens) => strategicGramMask(sg, tokens));
  const target = mined.reduce((s, m) => s + countPlanning(m), 0);
  assert(target > 0);

  await t.step("covers the mined mask's tokens of the batch with non-overlapping 3-5 token body spans", () => {
    const masks = randomMasks(batch, mined, rng(1, "placebo"));
    assertEquals(masks.reduce((s, m) => s + countPlanning(m), 0), target);
    assertEquals(planningShare(masks), planningShare(mined));
    masks.forEach((m, r) => {
      const ok = eligibleTokens(batch[r]);
      assert(m.every((x, i) => !x || ok[i]), `rollout ${r}: a span outside the body`);
    });
  });

  await t.step("differs by seed, repeats with the same seed", () => {
    const a = randomMasks(batch, mined, rng(1, "placebo")), b = randomMasks(batch, mined, rng(1, "placebo"));
    assertEquals(a, b);
    assertNotEquals(randomMasks(batch, mined, rng(2, "placebo")), a);
  });

  await t.step("span lengths stay in 3..5 (adjacent spans merge in the mask, so runs are at least 3)", () => {
    const masks = randomMasks([new Array(40).fill(encode("so")[0])], 17, rng(3, "placebo"));
    assertEquals(countPlanning(masks[0]), 17);
    const runs = Array.from(masks[0]).join("").split("0").filter((r) => r.length);
    assert(runs.every((r) => r.length >= 3), runs.join(" "));
  });

  await t.step("edge cases: tiny targets, no room, empty batch", () => {
    const tokens = [encode("let us try 5 + 3")];
    assertEquals(countPlanning(randomMasks(tokens, 2, rng(1, "p"))[0]), 0);
    const most = countPlanning(randomMasks(tokens, 100, rng(1, "p"))[0]);
    assert(most >= 3 && most <= 6, `${most}`);
    assertEquals(randomMasks([encode("so then")], 3, rng(1, "p")).map(countPlanning), [0]);
    assertEquals(randomMasks([], 10, rng(1, "p")), []);
  });
});
