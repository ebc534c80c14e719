/**
 * The statistics functions (harness/stats/) against hand-computed and published values, their
 * determinism, and the synthetic controls that show the verdict rule is calibrated: over seeded A/A data
 * sets its false-positive rate stays at its nominal 5%, and a planted effect is found at the rate the
 * power formula predicts.
 * @module
 */
import { summarize } from "../harness/report/seed_stats.ts";
import { assert, assertClose, assertEquals, assertThrows } from "./testing.ts";
import { rng } from "../harness/core/rng.ts";
import { mean } from "../harness/metrics/stats.ts";
import { aggregateIqm, aggregateMean, iqm, type Scores } from "../harness/stats/aggregate.ts";
import {
  bootstrapInterval,
  bootstrapMeanIntervals,
  DEFAULT_RESAMPLES,
  type Estimate,
  percentileInterval,
  stratifiedBootstrap,
} from "../harness/stats/bootstrap.ts";
import { probabilityOfImprovement } from "../harness/stats/improvement.ts";
import { pairedPermutationTest } from "../harness/stats/permutation.ts";
import { twoSamplePermutationTest } from "../harness/stats/two_sample.ts";
import { spearman } from "../harness/stats/spearman.ts";
import { holm } from "../harness/stats/holm.ts";
import { hedgesG, hedgesGPaired } from "../harness/stats/effect_size.ts";
import { minimumDetectableEffect, minimumPairs, predictedPower, seedsForPower } from "../harness/stats/power.ts";
import { claimVerdict } from "../harness/stats/verdict.ts";
import { normalCdf, normalQuantile } from "../harness/stats/normal.ts";

/** An estimate with an interval, for the verdict cases. */
const est = (low: number, high: number): Estimate => ({
  estimate: (low + high) / 2,
  interval: [low, high],
  level: 0.95,
  reason: null,
});

Deno.test("normal distribution", async (t) => {
  await t.step("Φ and Φ⁻¹ match the published values", () => {
    // Tables (and scipy.stats.norm): Φ(1.96) = 0.9750021048517795, Φ(−3) = 0.0013498980316301,
    // Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(0.8) = 0.8416212335729143, Φ⁻¹(0.05) = −1.6448536269514722.
    assertClose([normalCdf(1.96), normalCdf(-3), normalCdf(0)], [0.9750021048517795, 0.0013498980316301, 0.5], 1e-15);
    assertClose(
      [normalQuantile(0.975), normalQuantile(0.8), normalQuantile(0.05)],
      [1.959963984540054, 0.8416212335729143, -1.6448536269514722],
      1e-14,
    );
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999]) assertClose([normalCdf(normalQuantile(p))], [p], 1e-14);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => normalCdf(NaN), /z is NaN/);
    assertThrows(() => normalQuantile(1), /p is 1/);
    assertThrows(() => normalQuantile(NaN), /p is NaN/);
  });
});

Deno.test("mean and interquartile mean", async (t) => {
  await t.step("IQM drops ⌊n/4⌋ values from each end (scipy's trim_mean(x, 0.25), as rliable)", () => {
    assertEquals(iqm([100, 1, 4, 2, 3]), 3); // n = 5: drop 1 and 100, (2 + 3 + 4)/3 = 3
    assertEquals(iqm([1, 2, 3, 4, 5, 100]), 3.5); // n = 6: drop 1 each end, (2 + 3 + 4 + 5)/4 = 3.5
    assertEquals(iqm([1, 2, 3, 4, 5, 6, 100]), 4); // n = 7: drop 1 each end, (2 + … + 6)/5 = 4
    assertEquals(iqm([8, 7, 6, 5, 4, 3, 2, 1]), 4.5); // n = 8: drop 2 each end, (3 + 4 + 5 + 6)/4 = 4.5
    assertEquals(iqm([1, 2, 9]), 4); // n = 3: nothing dropped, 12/3
  });

  await t.step("aggregates of a runs × tasks matrix", () => {
    // Task means (0.5 + 0.7)/2 = 0.6 and (0.1 + 0.3)/2 = 0.2; their mean 0.4.
    assertClose([aggregateMean([[0.5, 0.1], [0.7, 0.3]])], [0.4], 1e-15);
    assertEquals(aggregateIqm([[1, 2], [3, 100]]), 2.5); // iqm([1, 2, 3, 100]) = (2 + 3)/2
  });

  await t.step("bad input is a RangeError naming the value", () => {
    assertThrows(() => iqm([1, NaN]), /values\[1\] is NaN/);
    assertThrows(() => iqm([]), RangeError);
    assertThrows(() => aggregateMean([[1, 2], [3, NaN]]), /scores\[1\]\[1\] is NaN/);
    assertThrows(() => aggregateMean([[1, 2], [3]]), /scores\[1\] has 1 tasks, run 0 has 2/);
    assertThrows(() => aggregateIqm([]), /no runs/);
  });
});

