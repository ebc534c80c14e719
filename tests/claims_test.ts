/**
 * The claims report (harness/report/claims/): on the committed fixture results (tests/fixtures/results,
 * made by tests/fixtures/make_results_fixture.ts) with values worked out by hand, and on small runs built
 * here to pin each definition (half-way steps with smoothing, the evaluation windows of C3, the A/A halves,
 * the positive control, the sensitivity) and each bad input (a claim's baselines absent, one seed, a missing or NaN metric).
 * @module
 */
import { assert, assertClose, assertEquals } from "./testing.ts";
import { type LoadedRun, loadResults, type SuiteResults } from "../harness/store/results.ts";
import type { EvalRecord, RunManifest, StepRecord } from "../harness/store/schema.ts";
import { claimsOf, type ClaimsReport } from "../harness/report/claims/claims.ts";
import type { JudgedClaim } from "../harness/report/claims/claim.ts";
import { minimumDetectableEffect, minimumPairs } from "../harness/stats/power.ts";
import { CONFIGS } from "../harness/config.ts";

const FIXTURE = new URL("./fixtures/results", import.meta.url).pathname;

/** The claim or control labelled `label` (the controls by id: `A/A`, `P`). */
function claim(r: ClaimsReport, label: string): JudgedClaim {
  const c = r.controls.find((x) => x.id === label) ?? r.claims.find((x) => x.label === label);
  if (!c) throw new Error(`no claim ${label} among ${r.claims.map((x) => x.label)}`);
  return c;
}

/** A training step with the three metrics the claims read (the rest left out). */
function step(n: number, exec: number | null, se: number | null, entropy: number): StepRecord {
  return {
    step: n,
    seStrategic: se,
    masks: { oracle: { relPerplexity: { execution: exec }, entropy: { all: entropy } } },
  } as unknown as StepRecord;
}

/** An evaluation of one task with pass@1 `pass1` and planning-error share `planning`. */
function evaluation(n: number, pass1: number, planning = 0.1): EvalRecord {
  return { step: n, evals: [{ task: "t", pass1, errors: { planning } }] } as unknown as EvalRecord;
}

/** A run of `baseline` and `seed` with the given steps and evaluations. */
function run(baseline: string, seed: number, steps: StepRecord[], evals: EvalRecord[]): LoadedRun {
  const manifest = { baseline, seed, baselineSource: baseline, params: {}, config: { baselines: ["grpo", "hicra"] } };
  return { dir: `${baseline}-s${seed}`, manifest: manifest as unknown as RunManifest, steps, evals };
}

/** Suite `synthetic` of `runs`, with a base model evaluated at pass@1 `base` unless null. */
function suite(runs: LoadedRun[], base: number | null = 0.1): SuiteResults {
  const b = base === null ? null : { dir: "base", manifest: {} as RunManifest, eval: evaluation(0, base) };
  return { suite: "synthetic", base: b, runs, skipped: [] };
}

/** A run whose only evaluation (step 1) has pass@1 `pass1`, with one training step. */
function final(baseline: string, seed: number, pass1: number): LoadedRun {
  return run(baseline, seed, [step(0, 1, 1, 0.5)], [evaluation(1, pass1)]);
}

