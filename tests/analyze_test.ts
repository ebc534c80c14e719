/**
 * `deno task analyze` (harness/analyze/): metric values by hand on small generic, verl, credit-bench and
 * TRL dumps the tests write themselves (TRL Parquet with hyparquet-writer, snappy as TRL writes it),
 * mining on a planted corpus, byte-identical reruns, and every bad input of docs/errors.md with its
 * line, nothing written.
 * @module
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import { analyze, type AnalyzeOptions } from "../harness/analyze/analyze.ts";
import type { Format } from "../harness/analyze/formats.ts";
import { AnalyzeError } from "../harness/analyze/completion.ts";
import { analysisFigures, type AnalysisReport, writeAnalysis } from "../harness/analyze/report.ts";
import { StepStats } from "../harness/analyze/step_stats.ts";
import { answerRegExp, extractAnswer, textWords, tokenPlanningMask } from "../harness/analyze/text.ts";
import { jsonLines } from "../harness/analyze/jsonl.ts";
import { mineFreeText, MiningCorpus } from "../harness/analyze/grams.ts";
import { strategicGramsJson } from "../harness/masks/strategic_grams.ts";
import { MAX_POINTS, stepBins } from "../harness/report/series.ts";
import { FolderLockedError, lockFolder } from "../harness/core/folder_lock.ts";
import { Stopped, StopSignals } from "../harness/core/stop.ts";
import { encode } from "../harness/text/tokenizer.ts";
import { assert, assertClose, assertEquals, assertMatch, assertRejects, assertThrows } from "./testing.ts";
import { BERT_SPECIALS, fixture } from "./sentence_fixture.ts";
import { chromiumReady, renderInChromium } from "./chromium.ts";

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** The folders the tests made, removed when the test process ends. */
const made: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of made) Deno.removeSync(dir, { recursive: true });
});

/** A fresh folder with `files` (name → text or bytes) written in it. */
async function folder(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "analyze_test_" });
  made.push(dir);
  for (const [name, data] of Object.entries(files)) {
    if (typeof data === "string") await Deno.writeTextFile(`${dir}/${name}`, data);
    else await Deno.writeFile(`${dir}/${name}`, data);
  }
  return dir;
}

/** analyze() quietly, with a fixed command line. */
function run(inputs: string[], out: string, more: Partial<AnalyzeOptions> = {}) {
  return analyze({ inputs, out, command: "deno task analyze (test)", progress: false, ...more });
}

/** Every file under `dir` (relative path → bytes). */
async function tree(dir: string, prefix = ""): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) { for (const [k, v] of await tree(dir, rel)) out.set(k, v); }
    else out.set(rel, await Deno.readFile(`${dir}/${rel}`));
  }
  return out;
}

const LN2 = Math.log(2);

/** Six completions of two steps whose metrics are worked out by hand in the test below. */
const GENERIC = [
  {
    step: 0,
    prompt: "p1",
    completion: "Wait, the key insight is x. \\boxed{4}",
    reward: 1,
    tokens: ["Wait,", " the", " key", " insight", " is x.", " \\boxed{4}"],
    entropies: [1, 1, 3, 5, 1, 1],
    logprobs: Array(6).fill(Math.log(0.5)),
  },
  { step: 0, prompt: "p1", completion: "so the answer is \\boxed{5}", reward: 0 },
  { step: 0, prompt: "p2", completion: "\\boxed{4}", reward: 1 },
  { step: 0, prompt: "p2", completion: "hmm \\boxed{4}", reward: 1 },
  { step: 1, prompt: "p1", completion: "the key insight is y \\boxed{3}", reward: 0 },
  { step: 1, prompt: "p1", completion: "let me check \\boxed{ 3 }", reward: 0 },
];