Deno.test("bootstrap intervals", async (t) => {
  await t.step("percentile interval: numpy's linear interpolation between order statistics", () => {
    assertEquals(percentileInterval([4, 0, 3, 1, 2], 0.5), [1, 3]); // positions 0.25·4 = 1 and 0.75·4 = 3
    assertEquals(percentileInterval([0, 10], 0.5), [2.5, 7.5]); // positions 0.25 and 0.75 between 0 and 10
    const hundred = Array.from({ length: 101 }, (_, i) => i); // position 0.025·100 = 2.5 and 97.5
    assertClose(percentileInterval(hundred), [2.5, 97.5], 1e-12);
  });

  await t.step("one seed: no interval, said so", () => {
    const one = bootstrapInterval([0.57], mean);
    assertEquals(one, { estimate: 0.57, interval: null, level: 0.95, reason: "one seed: no interval" });
    const strat = stratifiedBootstrap(
      [[[0.5, 0.6]], [[0.4, 0.5], [0.45, 0.55]]],
      ([x, y]) => aggregateMean(x) - aggregateMean(y),
    );
    assertEquals(strat.interval, null);
    assertEquals(strat.reason, "one seed (group 0): no interval");
  });

  await t.step("the same seed gives the same interval; another seed another", () => {
    const r = rng(6, "xs"), xs = Array.from({ length: 10 }, () => r.normal());
    const a = bootstrapInterval(xs, mean, { seed: 7 }), b = bootstrapInterval(xs, mean, { seed: 7 });
    assertEquals(a, b);
    assert(a.interval![0] !== bootstrapInterval(xs, mean, { seed: 8 }).interval![0]);
    const m: Scores = [[0.1, 0.7], [0.5, 0.6], [0.2, 0.9]];
    const s = (seed: number) => stratifiedBootstrap([m], ([g]) => aggregateIqm(g), { seed });
    assertEquals(s(3), s(3));
    assert(s(3).interval![0] <= s(3).estimate && s(3).estimate <= s(3).interval![1]);
  });

  await t.step("resamples draw seeds uniformly: two values give means 0, ½, 1 with chances ¼, ½, ¼", () => {
    // Resampling [0, 1] twice with replacement: mean 0 (¼), 0.5 (½), 1 (¼); the 2.5% and 97.5% quantiles
    // of 2,000 such means are therefore 0 and 1, and the share of halves is ½ within 3 binomial SEs
    // (3·√(¼/2000) = 0.034).
    const means: number[] = [];
    const e = bootstrapInterval([0, 1], (xs) => {
      const m = mean(xs);
      means.push(m);
      return m;
    }, { seed: 11 });
    assertEquals(e.interval, [0, 1]);
    const resampled = means.slice(1); // the first call is the estimate on the data as given
    assertEquals(resampled.length, DEFAULT_RESAMPLES);
    assert(Math.abs(resampled.filter((m) => m === 0.5).length / DEFAULT_RESAMPLES - 0.5) < 0.034);
  });

  await t.step("stratified: each cell draws a run of its own task, each group on its own", () => {
    const x: Scores = [[0, 10], [1, 11], [2, 12]], y: Scores = [[100, 200], [101, 201]];
    const seen: (readonly Scores[])[] = [];
    stratifiedBootstrap([x, y], (groups) => {
      seen.push(groups);
      return 0;
    }, { resamples: 300, seed: 2 });
    let mixedRows = 0;
    for (const [rx, ry] of seen.slice(1)) {
      assertEquals([rx.length, ry.length, rx[0].length, ry[0].length], [3, 2, 2, 2]);
      for (const row of rx) {
        assert([0, 1, 2].includes(row[0]) && [10, 11, 12].includes(row[1]), `x cell out of its task: ${row}`);
        if (row[1] - row[0] !== 10) mixedRows++; // tasks draw their runs independently (rliable)
      }
      for (const row of ry) assert([100, 101].includes(row[0]) && [200, 201].includes(row[1]));
    }
    assert(mixedRows > 0);
  });

  await t.step("stratified, by hand: task 0 holds {0, 1}, task 1 {0, 0}", () => {
    // The mean over tasks is (mean of task 0's resample)/2 ∈ {0, 0.25, 0.5} with chances ¼, ½, ¼,
    // so the 95% interval is [0, 0.5] around the estimate 0.25.
    const e = stratifiedBootstrap([[[0, 0], [1, 0]]], ([s]) => aggregateMean(s), { seed: 5 });
    assertEquals([e.estimate, ...e.interval!], [0.25, 0, 0.5]);
  });

  await t.step("many means at once: the intervals one call per list gives", () => {
    const r = rng(4, "lists");
    const lists = [3, 2, 3, 1, 5, 3].map((n) => Array.from({ length: n }, () => r.normal()));
    for (const options of [{}, { seed: 3, resamples: 500, level: 0.9 }]) {
      assertEquals(bootstrapMeanIntervals(lists, options), lists.map((xs) => bootstrapInterval(xs, mean, options)));
    }
    assertEquals(bootstrapMeanIntervals([[0.44]])[0].reason, "one seed: no interval");
    assertThrows(() => bootstrapMeanIntervals([[1], []]), /list 1 has no values/);
    assertThrows(() => bootstrapMeanIntervals([[1, NaN]]), /lists\[0\]\[1\] is NaN/);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => bootstrapInterval([1, NaN, 2], mean), /values\[1\] is NaN/);
    assertThrows(() => bootstrapInterval([1, 2], () => NaN), /statistic is NaN/);
    assertThrows(() => bootstrapInterval([1, 2], mean, { resamples: 0 }), /resamples is 0/);
    assertThrows(() => bootstrapInterval([1, 2], mean, { level: 95 }), /level is 95/);
    assertThrows(() => stratifiedBootstrap([[[1], [NaN]]], ([s]) => aggregateMean(s)), /groups\[0\]\[1\]\[0\] is NaN/);
  });
});

