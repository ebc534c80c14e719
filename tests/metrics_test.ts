import { assert, assertClose, assertEquals, assertThrows } from "./testing.ts";
import countdown, { type CountdownData } from "../tasks/countdown.ts";
import { rng } from "../harness/core/rng.ts";
import type { Problem, Verdict } from "../tasks/kit/task.ts";
import { encode, EOS, words } from "../harness/text/tokenizer.ts";
import { REFLECTION_PHRASES } from "../tasks/kit/phrases.ts";
import { DEFAULT_STRATEGIC_GRAMS, type StrategicGrams } from "../harness/masks/strategic_grams.ts";
import { greedyAccuracy, meanPassAtK, pass1, passAtK } from "../harness/metrics/pass_at_k.ts";
import {
  answerEntropy,
  NO_ANSWER,
  seAnswer,
  seStrategic,
  shannonEntropy,
  strategicGramCounts,
} from "../harness/metrics/semantic_entropy.ts";
import { ahaEvents, ahaSummary, phraseSpans } from "../harness/metrics/aha.ts";
import { ERROR_KINDS, errorKind, errorShares } from "../harness/metrics/error_types.ts";
import { accuracyByLength, DEFAULT_LENGTH_BINS, lengthStats, percentile } from "../harness/metrics/length.ts";
import {
  entropySplit,
  FORK_SHARE,
  forkOverlap,
  forkTokens,
  maskAgreement,
  perplexitySplit,
  relativeSplit,
  relativeTo,
} from "../harness/metrics/token_stats.ts";
import { mean, ratio } from "../harness/metrics/stats.ts";

const T = true, F = false;
const LN2 = Math.log(2);

/** countdown 3 5 7 target 22: 5 * 3 = 15, 15 + 7 = 22. */
const P: Problem<CountdownData> = {
  task: "countdown",
  level: 1,
  prompt: "countdown 3 5 7 target 22",
  data: { numbers: [3, 5, 7], target: 22 },
};
const verify = (text: string) => countdown.verify(P, text);
const ANSWER = "answer : 5 * 3 = 15 , 15 + 7 = 22";

Deno.test("averages of nothing are 0", () => {
  assertEquals([mean([]), ratio(3, 0)], [0, 0]);
  assertEquals([mean([1, 2, 6]), ratio(1, 4)], [3, 0.25]);
});

Deno.test("numbers and booleans given as strings (as read from JSON or CSV) are refused, naming the value", () => {
  // Before: mean(["1", "2"]) was 6 (0 + "1" + "2" is "012"), and "false" counted as correct.
  const as = <T>(xs: unknown[]) => xs as T[];
  assertThrows(() => mean(as(["1", "2"])), RangeError, 'mean: value 0 is "1" (a string); give numbers');
  assertThrows(() => shannonEntropy(as(["2", "2"])), RangeError, 'a count must be a finite number ≥ 0, got "2"');
  assertThrows(() => greedyAccuracy(as(["false"])), RangeError, 'greedyAccuracy: value 0 is "false" (a string)');
  assertThrows(() => pass1([as([true, "false"])]), RangeError, `a problem's samples: value 1 is "false"`);
  assertThrows(() => passAtK(as<number>(["4"])[0], 1, 2), RangeError, 'got n="4" c=1 k=2');
  assertThrows(() => lengthStats(as(["10", "20"])), RangeError, 'lengthStats lengths: value 0 is "10"');
  assertThrows(() => accuracyByLength([5], [true], as(["0", "100", "20"])), RangeError, "edges: value 0");
  assertThrows(() => accuracyByLength([5, 6], [true]), RangeError, "2 lengths but 1 correct; give one each");
  assertThrows(() => entropySplit([as(["1", "2"])], [[1, 0]]), RangeError, 'response 0: value 0 is "1"');
  // Typed arrays and NaN pass through to each metric's own rule.
  assertEquals(entropySplit([Float32Array.of(1, 3)], [[1, 0]]).all, 2);
  assert(Number.isNaN(mean([1, NaN])));
});