Deno.test("analyze: generic JSONL, every metric by hand", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC), "grams.txt": "key insight\n# a comment\nthe answer\n" });
  const out = `${dir}/out`;
  const r = await run([`${dir}/run.jsonl`], out, { grams: `${dir}/grams.txt` });
  const [s0, s1] = r.steps;
  assertEquals([r.steps.length, s0.step, s1.step, r.overall.step], [2, 0, 1, null]);
  assertEquals([s0.completions, s0.groups, s0.reward, s0.accuracy], [4, 2, 0.75, 0.75]);
  assertEquals(s0.passAtK, { "1": 0.75, "2": 1 }); // p1: 1 of 2 right; p2: both
  assertEquals(s0.lengthWords.mean, (7 + 5 + 1 + 2) / 4); // whitespace words
  assertEquals([s0.lengthTokens, s0.truncation], [null, null]); // not every line has tokens; truncation unsaid
  assertClose([s0.seStrategic], [LN2]); // "key insight" once, "the answer" once
  assertEquals(s0.gramOccurrences, 2);
  assertEquals(s0.planningShare, 4 / 33); // 13 + 9 + 5 + 6 analysis words, 2 + 2 inside a gram
  assertEquals(s0.reflection, { all: 0.5, amongCorrect: 2 / 3, amongIncorrect: 0 }); // "wait", "hmm": both correct
  assertEquals(s0.answered, 1);
  assertClose([s0.seAnswer], [LN2 / 2]); // p1: {4, 5}; p2: {4, 4}
  assertEquals(s0.entropy, { all: 2, planning: 4, execution: 1 }); // " key", " insight" are planning tokens
  assertClose([s0.perplexity!.all, s0.perplexity!.planning, s0.perplexity!.execution], [2, 2, 2]);
  assertEquals(s0.splitTokens, 6);
  assertEquals(s0.lengthBins[0], { lo: 0, hi: 100, count: 4, accuracy: 0.75 });
  assertEquals([s1.accuracy, s1.seAnswer, s1.passAtK], [0, 0, { "1": 0, "2": 0 }]); // "3" and " 3 " agree
  assertEquals(s1.reflection, { all: 0.5, amongCorrect: NaN, amongIncorrect: 0.5 }); // "let me check"; none correct
  assertEquals([s1.entropy, s1.perplexity], [null, null]);
  assertEquals([r.overall.completions, r.overall.groups, r.overall.accuracy], [6, 3, 0.5]);
  assertEquals(r.overall.passAtK, { "1": 0.5, "2": 2 / 3 }); // p1 of step 1 is a group of its own
  assertEquals(r.grams, ["key insight", "the answer"]);
  const steps = (await Deno.readTextFile(`${out}/steps.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(steps[0].perplexity.all, 2);
  assertEquals(steps[1].relPerplexity, null);
  assertEquals(await Deno.readTextFile(`${out}/grams.txt`), "key insight\nthe answer\n");
  assertMatch(await Deno.readTextFile(`${out}/summary.md`), /\| accuracy %\s+\|\s+75\.0 \|\s+0\.0 \|\s+50\.0 \|/);
  assertMatch(await Deno.readTextFile(`${out}/steps.csv`), /^step,completions,reward,accuracy,pass_at_1,pass_at_2,/);
  const files = [...(await tree(out)).keys()].sort();
  for (
    const f of ["index.html", "figures/accuracy.svg", "figures/token_entropy.svg", "length_bins.tex", "overall.json"]
  ) {
    assert(files.includes(f), `${f} missing from ${files}`);
  }
  assert(!files.includes("strategic_grams.json"), "grams were given, not mined");
});

Deno.test("analyze: --tokenizer gives the length in its tokens where the dump has none", async () => {
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: "WhitespaceSplit" },
    post_processor: null,
    decoder: null,
    model: { type: "WordLevel", vocab: { "[UNK]": 0, the: 1 }, unk_token: "[UNK]" },
  };
  const dir = await folder({ "run.jsonl": jsonl(GENERIC), "tokenizer.json": JSON.stringify(tokenizer) });
  const r = await run([`${dir}/run.jsonl`], `${dir}/out`, { tokenizer: `${dir}/tokenizer.json`, mine: 2 });
  assertEquals(r.steps.map((s) => s.lengthTokens?.mean), [(6 + 5 + 1 + 2) / 4, (6 + 6) / 2]); // the dump's 6 tokens, else one a word
});

Deno.test("analyze: verl JSONL in step order, acc as correctness", async () => {
  const line = (step: number, output: string, score: number, acc?: boolean) => ({
    input: "What is 2 + 2?",
    output,
    gts: "4",
    score,
    step,
    ...(acc === undefined ? {} : { acc }),
  });
  const dir = await folder({
    "10.jsonl": jsonl([line(10, "\\boxed{4}", 0.5, true), { ...line(10, "\\boxed{5}", 0.5, false), pred: "4" }]),
    "2.jsonl": jsonl([line(2, "\\boxed{5}", 0), line(2, "\\boxed{4}", 1)]),
  });
  const r = await run([dir], `${dir}/out`, { grams: await folder({ "g.txt": "boxed\n" }).then((d) => `${d}/g.txt`) });
  assertEquals(r.steps.map((s) => s.step), [2, 10]); // 2.jsonl before 10.jsonl
  assertEquals(r.steps.map((s) => [s.accuracy, s.reward]), [[0.5, 0.5], [0.5, 0.5]]); // score ≥ 1, or acc
  assertClose(r.steps.map((s) => s.seAnswer), [LN2, 0]); // step 10: pred "4" is the second answer
});

Deno.test("analyze: credit-bench rollouts.jsonl.gz, the run folder's grams", async () => {
  const rollout = (group: number, text: string, correct: boolean, finished: boolean) => {
    const tokens = encode(text);
    return {
      step: 0,
      group,
      task: "arithmetic_chain",
      problem: group,
      tokens,
      reward: correct ? 1 : 0,
      correct,
      finished,
      logp: tokens.map(() => Math.log(0.5)),
      entropy: tokens.map(() => 1),
      planning: tokens.map(() => 0),
      used: true,
    };
  };
  const gz = await gzip(jsonl([
    rollout(0, "let us try 3 + 4 = 7 . answer : 7 <eos>", true, true),
    rollout(0, "3 + 4 = 8 . wait , check again 3 + 4 = 7 . answer : 7 <eos>", true, true),
    rollout(1, "3 + 4 = 8 .", false, false),
  ]));
  const sg = { version: 1, params: {}, grams: [{ gram: "let us try", cluster: 0, score: 1, docs: 1 }] };
  const dir = await folder({
    "rollouts.jsonl.gz": gz,
    "strategic_grams.json": JSON.stringify(sg),
    "train.jsonl": "{}\n",
  });
  const [s] = (await run([dir], `${dir}/out`)).steps;
  assertEquals([s.completions, s.groups, s.accuracy, s.truncation], [3, 2, 2 / 3, 1 / 3]);
  assertEquals(s.lengthTokens!.mean, (13 + 20 + 6) / 3); // token ids, EOS included, as StepRecord.length
  assertEquals([s.gramOccurrences, s.answered], [1, 2 / 3]); // "answer : 7" twice
  assertEquals(s.seAnswer, 0); // group 0 agrees on 7; group 1 has one response without an answer
  assertEquals(s.reflection, { all: 1 / 3, amongCorrect: 0.5, amongIncorrect: 0 });
  assertEquals(s.entropy, { all: 1, planning: 1, execution: 1 });
  await assertRejects(
    () => run([dir], `${dir}/seeded`, { seed: 2 }),
    {
      name: "AnalyzeError",
      message: `--seed: sets how grams are mined, but they are read from ${dir}/strategic_grams.json; drop --seed`,
    },
  );
});

/** A TRL completions file: step, prompt, completion, two reward columns and advantage. */
function trlParquet(step: number, completions: string[], accuracy: number[], columns = true): Uint8Array {
  const n = completions.length;
  const columnData = [
    { name: "step", data: Array(n).fill(BigInt(step)), type: "INT64" as const }, // pandas' int64, as TRL writes it
    { name: "prompt", data: completions.map((_, i) => `q${i % 2}`), type: "STRING" as const },
    ...(columns ? [{ name: "completion", data: completions, type: "STRING" as const }] : []),
    { name: "accuracy_reward", data: accuracy, type: "DOUBLE" as const },
    { name: "format_reward", data: Array(n).fill(0.5), type: "DOUBLE" as const },
    { name: "advantage", data: accuracy.map((a) => a - 0.5), type: "DOUBLE" as const },
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

Deno.test("analyze: TRL Parquet, summed or one reward column", async () => {
  const dir = await folder({
    "completions_00001.parquet": trlParquet(1, ["\\boxed{1}", "\\boxed{2}", "wait \\boxed{1}", "\\boxed{3}"], [
      1,
      0,
      1,
      0,
    ]),
    "completions_00002.parquet": trlParquet(2, ["\\boxed{1}", "\\boxed{2}"], [1, 1]),
  });
  const summed = await run([dir], `${dir}/a`, { grams: `${await folder({ "g.txt": "boxed\n" })}/g.txt` });
  assertEquals(summed.steps.map((s) => s.step), [1, 2]);
  assertEquals(summed.steps.map((s) => s.reward), [1, 1.5]); // accuracy + format 0.5
  assertEquals(summed.steps.map((s) => s.accuracy), [0.5, 1]); // reward ≥ 1
  assertEquals(summed.steps[0].groups, 2); // q0 and q1
  assertEquals(summed.steps[0].passAtK, { "1": 0.5, "2": 0.5 }); // q0 both right, q1 both wrong
  const picked = await run([dir], `${dir}/b`, {
    rewardColumn: "format_reward",
    threshold: 0.5,
    grams: undefined,
    mine: 4,
  });
  assertEquals(picked.steps.map((s) => [s.reward, s.accuracy]), [[0.5, 1], [0.5, 1]]);
});

Deno.test("analyze: TRL's numeric extra columns are summed only when named, and the summed columns are said", async () => {
  // log_extra's columns sit beside the rewards: a token count was added to every reward, silently.
  const n = 4,
    columnData = [
      { name: "step", data: Array(n).fill(1n), type: "INT64" as const },
      { name: "prompt", data: ["q0", "q0", "q1", "q1"], type: "STRING" as const },
      { name: "completion", data: ["a", "b", "c", "d"], type: "STRING" as const },
      { name: "accuracy_reward", data: [1, 0, 1, 0], type: "DOUBLE" as const },
      { name: "format_reward", data: [0.5, 0.5, 0, 0], type: "DOUBLE" as const },
      { name: "num_tokens", data: [120, 80, 95, 60], type: "INT32" as const },
    ];
  const dir = await folder({ "completions_00001.parquet": new Uint8Array(parquetWriteBuffer({ columnData })) });
  const grams = `${await folder({ "g.txt": "boxed\n" })}/g.txt`, said: string[] = [];
  const { error } = console;
  console.error = (line: string) => said.push(line);
  const all = await run([dir], `${dir}/all`, { grams }).finally(() => console.error = error);
  assertEquals(all.overall.reward, (1.5 + 0.5 + 1 + 0 + 355) / 4);
  assertEquals(said, [
    "note: the reward is the sum of the columns accuracy_reward, format_reward, num_tokens; name the ones to sum " +
    "with --reward-column",
  ]);
  const named = await run([dir], `${dir}/named`, { grams, rewardColumn: "accuracy_reward, format_reward" });
  assertEquals([named.overall.reward, named.overall.accuracy], [3 / 4, 2 / 4]);
});

Deno.test("analyze: a conversational completion, as TRL logs one, is read as its assistant messages' text", async () => {
  const chat = (
    text: string,
  ) => [{ role: "assistant", content: text.slice(0, 5) }, { role: "assistant", content: text.slice(5) }];
  const dir = await folder({
    "chat.jsonl": jsonl(GENERIC.map((r) => ({ ...r, completion: chat(r.completion) }))),
    "plain.jsonl": jsonl(GENERIC),
  });
  const [chatRun, plainRun] = [
    await run([`${dir}/chat.jsonl`], `${dir}/a`),
    await run([`${dir}/plain.jsonl`], `${dir}/b`),
  ];
  assertEquals(chatRun.steps, plainRun.steps);
});

Deno.test("analyze on the command line shows progress while it reads the successes it mines grams from", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) });
  const cli = new URL("../harness/cli.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-ffi",
      "--allow-env",
      cli,
      "analyze",
      `${dir}/run.jsonl`,
      "--out",
      `${dir}/my analysis`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert(out.success, err);
  // The command the page records can be pasted back: the folder with a space is quoted.
  const page = await Deno.readTextFile(`${dir}/my analysis/index.html`);
  assert(page.includes(`--out &#39;${dir}/my analysis&#39;</code>`), page);
  // Not a terminal: the line is written at the end (and every 30 s), with the count of successes read.
  assertMatch(err, /successes to mine grams from \[#+\] 3\/3 /);
  // Then a line for the mining itself (tens of seconds on long completions), with what it mines.
  assertMatch(err, /\nmining strategic grams from 3 successful completions \(\d+ words\)\n/);
});

Deno.test('analyze: a step written as text ("12", a string column in Parquet) is read as that number', async () => {
  const steps = ["3", "3", "12", "12"];
  const others = [
    { name: "prompt", data: ["q0", "q0", "q1", "q1"], type: "STRING" as const },
    { name: "completion", data: ["\\boxed{1}", "b", "c", "\\boxed{1}"], type: "STRING" as const },
    { name: "accuracy_reward", data: [1, 0, 0, 1], type: "DOUBLE" as const },
  ];
  const generic = (step: (s: string) => unknown) =>
    jsonl(steps.map((s, i) => ({ step: step(s), prompt: `q${i >> 1}`, completion: "\\boxed{1}", reward: i % 2 })));
  const dir = await folder({
    "text.parquet": new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: "step", data: steps, type: "STRING" }, ...others] }),
    ),
    "int.parquet": new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: "step", data: steps.map(BigInt), type: "INT64" }, ...others] }),
    ),
    "text.jsonl": generic((s) => s),
    "int.jsonl": generic(Number),
  });
  const grams = `${await folder({ "g.txt": "boxed\n" })}/g.txt`;
  for (const kind of ["parquet", "jsonl"]) {
    const text = await run([`${dir}/text.${kind}`], `${dir}/text_${kind}`, { grams });
    const int = await run([`${dir}/int.${kind}`], `${dir}/int_${kind}`, { grams });
    assertEquals(text.steps.map((s) => s.step), [3, 12]);
    assertEquals(text.steps, int.steps);
  }
});

Deno.test("analyze: TRL reward cells a function left empty (None: NaN or null) add nothing, as TRL's nansum", async () => {
  const columnData = [
    { name: "step", data: [3n, 3n, 3n, 3n], type: "INT64" as const },
    { name: "prompt", data: ["q0", "q0", "q1", "q1"], type: "STRING" as const },
    { name: "completion", data: ["a", "b", "c", "d"], type: "STRING" as const },
    { name: "math_reward", data: [1, null, NaN, 0], type: "DOUBLE" as const },
    { name: "code_reward", data: [null, 1, NaN, 0.5], type: "DOUBLE" as const },
  ];
  const dir = await folder({ "completions_00003.parquet": new Uint8Array(parquetWriteBuffer({ columnData })) });
  const r = await run([dir], `${dir}/out`, { grams: `${await folder({ "g.txt": "boxed\n" })}/g.txt` });
  assertEquals([r.overall.completions, r.overall.reward, r.overall.accuracy], [4, (1 + 1 + 0 + 0.5) / 4, 0.5]);
  const math = await run([dir], `${dir}/math`, { rewardColumn: "math_reward", grams: `${dir}/out/grams.txt` });
  assertEquals([math.overall.reward, math.overall.accuracy], [1 / 4, 1 / 4]);
});

/** Filler words of the planted corpus. */
const FILLER = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"];
/** The planted strategy phrase. */
const PLANTED = "the key insight is that";