Deno.test("claims of the fixture, by hand", async (t) => {
  const r = claimsOf(await loadResults(FIXTURE, "fixture"));

  await t.step("C1: hicra − grpo per seed, exact sign-flip p over 4 flips, no g with 2 pairs", () => {
    // Final pass@1 (countdown, linear_equation): grpo seed 1 (0.50, 0.30), seed 2 (0.54, 0.26); hicra seed 1
    // (0.56, 0.28), seed 2 (0.60, 0.28). Mean over tasks: grpo 0.40, 0.40, hicra 0.42, 0.44: d = 0.02, 0.04,
    // mean 0.03; resamples of two differences average to 0.02, 0.03, 0.04 (¼, ½, ¼), so the interval is
    // [0.02, 0.04]; flips ±0.02 ± 0.04 reach |0.06| twice in 4: p = 0.5.
    const mean = claim(r, "C1 mean over tasks");
    assertClose([mean.test!.estimate.estimate, ...mean.test!.estimate.interval!, mean.test!.p], [
      0.03,
      0.02,
      0.04,
      0.5,
    ], 1e-12);
    assertEquals([mean.test!.n, mean.test!.hedgesG, mean.verdict, mean.seedsNeeded], [2, null, "inconclusive", null]);
    // countdown: d = 0.06 and 0.06: the interval is a point, p = 0.5; linear_equation: d = −0.02, +0.02: p = 1.
    const countdown = claim(r, "C1 countdown"), linear = claim(r, "C1 linear_equation");
    assertClose([countdown.test!.estimate.estimate, ...countdown.test!.estimate.interval!], [0.06, 0.06, 0.06], 1e-12);
    assertClose([linear.test!.estimate.estimate, ...linear.test!.estimate.interval!], [0, -0.02, 0.02], 1e-12);
    assertEquals([countdown.test!.p, linear.test!.p], [0.5, 1]);
  });

  await t.step("C3: se_strategic rises and token entropy falls with accuracy in every run", () => {
    // Evaluations at the base model's step 0 and steps 1, 2, 3, pass@1 moving in equal thirds to the final;
    // training steps 0, 1, 2 pair with evaluations 0, 1, 2 (step 3 has no training step after step 2).
    // se_strategic rises and entropy falls every step, as accuracy does: ρ_SE = 1, ρ_H = −1, d = 2 in all
    // four runs; the 4 flips' sums reach |8| twice in 16: p = 0.125; no spread, so no g.
    const c3 = claim(r, "C3");
    assertEquals(c3.detail.rows.map((row) => row.slice(1)), new Array(4).fill([3, 1, -1, 2]));
    assertEquals([c3.test!.estimate.estimate, c3.test!.estimate.interval, c3.test!.p], [2, [2, 2], 0.125]);
  });

  await t.step("C4 and C6 not run, with the command; Holm over the six tests run", () => {
    for (const label of ["C4a token entropy", "C4b accuracy"]) {
      const c = claim(r, label);
      assertEquals([c.test, c.missing], [null, "not run: no complete run of entropy_reg"]);
      assertEquals(c.command, "deno task bench --suite fixture --baselines entropy_reg,grpo --seeds 1,2");
    }
    assertEquals(claim(r, "C6").command, "deno task bench --suite fixture --baselines hicra,placebo_hicra --seeds 1,2");
    // Tests: C1 ×3, C2, C3, C5. Sorted raw p: 0.125 (C3) ×6 = 0.75; every other p is at least 0.5, ×5 ≥ 1.
    assertEquals(r.family, 6);
    assertEquals(claim(r, "C3").pAdjusted, 0.75);
    for (const label of ["C1 mean over tasks", "C1 countdown", "C1 linear_equation", "C2", "C5"]) {
      assertEquals(claim(r, label).pAdjusted, 1, label);
    }
    assert(r.claims.every((c) => c.verdict === "inconclusive"));
    // C3 has no g (no spread) but one sign in 4 runs: the fewest runs an exact test decides with at α/6.
    assertEquals(claim(r, "C3").seedsNeeded, minimumPairs(0.05 / 6));
  });

  await t.step("A/A: grpo's two seeds as two halves of one run each: no interval, p = 1, inconclusive", () => {
    // grpo seed 1 and seed 2 both end at 0.40 over tasks: difference 0; the 2 relabelings tie: p = 1.
    const aa = claim(r, "A/A");
    assertEquals(aa.detail.rows, [["grpo seed 1", "grpo A", 0.4], ["grpo seed 2", "grpo B", 0.4]]);
    assertEquals(aa.test!.estimate, {
      estimate: 0,
      interval: null,
      level: 0.95,
      reason: "one seed in grpo A: no interval",
    });
    assertEquals([aa.test!.p, aa.pAdjusted, aa.verdict], [1, 1, "inconclusive"]);
  });
});