Deno.test("probability of improvement", async (t) => {
  await t.step("hand-computed U/(n·m), ties ½, averaged over tasks", () => {
    // One task: 5 beats both 4s (2), 3 beats neither (0): U = 2 of 2·2 pairs = 0.5.
    assertEquals(probabilityOfImprovement([[3], [5]], [[4], [4]]), 0.5);
    // x = {1, 2}, y = {2, 3}: only (2, 2) counts, as a tie: ½ of 4 pairs = 0.125 (scipy's mannwhitneyu U = 0.5).
    assertEquals(probabilityOfImprovement([[1], [2]], [[2], [3]]), 0.125);
    // Two tasks: task 0 {0.7, 0.8} vs {0.6}: 2/2 = 1; task 1 {0.1, 0.3} vs {0.2}: 1/2; mean 0.75.
    assertEquals(probabilityOfImprovement([[0.7, 0.1], [0.8, 0.3]], [[0.6, 0.2]]), 0.75);
    assertEquals(probabilityOfImprovement([[1, 2], [3, 4]], [[1, 2], [3, 4]]), 0.5); // identical: ½
  });

  await t.step("P(X > Y) + P(Y > X) = 1", () => {
    const r = rng(3, "poi"), m = () => Array.from({ length: 4 }, () => [r.int(5), r.int(5), r.int(5)]);
    for (let k = 0; k < 20; k++) {
      const x = m(), y = m();
      assertClose([probabilityOfImprovement(x, y) + probabilityOfImprovement(y, x)], [1], 1e-12);
    }
  });

  await t.step("with its stratified interval, deterministic", () => {
    const x = [[0.6, 0.3], [0.62, 0.25], [0.59, 0.28]], y = [[0.58, 0.22], [0.6, 0.24], [0.57, 0.23]];
    const e = stratifiedBootstrap([x, y], ([a, b]) => probabilityOfImprovement(a, b), { seed: 4 });
    assertEquals(e, stratifiedBootstrap([x, y], ([a, b]) => probabilityOfImprovement(a, b), { seed: 4 }));
    assert(e.interval![0] <= e.estimate && e.estimate <= e.interval![1] && e.interval![1] <= 1);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => probabilityOfImprovement([[1, 2]], [[1]]), /x has 2 tasks, y has 1/);
    assertThrows(() => probabilityOfImprovement([[1]], [[NaN]]), /y\[0\]\[0\] is NaN/);
  });
});