/** 40 completions of 4 steps, every one with {@link PLANTED} among filler words; every other one correct. */
const plantedRows = () =>
  Array.from({ length: 40 }, (_, i) => ({
    step: Math.floor(i / 10),
    prompt: `p${i % 5}`,
    completion: `${FILLER[i % 8]} ${FILLER[(i * 3) % 8]} ${PLANTED} ${FILLER[(i * 5) % 8]} ${
      FILLER[(i * 7 + 1) % 8]
    } so ${i} . \\boxed{${i % 3}}`,
    correct: i % 2 === 0,
  }));

Deno.test("analyze: mines the planted strategy phrase from the successes", async () => {
  const dir = await folder({ "run.jsonl": jsonl(plantedRows()) });
  const r = await run([dir], `${dir}/out`, { mine: 15 });
  assert(r.grams.includes(PLANTED), `grams: ${r.grams.join(" | ")}`);
  const sg = JSON.parse(await Deno.readTextFile(`${dir}/out/strategic_grams.json`));
  assertEquals([sg.responses, sg.params.maxCandidates, sg.embedder], [15, 4000, undefined]);
  assertEquals((await Deno.readTextFile(`${dir}/out/grams.txt`)).trim().split("\n"), r.grams);
});

Deno.test("analyze: the mined completions share one word table, and the grams do not depend on its order", async () => {
  const corpus = new MiningCorpus();
  corpus.add(["let", "me", "check", "check"]);
  corpus.add(["check", "again"]);
  assertEquals(corpus.words, ["let", "me", "check", "again"]);
  assertEquals(corpus.docs.map((d) => Array.from(d)), [[0, 1, 2, 2], [2, 3]]);
  // Added in another order, the words are numbered in another order, and the grams are the same: the
  // mining vocabulary's cut (800 words, here of 820 used equally often) is by the words' text.
  const mined = async (docs: string[][]) => {
    const c = new MiningCorpus();
    for (const d of docs) c.add(d);
    return strategicGramsJson(await mineFreeText(c, 1));
  };
  const forward = Array.from({ length: 820 }, (_, i) => `f${i}`);
  const docs = [forward, forward, forward.toReversed()];
  const grams = await mined(docs);
  assertEquals(await mined(docs.toReversed()), grams);
  assert(JSON.parse(grams).grams.length > 0, grams);
  const rows = plantedRows().filter((r) => r.correct).map((r) => textWords(r.completion));
  assertEquals(await mined(rows.toReversed()), await mined(rows));
});

Deno.test("analyze: --sentence-model embeds the mined grams with an ONNX sentence model", async () => {
  const words = [...FILLER, ...PLANTED.split(" "), "so"];
  // The phrase's words near one axis, the rest near another; special and unknown tokens zero.
  const table = [
    ...BERT_SPECIALS.map(() => [0, 0, 0]),
    ...words.map((w, i) => PLANTED.includes(w) ? [1, 0, 0.01 * i] : [0, 1, 0.01 * i]),
  ];
  const model = await fixture(words, table);
  made.push(model);
  const dir = await folder({ "run.jsonl": jsonl(plantedRows()) });
  const r = await run([dir], `${dir}/out`, { mine: 15, sentenceModel: model });
  assert(r.grams.includes(PLANTED), `grams: ${r.grams.join(" | ")}`);
  const sg = JSON.parse(await Deno.readTextFile(`${dir}/out/strategic_grams.json`));
  assertMatch(sg.embedder, /^onnx:[0-9a-f]{12}$/);
  const phraseWords = (g: string) => g.split(" ").filter((w) => PLANTED.split(" ").includes(w)).length;
  assert(r.grams.every((g) => phraseWords(g) >= 2), `kept: ${r.grams.join(" | ")}`); // the phrase's cluster
});

/** `text` gzipped. */
async function gzip(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
}

Deno.test("analyze: gzipped JSON Lines read as the plain file, in one gzip member or several", async () => {
  const half = Math.floor(GENERIC.length / 2);
  const members = [await gzip(jsonl(GENERIC.slice(0, half))), await gzip(jsonl(GENERIC.slice(half)))];
  const dir = await folder({
    "run.jsonl": jsonl(GENERIC),
    "run.jsonl.gz": await gzip(jsonl(GENERIC)),
    // `cat a.gz b.gz`, or Python's gzip append mode: one valid stream of two members (RFC 1952).
    "members.jsonl.gz": new Uint8Array([...members[0], ...members[1]]),
  });
  const plain = await run([`${dir}/run.jsonl`], `${dir}/a`, { mine: 3 });
  const zipped = await run([`${dir}/run.jsonl.gz`], `${dir}/b`, { mine: 3 });
  assertEquals(zipped.steps, plain.steps);
  assertEquals((await run([`${dir}/members.jsonl.gz`], `${dir}/c`, { mine: 3 })).steps, plain.steps);
});

Deno.test("analyze: a gzipped dump many read chunks long is detected and read whole (the format check stops after a line)", async () => {
  // Incompressible text, so the file on disk spans many reads: detection stopped reading after the first
  // line, and the inflater went on pushing into the closed stream, an uncaught error that ended the process.
  let x = 1;
  const noise = () => Array.from({ length: 60 }, () => ((x = (x * 48271) % 2147483647) % 36).toString(36)).join("");
  const rows = Array.from({ length: 4000 }, (_, i) => ({
    step: Math.floor(i / 400),
    prompt: `p${i % 50}`,
    completion: `${noise()} \\boxed{${i % 3}}`,
    reward: i % 3 === 0 ? 1 : 0,
  }));
  const dir = await folder({ "big.jsonl": jsonl(rows), "big.jsonl.gz": await gzip(jsonl(rows)) });
  assert((await Deno.stat(`${dir}/big.jsonl.gz`)).size > 150_000);
  const plain = await run([`${dir}/big.jsonl`], `${dir}/a`);
  const zipped = await run([`${dir}/big.jsonl.gz`], `${dir}/b`);
  assertEquals(zipped.steps.length, 10);
  assertEquals(zipped.steps, plain.steps);
});

Deno.test("analyze: an earlier analysis left as out.old by a kill between the renames is put back, even if this one fails", async () => {
  const dir = await folder({
    "run.jsonl": jsonl(GENERIC),
    "bad.jsonl": `${JSON.stringify(GENERIC[0])}\n{"step": 0,\n`,
  });
  await run([`${dir}/run.jsonl`], `${dir}/out`);
  const before = await Deno.readTextFile(`${dir}/out/overall.json`);
  await Deno.rename(`${dir}/out`, `${dir}/out.old`); // as the first rename of a killed analysis leaves it
  await assertRejects(() => run([`${dir}/bad.jsonl`], `${dir}/out`), /line 2 is not JSON/);
  assertEquals(await Deno.readTextFile(`${dir}/out/overall.json`), before);
  assertEquals(await Deno.stat(`${dir}/out.old`).then(() => true, () => false), false);
});

/** Whether `path` exists. */
const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

/**
 * `deno task analyze` with `args` as a child process, sent `signal` once it has mined its grams and reads the
 * dump: its exit code and stderr.
 */
async function signalled(args: string[], signal: Deno.Signal): Promise<{ code: number; stderr: string }> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../harness/cli.ts", import.meta.url).pathname, "analyze", ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let stderr = "", sent = false;
  for await (const chunk of p.stderr) {
    stderr += decoder.decode(chunk, { stream: true });
    if (!sent && /\nmining strategic grams from .*\n/.test(stderr)) {
      p.kill(signal);
      sent = true;
    }
  }
  return { code: (await p.status).code, stderr };
}

Deno.test("analyze stopped by Ctrl-C or SIGTERM as it reads leaves --out as it was and nothing beside it, exit 130 or 143", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) }), out = `${dir}/out`, dump = `${dir}/big.jsonl`;
  // 60,000 completions of 60 words (20 MB): seconds of reading after the line that says the grams are mined.
  const words = "first we add the numbers then check the sum so the answer is wait let me verify".split(" ");
  const file = await Deno.open(dump, { write: true, create: true });
  for (let chunk = 0; chunk < 60; chunk++) {
    const lines = Array.from({ length: 1000 }, (_, j) => {
      const i = chunk * 1000 + j;
      const completion = Array.from({ length: 60 }, (_, k) => words[(i * 7 + k * k) % words.length]).join(" ");
      const row = { step: Math.floor(i / 600), prompt: `p${i % 50}`, completion, reward: i % 3 === 0 ? 1 : 0 };
      return `${JSON.stringify(row)}\n`;
    });
    await file.write(new TextEncoder().encode(lines.join("")));
  }
  file.close();
  await run([`${dir}/run.jsonl`], out, { mine: 3 });
  const before = await tree(out);
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    const r = await signalled([dump, "--out", out, "--mine", "50"], signal);
    assertEquals(r.code, code, r.stderr);
    assert(
      r.stderr.endsWith(
        `\nstopped by ${signal} before the analysis was written; ${out} is as it was: run the same command again\n`,
      ),
      r.stderr,
    );
    assertEquals(await tree(out), before);
    for (const gone of [`${out}.next`, `${out}.lock`, `${out}.old`]) assert(!(await exists(gone)), `${gone} is left`);
  }
  // Killed outright, it leaves its lock file (the lock goes with it), which the next analysis removes, with a note.
  assertEquals((await signalled([dump, "--out", out, "--mine", "50"], "SIGKILL")).code, 137);
  const pid = Number.parseInt(await Deno.readTextFile(`${out}.lock`), 10);
  const said: string[] = [], error = console.error;
  console.error = (line: string) => said.push(line);
  await run([`${dir}/run.jsonl`], out, { mine: 3 }).finally(() => console.error = error);
  assertEquals(said, [`note: removed what a killed analysis (pid ${pid}) left beside ${out}: out.lock`]);
  assertEquals(await tree(out), before);
  assert(!(await exists(`${out}.lock`)), "the lock file is removed");
});