Deno.test("pass@k", async (t) => {
  await t.step("n=5, c=2: 1 − C(3,k)/C(5,k)", () => {
    assertClose([passAtK(5, 2, 1), passAtK(5, 2, 2), passAtK(5, 2, 3), passAtK(5, 2, 5)], [0.4, 0.7, 0.9, 1], 1e-12);
  });

  await t.step("no correct sample gives 0, all correct gives 1", () => {
    assertEquals([passAtK(5, 0, 1), passAtK(5, 0, 5), passAtK(5, 5, 1), passAtK(1, 1, 1)], [0, 0, 1, 1]);
  });

  await t.step("stable where binomials overflow: n=200, c=1, k=100 is 1 − C(199,100)/C(200,100) = 0.5", () => {
    assertClose([passAtK(200, 1, 100), passAtK(1000, 10, 1)], [0.5, 0.01], 1e-12);
  });

  await t.step("invalid counts throw", () => {
    // 2^53 samples: past it i++ stops counting, and the product never ended.
    for (const [n, c, k] of [[5, 6, 1], [5, -1, 1], [5, 2, 0], [5, 2, 6], [0, 0, 1], [5, 1.5, 1], [2 ** 53, 1, 1]]) {
      assertThrows(() => passAtK(n, c, k), RangeError);
    }
  });

  await t.step("mean over problems; pass@1 is the mean of per-problem accuracy", () => {
    assertClose([meanPassAtK([[T, F, F, T, F], [F, F, F, F, F]], 2)], [0.35], 1e-12);
    // Unequal sample counts: (1/2 + 3/4) / 2, not 4/6 of all samples.
    assertClose([pass1([[T, F], [T, T, T, F]])], [0.625], 1e-12);
    assertClose([pass1([[T, F, F, F], [T, T, F, F]])], [3 / 8], 1e-12);
    assertThrows(() => meanPassAtK([[T, F]], 3), RangeError);
    assertThrows(() => pass1([[]]), RangeError);
  });

  await t.step("greedy accuracy is mean correctness; empty inputs give 0", () => {
    assertClose([greedyAccuracy([T, F, T, T])], [0.75]);
    assertEquals([greedyAccuracy([]), pass1([]), meanPassAtK([], 8)], [0, 0, 0]);
  });
});