Deno.test("the A/A control on four GRPO seeds, by hand", () => {
  // Seeds 1–4 end at 0.50, 0.54, 0.52, 0.58: A = seeds 1, 2 (mean 0.52), B = seeds 3, 4 (0.55), difference
  // −0.03; 4 of the 6 relabelings are as extreme (stats_test): p = 2/3. Hedges' g: pooled variance
  // (0.0008 + 0.0018)/2, d = −0.03/√0.0013 = −0.8321, J(2) = 4/7: g = −0.4755.
  const r = claimsOf(suite([0.50, 0.54, 0.52, 0.58].map((p, i) => final("grpo", i + 1, p))));
  const aa = claim(r, "A/A");
  assertEquals(aa.detail.rows.map((row) => row[1]), ["grpo A", "grpo A", "grpo B", "grpo B"]);
  assertClose([aa.test!.estimate.estimate, aa.test!.p, aa.test!.hedgesG!], [-0.03, 2 / 3, -0.47546], 1e-5);
  // Each group's resample is one of its two runs twice with chance ¼ each, so the extreme differences
  // 0.50 − 0.58 = −0.08 and 0.54 − 0.52 = 0.02 come up 1 time in 16, more than 2.5%: they bound the interval.
  assertClose(aa.test!.estimate.interval!, [-0.08, 0.02], 1e-12);
  assertEquals(aa.verdict, "inconclusive");
  assertEquals(aa.test!.test, "two-sample permutation test, exact, 4 runs (2 vs 2)");
});

Deno.test("the positive control: grpo against grpo_half_signal, seed-matched at the raw p", async (t) => {
  const grpo = [0.50, 0.52, 0.55, 0.51, 0.53, 0.54], handicapped = [0.45, 0.49, 0.50, 0.47, 0.47, 0.50];

  await t.step("six seeds, every difference positive: p = 2/64, supported; out of C2 and C3", () => {
    const r = claimsOf(suite([
      ...grpo.map((p, i) => final("grpo", i + 1, p)),
      ...handicapped.map((p, i) => final("grpo_half_signal", i + 1, p)),
    ]));
    const p = claim(r, "P");
    // d = 0.05, 0.03, 0.05, 0.04, 0.06, 0.04: mean 0.045; only the two all-same-sign flips reach |0.27|.
    assertClose([p.test!.estimate.estimate, p.test!.p], [0.045, 2 / 64], 1e-12);
    assertEquals([p.pAdjusted, p.verdict, p.test!.n], [2 / 64, "supported", 6]);
    assert(!r.claims.some((c) => c.detail.rows.some((row) => String(row[0]).startsWith("grpo_half_signal"))));
    assertEquals(claim(r, "C2").detail.rows.length, 6, "C2 counts grpo's runs only");
  });

  await t.step("five seeds cannot decide, and the report says why; no handicapped run: not run", () => {
    const r = claimsOf(suite([
      ...grpo.slice(0, 5).map((p, i) => final("grpo", i + 1, p)),
      ...handicapped.slice(0, 5).map((p, i) => final("grpo_half_signal", i + 1, p)),
    ]));
    assertEquals([claim(r, "P").test!.p, claim(r, "P").verdict], [2 / 32, "inconclusive"]);
    const none = claimsOf(suite([final("grpo", 1, 0.5), final("grpo", 2, 0.5)]));
    assertEquals(
      claim(none, "P").command,
      "deno task bench --suite synthetic --baselines grpo,grpo_half_signal --seeds 1,2",
    );
  });
});