Deno.test("paired permutation test", async (t) => {
  await t.step("exact p by hand", () => {
    // d = [2, 3, 2], sum 7: only the all-plus and all-minus flips reach |sum| ≥ 7: p = 2/8.
    assertEquals(pairedPermutationTest([3, 5, 4], [1, 2, 2]), {
      meanDifference: 7 / 3,
      pValue: 0.25,
      exact: true,
      flips: 8,
    });
    // d = [2, 3, 1, 4, −1], sum 9, largest |sum| 11 (all |d| positive). A flip set F lowers it by 2·Σ_F |d|;
    // |sum| ≥ 9 needs Σ_F |d| ≤ 1: F = {}, {1} or {−1}, 3 ways, and their mirror images: p = 6/32 = 0.1875.
    assertEquals(pairedPermutationTest([2, 3, 1, 4, -1], [0, 0, 0, 0, 0]).pValue, 0.1875);
    // d = [1, 1, 2, −1], sum 3: sums ±5 (1 way each) and ±3 (3 ways each) reach 3: p = 8/16 = 0.5.
    assertEquals(pairedPermutationTest([1, 1, 2, -1], [0, 0, 0, 0]).pValue, 0.5);
    assertEquals(pairedPermutationTest([1, 2, 3], [1, 2, 3]).pValue, 1); // no differences
  });

  await t.step("the smallest exact p is 2/2ⁿ: 3 seeds 0.25, 5 seeds 0.0625, 6 seeds 0.03125", () => {
    for (const [n, p] of [[3, 0.25], [5, 0.0625], [6, 0.03125]]) {
      assertEquals(pairedPermutationTest(Array.from({ length: n }, (_, i) => i + 1), new Array(n).fill(0)).pValue, p);
    }
  });

  await t.step("equal sums that differ in the last bits are ties", () => {
    // 0.1 + 0.2 ≠ 0.3 in floating point; d = [0.1, 0.2, −0.3] sums to 0 and every flip ties or beats it.
    assertEquals(pairedPermutationTest([0.1, 0.2, 0], [0, 0, 0.3]).pValue, 1);
  });

  await t.step("Monte Carlo beyond exactUpTo: (b + 1)/(B + 1), seeded, close to the exact p", () => {
    const r = rng(9, "perm"), a = Array.from({ length: 18 }, () => r.normal() + 0.4), b = new Array(18).fill(0);
    const exact = pairedPermutationTest(a, b, { exactUpTo: 18 });
    const mc = pairedPermutationTest(a, b, { seed: 1 });
    assertEquals([exact.exact, exact.flips, mc.exact, mc.flips], [true, 2 ** 18, false, 9999]);
    assertEquals(mc, pairedPermutationTest(a, b, { seed: 1 }));
    // Within 3 binomial SEs of the exact p (B = 9,999).
    assert(Math.abs(mc.pValue - exact.pValue) < 3 * Math.sqrt(exact.pValue * (1 - exact.pValue) / 9999) + 1e-4);
    // Never 0: with every difference positive no random flip of 17+ pairs is as extreme, so p = 1/(B + 1).
    const all = pairedPermutationTest(Array.from({ length: 40 }, (_, i) => i + 1), new Array(40).fill(0));
    assertEquals(all.pValue, 1 / 10000);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => pairedPermutationTest([1, NaN], [1, 2]), /a\[1\] is NaN/);
    assertThrows(() => pairedPermutationTest([1, 2], [1]), /pairs must match/);
    assertThrows(() => pairedPermutationTest([], []), /no pairs/);
    assertThrows(() => pairedPermutationTest([1], [2], { exactUpTo: 40 }), /exactUpTo is 40/);
  });
});