Deno.test("analyze: a stop signal as the analysis is written removes its staging folder and leaves --out as it was", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) }), out = `${dir}/out`;
  const r = await run([`${dir}/run.jsonl`], out, { mine: 3 });
  const before = await tree(out);
  const report: AnalysisReport = {
    label: "run",
    command: "deno task analyze (test)",
    inputs: [{ path: `${dir}/run.jsonl`, format: "generic" }],
    steps: r.steps,
    overall: r.overall,
    grams: r.grams,
    mined: null,
    gramSource: "given",
    reflections: ["wait"],
  };
  // This process's own SIGTERM (the test runner takes SIGINT), taken by the listener and noted before the write.
  const said: string[] = [], error = console.error;
  console.error = (line: string) => said.push(line);
  const stop = new StopSignals("stopping", "");
  try {
    const noted = () => {
      try {
        stop.check("");
        return false;
      } catch {
        return true;
      }
    };
    Deno.kill(Deno.pid, "SIGTERM");
    while (!noted()) await new Promise((ok) => setTimeout(ok, 5));
    await assertRejects(
      () => writeAnalysis(out, report, stop),
      (e: Error) =>
        e instanceof Stopped &&
        e.message ===
          `stopped by SIGTERM before the analysis was written; ${out} is as it was: run the same command again`,
    );
  } finally {
    stop.close();
    console.error = error;
  }
  assertEquals(said, ["\nSIGTERM: stopping (a second SIGTERM stops at once)"]);
  assertEquals(await tree(out), before);
  assert(!(await exists(`${out}.next`)), "the staging folder is removed");
});

Deno.test("analyze: what a killed analysis left beside --out (out.next, out.lock, out.old) is removed by the next, with a note", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) }), out = `${dir}/out`;
  await run([`${dir}/run.jsonl`], out, { mine: 3 });
  const before = await tree(out);
  // Killed as it wrote its staging folder, or after it moved its analysis in, before it removed the earlier one.
  const ended = new Deno.Command("true").spawn();
  await ended.status;
  await Deno.mkdir(`${out}.next`);
  await Deno.writeTextFile(`${out}.next/steps.jsonl`, "{}\n");
  await Deno.writeTextFile(`${out}.lock`, `${ended.pid}\n`);
  await Deno.mkdir(`${out}.old`);
  await Deno.copyFile(`${out}/overall.json`, `${out}.old/overall.json`);
  const said: string[] = [], error = console.error;
  console.error = (line: string) => said.push(line);
  await run([`${dir}/run.jsonl`], out, { mine: 3 }).finally(() => console.error = error);
  assertEquals(said, [
    `note: removed what a killed analysis (pid ${ended.pid}) left beside ${out}: out.next, out.lock, out.old`,
  ]);
  assertEquals(await tree(out), before);
  for (const gone of [`${out}.next`, `${out}.lock`, `${out}.old`]) assert(!(await exists(gone)), `${gone} is left`);
});

Deno.test("analyze: a corrupt gzip file read many times leaves no file open", async () => {
  // Corrupt near its start (a deflate error, not garbage text), and longer than one read, so that the source
  // is still open when inflating fails.
  const rows = Array.from({ length: 20000 }, (_, i) => ({ completion: `${(i * 7919).toString(36).repeat(3)} ${i}` }));
  const bad = (await gzip(jsonl(rows))).map((b, i) => (i >= 2000 && i < 2100 ? b ^ 0xff : b));
  const dir = await folder({ "bad.jsonl.gz": bad });
  // Deno reads /proc only with --allow-all; ls lists this process's descriptors.
  const open = () =>
    new TextDecoder().decode(new Deno.Command("ls", { args: [`/proc/${Deno.pid}/fd`] }).outputSync().stdout)
      .split("\n").filter(Boolean).length;
  const before = open();
  for (let i = 0; i < 20; i++) {
    await assertRejects(async () => {
      for await (const _ of jsonLines(`${dir}/bad.jsonl.gz`, true)) { /* read to the error */ }
    }, /bad\.jsonl\.gz: (is a truncated or corrupt gzip file|line \d+ is not JSON)/);
  }
  await new Promise((done) => setTimeout(done, 200));
  // pipe() left the source open after the inflater's error: one descriptor a read.
  assert(open() - before < 5, `${open() - before} more descriptors open`);
});

Deno.test("analyze: named files are read in step order, links are followed, and out/ is out", async () => {
  // Each step's 40 right answers plant a phrase of their own; mining reads the first 40 successes.
  const planted = { 2: "the key insight is that", 10: "let us try another way" } as Record<number, string>;
  const step = (n: number) =>
    jsonl(Array.from({ length: 40 }, (_, i) => ({
      step: n,
      prompt: `p${i % 4}`,
      completion: `${planted[n]} w${i} then x${i % 7} \\boxed{4}`,
      reward: 1,
    })));
  const dir = await folder({ "2.jsonl": step(2), "10.jsonl": step(10), "grams.txt": "key insight\n" });
  // A shell glob gives 10.jsonl before 2.jsonl; the files are mined and read in step order all the same.
  await run([`${dir}/10.jsonl`, `${dir}/2.jsonl`], `${dir}/glob`, { mine: 40 });
  await run([`${dir}/2.jsonl`, `${dir}/10.jsonl`], `${dir}/ordered/`, { mine: 40 });
  const [glob, ordered] = [await tree(`${dir}/glob`), await tree(`${dir}/ordered`)];
  // The data alike (captions and the page name the run by the first file given).
  for (const name of ["steps.jsonl", "overall.json", "grams.txt", "strategic_grams.json"]) {
    assertEquals(glob.get(name), ordered.get(name), name);
  }
  assert(!(await Deno.stat(`${dir}/ordered/.next`).catch(() => null)), "out/ staged beside out, not in it");
  // A folder whose files are links to files elsewhere reads them.
  await Deno.mkdir(`${dir}/linked`);
  for (const f of ["2.jsonl", "10.jsonl"]) await Deno.symlink(`${dir}/${f}`, `${dir}/linked/${f}`);
  const linked = await run([`${dir}/linked`], `${dir}/l`, { grams: `${dir}/grams.txt` });
  assertEquals(linked.steps.map((s) => [s.step, s.completions]), [[2, 40], [10, 40]]);
  await Deno.symlink(`${dir}/nowhere.jsonl`, `${dir}/linked/11.jsonl`);
  await assertRejects(() => run([`${dir}/linked`], `${dir}/l2`, { grams: `${dir}/grams.txt` }), {
    message: `${dir}/linked/11.jsonl: is a link to nothing; fix or remove the link`,
  });
});