Deno.test("sensitivity: GRPO's gain, the pairs' std, the detectable effect", async (t) => {
  await t.step("by hand: 6 pairs with d std 0.02 at α = 0.05 / family", () => {
    // grpo 0.50 … 0.55 (mean 0.525) over a base of 0.10: gain 0.425. hicra − grpo alternates ±0.02 around
    // 0.01 (d = 0.03, −0.01, …): sample std √(6·0.0004/5) = 0.021909.
    const g = [0.50, 0.51, 0.52, 0.53, 0.54, 0.55], d = [0.03, -0.01, 0.03, -0.01, 0.03, -0.01];
    const r = claimsOf(suite([
      ...g.map((p, i) => final("grpo", i + 1, p)),
      ...g.map((p, i) => final("hicra", i + 1, p + d[i])),
    ]));
    const s = r.sensitivity, alpha = 0.05 / r.family;
    assertClose([s.gain!, s.std!], [0.525 - 0.1, Math.sqrt(6 * 0.0004 / 5)], 1e-12);
    assertEquals(s.pairs, 6);
    // Six pairs cannot reach α/m for m ≥ 2 (2/64 > 0.025): the exact test needs more, so nothing is detectable.
    assert(r.family >= 2 && minimumPairs(alpha) > 6);
    assertEquals(s.mde, Infinity);
    assertEquals(s.pairsForHalfGain, minimumPairs(alpha), "half the gain is 10 stds: the fewest pairs decide it");
    assert(
      s.text.includes(`is none: the exact test needs ${minimumPairs(alpha)} pairs`) &&
        s.text.includes("seed-matched pairs"),
      s.text,
    );
  });

  await t.step("ten pairs decide: the detectable effect is the power formula's, and half the gain is in reach", () => {
    const g = Array.from({ length: 10 }, (_, i) => 0.5 + i / 100), d = g.map((_, i) => (i % 2 ? -0.01 : 0.03));
    const r = claimsOf(suite([
      ...g.map((p, i) => final("grpo", i + 1, p)),
      ...g.map((p, i) => final("hicra", i + 1, p + d[i])),
    ]));
    const s = r.sensitivity, alpha = 0.05 / r.family, std = Math.sqrt(10 * 0.0004 / 9);
    assertClose([s.std!, s.mde!], [std, minimumDetectableEffect(10, std, { design: "paired", alpha })], 1e-12);
    assert(Number.isFinite(s.mde!) && s.mde! < s.gain! / 2);
    assert(s.text.endsWith("half of GRPO's gain is detectable here."), s.text);
  });

  await t.step(
    "runs in which no group ever had a reward spread: said first, as no verdict is about the methods",
    () => {
      const spread = (run: LoadedRun, fracs: number[]): LoadedRun => ({
        ...run,
        steps: fracs.map((f, i) => ({ ...step(i, 1, 1, 0.5), fracRewardZeroStd: f })),
      });
      const runs = (hicraFracs: number[]) => [
        spread(final("grpo", 1, 0.5), [1, 1]),
        spread(final("hicra", 1, 0.5), hicraFracs),
        spread(final("grpo_half_signal", 1, 0.5), [0.5, 0.5]), // a control: not counted
      ];
      const silent = claimsOf(suite(runs([1, 1]))).sensitivity;
      const oneStep = claimsOf(suite(runs([1, 0.75]))).sensitivity; // one group of one step had a spread
      assert(silent.warning?.startsWith("No learning signal: in every RL run, every group's rewards were equal"));
      assertEquals(silent.text, `${silent.warning} ${oneStep.text}`);
      assertEquals(oneStep.warning, null);
      assert(oneStep.text.startsWith("Sensitivity: "), oneStep.text);
    },
  );

  await t.step("no grpo run or no base model: the gain is unknown, said so", () => {
    const r = claimsOf(suite([final("hicra", 1, 0.5)], null));
    assertEquals([r.sensitivity.gain, r.sensitivity.std, r.sensitivity.mde], [null, null, null]);
    assert(r.sensitivity.text.includes("unknown"), r.sensitivity.text);
  });
});

Deno.test("C2: half-way steps on trailing means, and the order", () => {
  // 20 steps, so w = 2. Execution relative perplexity 1 (5 steps, one a dip to 0.625), then 0.5: start 1,
  // end 0.5, midpoint 0.75; trailing means (1 + 0.625)/2 = 0.8125 pass over the dip, (1 + 0.5)/2 = 0.75 at
  // step 5 reaches it (a single step would have stopped at the dip, step 2). se_strategic 2 for 10 steps
  // then 3: midpoint 2.5, reached at step 10. So t_exec 5 < t_SE 10: in order. A run whose se_strategic
  // falls has no t_SE, one whose perplexity rises no t_exec: neither is in order.
  const exec = [1, 1, 0.625, 1, 1, ...new Array(15).fill(0.5)],
    rise = [...new Array(10).fill(2), ...new Array(10).fill(3)];
  const steps = (e: number[], s: number[]) => e.map((x, i) => step(i, x, s[i], 0.5));
  const r = claimsOf(suite([
    run("grpo", 1, steps(exec, rise), [evaluation(20, 0.5)]),
    run("grpo", 2, steps(exec, [...rise].reverse()), [evaluation(20, 0.5)]),
    run("hicra", 1, steps([...exec].reverse(), rise), [evaluation(20, 0.5)]),
  ]));
  const c2 = claim(r, "C2");
  assertEquals(c2.detail.rows, [
    ["grpo seed 1", 5, 10, "yes"],
    ["grpo seed 2", 5, null, "no"],
    ["hicra seed 1", null, 10, "no"],
  ]);
  // One of three in order; d = [+1, −1, −1]: every flip of three ±1 reaches |sum| ≥ 1, so p = 1.
  assertClose([c2.test!.estimate.estimate, c2.test!.p], [1 / 3, 1], 1e-12);
  assertEquals(c2.test!.nullValue, 0.5);
});