Deno.test("two-sample permutation test", async (t) => {
  await t.step("exact p by hand", () => {
    // {0.50, 0.54} against {0.52, 0.58}: the difference of means is s_A − 1.07 for the 6 pairs A could be
    // (sums 1.04, 1.02, 1.08, 1.06, 1.12, 1.10: −0.03, −0.05, 0.01, −0.01, 0.05, 0.03); 4 reach |−0.03|: p = 4/6.
    const t1 = twoSamplePermutationTest([0.50, 0.54], [0.52, 0.58]);
    assertClose([t1.meanDifference, t1.pValue], [-0.03, 4 / 6], 1e-12);
    assertEquals([t1.exact, t1.flips], [true, 6]);
    // {3, 4} against {1}: A's 3 choices give 3.5 − 1 = 2.5, 2 − 4 = −2, 2.5 − 3 = −0.5: only the observed reaches 2.5.
    assertEquals(twoSamplePermutationTest([3, 4], [1]), { meanDifference: 2.5, pValue: 1 / 3, exact: true, flips: 3 });
    assertEquals(twoSamplePermutationTest([1, 2], [1, 2]).pValue, 1); // no difference
  });

  await t.step("the smallest p: 1/C(n, n₁), twice that for equal groups (each split has its mirror)", () => {
    for (const [nx, ny, p] of [[2, 1, 1 / 3], [2, 2, 1 / 3], [3, 3, 0.1], [4, 3, 1 / 35]]) {
      const x = Array.from({ length: nx }, (_, i) => 10 + i), y = Array.from({ length: ny }, (_, i) => i);
      assertClose([twoSamplePermutationTest(x, y).pValue], [p], 1e-12);
    }
  });

  await t.step("Monte Carlo beyond exactUpTo: (b + 1)/(B + 1), seeded, close to the exact p", () => {
    const r = rng(12, "two"), x = Array.from({ length: 9 }, () => r.normal() + 0.8);
    const y = Array.from({ length: 9 }, () => r.normal());
    const exact = twoSamplePermutationTest(x, y), mc = twoSamplePermutationTest(x, y, { exactUpTo: 1000, seed: 2 });
    assertEquals([exact.exact, exact.flips, mc.exact, mc.flips], [true, 48620, false, 9999]);
    assertEquals(mc, twoSamplePermutationTest(x, y, { exactUpTo: 1000, seed: 2 }));
    assert(Math.abs(mc.pValue - exact.pValue) < 3 * Math.sqrt(exact.pValue * (1 - exact.pValue) / 9999) + 1e-4);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => twoSamplePermutationTest([1, NaN], [1]), /x\[1\] is NaN/);
    assertThrows(() => twoSamplePermutationTest([1], []), /a value in each group/);
    assertThrows(() => twoSamplePermutationTest([1], [2], { resamples: 0 }), /resamples is 0/);
  });
});

Deno.test("Spearman's rank correlation", async (t) => {
  await t.step("by hand and scipy's example, ties at their mean rank", () => {
    assertEquals(spearman([1, 2, 3, 4], [10, 20, 30, 45]), 1);
    assertEquals(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    // Ranks [1, 2, 3, 4] and [1, 2, 4, 3]: 1 − 6·Σd²/(n(n² − 1)) = 1 − 6·2/60 = 0.8.
    assertClose([spearman([1, 3, 4, 6], [0.1, 0.2, 0.4, 0.3])!], [0.8], 1e-12);
    // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233: y's ranks [1, 2, 3.5, 5, 3.5],
    // r = 8/√(10·9.5).
    assertClose([spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])!], [0.8207826816681233], 1e-15);
  });

  await t.step("undefined for a constant series or fewer than two pairs", () => {
    assertEquals(spearman([1, 2, 3], [5, 5, 5]), null);
    assertEquals(spearman([7], [1]), null);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => spearman([1, NaN], [1, 2]), /x\[1\] is NaN/);
    assertThrows(() => spearman([1, 2], [1]), /pairs must match/);
  });
});

Deno.test("Holm's correction", async (t) => {
  await t.step("the four-test example of Holm's method", () => {
    // Sorted: 0.005·4 = 0.02 (H4), 0.01·3 = 0.03 (H1), 0.03·2 = 0.06 (H3), 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06
    // (H2). At α = 0.05 H4 and H1 are rejected, H3 and H2 are not (Wikipedia, "Holm–Bonferroni method").
    assertClose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02], 1e-15);
  });

  await t.step("monotone in the raw p-values, capped at 1", () => {
    // Sorted: 0.01·3 = 0.03, 0.5·2 = 1 (capped), 0.6·1 = 0.6 → max(1, 0.6) = 1.
    assertEquals(holm([0.5, 0.6, 0.01]), [1, 1, 0.03]);
    assertEquals(holm([0.2]), [0.2]);
    assertEquals(holm([]), []);
    // A p-value read from JSON as a string: the message showed it as a number ("is 0.01, not a finite number").
    assertThrows(() => holm(["0.01"] as unknown as number[]), /is "0\.01", not a finite number/);
    const r = rng(1, "holm"), ps = Array.from({ length: 12 }, () => r.float()), adj = holm(ps);
    for (let i = 0; i < ps.length; i++) {
      assert(adj[i] >= ps[i] && adj[i] <= 1);
      for (let j = 0; j < ps.length; j++) if (ps[i] <= ps[j]) assert(adj[i] <= adj[j]);
    }
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => holm([0.1, NaN]), /pValues\[1\] is NaN/);
    assertThrows(() => holm([1.2]), /pValues\[0\] is 1.2, not a probability/);
  });
});