Deno.test("analyze: a share or mean over nothing is null, not 0; per-token lists count tokens; an empty answer is none", async () => {
  const dir = await folder({
    "run.jsonl": jsonl([
      { step: 1, prompt: "p", completion: "let me check \\boxed{4}", reward: 1 },
      { step: 1, prompt: "p", completion: "no \\boxed{5}", reward: 0 },
      { step: 2, prompt: "p", completion: "a b c \\boxed{4}", reward: 1, logprobs: [-1, -1, -1] },
      { step: 2, prompt: "p", completion: "a b \\boxed{}", reward: 1, entropies: [1, 1] },
    ]),
    "g.txt": "zzz\n",
  });
  const r = await run([`${dir}/run.jsonl`], `${dir}/out`, { grams: `${dir}/g.txt` });
  const lines = (await Deno.readTextFile(`${dir}/out/steps.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  // Step 2 has no incorrect completion, no truncation field, no planning token.
  assertEquals([lines[1].reflection.amongIncorrect, lines[1].lengthWords.truncation], [null, null]);
  assertEquals([lines[1].entropy.planning, lines[1].entropy.execution], [null, 1]);
  assertEquals([r.steps[0].lengthTokens, r.steps[1].lengthTokens?.mean], [null, 2.5]);
  assertEquals([r.steps[0].answered, r.steps[1].answered], [1, 0.5]); // \boxed{} holds no answer
  const csv = await Deno.readTextFile(`${dir}/out/steps.csv`);
  assert(!csv.includes("NaN"), csv);
});

Deno.test('analyze: group 1 and group "1" are two groups; a gram list with a byte-order mark reads', async () => {
  const rows = [1, "1"].flatMap((group) =>
    [0, 1].map((reward) => ({ step: 0, group, completion: "\\boxed{4}", reward }))
  );
  const grams = JSON.stringify({ grams: [{ gram: "let me check" }] });
  const dir = await folder({ "run.jsonl": jsonl(rows), "g.json": `\uFEFF${grams}` });
  const r = await run([`${dir}/run.jsonl`], `${dir}/out`, { grams: `${dir}/g.json` });
  assertEquals([r.steps[0].groups, r.grams], [2, ["let me check"]]);
});

Deno.test("analyze: --answer-pattern takes its first group, or the whole match without one; none when empty", () => {
  const either = /answer: (\d+)|boxed/;
  assertEquals(extractAnswer("so answer: 42", either), "42");
  assertEquals(extractAnswer("no idea, boxed", either), null); // the group took no part in the last match
  assertEquals(extractAnswer("answer: 42 then", /(\d*)$/), null); // the last match is empty
  assertEquals(extractAnswer("the answer is 7.", /answer is \d+/), "answer is 7");
  assertEquals([extractAnswer("x \\boxed{ 12 }"), extractAnswer("x \\boxed{}")], ["12", null]);
  // A Unicode class works as written (it matched the letters "p{N}" before), and so does an astral character.
  assertEquals(extractAnswer("الجواب: answer ٤٢", answerRegExp("answer (\\p{N}+)")), "٤٢");
  assertEquals(extractAnswer("result 𝟕 !", answerRegExp("result (.) !")), "𝟕");
  // A pattern only the plain mode takes (an escaped colon) still works; one neither takes is refused.
  assertEquals(extractAnswer("answer: 42", answerRegExp("answer\\: (\\d+)")), "42");
  assertThrows(() => answerRegExp("("), /Invalid regular expression: \/\(\/g: Unterminated group/);
  // One that writes \p{…} but is valid only in the plain mode is refused: there \p{Nd} is the letters p{Nd}.
  assertThrows(() => answerRegExp("\\[(\\p{Nd}+)]"), /\/gu: Lone quantifier brackets/);
});

Deno.test("analyze: relative perplexity is to the first step with log-probs", async () => {
  const row = (step: number, p?: number) => ({
    step,
    prompt: "p",
    completion: "a b",
    reward: 1,
    ...(p ? { tokens: ["a", " b"], logprobs: [Math.log(p), Math.log(p)] } : {}),
  });
  const dir = await folder({ "run.jsonl": jsonl([row(1), row(2, 0.5), row(3, 0.25)]), "g.txt": "zzz\n" });
  const r = await run([`${dir}/run.jsonl`], `${dir}/out`, { grams: `${dir}/g.txt` });
  assertEquals(r.steps.map((s) => s.relPerplexity?.all ?? null), [null, 1, 2]);
  assertClose([r.steps[2].perplexity!.all], [4], 1e-12);
});

Deno.test("analyze: NaN and Infinity as Python's json writes them are read as those numbers, not a reason to refuse a dump", async () => {
  // verl puts reward_extra_info at the top level of a line, where a reward function's NaN often lands.
  const line = (score: string, extra: string) =>
    `{"input": "q", "output": "so \\\\boxed{4}", "score": ${score}, "step": 0, "format_score": ${extra}, "note": "NaN"}`;
  const dir = await folder({
    "extra.jsonl": `${line("1.0", "NaN")}\n${line("0.0", "-Infinity")}\n`,
    "score.jsonl": `${line("NaN", "1")}\n`,
    "generic.jsonl": `{"step": 0, "prompt": "p", "completion": "x", "reward": NaN, "correct": true}\n`,
  });
  const [s] = (await run([`${dir}/extra.jsonl`], `${dir}/a`)).steps;
  assertEquals([s.completions, s.accuracy, s.reward], [2, 0.5, 0.5]);
  await assertRejects(() => run([`${dir}/score.jsonl`], `${dir}/b`), {
    message: `${dir}/score.jsonl: line 1: score is not a finite number (it is NaN); give every record a score ` +
      "that is a finite number",
  });
  // A generic reward of NaN is "not scored", as null is: the line is scored by its correct.
  assertEquals((await run([`${dir}/generic.jsonl`], `${dir}/c`)).steps[0].accuracy, 1);
});

Deno.test("analyze: a step of 10⁵ prompt groups and more (verl's 1,024 prompts over a few hundred steps)", () => {
  const stats = new StepStats(null, 1);
  const m = { reward: 1, correct: true, words: 1, tokens: null, truncated: undefined, gramHits: [], planningWords: 0 };
  const measured = { ...m, analysisWords: 1, reflects: false, answer: "4", entropy: null, logp: null, splitTokens: 0 };
  for (let g = 0; g < 200_000; g++) stats.add(measured, `p${g}`);
  const r = stats.result();
  assertEquals([r.groups, r.passAtK, r.accuracy], [200_000, { 1: 1 }, 1]);
});

Deno.test("analyze: a rerun gives the same bytes, in place or elsewhere", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) });
  await run([`${dir}/run.jsonl`], `${dir}/a`, { mine: 3 });
  const first = await tree(`${dir}/a`);
  await run([`${dir}/run.jsonl`], `${dir}/a`, { mine: 3 });
  await run([`${dir}/run.jsonl`], `${dir}/b`, { mine: 3 });
  assert(first.size > 10, `${first.size} files`);
  assertEquals(await tree(`${dir}/a`), first);
  assertEquals(await tree(`${dir}/b`), first);
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a", "b", "run.jsonl"]); // no .next or .old left
});

Deno.test("analyze: every bad input is one line naming the file, and nothing is written", async (t) => {
  const good = { step: 0, prompt: "p", completion: "\\boxed{1}", reward: 1 };
  const dir = await folder({
    "empty_dir.keep": "",
    "notes.txt": "hello\n",
    "bad_json.jsonl": jsonl([good]) + "{oops\n",
    "bad_step.jsonl": jsonl([{ ...good, step: "one" }]),
    "bad_step_kind.jsonl": jsonl([{ ...good, step: true }]),
    "huge_step.jsonl": jsonl([{ ...good, step: "99999999999999999999" }]),
    "bad_step_text.parquet": new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: "step", data: ["7", "7", " 8"], type: "STRING" },
        { name: "prompt", data: ["q", "q", "q"], type: "STRING" },
        { name: "completion", data: ["a", "b", "c"], type: "STRING" },
        { name: "reward", data: [1, 0, 1], type: "DOUBLE" },
      ],
    })),
    "bad_reward.jsonl": jsonl([{ ...good, reward: "high" }]),
    "bad_completion.jsonl": jsonl([{ ...good, completion: 7 }]),
    "no_completion.parquet": trlParquet(1, ["a"], [1], false),
    "empty.jsonl": "",
    "python_nan.jsonl": `${JSON.stringify(good)}\n{"step": 0, "prompt": "p: NaN,", "completion": "x", "reward": 1, ` +
      `"logprobs": [-0.5, -Infinity]}\n`,
    "nan_in_text.jsonl": `{"step": 0, "prompt": "p", "completion": "x: NaN, y", "reward": 1,}\n`,
    "neither.jsonl": jsonl([{ step: 0, text: "hi" }]),
    "bad_lengths.jsonl": jsonl([{ ...good, tokens: ["\\boxed{1}"], logprobs: [-1, -2] }]),
  });
  await Deno.mkdir(`${dir}/empty`);
  await Deno.mkdir(`${dir}/mixed`);
  await Deno.writeTextFile(`${dir}/mixed/a.jsonl`, jsonl([good]));
  await Deno.writeTextFile(`${dir}/mixed/b.jsonl`, jsonl([{ input: "q", output: "o", score: 1, step: 0 }]));
  await Deno.writeTextFile(`${dir}/probs.jsonl`, jsonl([{ ...good, completion: "a b", logprobs: [0.5, 0.9] }]));
  await Deno.writeTextFile(`${dir}/neg_entropy.jsonl`, jsonl([{ ...good, completion: "a b", entropies: [1, -1] }]));
  await Deno.writeTextFile(
    `${dir}/blank_gram.json`,
    JSON.stringify({ grams: [{ gram: "let me check" }, { gram: " " }] }),
  );
  await Deno.mkdir(`${dir}/gzk`);
  await Deno.writeTextFile(`${dir}/gzk/dump.jsonl`, jsonl([good]));
  await Deno.writeFile(`${dir}/gzk/dump.jsonl.gz`, await gzip(jsonl([good])));
  // UTF-16 as Windows PowerShell's > writes it (little-endian, with a byte-order mark), and without the mark.
  const utf16 = (text: string, mark: boolean) =>
    new Uint8Array([...(mark ? [0xff, 0xfe] : []), ...[...text].flatMap((c) => [c.charCodeAt(0), 0])]);
  await Deno.writeFile(`${dir}/utf16.jsonl`, utf16(jsonl([good]), true));
  await Deno.writeFile(`${dir}/utf16le.jsonl`, utf16(jsonl([good]), false));
  await Deno.writeFile(`${dir}/zipped.jsonl`, await gzip(jsonl([good])));
  await Deno.writeTextFile(`${dir}/verl_acc.jsonl`, jsonl([{ input: "q", output: "o", score: -1, step: 0, acc: -1 }]));
  await Deno.mkdir(`${dir}/copies`);
  for (const f of ["step_1.jsonl", "step_1 (copy).jsonl"]) {
    await Deno.writeTextFile(`${dir}/copies/${f}`, jsonl([good]));
  }
  await Deno.writeTextFile(`${dir}/copies/step_2.jsonl`, jsonl([{ ...good, step: 2 }]));
  const whole = trlParquet(1, ["\\boxed{1}", "\\boxed{2}"], [1, 0]);
  await Deno.writeFile(`${dir}/cut.parquet`, whole.slice(0, whole.length - 20));
  await Deno.writeFile(`${dir}/whole.parquet`, whole);
  await Deno.writeFile(`${dir}/cut.jsonl.gz`, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]));
  for (const run of ["run_a", "run_b"]) {
    await Deno.mkdir(`${dir}/runs/${run}`, { recursive: true });
    await Deno.writeFile(`${dir}/runs/${run}/rollouts.jsonl.gz`, await gzip(jsonl([{ tokens: [1], logp: [0] }])));
  }
  await Deno.mkdir(`${dir}/done/figures`, { recursive: true });
  for (const f of ["overall.json", "figures/accuracy.svg", "notes.md"]) {
    await Deno.writeTextFile(`${dir}/done/${f}`, "");
  }
  await Deno.mkdir(`${dir}/plotted/figures`, { recursive: true });
  for (const f of ["overall.json", "figures/accuracy.svg", "figures/my_plot.svg"]) {
    await Deno.writeTextFile(`${dir}/plotted/${f}`, "");
  }
  for (const mode of ["train", "eval"]) {
    await Deno.mkdir(`${dir}/completions/${mode}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/completions/${mode}/completions_00001.parquet`, "");
  }
  // Neither a hidden folder nor an earlier analysis (its steps.jsonl is no dump) is offered.
  await Deno.mkdir(`${dir}/completions/.cache`);
  await Deno.writeTextFile(`${dir}/completions/.cache/x.jsonl`, "");
  await Deno.mkdir(`${dir}/completions/analysis`);
  for (const f of ["overall.json", "steps.jsonl"]) await Deno.writeTextFile(`${dir}/completions/analysis/${f}`, "");
  await Deno.mkdir(`${dir}/taken`);
  await Deno.writeTextFile(`${dir}/taken/mine.txt`, "not an analysis");

  const cases: [string, string[], string | RegExp, Partial<AnalyzeOptions>?][] = [
    ["a missing folder", [`${dir}/nope`], `${dir}/nope: does not exist; give a folder or files of rollouts`],
    [
      "an empty folder",
      [`${dir}/empty`],
      `${dir}/empty: holds no rollout file (.jsonl, .jsonl.gz or .parquet); point at the folder your trainer dumps rollouts to`,
    ],
    [
      "a folder whose rollouts are in folders of its own (TRL's completions/ holds train/ and eval/)",
      [`${dir}/completions`],
      `${dir}/completions: holds no rollout file, but its folders eval, train do; give the one to analyze, e.g. ${dir}/completions/train`,
    ],
    [
      "a file of an unknown format",
      [`${dir}/notes.txt`],
      `${dir}/notes.txt: is of an unknown format; give .jsonl (generic or verl), .jsonl.gz (credit-bench rollouts) or .parquet (TRL) files, or --format`,
    ],
    ["an empty file", [`${dir}/empty.jsonl`], `${dir}/empty.jsonl: is empty; give files with one completion a line`],
    [
      "a first line of neither schema",
      [`${dir}/neither.jsonl`],
      `${dir}/neither.jsonl: line 1 has neither completion (generic JSONL), input and output (verl) nor tokens and logp (credit-bench); give .jsonl (generic or verl), .jsonl.gz (credit-bench rollouts) or .parquet (TRL) files, or --format`,
    ],
    [
      "a reward column that is not there",
      [`${dir}/whole.parquet`],
      `${dir}/whole.parquet: has no reward column "acc"; pick from step, prompt, completion, accuracy_reward, format_reward, advantage`,
      { rewardColumn: "acc" },
    ],
    [
      "a Parquet file without a completion column",
      [`${dir}/no_completion.parquet`],
      `${dir}/no_completion.parquet: has no completion column; give TRL's completions_*.parquet (log_completions=True)`,
    ],
    [
      "a line that is not JSON",
      [`${dir}/bad_json.jsonl`],
      `${dir}/bad_json.jsonl: line 2 is not JSON; write one JSON object per line`,
    ],
    [
      "a -Infinity log-prob, as Python's json module writes it",
      [`${dir}/python_nan.jsonl`],
      `${dir}/python_nan.jsonl: line 2: logprobs has -Infinity; give finite log-probabilities`,
    ],
    [
      "a line that is not JSON with NaN only in its text",
      [`${dir}/nan_in_text.jsonl`],
      `${dir}/nan_in_text.jsonl: line 1 is not JSON; write one JSON object per line`,
    ],
    [
      "a step that is not a number",
      [`${dir}/bad_step_kind.jsonl`],
      `${dir}/bad_step_kind.jsonl: line 1: step is not a number; give every record a step that is a number`,
    ],
    [
      "a step that is a string of no whole number (a string of decimal digits is read as that number)",
      [`${dir}/bad_step.jsonl`],
      `${dir}/bad_step.jsonl: line 1: step is "one", a string that is not a whole number in decimal digits; give every record a step that is a number, or a string of decimal digits such as "12"`,
    ],
    [
      "a step of decimal digits too large to read exactly",
      [`${dir}/huge_step.jsonl`],
      `${dir}/huge_step.jsonl: line 1: step is "99999999999999999999", a whole number above 9007199254740991, the largest read exactly; give every record a step that is a number, or a string of decimal digits such as "12"`,
    ],
    [
      "a Parquet step column of text with a cell that is not decimal digits",
      [`${dir}/bad_step_text.parquet`],
      `${dir}/bad_step_text.parquet: row 3: step is " 8", a string that is not a whole number in decimal digits; give every record a step that is a number, or a string of decimal digits such as "12"`,
    ],
    [
      "a reward that is not a number",
      [`${dir}/bad_reward.jsonl`],
      `${dir}/bad_reward.jsonl: line 1: reward is not a number; give every record a reward that is a number`,
    ],
    [
      "a completion that is not a string",
      [`${dir}/bad_completion.jsonl`],
      `${dir}/bad_completion.jsonl: line 1: completion is not a string or a list of assistant messages; give every record a completion that is a string or a list of assistant messages`,
    ],
    [
      "per-token lists of different lengths",
      [`${dir}/bad_lengths.jsonl`],
      `${dir}/bad_lengths.jsonl: line 1 has 1 tokens, 2 logprobs; give one value a token in each per-token list`,
    ],
    [
      "mixed formats in one folder",
      [`${dir}/mixed`],
      `${dir}/mixed: mixes formats (${dir}/mixed/a.jsonl is generic, ${dir}/mixed/b.jsonl is verl); analyze one format at a time`,
    ],
    [
      "a file given twice",
      [`${dir}/bad_step.jsonl`, `${dir}/./bad_step.jsonl`],
      `${dir}/./bad_step.jsonl: is read twice (given as ${dir}/bad_step.jsonl and as ${dir}/./bad_step.jsonl); give each file once`,
    ],
    [
      "a file beside its own gzipped copy (gzip -k)",
      [`${dir}/gzk`],
      `${dir}/gzk/dump.jsonl.gz: has the same decompressed bytes as ${dir}/gzk/dump.jsonl, so its completions would be read twice; give each file once`,
    ],
    [
      "a verl acc that is neither true, false, 1 nor 0",
      [`${dir}/verl_acc.jsonl`],
      `${dir}/verl_acc.jsonl: line 1: acc is not true, false, 1 or 0; give every record an acc that is true, false, 1 or 0`,
    ],
    [
      "a copy of a file beside it",
      [`${dir}/copies`],
      `${dir}/copies/step_1.jsonl: has the same bytes as ${dir}/copies/step_1 (copy).jsonl, so its completions would be read twice; give each file once`,
    ],
    [
      "two credit-bench runs",
      [`${dir}/runs/run_a`, `${dir}/runs/run_b`],
      `${dir}/runs/run_a, ${dir}/runs/run_b: hold the rollouts of 2 runs; analyze one run at a time, each into its own --out`,
    ],
    [
      "a folder of run folders",
      [`${dir}/runs`],
      `${dir}/runs: holds run folders, not rollouts; give one run, e.g. ${dir}/runs/run_a`,
    ],
    [
      "a truncated Parquet file",
      [`${dir}/cut.parquet`],
      new RegExp(
        `^${dir}/cut\\.parquet: is not a whole Parquet file \\(.*\\); copy it again from the trainer's output$`,
      ),
    ],
    [
      "UTF-16 text, with a byte-order mark",
      [`${dir}/utf16.jsonl`],
      `${dir}/utf16.jsonl: is UTF-16 text (as Windows PowerShell's > writes), not UTF-8; convert it, e.g. iconv -f UTF-16 -t UTF-8 ${dir}/utf16.jsonl > ${dir}/utf16.utf8.jsonl`,
    ],
    [
      "a gzip file whose name ends in .jsonl (it was called UTF-16)",
      [`${dir}/zipped.jsonl`],
      `${dir}/zipped.jsonl: is gzip-compressed, but its name does not end in .gz; rename it, e.g. mv ${dir}/zipped.jsonl ${dir}/zipped.jsonl.gz`,
    ],
    [
      "UTF-16 text, little-endian without a byte-order mark",
      [`${dir}/utf16le.jsonl`],
      `${dir}/utf16le.jsonl: is UTF-16 text (as Windows PowerShell's > writes), not UTF-8; convert it, e.g. iconv -f UTF-16LE -t UTF-8 ${dir}/utf16le.jsonl > ${dir}/utf16le.utf8.jsonl`,
    ],
    [
      "UTF-16 text read with --format: the bytes are wrong, not the format",
      [`${dir}/utf16.jsonl`],
      `${dir}/utf16.jsonl: is UTF-16 text (as Windows PowerShell's > writes), not UTF-8; convert it, e.g. iconv -f UTF-16 -t UTF-8 ${dir}/utf16.jsonl > ${dir}/utf16.utf8.jsonl`,
      { format: "generic" },
    ],
    [
      "a --format the file is not in, for its first line",
      [`${dir}/mixed/a.jsonl`],
      `${dir}/mixed/a.jsonl: line 1: score is not a number (read as --format verl); give every record a score that is a number, or give the --format it is in (or none, to detect it)`,
      { format: "verl" },
    ],
    [
      "--format trl for a JSON Lines file",
      [`${dir}/mixed/a.jsonl`],
      new RegExp(
        `^${dir}/mixed/a\\.jsonl: is not a whole Parquet file \\(.*\\) \\(read as --format trl\\); copy it again from the trainer's output, or give the --format it is in \\(or none, to detect it\\)$`,
      ),
      { format: "trl" },
    ],
    [
      "a bad line after the first, with --format given: no word on the format",
      [`${dir}/bad_json.jsonl`],
      `${dir}/bad_json.jsonl: line 2 is not JSON; write one JSON object per line`,
      { format: "generic" },
    ],
    [
      "a truncated gzip file",
      [`${dir}/cut.jsonl.gz`],
      `${dir}/cut.jsonl.gz: is a truncated or corrupt gzip file; copy it again from its run folder`,
    ],
    [
      "an --out that is not an analysis",
      [`${dir}/bad_step.jsonl`],
      `${dir}/taken: exists and is not an analysis; give --out a new folder or an earlier analysis`,
      { out: `${dir}/taken` },
    ],
    [
      "an --out analysis holding a file analyze did not write",
      [`${dir}/bad_step.jsonl`],
      `${dir}/done/notes.md: was not written by analyze, and --out is replaced whole; move it out of the folder, or give --out another folder`,
      { out: `${dir}/done` },
    ],
    [
      "an --out analysis holding an SVG of one's own in figures/",
      [`${dir}/bad_step.jsonl`],
      `${dir}/plotted/figures/my_plot.svg: was not written by analyze, and --out is replaced whole; move it out of the folder, or give --out another folder`,
      { out: `${dir}/plotted` },
    ],
    [
      "an --out that cannot be written, before the dump is read",
      [`${dir}/bad_step.jsonl`],
      new RegExp(`^${dir}/notes\\.txt/analysis: cannot be written \\(.*\\); give --out a folder you can write$`),
      { out: `${dir}/notes.txt/analysis` },
    ],
    [
      "mining options where the grams are given",
      [`${dir}/bad_step.jsonl`],
      `--mine, --sentence-model: set how grams are mined, but they are read from ${dir}/notes.txt; drop --grams to mine them, or drop --mine and --sentence-model`,
      { grams: `${dir}/notes.txt`, sentenceModel: `${dir}/empty` },
    ],
    [
      "an --answer-pattern that is not a regular expression",
      [`${dir}/bad_step.jsonl`],
      /^--answer-pattern: Invalid regular expression: .*; give a JavaScript regular expression$/,
      { answerPattern: "(" },
    ],
    [
      "an --answer-pattern with \\p{…} that Unicode mode refuses (it fell back to the plain mode, where \\p{Nd} is letters)",
      [`${dir}/bad_step.jsonl`],
      "--answer-pattern: Invalid regular expression: /\\[(\\p{Nd}+)]/gu: Lone quantifier brackets; with \\p{…}, write " +
      "it as Unicode mode reads it: a literal ], { or } escaped with \\, no other escape of a plain character",
      { answerPattern: "\\[(\\p{Nd}+)]" },
    ],
    ["no input", [], "inputs: is empty; give at least one folder or file of rollouts"],
    ["a blank --out", [`${dir}/bad_step.jsonl`], "--out: is blank; give the report folder", { out: " " }],
    [
      "an unknown --format",
      [`${dir}/bad_step.jsonl`],
      "--format: is nope; give one of generic, verl, trl, credit-bench, or leave it out",
      { format: "nope" as Format },
    ],
    ["a --mine of 0", [`${dir}/bad_step.jsonl`], "--mine: is 0; give a positive integer", { mine: 0 }],
    ["a --seed of 1.5", [`${dir}/bad_step.jsonl`], "--seed: is 1.5; give a positive integer", { seed: 1.5 }],
    ["a --threshold of NaN", [`${dir}/bad_step.jsonl`], "--threshold: is NaN; give a finite number", {
      threshold: NaN,
    }],
    ["no reflection phrase", [`${dir}/bad_step.jsonl`], "--reflections: is empty; give at least one phrase", {
      reflections: [],
    }],
    [
      "a blank reflection phrase",
      [`${dir}/bad_step.jsonl`],
      "--reflections: phrase 2 has no word; give each phrase a word",
      {
        reflections: ["wait", " "],
      },
    ],
    [
      "probabilities given as logprobs",
      [`${dir}/probs.jsonl`],
      `${dir}/probs.jsonl: line 1: logprobs has 0.5; give log-probabilities (≤ 0), not probabilities`,
    ],
    [
      "a negative entropy",
      [`${dir}/neg_entropy.jsonl`],
      `${dir}/neg_entropy.jsonl: line 1: entropies has -1; give entropies (≥ 0)`,
    ],
    [
      "a --reward-column on a dump other than TRL's",
      [`${dir}/copies/step_2.jsonl`],
      "--reward-column: names a column of TRL's Parquet, but the dump is generic; drop it",
      { rewardColumn: "accuracy" },
    ],
    [
      "a blank gram in a gram list",
      [`${dir}/bad_step.jsonl`],
      `${dir}/blank_gram.json: gram 2 has no word; give each gram a word, or drop it`,
      { grams: `${dir}/blank_gram.json`, mine: undefined },
    ],
  ];
  for (const [name, inputs, message, more] of cases) {
    await t.step(name, async () => {
      const out = more?.out ?? `${dir}/out`;
      let caught: unknown = null;
      await run(inputs, out, { mine: 1, ...more }).catch((x) => (caught = x));
      assert(caught instanceof AnalyzeError, `${name}: ${caught}`);
      const msg = (caught as Error).message;
      assert(!msg.includes("\n"), msg);
      if (typeof message === "string") assertEquals(msg, message);
      else assertMatch(msg, message);
      assert(!(await Deno.stat(`${dir}/out`).catch(() => null)), "nothing written");
      assert(!(await Deno.stat(`${out}.next`).catch(() => null)), "no half-written folder");
      assert(!(await Deno.stat(`${out}.lock`).catch(() => null)), "the lock released and removed");
    });
  }
  await t.step("the CLI prints the one line and exits 1", async () => {
    const p = await cli(["analyze", `${dir}/bad_json.jsonl`, "--out", `${dir}/out`]);
    assertEquals([p.code, p.stderr], [
      1,
      `error: ${dir}/bad_json.jsonl: line 2 is not JSON; write one JSON object per line`,
    ]);
    await Deno.writeTextFile(`${dir}/none.txt`, "# nothing\n");
    const q = await cli([
      "analyze",
      `${dir}/bad_step.jsonl`,
      "--out",
      `${dir}/out`,
      "--reflections",
      `${dir}/none.txt`,
    ]);
    assertEquals([q.code, q.stderr], [1, `error: ${dir}/none.txt: has no phrase; write one reflection phrase a line`]);
    assert(!(await Deno.stat(`${dir}/out`).catch(() => null)), "nothing written");
  });
});