Deno.test("C3: training steps averaged up to each evaluation, Spearman within the run", () => {
  // Base at step 0 (pass@1 0.1), evaluations at 2, 4, 6 (0.2, 0.4, 0.3); training steps 0–5. Windows: {0},
  // {1, 2}, {3, 4}, {5}: se_strategic [1, 2, 4, 3, 5, 6] → 1, 3, 4, 6 (ranks 1–4 against accuracy's 1, 2, 4, 3:
  // ρ = 1 − 6·2/60 = 0.8); entropy [0.5, 0.4, 0.4, 0.3, 0.3, 0.35] → 0.5, 0.4, 0.3, 0.35 (ranks 4, 3, 1, 2:
  // Σd² = 20, ρ = −1). d = 1.8.
  const se = [1, 2, 4, 3, 5, 6], h = [0.5, 0.4, 0.4, 0.3, 0.3, 0.35];
  const r = claimsOf(suite([
    run("grpo", 1, se.map((x, i) => step(i, 1, x, h[i])), [evaluation(2, 0.2), evaluation(4, 0.4), evaluation(6, 0.3)]),
  ]));
  const c3 = claim(r, "C3");
  assertEquals(c3.detail.rows.length, 1);
  assertEquals(c3.detail.rows[0].slice(0, 2), ["grpo seed 1", 4]);
  assertClose(c3.detail.rows[0].slice(2) as number[], [0.8, -1, 1.8], 1e-12);
  assertEquals(c3.test!.estimate.reason, "one seed: no interval");
});

Deno.test("bad input: baselines absent, one seed, a seed one method lacks, a missing or NaN metric", async (t) => {
  await t.step("only grpo ran: every comparison with another method is not run, with its command", () => {
    const r = claimsOf(suite([final("grpo", 1, 0.5), final("grpo", 2, 0.5)]));
    const c1 = claim(r, "C1 mean over tasks");
    assertEquals([c1.missing, c1.command, c1.verdict], [
      "not run: no complete run of hicra",
      "deno task bench --suite synthetic --baselines hicra,grpo --seeds 1,2",
      "inconclusive",
    ]);
    assertEquals(claim(r, "C5").command, "deno task bench --suite synthetic --baselines hicra,grpo --seeds 1,2");
  });

  await t.step("one seed: an estimate, no interval, said so; inconclusive; the A/A needs a second run", () => {
    const r = claimsOf(suite([final("grpo", 1, 0.5), final("hicra", 1, 0.6)]));
    const c1 = claim(r, "C1 mean over tasks");
    assertClose([c1.test!.estimate.estimate], [0.1], 1e-12);
    assertEquals([c1.test!.estimate.interval, c1.verdict, c1.test!.estimate.reason], [
      null,
      "inconclusive",
      "one seed: no interval",
    ]);
    const aa = claim(r, "A/A");
    assertEquals(aa.missing, "not run: 1 grpo run with a value, 2 needed");
    assertEquals(aa.command, "deno task bench --suite synthetic --baselines grpo --seeds 1,2,3,4");
  });

  await t.step("a seed only one method ran is left out, with a line", () => {
    const r = claimsOf(suite([final("grpo", 1, 0.5), final("grpo", 3, 0.5), final("hicra", 1, 0.6)]));
    const c1 = claim(r, "C1 mean over tasks");
    assertEquals(c1.test!.n, 1);
    assertEquals(c1.notes, ["seed 3 left out: only grpo ran it"]);
  });

  await t.step("a null (NaN) metric leaves that run out of the claims that need it, with a line", () => {
    const good = [step(0, 1, 2, 0.5), step(1, 0.5, 3, 0.4)];
    const bad = [step(0, 1, 2, 0.5), step(1, null, null, 0.4)];
    const evals = [evaluation(1, 0.3), evaluation(2, 0.4)];
    const r = claimsOf(suite([run("grpo", 1, good, evals), run("grpo", 2, bad, evals)]));
    assertEquals(claim(r, "C2").notes, [
      "grpo seed 2 left out: train.jsonl step 1: masks.oracle.relPerplexity.execution is null",
    ]);
    assertEquals(claim(r, "C2").detail.rows.map((row) => row[0]), ["grpo seed 1"]);
    assertEquals(claim(r, "C3").notes, [
      "grpo seed 1 left out: 2 evaluations with training steps, 3 needed",
      "grpo seed 2 left out: train.jsonl step 1: seStrategic is null",
    ]);
    assertEquals(claim(r, "C3").missing, "no data: no run has 3 evaluations to correlate");
  });
});