Deno.test("semantic entropy", async (t) => {
  await t.step("Shannon entropy of a known distribution, in nats", () => {
    assertClose([shannonEntropy([1, 1]), shannonEntropy([1, 1, 1, 1]), shannonEntropy([3, 1, 0])], [
      LN2,
      2 * LN2,
      -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)),
    ], 1e-12);
    assertEquals([shannonEntropy([]), shannonEntropy([0, 0]), shannonEntropy([7])], [0, 0, 0]);
    assert(Object.is(shannonEntropy([4, 0]), 0), "one class: 0, not −0 (printed as -0)");
    // A count that is no count is refused, not dropped (it was: [-1, 2] gave -0, [Infinity, 2] NaN).
    for (const bad of [-1, NaN, Infinity]) {
      assertThrows(() => shannonEntropy([bad, 2]), RangeError, `a count must be a finite number ≥ 0, got ${bad}`);
    }
  });

  await t.step("answers [a, a, b, ∅]: clusters of 2, 1, 1 give 1.5 ln 2", () => {
    assertClose([answerEntropy(["a", "a", "b", null])], [1.5 * LN2], 1e-12);
    // Every ill-formed response is in the one cluster ∅, apart from any answer text, "∅" included.
    assertClose([answerEntropy([null, null, "a", "b"]), answerEntropy([null, NO_ANSWER])], [1.5 * LN2, LN2], 1e-12);
    assertEquals([answerEntropy([null, null]), answerEntropy(["x", "x", "x"]), answerEntropy([])], [0, 0, 0]);
  });

  await t.step("se_answer averages over problems; real countdown verdicts cluster equal chains", () => {
    assertClose([seAnswer([["a", "a", "b", null], ["x", "x"]])], [0.75 * LN2], 1e-12);
    assertEquals(seAnswer([]), 0);
    const answers = [
      ANSWER,
      "answer : 3 * 5 = 15 , 7 + 15 = 22", // the same chain, written otherwise
      "answer : 7 * 3 = 21 , 21 + 5 = 26", // another (wrong) answer
      "answer : 5 * 3 = 15 15 + 7 = 22", // ill formed
    ].map((text) => verify(text).answer);
    assertEquals(answers[0], answers[1]);
    assertEquals(answers[3], null);
    assertClose([seAnswer([answers])], [1.5 * LN2], 1e-12);
  });

  const grams = (...gs: string[]): StrategicGrams => ({
    version: 1,
    params: { ...DEFAULT_STRATEGIC_GRAMS, rng: rng(1, "sg").state() },
    responses: 0,
    candidates: gs.length,
    clusters: 1,
    kept: 1,
    grams: gs.map((gram) => ({ gram, cluster: 0, score: 0, docs: 0 })),
  });
  const rollouts = [
    [...encode("let us try 5 * 3 = 16 . this does not work . let us try 5 * 3 = 15 . answer : let us try"), EOS],
    [...encode("let us try 7 + 5 = 12 . answer : 7 + 5 = 12"), EOS],
  ];

  await t.step("strategic-gram counts: every occurrence in the body, none in the answer", () => {
    const sg = grams("let us try", "this does not work", "we know that");
    assertEquals([...strategicGramCounts(sg, rollouts)], [["let us try", 3], ["this does not work", 1], [
      "we know that",
      0,
    ]]);
    // Overlapping grams each count.
    assertEquals([...strategicGramCounts(grams("let us", "let us try"), rollouts.slice(1))], [["let us", 1], [
      "let us try",
      1,
    ]]);
  });

  await t.step("se_strategic: counts 3 and 1 give −(¾ ln ¾ + ¼ ln ¼); no occurrence gives 0", () => {
    const sg = grams("let us try", "this does not work", "we know that");
    assertClose([seStrategic(sg, rollouts)], [-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))], 1e-12);
    assertEquals([seStrategic(sg, []), seStrategic(grams(), rollouts), seStrategic(grams("we know that"), rollouts)], [
      0,
      0,
      0,
    ]);
  });
});