Deno.test("analyze: what it removes beside --out is its own: a user's out.next, out.old or out.lock is refused, and so is an input there", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) });
  await Deno.mkdir(`${dir}/run.next`);
  await Deno.writeTextFile(`${dir}/run.next/1.jsonl`, jsonl(GENERIC));
  await Deno.mkdir(`${dir}/a.next`);
  await Deno.writeTextFile(`${dir}/a.next/notes.md`, "mine");
  await Deno.writeTextFile(`${dir}/b.old`, "a backup");
  await Deno.writeTextFile(`${dir}/c.lock`, "my notes\n");
  await Deno.mkdir(`${dir}/d.lock`);
  const cases: [string, string, string][] = [
    [
      `${dir}/run.next`,
      `${dir}/run`,
      `${dir}/run.next: is inside ${dir}/run.next, which analyze replaces or removes; give --out another folder`,
    ],
    [
      `${dir}/run.jsonl`,
      `${dir}/a`,
      `${dir}/a.next/notes.md: was not written by analyze, and analyze removes it; move it away, or give --out another folder`,
    ],
    [
      `${dir}/run.jsonl`,
      `${dir}/b`,
      `${dir}/b.old: was not written by analyze, and analyze removes it; move it away, or give --out another folder`,
    ],
    ...["c", "d"].map((o): [string, string, string] => [
      `${dir}/run.jsonl`,
      `${dir}/${o}`,
      `${dir}/${o}.lock: is not analyze's lock file (the process id of the analysis writing --out); move it away, or give --out another folder`,
    ]),
  ];
  for (const [input, out, message] of cases) {
    await assertRejects(
      () => run([input], out, { mine: 3 }),
      (e: Error) => e instanceof AnalyzeError && e.message === message,
    );
  }
  assertEquals(await Deno.readTextFile(`${dir}/run.next/1.jsonl`), jsonl(GENERIC));
  assertEquals(await Deno.readTextFile(`${dir}/a.next/notes.md`), "mine");
  assertEquals(await Deno.readTextFile(`${dir}/b.old`), "a backup");
  assertEquals(await Deno.readTextFile(`${dir}/c.lock`), "my notes\n");
  assert((await Deno.stat(`${dir}/d.lock`)).isDirectory);
  for (const o of ["run", "a", "b", "c", "d"]) assert(!(await Deno.stat(`${dir}/${o}`).catch(() => null)), o);
});