Deno.test("the command of a claim not run adds runs to the report's folder and grid: --out, settings, parameters", () => {
  // Runs of the smoke suite made with --out, --steps 5, --tasks, --backend wasm, --engine tfjs and hicra.alpha=0.5.
  const config = structuredClone(CONFIGS.smoke);
  config.rl.steps = 5;
  config.suite.tasks = config.suite.tasks.filter((t) => t.name === "countdown" || t.name === "linear_equation");
  const at = (r: LoadedRun, params: Record<string, unknown>): LoadedRun => ({
    ...r,
    manifest: { ...r.manifest, suite: "smoke", config, backend: "wasm", engine: "tfjs", params } as RunManifest,
  });
  const runs = [1, 2].flatMap((seed) => [
    at(final("grpo", seed, 0.5), {}),
    at(final("hicra", seed, 0.6), { alpha: 0.5, mask: "mined", stdNormalize: true }),
  ]);
  const options = "--steps 5 --tasks countdown,linear_equation --backend wasm --engine tfjs";
  const r = claimsOf({ ...suite(runs), suite: "smoke" }, "/tmp/my runs");
  assertEquals(
    claim(r, "C6").command,
    `deno task bench --suite smoke --out '/tmp/my runs' ${options} --param hicra.alpha=0.5 ` +
      "--baselines hicra,placebo_hicra --seeds 1,2",
  );
  assertEquals(
    claim(r, "C4b accuracy").command,
    `deno task bench --suite smoke --out '/tmp/my runs' ${options} --baselines entropy_reg,grpo --seeds 1,2`,
  );
  // The project's results folder (no --out given) at the suite's settings: the command names neither.
  const plain = runs.map((x) => ({
    ...x,
    manifest: { ...x.manifest, config: CONFIGS.smoke, backend: "wasm-ort", engine: "onnx", params: {} },
  }));
  assertEquals(
    claim(claimsOf({ ...suite(plain), suite: "smoke" }), "C6").command,
    "deno task bench --suite smoke --baselines hicra,placebo_hicra --seeds 1,2",
  );
  // The configuration holds a task file by its content: --tasks as the runs' command gave it; a sentence model by path.
  const fileTask = structuredClone(config);
  fileTask.suite.tasks[1] = { name: "my_task", levels: [1], key: "sha256:00" };
  fileTask.mining.sentenceModel = "/models/my minilm";
  const command = "deno task bench --suite smoke --tasks=countdown,./my_task.ts --steps 5";
  const withFile = runs.map((x) => ({ ...x, manifest: { ...x.manifest, config: fileTask, command } }));
  assertEquals(
    claim(claimsOf({ ...suite(withFile), suite: "smoke" }), "C4b accuracy").command,
    "deno task bench --suite smoke --steps 5 --tasks countdown,./my_task.ts --sentence-model '/models/my minilm' " +
      "--backend wasm --engine tfjs --baselines entropy_reg,grpo --seeds 1,2",
  );
  // Without it in the command (a run made from code), no --tasks: a bench refuses the folder, saying so.
  const fromCode = withFile.map((x) => ({ ...x, manifest: { ...x.manifest, command: "runBench {}" } }));
  assert(!claim(claimsOf({ ...suite(fromCode), suite: "smoke" }), "C6").command!.includes("--tasks"));
});