Deno.test("aha events on countdown responses checked by the real verifier", async (t) => {
  const responses = {
    aha: `let us try 5 * 3 = 16 . wait , let us check 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`,
    stillWrong: "let us try 5 * 3 = 16 . wait , let us check 5 * 3 = 14 . 14 + 7 = 21 . " +
      "answer : 5 * 3 = 14 , 14 + 7 = 21",
    noWrongStep: `let us try 5 * 3 = 15 . wait , check again 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`,
    noReflection: `let us try 5 * 3 = 16 . 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`,
  };

  await t.step("reflection phrases are found as word sequences", () => {
    assertEquals(phraseSpans(words(responses.aha)), [[9, 14]]); // "let us try 5 * 3 = 16 ." is words 0..8
    assertEquals(phraseSpans(words("wait , let us check hold on , check that wait")), [[0, 5], [5, 10]]);
    assertEquals(phraseSpans(words("wait , let us")), []);
  });

  await t.step("a wrong step, a reflection, the step rewritten right: one event", () => {
    const v = verify(responses.aha);
    assert(v.correct);
    assertEquals(v.steps.map((s) => [s.key, s.ok]), [["5 * 3", false], ["5 * 3", true], ["15 + 7", true]]);
    assertEquals(ahaEvents(responses.aha, v.steps), [{ wrong: 0, right: 1, reflection: 9 }]);
    assertEquals(ahaEvents(words(responses.aha), v.steps).length, 1);
  });

  await t.step("no event: the rewrite stays wrong, no wrong step, or no reflection", () => {
    for (const text of [responses.stillWrong, responses.noWrongStep, responses.noReflection]) {
      assertEquals(ahaEvents(text, verify(text).steps), [], text);
    }
  });

  await t.step("the reflection must lie between the wrong step and its next revision", () => {
    for (
      const text of [
        `wait , let us check 5 * 3 = 16 . 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`, // before the wrong step
        `5 * 3 = 16 . 5 * 3 = 15 . wait , let us check 15 + 7 = 22 . ${ANSWER}`, // after the revision
        // The reflection is before a revision that stays wrong; the right one comes after no reflection.
        `5 * 3 = 16 . wait , let us check 5 * 3 = 14 . 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`,
      ]
    ) {
      assertEquals(ahaEvents(text, verify(text).steps), [], text);
    }
  });

  await t.step("wrong → reflect → wrong → reflect → right is one event, from the last wrong step", () => {
    const text =
      `5 * 3 = 16 . wait , let us check 5 * 3 = 14 . hold on , check that 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`;
    assertEquals(ahaEvents(text, verify(text).steps), [{ wrong: 1, right: 2, reflection: 17 }]);
    // Two steps caught in one response: two events.
    const two = "5 * 3 = 16 . wait , check again 5 * 3 = 15 . 15 + 7 = 21 . wait , check again 15 + 7 = 22 . " +
      ANSWER;
    assertEquals(ahaEvents(two, verify(two).steps).map((e) => [e.wrong, e.right]), [[0, 1], [2, 3]]);
  });

  await t.step("frequency over responses and among correct ones", () => {
    const rs = Object.values(responses).map((text) => ({ text, verdict: verify(text) }));
    assertEquals(rs.map((r) => r.verdict.correct), [T, F, T, T]);
    assertEquals(ahaSummary(rs), {
      responses: 4,
      withAha: 1,
      events: 1,
      frequency: 0.25,
      correct: 3,
      correctWithAha: 1,
      amongCorrect: 1 / 3,
    });
    assertEquals(ahaSummary([]), {
      responses: 0,
      withAha: 0,
      events: 0,
      frequency: 0,
      correct: 0,
      correctWithAha: 0,
      amongCorrect: 0,
    });
  });

  await t.step("teacher traces: every reflect-and-correct the teacher writes is one aha event", () => {
    const style = { execError: 0.5, reflect: 1, verbosity: 0.3 };
    let reflections = 0;
    for (let i = 0; i < 40; i++) {
      const p = countdown.generate(rng(7, "problem", i), i, 1 + (i % 2));
      const text = countdown.demonstrate(p, rng(7, "teacher", i), style).words.join(" ");
      const n = phraseSpans(words(text), REFLECTION_PHRASES).length;
      reflections += n;
      assertEquals(ahaEvents(text, countdown.verify(p, text).steps).length, n, text);
    }
    assert(reflections > 5, `only ${reflections} reflections`);
  });
});

Deno.test("error types", () => {
  const texts = [
    `let us try 5 * 3 = 15 . 15 + 7 = 22 . ${ANSWER}`, // correct
    "let us try 5 * 3 = 15 .", // format: no answer
    "let us try 5 * 3 = 16 . 16 + 7 = 23 . answer : 5 * 3 = 16 , 16 + 7 = 23", // execution
    "let us try 7 * 3 = 21 . 21 + 5 = 26 . answer : 7 * 3 = 21 , 21 + 5 = 26", // planning
    "answer : 7 * 3 = 21 , 21 + 5 = 26", // planning: no step wrong
  ];
  const verdicts: Verdict[] = texts.map(verify);
  assertEquals(verdicts.map(errorKind), [null, "format", "execution", "planning", "planning"]);
  const s = errorShares(verdicts);
  assertEquals(s.responses, 5);
  assertEquals(s.failed, 4);
  assertEquals(s.counts, { format: 1, execution: 1, planning: 2 });
  assertEquals(s.ofAll, { format: 0.2, execution: 0.2, planning: 0.4 });
  assertEquals(s.ofFailed, { format: 0.25, execution: 0.25, planning: 0.5 });
  assertEquals(ERROR_KINDS, ["format", "execution", "planning"]);
  const none = { format: 0, execution: 0, planning: 0 };
  assertEquals(errorShares([]), { responses: 0, failed: 0, counts: none, ofAll: none, ofFailed: none });
  const allRight = errorShares([verdicts[0]]);
  assertEquals([allRight.failed, allRight.ofFailed, allRight.ofAll], [0, none, none]);
});