Deno.test("analyze: a second analysis into the same --out stops at once, leaves nothing, and leaves the first's staging folder alone", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) }), out = `${dir}/out`;
  // The first analysis, as another process: holding out.lock, then writing out.next.
  const first = await lockFolder(out, "", { path: `${out}.lock` });
  const refused = (e: Error) =>
    e instanceof FolderLockedError &&
    e.message ===
      `another credit-bench process (pid ${Deno.pid}) is writing ${out}; wait for it to finish (or stop it), or give --out another folder`;
  // Before the first has staged anything (or once it has moved its analysis in): the second leaves no out.next.
  await assertRejects(() => run([`${dir}/run.jsonl`], out, { mine: 3 }), refused);
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["out.lock", "run.jsonl"]);
  await Deno.mkdir(`${out}.next`);
  await Deno.writeTextFile(`${out}.next/steps.jsonl`, "{}\n");
  await assertRejects(() => run([`${dir}/run.jsonl`], out, { mine: 3 }), refused);
  assertEquals(await Deno.readTextFile(`${out}.next/steps.jsonl`), "{}\n");
  assert(!(await Deno.stat(out).catch(() => null)), "nothing written");
  first.close();
  const r = await run([`${dir}/run.jsonl`], out, { mine: 3 });
  assert(r.files.includes("steps.jsonl"));
  for (const gone of [`${out}.next`, `${out}.lock`]) assert(!(await Deno.stat(gone).catch(() => null)), gone);
});