Deno.test("Hedges' g", async (t) => {
  await t.step("by hand", () => {
    // x̄ − ȳ = 2, s_pooled = √((2 + 2)/4) = 1, J(4) = 1 − 3/15 = 0.8: g = 1.6.
    assertClose([hedgesG([3, 4, 5], [1, 2, 3])!], [1.6], 1e-15);
    // d = [1, 2, 3]: d̄ = 2, s_d = 1, J(2) = 1 − 3/7: g_z = 8/7.
    assertClose([hedgesGPaired([2, 4, 6], [1, 2, 3])!], [8 / 7], 1e-15);
  });

  await t.step("Borenstein et al. (2009), ch. 4: means 103 and 100, SDs 5.5 and 4.5, n = 50 each", () => {
    // Published: S_within = 5.0249, d = 0.5970, J = 1 − 3/(4·98 − 1) = 0.9923, g = 0.5924. Samples with those
    // means and SDs: 25 values at mean ± a and 25 at mean − a, where 50a² = 49·SD².
    const sample = (m: number, sd: number) => {
      const a = sd * Math.sqrt(49 / 50);
      return Array.from({ length: 50 }, (_, i) => i < 25 ? m + a : m - a);
    };
    assertClose([hedgesG(sample(103, 5.5), sample(100, 4.5))!], [0.5924], 5e-5);
  });

  await t.step("undefined is null: too few values or no spread", () => {
    assertEquals(hedgesG([1], [2, 3]), null);
    assertEquals(hedgesG([1, 1], [2, 2]), null);
    assertEquals(hedgesGPaired([1, 2], [0, 0]), null);
    assertEquals(hedgesGPaired([2, 3, 4], [1, 2, 3]), null);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => hedgesG([1, 2], [Infinity, 2]), /y\[0\] is Infinity/);
    assertThrows(() => hedgesGPaired([1, 2, 3], [1, 2]), /pairs must match/);
  });
});