Deno.test("response length", async (t) => {
  await t.step("nearest-rank percentiles", () => {
    const xs = [35, 20, 50, 15, 40];
    assertEquals([0, 5, 30, 40, 50, 90, 100].map((q) => percentile(xs, q)), [15, 15, 20, 20, 35, 50, 50]);
    const ten = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
    assertEquals([percentile(ten, 50), percentile(ten, 90), percentile(ten, 91)], [5, 9, 10]);
    assertEquals(percentile([], 50), 0);
    assertEquals(xs, [35, 20, 50, 15, 40]); // input untouched
    assertThrows(() => percentile(xs, 101), RangeError);
    assertThrows(() => percentile(xs, NaN), RangeError);
    // A NaN leaves the sort's order undefined: [9, NaN, 1, 2] had 2 as its 100th percentile.
    assertThrows(() => percentile([9, NaN, 1, 2], 100), RangeError, "percentile of a list holding NaN (at index 1)");
  });

  await t.step("mean, p50, p90 and truncation", () => {
    assertEquals(lengthStats([10, 30, 20, 61, 5], [F, F, F, T, F]), { mean: 25.2, p50: 20, p90: 61, truncation: 0.2 });
    assertEquals(lengthStats([4, 8]), { mean: 6, p50: 4, p90: 8, truncation: 0 });
    assertEquals(lengthStats([]), { mean: 0, p50: 0, p90: 0, truncation: 0 });
  });

  await t.step("accuracy by length bin, default and given edges", () => {
    assertEquals(DEFAULT_LENGTH_BINS, [0, 20, 40, 60, 80, 100]);
    const lengths = [5, 19, 20, 45, 100, 150], correct = [T, F, T, T, F, T];
    assertEquals(accuracyByLength(lengths, correct), [
      { lo: 0, hi: 20, count: 2, accuracy: 0.5 },
      { lo: 20, hi: 40, count: 1, accuracy: 1 },
      { lo: 40, hi: 60, count: 1, accuracy: 1 },
      { lo: 60, hi: 80, count: 0, accuracy: 0 },
      { lo: 80, hi: 100, count: 0, accuracy: 0 },
      { lo: 100, hi: null, count: 2, accuracy: 0.5 },
    ]);
    assertEquals(accuracyByLength(lengths, correct, [10, 50]), [
      { lo: 10, hi: 50, count: 3, accuracy: 2 / 3 },
      { lo: 50, hi: null, count: 2, accuracy: 0.5 },
    ]);
    assertEquals(accuracyByLength([], [], [0, 10]).map((b) => b.count), [0, 0]);
    for (const edges of [[], [0, 20, 20], [40, 20]]) assertThrows(() => accuracyByLength(lengths, correct, edges));
  });
});