Deno.test("analyze: a run longer than MAX_POINTS steps is drawn as bin means, and its per-step table left to the files", async () => {
  // 1,201 steps of one completion each, right (reward 1) at odd steps: bins of 3 steps, the last of one.
  const steps = 1201,
    rows = Array.from({ length: steps }, (_, i) => ({
      step: i + 1,
      prompt: "p",
      completion: i % 2 === 0 ? "the key insight is \\boxed{4}" : "so \\boxed{5}",
      reward: (i + 1) % 2,
    }));
  const dir = await folder({ "long.jsonl": jsonl(rows), "grams.txt": "the key insight\n" }), out = `${dir}/out`;
  const r = await run([`${dir}/long.jsonl`], out, { grams: `${dir}/grams.txt` });
  assertEquals(r.steps.length, steps);
  const bins = stepBins(r.steps.map((s) => s.step!));
  assertEquals([bins.size, new Set(bins.at.values()).size, bins.at.get(1), bins.at.get(3), bins.at.get(1201)], [
    3,
    401,
    2,
    2,
    1201,
  ]);
  const report: AnalysisReport = {
    label: "long",
    command: "",
    inputs: [],
    steps: r.steps,
    overall: r.overall,
    grams: r.grams,
    mined: null,
    gramSource: "",
    reflections: ["wait"],
  };
  const accuracy = analysisFigures(report).find((f) => f.name === "accuracy")!;
  assertEquals(accuracy.points.length, 401);
  // Steps 1, 2, 3: right, wrong, right; steps 4, 5, 6: wrong, right, wrong; step 1201 alone, right.
  assertEquals(accuracy.points.slice(0, 2).map((p) => [p.step, p.mean]), [[2, 2 / 3], [5, 1 / 3]]);
  assertEquals([accuracy.points.at(-1)!.step, accuracy.points.at(-1)!.mean], [1201, 1]);
  assertMatch(
    accuracy.subtitle!,
    /^the mean of the run's values over bins of 3 consecutive steps, at their mean step \(1201 steps/,
  );
  // The files keep every step; the page names them instead of a 1,201-row table.
  assertEquals((await Deno.readTextFile(`${out}/steps.csv`)).trim().split("\n").length, steps + 1);
  const page = await Deno.readTextFile(`${out}/index.html`);
  assert(page.includes("1201 steps, more than the page shows: every step is in <code>steps.csv</code>"), "the note");
  assert(!page.includes("<tr><th>600</th>"), "no per-step rows on the page");
  // A run of MAX_POINTS steps or fewer: one point a step, at its own value.
  const short = { ...report, steps: r.steps.slice(0, MAX_POINTS) };
  const one = analysisFigures(short).find((f) => f.name === "accuracy")!;
  assertEquals(one.points.map((p) => [p.step, p.mean]), short.steps.map((s) => [s.step, s.accuracy]));
  assertEquals(one.subtitle, "the run's value at each step");
});

/** Run the command line with `args`: exit code, stdout, stderr (trimmed). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../harness/cli.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: p.code, stdout: text(p.stdout), stderr: text(p.stderr) };
}

Deno.test("analyze: the command line, with reflection phrases and an answer pattern of one's own", async () => {
  const rows = [
    { step: 0, prompt: "p", completion: "Eureka! answer: 7", reward: 1 },
    { step: 0, prompt: "p", completion: "answer: 8", reward: 0 },
  ];
  const dir = await folder({ "run.jsonl": jsonl(rows), "phrases.txt": "# mine\neureka\n", "grams.txt": "answer\n" });
  const p = await cli([
    "analyze",
    `${dir}/run.jsonl`,
    "--out",
    `${dir}/out`,
    "--reflections",
    `${dir}/phrases.txt`,
    "--answer-pattern",
    "answer: (\\d+)",
    "--grams",
    `${dir}/grams.txt`,
  ]);
  assertEquals(p.code, 0, p.stderr);
  assertMatch(p.stdout, /\| reflection among correct %\s+\|\s+100\.0 \|/); // the summary table on stdout
  assertMatch(p.stderr, /^analyzed 2 completions of 1 step into /m); // not "1 steps"
  const overall = JSON.parse(await Deno.readTextFile(`${dir}/out/overall.json`));
  assertEquals([overall.reflection.all, overall.answered, overall.seAnswer], [0.5, 1, LN2]); // "7" and "8"
  assertMatch(await Deno.readTextFile(`${dir}/out/index.html`), /Reflection phrases: <code>eureka<\/code>\./);
});

/** What the analysis page shows in a browser: its tables' rows and its figures' drawn sizes. */
interface Seen {
  tables: number[];
  figures: { id: string; width: number; height: number }[];
}

Deno.test({
  name: "analyze: index.html renders in headless Chromium, every table and figure, no console error " +
    "(ignored without /usr/bin/chromium, --allow-run or --allow-net=127.0.0.1)",
  ignore: !chromiumReady(),
  fn: async () => {
    const dir = await folder({ "run.jsonl": jsonl(GENERIC) });
    const r = await run([`${dir}/run.jsonl`], `${dir}/out`, { mine: 3 });
    const { value: seen, errors } = await renderInChromium<Seen>(
      `file://${dir}/out/index.html`,
      `(() => ({
        tables: [...document.querySelectorAll("table")].map((t) => t.rows.length),
        figures: [...document.querySelectorAll("figure > svg")].map((g) => {
          const b = g.getBoundingClientRect();
          return { id: g.parentElement.id, width: b.width, height: b.height };
        }),
      }))()`,
    );
    assertEquals(errors, [], "the page logs no error");
    assertEquals(seen.tables, [20, 3, 7]); // summary: header + 19 metrics (pass@1, @2); steps: header + 2; length bins: header + 6
    const written = r.files.filter((f) => f.startsWith("figures/")).map((f) => f.slice(8, -4));
    assertEquals(seen.figures.map((f) => f.id), written);
    for (const f of seen.figures) assert(f.width > 0 && f.height > 0, `figure ${f.id}: ${f.width}×${f.height}`);
  },
});

/** The reflection shares of a step of one right completion and one wrong one, with `phrase` the one reflection. */
async function reflectionOf(right: string, wrong: string, phrase: string) {
  const dir = await folder({
    "dump.jsonl": jsonl([
      { step: 0, prompt: "p", completion: `${right} \\boxed{1}`, reward: 1 },
      { step: 0, prompt: "p", completion: `${wrong} \\boxed{2}`.trim(), reward: 0 },
    ]),
  });
  return (await run([`${dir}/dump.jsonl`], `${dir}/out`, { reflections: [phrase] })).steps[0].reflection;
}

Deno.test("analyze words: a typographic apostrophe reads as ', a combining mark stays with its letter", async () => {
  assertEquals(textWords("Let’s double-check: café, cafe\u0301, don\u02BCt"), [
    "let's",
    "double",
    "-",
    "check",
    ":",
    "café",
    ",",
    "cafe\u0301",
    ",",
    "don't",
  ]);
  // The token mask lines the words up with the text's characters, ’ included: "let's" covers "Let’s" whole.
  assertEquals([...tokenPlanningMask("Let’s go", ["Let", "’s", " go"], Uint8Array.of(1, 0))!], [1, 1, 0]);
  // A reflection phrase typed with ' is found in a completion written with ’ (it was not).
  assertEquals(await reflectionOf("Let’s check again.", "", "let's check"), {
    all: 0.5,
    amongCorrect: 1,
    amongIncorrect: 0,
  });
});

Deno.test("analyze words: in Chinese and Japanese, written without spaces, each character is a word", async () => {
  assertEquals(textWords("让我再检查。GPT模型 wait, 42"), [
    ..."让我再检查。",
    "gpt",
    ..."模型",
    "wait",
    ",",
    "42",
  ]);
  assertEquals(textWords("もう一度確認"), [..."もう一度確認"]);
  // The long-vowel mark ー is of the Common script, shared by Katakana and Hiragana: it is a word of its own,
  // not glued to the Latin letters or digits after it.
  assertEquals(textWords("サーバーv2"), ["サ", "ー", "バ", "ー", "v2"]);
  // A Thai vowel or tone mark stays with its letter.
  assertEquals(textWords("ให้"), ["ใ", "ห้"]);
  // The token mask lines the characters up: only the token holding 检查 is planning.
  assertEquals([...tokenPlanningMask("让我检查", ["让我", "检查"], Uint8Array.of(0, 0, 1, 1))!], [0, 1]);
  // A reflection phrase is found inside a sentence whatever surrounds it: ICU's dictionary cut 再检查 as
  // 再|检查 alone but 我再|检查 in 让我再检查一下, so a phrase cut one way missed text cut the other.
  assertEquals(await reflectionOf("让我再检查一下。", "答案是二。", "再检查"), {
    all: 0.5,
    amongCorrect: 1,
    amongIncorrect: 0,
  });
});

Deno.test("analyze from code: a lone path for inputs, or no command, is one line naming the option", async () => {
  const dir = await folder({ "run.jsonl": jsonl(GENERIC) });
  await assertRejects(
    () => analyze({ inputs: `${dir}/run.jsonl` as unknown as string[], out: `${dir}/a`, command: "x" }),
    { message: `inputs: is "${dir}/run.jsonl"; give a list of paths, e.g. ["run/rollouts"]` },
  );
  await assertRejects(
    () => analyze({ inputs: [`${dir}/run.jsonl`], out: `${dir}/a` } as AnalyzeOptions),
    { message: "command: is undefined; give a string" },
  );
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["run.jsonl"], "nothing written");
});

Deno.test("analyze: a generic line whose reward is null is scored by its correct, as one without a reward", async () => {
  const dir = await folder({
    "null_reward.jsonl": jsonl([
      { step: 0, prompt: "p", completion: "\\boxed{1}", reward: null, correct: true },
      { step: 0, prompt: "p", completion: "\\boxed{2}", reward: null, correct: false },
    ]),
    "null_only.jsonl": jsonl([{ step: 0, prompt: "p", completion: "\\boxed{1}", reward: null }]),
  });
  const [s] = (await run([`${dir}/null_reward.jsonl`], `${dir}/out`)).steps;
  assertEquals([s.accuracy, s.reward], [0.5, 0.5]);
  await assertRejects(() => run([`${dir}/null_only.jsonl`], `${dir}/out2`), {
    message: `${dir}/null_only.jsonl: line 1 has neither reward nor correct; give every line a reward or correct`,
  });
});