Deno.test("power and seeds", async (t) => {
  await t.step("published sample sizes at 80% power, α = 0.05 two-sided", () => {
    // Cohen (1988), Table 2.4.1: two groups, d = 0.5 → 64 per group, d = 0.8 → 26. Paired (exact
    // noncentral t, as G*Power): d_z = 0.5 → 34.
    assertEquals(seedsForPower(0.5, { design: "independent" }), 64);
    assertEquals(seedsForPower(0.8, { design: "independent" }), 26);
    assertEquals(seedsForPower(0.5), 34);
    // By hand: ((1.95996 + 0.84162)/1)² + 1.95996²/2 = 7.8489 + 1.9207 = 9.77 → 10 pairs; the sign is ignored.
    assertEquals(seedsForPower(-1), 10);
    // d = 2 gives 4.04 pairs, but an exact sign-flip test needs 6 to reach p < 0.05.
    assertEquals(seedsForPower(2), 6);
    // Two groups, d = 3: 2·(2.80/3)² + 1.96²/4 = 2.7 → 3 per group, but 3 against 3 cannot reach p < 0.05
    // (2/C(6, 3) = 0.1): 4 (2/70 = 0.029); at α = 0.01, 5 (2/252); at Holm's 0.05/9, 6 (2/924). It said 3,
    // and after 3 seeds, 3 again.
    assertEquals(
      [0.05, 0.01, 0.05 / 9].map((alpha) => seedsForPower(3, { design: "independent", alpha })),
      [4, 5, 6],
    );
    assertEquals(predictedPower(3, 3, { design: "independent" }), 0);
    // The floor is the test's own: groups wholly apart give p = 2/C(2n, n).
    assertEquals([[4, 5, 6], [5, 6, 7, 8]].map((x) => twoSamplePermutationTest(x, x.map((v) => v - 10)).pValue), [
      0.1,
      2 / 70,
    ]);
    assertEquals(seedsForPower(0), Infinity);
  });

  await t.step("the fewest pairs a sign-flip test needs: 2/2ⁿ < α", () => {
    assertEquals(minimumPairs(0.05), 6); // 2/32 = 0.0625, 2/64 = 0.031
    assertEquals(minimumPairs(0.01), 8); // 2/128 = 0.0156, 2/256 = 0.0078
  });

  await t.step("predicted power and minimum detectable effect invert the sample size", () => {
    // Φ(1·√(10 − 1.92) − 1.96) = Φ(0.8824) = 0.8112.
    assertClose([predictedPower(1, 10)], [0.8112310275406671], 1e-12);
    assertEquals(predictedPower(1, 5), 0);
    for (const d of [0.3, 0.5, 0.8, 1.2]) {
      for (const design of ["paired", "independent"] as const) {
        const n = seedsForPower(d, { design });
        assert(predictedPower(d, n, { design }) >= 0.8 && predictedPower(d, n - 1, { design }) < 0.8, `${design} ${d}`);
      }
    }
    // 2.80159·1.5/√(10 − 1.92) = 1.4785; 2.80159·1.1·√(2/(4 − 0.96)) = 2.4998.
    assertClose([minimumDetectableEffect(10, 1.5)], [1.478458094954992], 1e-12);
    assertClose([minimumDetectableEffect(4, 1.1, { design: "independent" })], [2.4997741972184597], 1e-12);
    assertEquals(minimumDetectableEffect(3, 1.1, { design: "independent" }), Infinity);
    assertClose([predictedPower(minimumDetectableEffect(12, 1) / 1, 12)], [0.8], 1e-12);
    assertEquals(minimumDetectableEffect(5, 1), Infinity);
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => seedsForPower(NaN), /effect is NaN/);
    assertThrows(() => predictedPower(1, 2.5), /seeds is 2.5/);
    assertThrows(() => minimumDetectableEffect(10, NaN), /std is NaN/);
    assertThrows(() => seedsForPower(1, { alpha: 0 }), /alpha is 0/);
  });
});

Deno.test("claim verdicts", async (t) => {
  await t.step("the rule: p_adj < α and the interval's side of 0", () => {
    assertEquals(claimVerdict(0.01, est(0.4, 2.1), "greater"), {
      verdict: "supported",
      reason: "p_adj = 0.01 < 0.05 and the interval [0.4, 2.1] is above 0",
    });
    assertEquals(claimVerdict(0.01, est(0.4, 2.1), "less").verdict, "refuted");
    assertEquals(claimVerdict(0.01, est(-3, -1), "less").verdict, "supported");
    assertEquals(claimVerdict(0.01, est(-1, 2), "greater"), {
      verdict: "inconclusive",
      reason: "p_adj = 0.01 < 0.05 but the interval [-1, 2] contains 0",
    });
    assertEquals(claimVerdict(0.06, est(0.4, 2.1), "greater").verdict, "inconclusive");
    assertEquals(claimVerdict(0.04, est(0.4, 2.1), "greater", 0.01).verdict, "inconclusive");
  });

  await t.step("one seed: inconclusive, no interval, the reason given", () => {
    const one = bootstrapInterval([0.57], mean);
    assertEquals(claimVerdict(1, one, "greater"), { verdict: "inconclusive", reason: "one seed: no interval" });
  });

  await t.step("bad input is a RangeError naming it", () => {
    assertThrows(() => claimVerdict(NaN, est(0, 1), "greater"), /pAdjusted is NaN/);
    assertThrows(() => claimVerdict(0.01, { ...est(0, 1), estimate: NaN }, "greater"), /estimate is NaN/);
    assertThrows(() => claimVerdict(0.01, { ...est(0, 1), interval: [NaN, 1] }, "greater"), /interval low is NaN/);
    assertThrows(() => claimVerdict(0.01, est(0, 1), "up" as "greater"), /direction is up/);
  });
});

/**
 * One synthetic data set: `seeds` × `tasks` scores for two methods, seed-matched, from the model
 * score[m][s][t] = 0.2·t + effect·[m = a] + u[m][s] + e[m][s][t] with u and e standard normal, so a run's mean
 * over tasks has seed standard deviation √(1 + 1/tasks).
 */
function synthetic(key: number, seeds: number, tasks: number, effect: number): { a: Scores; b: Scores } {
  const r = rng(2024, "synthetic", key);
  const method = (shift: number) =>
    Array.from({ length: seeds }, () => {
      const u = r.normal();
      return Array.from({ length: tasks }, (_, t) => 0.2 * t + shift + u + r.normal());
    });
  return { a: method(effect), b: method(0) };
}