Deno.test("token statistics", async (t) => {
  await t.step("token entropy over all, planning and execution tokens, pooled over the batch", () => {
    const e = entropySplit([[1, 2, 3], [4, 5]], [[1, 1, 0], [0, 0]]);
    assertEquals(e, { all: 3, planning: 1.5, execution: 4 });
    assertEquals(entropySplit([[1, 2]], [[0, 0]]), { all: 1.5, planning: 0, execution: 1.5 });
    assertEquals(entropySplit([], []), { all: 0, planning: 0, execution: 0 });
    assertThrows(() => entropySplit([[1, 2]], [[1]]), RangeError);
    assertThrows(() => entropySplit([[1, 2]], []), RangeError);
    // A mask for a response that has no values is a batch mix-up, not something to ignore.
    assertThrows(() => entropySplit([[1, 2]], [[1, 0], [1]]), RangeError, "1 responses of values but 2 masks");
  });

  await t.step("perplexity exp(mean NLL) and its value relative to step 0", () => {
    const logp = [Float32Array.of(Math.log(0.5), Math.log(0.25)), Float32Array.of(Math.log(0.5))];
    const ppl = perplexitySplit(logp, [Uint8Array.of(1, 0), Uint8Array.of(0)]);
    assertClose([ppl.all, ppl.planning, ppl.execution], [2 ** (4 / 3), 2, 2 ** 1.5], 1e-5);
    const none = perplexitySplit([[Math.log(0.5)]], [[0]]);
    assert(Number.isNaN(none.planning));
    assertClose([none.all, none.execution], [2, 2], 1e-12);
    assertEquals([relativeTo(3, 2), relativeTo(1, 1)], [1.5, 1]);
    assert([relativeTo(1, 0), relativeTo(1, NaN), relativeTo(NaN, 2), relativeTo(1, Infinity)].every(Number.isNaN));
    const rel = relativeSplit({ all: 2, planning: 3, execution: 1 }, { all: 4, planning: 2, execution: 1 });
    assertEquals(rel, { all: 0.5, planning: 1.5, execution: 1 });
  });

  // 10 tokens, top 30% = 3: 0.9 and 0.7, then three tokens tie at 0.5; the first in batch order wins.
  const entropies = [[0.1, 0.9, 0.5, 0.5], [0.2, 0.7, 0.5, 0.3, 0.1, 0.4]];
  const planning = [[0, 1, 1, 0], [1, 0, 0, 0, 1, 0]];

  await t.step("fork tokens: top 30% by entropy, ties by batch order", () => {
    assertEquals(FORK_SHARE, 0.3);
    assertEquals(forkTokens(entropies).map((m) => Array.from(m)), [[0, 1, 1, 0], [0, 1, 0, 0, 0, 0]]);
    assertEquals(forkTokens(entropies, 0.5).map((m) => Array.from(m)), [[0, 1, 1, 1], [0, 1, 1, 0, 0, 0]]);
    // ⌈0.3 · N⌉: 7 tokens give 3 forks, 20 give 6.
    const count = (n: number) => forkTokens([Array.from({ length: n }, (_, i) => i)])[0].reduce((a, b) => a + b, 0);
    assertEquals([count(7), count(20), count(1), count(0)], [3, 6, 1, 0]);
    assertEquals([forkTokens([]), forkTokens([[1, 2]], 0).map((m) => Array.from(m))], [[], [[0, 0]]]);
    assertThrows(() => forkTokens(entropies, 1.5), RangeError);
    assertThrows(() => forkTokens([[1, 2], [0.5, NaN]]), RangeError, "response 1 token 1: entropy is NaN");
  });

  await t.step("fork-token overlap with planning tokens", () => {
    assertEquals(forkOverlap(entropies, planning), {
      forks: 3,
      planning: 4,
      both: 2,
      planningAmongForks: 2 / 3,
      forksAmongPlanning: 0.5,
    });
    const zero = { forks: 0, planning: 0, both: 0, planningAmongForks: 0, forksAmongPlanning: 0 };
    assertEquals(forkOverlap([], []), zero);
    assertEquals(forkOverlap([[1, 2, 3]], [[0, 0, 0]]), { ...zero, forks: 1 });
  });

  await t.step("mined planning tokens against the oracle's: precision, recall, F1 pooled over responses", () => {
    // Response 1: mined marks tokens 0, 1, 4; oracle 1, 2, 4. Response 2: mined 0; oracle 0, 1, 2.
    // Both: 1, 4 and 0 → 3; mined 4, oracle 6: precision 3/4, recall 3/6, F1 2·3/(4 + 6) = 0.6.
    const mined = [Uint8Array.of(1, 1, 0, 0, 1), Uint8Array.of(1, 0, 0)];
    const oracle = [[0, 1, 1, 0, 1], [1, 1, 1]];
    assertEquals(maskAgreement(mined, oracle), {
      both: 3,
      predicted: 4,
      reference: 6,
      precision: 0.75,
      recall: 0.5,
      f1: 0.6,
    });
    assertEquals(maskAgreement([[0, 0]], [[1, 1]]), {
      both: 0,
      predicted: 0,
      reference: 2,
      precision: 0,
      recall: 0,
      f1: 0,
    });
    assertEquals(maskAgreement([[1, 1]], [[1, 1]]).f1, 1);
    assertEquals(maskAgreement([], []).f1, 0);
    assertThrows(() => maskAgreement([[1, 0]], [[1]]), RangeError);
    assertThrows(() => maskAgreement([[1, 0]], [[1, 0], [0, 1]]), RangeError, "1 responses of values but 2 masks");
  });
});