/**
 * The claims a report makes about a data set, each "a beats b": on the mean over tasks, then (when `perTask`)
 * on each task; each a paired permutation test on the seed-matched runs, Holm across the family, and the
 * percentile bootstrap interval of the mean difference over seeds (`resamples` of them).
 */
function claimVerdicts(data: { a: Scores; b: Scores }, perTask: boolean, resamples: number, seed: number) {
  const runMeans = (s: Scores) => s.map((row) => mean(row));
  const pairs: [number[], number[]][] = [[runMeans(data.a), runMeans(data.b)]];
  if (perTask) {
    for (let t = 0; t < data.a[0].length; t++) pairs.push([data.a.map((r) => r[t]), data.b.map((r) => r[t])]);
  }
  const adjusted = holm(pairs.map(([a, b]) => pairedPermutationTest(a, b).pValue));
  return pairs.map(([a, b], i) => {
    const diffs = a.map((x, s) => x - b[s]);
    return claimVerdict(adjusted[i], bootstrapInterval(diffs, mean, { resamples, seed }), "greater").verdict;
  });
}

Deno.test("synthetic controls", async (t) => {
  // 400 data sets each; 10 seeds × 5 tasks (5 seeds could never decide: an exact sign-flip test of 5 pairs
  // cannot reach p < 0.05); 500 bootstrap resamples per interval inside the loop to keep the test fast.
  const SETS = 400, SEEDS = 10, TASKS = 5, RESAMPLES = 500;
  const seedStd = Math.sqrt(1 + 1 / TASKS);

  await t.step("negative control: A/A false-positive rate at most 5% within sampling error", () => {
    let anyInFamily = 0, onMean = 0;
    for (let k = 0; k < SETS; k++) {
      const verdicts = claimVerdicts(synthetic(k, SEEDS, TASKS, 0), true, RESAMPLES, k);
      if (verdicts.some((v) => v !== "inconclusive")) anyInFamily++;
      if (verdicts[0] !== "inconclusive") onMean++;
    }
    const bound = 0.05 + 3 * Math.sqrt(0.05 * 0.95 / SETS); // 0.0827
    assert(anyInFamily / SETS <= bound, `family-wise false-positive rate ${anyInFamily / SETS} > ${bound}`);
    assert(onMean / SETS <= bound, `false-positive rate on the mean ${onMean / SETS} > ${bound}`);
  });

  await t.step("5 seeds never decide, even with a planted effect", () => {
    for (let k = 0; k < 50; k++) {
      assert(claimVerdicts(synthetic(k, 5, TASKS, seedStd), true, 100, k).every((v) => v === "inconclusive"));
    }
  });

  await t.step("positive control: a planted 1.0 seed-std effect is found at the predicted power", () => {
    // a − b of a seed-matched pair has standard deviation √2·seedStd, so the paired effect is d_z = 1/√2
    // and the predicted power at 10 pairs is Φ(0.7071·√(10 − 1.92) − 1.96) = 0.52.
    const predicted = predictedPower(1 / Math.SQRT2, SEEDS);
    let found = 0;
    for (let k = 0; k < SETS; k++) {
      if (claimVerdicts(synthetic(SETS + k, SEEDS, TASKS, seedStd), false, RESAMPLES, k)[0] === "supported") found++;
    }
    const tolerance = 3 * Math.sqrt(predicted * (1 - predicted) / SETS); // 0.075
    assert(
      Math.abs(found / SETS - predicted) <= tolerance,
      `detected ${found / SETS}, predicted ${predicted.toFixed(3)} ± ${tolerance.toFixed(3)}`,
    );
  });
});

Deno.test("summarize: n, mean, sample std, min and max of the finite values, for 200,000 of them too", () => {
  assertEquals(summarize([3, null, 1, NaN, 2]), { n: 3, mean: 2, std: 1, min: 1, max: 3 });
  assertEquals(summarize([5]), { n: 1, mean: 5, std: null, min: 5, max: 5 });
  assertEquals(summarize([null, NaN]), null);
  const many = Array.from({ length: 200_000 }, (_, i) => i % 3); // Math.min(...) of these overflowed the stack
  const s = summarize(many)!;
  assertEquals([s.n, s.min, s.max], [200_000, 0, 2]);
});
