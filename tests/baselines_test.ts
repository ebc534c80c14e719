import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertClose, assertEquals, assertRejects, assertStrictEquals, assertThrows } from "./testing.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import {
  baselineAdvantages,
  type BaselineContext,
  baselineContext,
  type BaselineDef,
  checkAdvantages,
  checkBaseline,
  defineBaseline,
  groupStats,
  type ParamSpec,
  planningSource,
  type RolloutContext,
} from "../harness/credit/baseline.ts";
import { broadcastToTokens, groupAdvantages } from "../harness/credit/advantage.ts";
import { tokenMean } from "../harness/update/aggregation.ts";
import { parseParamOverrides, resolveParams } from "../harness/credit/params.ts";
import { logProbAndEntropy } from "../harness/model/model.ts";
import { rng } from "../harness/core/rng.ts";
import { BASELINES, loadBaseline } from "../baselines/mod.ts";
import { overlongPenalty } from "../baselines/dapo.ts";

await useBackend(DEFAULT_BACKEND);

/** A rollout of `n` response tokens with the given entropies and planning flags (default 1.0 and none). */
function rollout(group: number, reward: number, n: number, o: { entropy?: number[]; planning?: number[] } = {}) {
  return {
    group,
    task: "countdown",
    reward,
    tokens: Array.from({ length: n }, (_, t) => 10 + t),
    maxLength: 10,
    oldLogProbs: new Float32Array(n).fill(-1),
    entropy: Float32Array.from(o.entropy ?? new Array(n).fill(1)),
    planning: Uint8Array.from(o.planning ?? new Array(n).fill(0)),
    steps: [],
  } satisfies RolloutContext;
}

/** A baseline's advantages on `rollouts` with its defaults and `overrides`. */
function run<P extends ParamSpec>(b: BaselineDef<P>, rollouts: RolloutContext[], overrides: Partial<P> = {}) {
  const ctx = baselineContext(rollouts, resolveParams(b, overrides as Record<string, P[keyof P]>), rng(0, "test"));
  return baselineAdvantages(b, ctx).map((a) => Array.from(a));
}

// Group 0: one success out of four (mean 0.25, sample std 0.5); group 1: all rewards equal.
const batch = () => [
  rollout(0, 1, 3, { planning: [1, 0, 1], entropy: [0.5, 3, 1] }),
  rollout(0, 0, 3, { planning: [1, 1, 0], entropy: [0.5, 1, 0.1] }),
  rollout(0, 0, 1),
  rollout(0, 0, 2),
  rollout(1, 1, 2, { planning: [1, 1] }),
  rollout(1, 1, 2),
];

Deno.test("group advantages", async (t) => {
  await t.step("grpo with std: (R − 0.25) / 0.5; an all-equal group gets exactly 0", () => {
    const a = run(BASELINES.grpo, batch());
    assertClose(a[0], [1.5, 1.5, 1.5], 1e-5);
    assertClose(a[1], [-0.5, -0.5, -0.5], 1e-5);
    assertClose(a[2], [-0.5], 1e-5);
    assertEquals(a[4], [0, 0]);
    assertEquals(a[5], [0, 0]);
  });

  await t.step("grpo without std: R − mean", () => {
    const a = run(BASELINES.grpo, batch(), { stdNormalize: false });
    assertClose(a[0], [0.75, 0.75, 0.75]);
    assertClose(a[3], [-0.25, -0.25]);
    assertEquals(a[4], [0, 0]);
  });

  await t.step("group stats: sample std; equal non-binary rewards give mean = reward, std 0", () => {
    assertEquals(
      groupStats([{ group: 0, reward: 1 }, { group: 0, reward: 0 }, { group: 0, reward: 0 }, {
        group: 0,
        reward: 0,
      }]),
      [{ mean: 0.25, std: 0.5, size: 4 }],
    );
    const eq = groupStats([0.1, 0.1, 0.1].map((reward) => ({ group: 0, reward })));
    assertEquals(eq, [{ mean: 0.1, std: 0, size: 3 }]);
    assertEquals(groupStats([{ group: 0, reward: 0.7 }]), [{ mean: 0.7, std: 0, size: 1 }]);
    assertThrows(() => groupStats([{ group: 1, reward: 0 }]), /group 0 has no rollouts/);
    assertThrows(() => groupStats([{ group: 0, reward: NaN }]), /rollout 0: reward NaN/);
  });

  await t.step("a list of another length, or a group the stats lack, is a RangeError, not NaN advantages", () => {
    const rollouts = batch();
    assertThrows(() => broadcastToTokens([1], rollouts), RangeError, `1 values for ${rollouts.length} rollouts`);
    assertThrows(
      () => groupAdvantages({ rollouts, groups: [] }, true),
      RangeError,
      "rollout 0 is in group 0, which ctx.groups (0) lacks",
    );
  });

  await t.step("dr_grpo: no std division, dr-grpo aggregation; the others default to token-mean", () => {
    const a = run(BASELINES.dr_grpo, batch());
    assertClose(a[0], [0.75, 0.75, 0.75]);
    assertClose(a[1], [-0.25, -0.25, -0.25]);
    assertEquals(a[5], [0, 0]);
    assertStrictEquals(BASELINES.dr_grpo.aggregation, "dr-grpo");
    for (const name of Object.keys(BASELINES).filter((n) => !["dr_grpo", "gspo"].includes(n))) {
      assertStrictEquals(BASELINES[name].aggregation, "token-mean", name);
    }
  });
});

Deno.test("grpo_half_signal (positive control)", async (t) => {
  // 40 groups of two rollouts, rewards 1 and 0: GRPO gives every rollout ±0.7071.
  const groups = () => Array.from({ length: 40 }, (_, g) => [rollout(g, 1, 2), rollout(g, 0, 2)]).flat();

  await t.step("a kept group has GRPO's advantages, a dropped one 0, and about half are kept", () => {
    const grpo = run(BASELINES.grpo, groups()), half = run(BASELINES.grpo_half_signal, groups());
    let kept = 0;
    for (let g = 0; g < 40; g++) {
      const pair = [half[2 * g], half[2 * g + 1]];
      if (pair[0][0] === 0) {
        assertEquals(pair, [[0, 0], [0, 0]], `group ${g} dropped whole`);
      } else {
        assertEquals(pair, [grpo[2 * g], grpo[2 * g + 1]], `group ${g} kept whole`);
        kept++;
      }
    }
    assert(kept >= 10 && kept <= 30, `${kept} of 40 groups kept; a fair coin keeps 10–30 with p > 0.999`);
  });

  await t.step("the coin is the step's seeded stream; keep = 1 is GRPO, keep = 0 learns nothing", () => {
    assertEquals(run(BASELINES.grpo_half_signal, groups()), run(BASELINES.grpo_half_signal, groups()));
    assertEquals(run(BASELINES.grpo_half_signal, groups(), { keep: 1 }), run(BASELINES.grpo, groups()));
    assert(run(BASELINES.grpo_half_signal, groups(), { keep: 0 }).flat().every((x) => x === 0));
  });
});

Deno.test("hicra", async (t) => {
  await t.step("planning tokens: A(1+α) in a rewarded rollout, A(1−α) in a failed one", () => {
    const a = run(BASELINES.hicra, batch());
    assertClose(a[0], [1.8, 1.5, 1.8], 1e-5);
    assertClose(a[1], [-0.4, -0.4, -0.5], 1e-5);
    assertEquals(a[4], [0, 0], "A = 0 stays 0 on planning tokens");
  });

  await t.step("α from the command line and std off", () => {
    const o = parseParamOverrides(["hicra.alpha=0.5", "hicra.stdNormalize=false"], [BASELINES.hicra]);
    const a = run(BASELINES.hicra, batch(), o.hicra);
    assertClose(a[0], [1.125, 0.75, 1.125]);
    assertClose(a[1], [-0.125, -0.125, -0.25]);
  });

  await t.step("placebo_hicra: the same formula, mask source random", () => {
    assertEquals(run(BASELINES.placebo_hicra, batch()), run(BASELINES.hicra, batch()));
    assertStrictEquals(BASELINES.placebo_hicra.params.mask, "random");
    assertStrictEquals(BASELINES.hicra.params.mask, "mined");
    assertStrictEquals(BASELINES.hicra.params.alpha, 0.2);
  });

  await t.step("the planning mask each declares: hicra's mask param, oracle by default", () => {
    assertStrictEquals(planningSource(BASELINES.hicra, BASELINES.hicra.params), "mined");
    assertStrictEquals(planningSource(BASELINES.hicra, { ...BASELINES.hicra.params, mask: "oracle" }), "oracle");
    assertStrictEquals(planningSource(BASELINES.placebo_hicra, BASELINES.placebo_hicra.params), "random");
    assertStrictEquals(planningSource(BASELINES.grpo, BASELINES.grpo.params), "oracle");
  });
});

Deno.test("entropy baselines", async (t) => {
  await t.step("entropy_adv: A + min(αH, |A|/κ), both branches of the min, A = 0 stays 0", () => {
    const a = run(BASELINES.entropy_adv, batch());
    // A = 1.5: H 0.5 → αH 0.2 < 0.75; H 3 → 1.2 capped at 0.75; H 1 → 0.4 < 0.75.
    assertClose(a[0], [1.7, 2.25, 1.9], 1e-5);
    // A = −0.5: H 0.5 → 0.2 < 0.25; H 1 → 0.4 capped at 0.25; H 0.1 → 0.04.
    assertClose(a[1], [-0.3, -0.25, -0.46], 1e-5);
    assertEquals(a[4], [0, 0]);
    assertThrows(() => run(BASELINES.entropy_adv, batch(), { kappa: 1 }), /kappa must be > 1/);
  });

  await t.step("entropy_reg: GRPO's advantages; extra loss −β · masked mean of the live entropy", () => {
    assertEquals(run(BASELINES.entropy_reg, batch()), run(BASELINES.grpo, batch()));
    const b = BASELINES.entropy_reg;
    const ctx = baselineContext(batch(), resolveParams(b), rng(0));
    const live = {
      entropy: tf.tensor2d([[1, 2, 9], [3, 0, 0]]),
      mask: tf.tensor2d([[1, 1, 0], [1, 0, 0]]),
      rows: [0, 1],
    };
    assertClose(b.extraLoss!(ctx, live).dataSync(), [-0.005 * 2]);
  });

  await t.step("the entropy bonus raises entropy on a toy softmax (SGD on −β·H)", () => {
    const b = BASELINES.entropy_reg;
    const ctx = baselineContext([rollout(0, 1, 1)], resolveParams(b, { beta: 1 }), rng(0));
    const logits = tf.variable(tf.tensor3d([[[3, 1, 0, -2]]]));
    const target = tf.tensor2d([[0]], [1, 1], "int32");
    const mask = tf.ones([1, 1]) as tf.Tensor2D;
    const entropy = () => logProbAndEntropy(logits, target).entropy;
    const opt = tf.train.sgd(0.5);
    const hs = [entropy().dataSync()[0]];
    for (let i = 0; i < 10; i++) {
      opt.minimize(() => b.extraLoss!(ctx, { entropy: entropy(), mask, rows: [0] }));
      hs.push(entropy().dataSync()[0]);
    }
    for (let i = 1; i < hs.length; i++) assert(hs[i] > hs[i - 1], `entropy fell at step ${i}: ${hs}`);
    assert(hs[10] > hs[0] + 0.3 && hs[10] <= Math.log(4) + 1e-6, `entropy ${hs[0]} → ${hs[10]}`);
  });
});

Deno.test("fork_tokens", async (t) => {
  // Entropies of the batch: 0.9 twice (rollout 0 token 2, rollout 1 token 0), then 0.5 twice, …
  const forks = () => [
    rollout(0, 1, 5, { entropy: [0.5, 0.1, 0.9, 0.2, 0.2] }),
    rollout(0, 0, 5, { entropy: [0.9, 0.5, 0.3, 0.1, 0] }),
  ];

  await t.step("top 20% of 10 tokens: the two highest, advantage elsewhere 0", () => {
    const a = run(BASELINES.fork_tokens, forks(), { stdNormalize: false });
    assertEquals(a, [[0, 0, 0.5, 0, 0], [-0.5, 0, 0, 0, 0]]);
  });

  await t.step("ties go to the earlier rollout, then the earlier token (30%: 3 tokens)", () => {
    const a = run(BASELINES.fork_tokens, forks(), { stdNormalize: false, share: 0.3 });
    assertEquals(a, [[0.5, 0, 0.5, 0, 0], [-0.5, 0, 0, 0, 0]]);
    const b = run(BASELINES.fork_tokens, forks(), { stdNormalize: false, share: 0.4 });
    assertEquals(b, [[0.5, 0, 0.5, 0, 0], [-0.5, -0.5, 0, 0, 0]]);
  });

  await t.step("share 0 keeps nothing, share 1 is GRPO", () => {
    assertEquals(run(BASELINES.fork_tokens, forks(), { share: 0 }).flat().filter((x) => x !== 0), []);
    assertEquals(run(BASELINES.fork_tokens, forks(), { share: 1 }), run(BASELINES.grpo, forks()));
  });
});

Deno.test("maxrl, gtpo and dapo advantages", async (t) => {
  await t.step("maxrl: (R − mean)/(mean + ε): a success at p = 1/4 gets 3, a failure −1, equal groups 0", () => {
    const a = run(BASELINES.maxrl, batch());
    const gap = (x: number) => x / (0.25 + 1e-6); // 3 and −1 but for ε
    assertClose(a[0], new Array(3).fill(gap(0.75)), 1e-6);
    assertClose(a[1], new Array(3).fill(gap(-0.25)), 1e-6);
    assertEquals(a[4], [0, 0]);
    assertEquals(run(BASELINES.maxrl, [rollout(0, 0, 1), rollout(0, 0, 2)]), [[0], [0, 0]]);
  });

  // One group, rewards 1 and 0 (A = ±0.5 without std), entropies [0.5, 1.5] and [1, 1]: H̄ = 1.
  const pair = () => [rollout(0, 1, 2, { entropy: [0.5, 1.5] }), rollout(0, 0, 2)];
  await t.step("gtpo: A·max(0, 1 + β(H/H̄ − 1)); β 0.1 gives 0.95 and 1.05, β 2 clips a weight at 0", () => {
    const a = run(BASELINES.gtpo, pair(), { stdNormalize: false });
    assertClose(a[0], [0.475, 0.525], 1e-6);
    assertClose(a[1], [-0.5, -0.5], 1e-6);
    assertClose(run(BASELINES.gtpo, pair(), { stdNormalize: false, beta: 2 })[0], [0, 1], 1e-6);
    const zero = [rollout(0, 1, 1, { entropy: [0] }), rollout(0, 0, 1, { entropy: [0] })];
    assertClose(run(BASELINES.gtpo, zero, { stdNormalize: false }).flat(), [0.5, -0.5], 1e-6);
  });

  await t.step("dapo: the soft overlong penalty (L 10, buffer 0.2: free to 8, −0.5 at 9, −1 at 10)", () => {
    assertEquals([7, 8, 9, 10].map((n) => overlongPenalty(n, 10, 0.2)), [0, 0, -0.5, -1]);
    assertEquals(overlongPenalty(10, 10, 0), 0);
    // Rewards 1 − 0.5 (9 tokens), 0, 1 − 1 (10 tokens), 0: mean 0.125.
    const group = [rollout(0, 1, 9), rollout(0, 0, 3), rollout(0, 1, 10), rollout(0, 0, 2)];
    const a = run(BASELINES.dapo, group, { stdNormalize: false });
    assertClose(a.map((x) => x[0]), [0.375, -0.125, -0.125, -0.125], 1e-6);
    assertClose(run(BASELINES.dapo, group, { stdNormalize: false, overlongPenalty: 0 })[0], new Array(9).fill(0.5));
  });
});

Deno.test("every registered baseline gives valid advantages on a random batch", () => {
  const r = rng(7, "batch");
  const rollouts = Array.from({ length: 24 }, (_, i) => {
    const n = r.range(1, 12);
    return rollout(Math.floor(i / 8), r.int(2), n, {
      entropy: Array.from({ length: n }, () => 3 * r.float()),
      planning: Array.from({ length: n }, () => r.int(2)),
    });
  });
  for (const b of Object.values(BASELINES)) {
    const a = run(b, rollouts);
    assertEquals(a.map((x) => x.length), rollouts.map((x) => x.tokens.length), b.name);
  }
});

Deno.test("contract checks", async (t) => {
  const ok = { name: "mine", summary: "a method", params: { a: 1 }, advantages: () => [] };

  await t.step("defineBaseline names what is missing or wrong", () => {
    assertStrictEquals(defineBaseline(ok).aggregation, "token-mean");
    const bad = (d: Record<string, unknown>) => () => defineBaseline(d as unknown as BaselineDef);
    assertThrows(
      bad({ ...ok, advantages: undefined }),
      /baseline mine has no advantages\(ctx\) function; see baselines\/grpo\.ts for the contract/,
    );
    assertThrows(bad({ ...ok, name: "My-Method" }), /not lower_snake_case/);
    assertThrows(bad({ ...ok, name: "base" }), /has name "base", the base model's; give it a name of its own/);
    assertThrows(bad({ ...ok, summary: undefined }), /has no summary/);
    // A misspelt hook was accepted and never called: an entropy bonus that silently did nothing.
    assertThrows(
      bad({ ...ok, extraLos: () => 0 }),
      /^TypeError: baseline mine has a field extraLos, which no baseline has \(did you mean extraLoss\?\); see baselines/,
    );
    assertThrows(bad({ ...ok, paper: "x" }), /has a field paper, which no baseline has; see/);
    assertThrows(
      bad({ ...ok, params: { a: [1] } }),
      /param a of type object; defaults must be number, boolean or string/,
    );
    assertThrows(
      bad({ ...ok, params: { mask: "mined" } }),
      /has a param mask but no planning; declare planning: \(p\) => p\.mask to read the mask it names/,
    );
    assertThrows(
      bad({ ...ok, params: { mask: "planets" }, planning: (p: { mask: string }) => p.mask }),
      /has planning "planets" at its defaults; it must be one of oracle, mined, random/,
    );
    assertThrows(bad({ ...ok, planning: "planets" }), /has planning "planets" at its defaults/);
    assertThrows(bad({ ...ok, planning: 3 }), /has a planning that is neither a mask source nor a function/);
    assertThrows(
      bad({ ...ok, aggregation: "mean" }),
      /aggregation "mean"; use one of token-mean, sequence-mean, dr-grpo or a function/,
    );
    assertStrictEquals(defineBaseline({ ...ok, aggregation: tokenMean }).aggregation, tokenMean);
    assertThrows(bad({ ...ok, extraLoss: 3 }), /extraLoss that is not a function/);
    assertThrows(
      bad({ ...ok, policyLoss: 3 }),
      /policyLoss that is not a function \(input, ctx\) => \{ loss, clipped\? \}/,
    );
    assertThrows(bad({ ...ok, groupFilter: [true] }), /groupFilter that is not a function \(ctx\) => boolean\[\]/);
    // Ranges are checked as the file loads: they were checked only at planning, after "runs go to …", where a
    // default outside its own range read as a bad --param and a misspelt key left a lock and empty folders.
    assertStrictEquals(defineBaseline({ ...ok, ranges: { a: [0, 1] } }).ranges?.a?.[1], 1);
    assertThrows(
      bad({ ...ok, ranges: { a: [0, 0.5] } }),
      /has param a = 1 by default, outside its own ranges\.a \[0,0\.5\]/,
    );
    assertThrows(bad({ ...ok, ranges: { aa: [0, 1] } }), /has ranges\.aa for no param \(its params are a\)/);
    assertThrows(
      bad({ ...ok, ranges: { a: [1, 0] } }),
      /has ranges\.a = \[1,0\]; it must be \[min, max\] \(min ≤ max\)/,
    );
    assertThrows(bad({ ...ok, ranges: [0, 1] }), /has ranges that are not an object \{ param: \[min, max\] \}/);
  });

  await t.step("checkBaseline on a module's default export", () => {
    assertStrictEquals(checkBaseline(ok, "./mine.ts").name, "mine");
    assertThrows(() => checkBaseline(undefined, "./mine.ts"), /^TypeError: \.\/mine\.ts: has no default export/);
    assertThrows(() => checkBaseline(42, "./mine.ts"), /\.\/mine\.ts: the default export is a number, not a baseline/);
    assertThrows(
      () => checkBaseline({ ...ok, advantages: undefined }, "./my.ts"),
      /^TypeError: \.\/my\.ts: the default export has no advantages\(ctx\) function; see baselines\/grpo\.ts/,
    );
  });

  await t.step("advantages are checked: count, lengths, Float32Array, finite", () => {
    const rs = [rollout(0, 1, 2), rollout(0, 0, 3)];
    const f = (...xs: number[][]) => xs.map((x) => Float32Array.from(x));
    assertEquals(checkAdvantages("b", f([1, 1], [0, 0, 0]), rs).length, 2);
    assertThrows(
      () => checkAdvantages("b", f([1, 1]), rs),
      /baseline b: advantages\(ctx\) returned 1 arrays for 2 rollouts/,
    );
    assertThrows(
      () => checkAdvantages("b", f([1, 1], [0, 0]), rs),
      /rollout 1: 2 advantages for a response of 3 tokens/,
    );
    assertThrows(
      () => checkAdvantages("b", f([1, NaN], [0, 0, 0]), rs),
      /baseline b: .*rollout 0: advantage at token 1 is NaN/,
    );
    assertThrows(
      () => checkAdvantages("b", f([1, 1], [0, Infinity, 0]), rs),
      /rollout 1: advantage at token 1 is Infinity/,
    );
    assertThrows(
      () => checkAdvantages("b", [[1, 1], [0, 0, 0]], rs),
      /rollout 0: a plain array, not a Float32Array of one advantage per token; make it with Float32Array\.from\(…\)$/,
    );
    // One number per rollout: the helper that spreads it over the tokens is named.
    assertThrows(
      () => checkAdvantages("b", [0.5, -0.5], rs),
      /rollout 0: a number, not a Float32Array of one advantage per token; one advantage per rollout is spread over its tokens by broadcastToTokens\(values, ctx\.rollouts\)$/,
    );
    assertThrows(
      () => checkAdvantages("b", Promise.resolve(f([1, 1], [0, 0, 0])), rs),
      /returned a Promise \(is it async\?\)/,
    );
    const nan = defineBaseline({ ...ok, name: "nan_maker", advantages: (ctx) => ctx.rollouts.map(() => f([NaN])[0]) });
    assertThrows(() => baselineAdvantages(nan, baselineContext(rs, nan.params, rng(0))), /nan_maker.*rollout 0/);
    // An async hook, any hook: callHook refuses the Promise, naming the baseline and the hook.
    const later = defineBaseline({ ...ok, name: "later", advantages: () => Promise.resolve(f([1])) as never });
    assertThrows(
      () => baselineAdvantages(later, baselineContext(rs, later.params, rng(0))),
      /^RangeError: baseline later: advantages\(ctx\) returned a Promise \(is it async\?\); it must return its answer at once$/,
    );
  });

  await t.step("the context checks per-token array lengths", () => {
    const r = { ...rollout(0, 1, 3), entropy: new Float32Array(2) };
    assertThrows(
      () => baselineContext([rollout(0, 1, 1), r], {}, rng(0)),
      /rollout 1: entropy has 2 values for a response of 3/,
    );
  });
});

Deno.test("param overrides", async (t) => {
  const all = Object.values(BASELINES);

  await t.step("typed by the defaults; a later value wins", () => {
    assertEquals(
      parseParamOverrides(["hicra.alpha=0.3", "grpo.stdNormalize=false", "hicra.mask=oracle", "hicra.alpha=1e-1"], all),
      { hicra: { alpha: 0.1, mask: "oracle" }, grpo: { stdNormalize: false } },
    );
    assertEquals(parseParamOverrides([], all), {});
    assertEquals(resolveParams(BASELINES.hicra, { alpha: 0.3 }), { alpha: 0.3, mask: "mined", stdNormalize: true });
  });

  await t.step("errors: missing =, not baseline.key, unknown baseline, unknown key, bad values", () => {
    const p = (arg: string) => () => parseParamOverrides([arg], all);
    assertThrows(p("hicra.alpha"), /--param hicra\.alpha: missing "="/);
    assertThrows(p("alpha=0.3"), /"alpha" is not baseline\.key/);
    assertThrows(p("nope.alpha=1"), /no baseline "nope" in this run; it has grpo, hicra, entropy_reg/);
    assertThrows(p("hicra.beta=1"), /baseline hicra has no param "beta"; its params are alpha, mask, stdNormalize/);
    assertThrows(p("dr_grpo.x=1"), /baseline dr_grpo has no param "x"; it takes no params/);
    assertThrows(p("hicra.alpha=abc"), /hicra\.alpha must be a number, got "abc"/);
    assertThrows(p("hicra.alpha="), /must be a number, got ""/);
    assertThrows(p("grpo.stdNormalize=yes"), /grpo\.stdNormalize must be true or false, got "yes"/);
    assertThrows(p("hicra.mask=planets"), /hicra\.mask must be one of oracle, mined, random, got "planets"/);
    assertThrows(
      () => resolveParams(BASELINES.hicra, { alpha: "big" }),
      /param hicra\.alpha must be a number, got string/,
    );
  });

  await t.step("numbers in decimal only, within the ranges a baseline declares", () => {
    const p = (arg: string) => () => parseParamOverrides([arg], all);
    for (const text of ["0x10", "Infinity", " 0.3", "1_0", "0b1"]) {
      assertThrows(
        p(`hicra.alpha=${text}`),
        /hicra\.alpha must be a number, got .* \(write it in decimal, e\.g\. 0\.3\)/,
      );
    }
    assertEquals(parseParamOverrides(["hicra.alpha=.5", "entropy_reg.beta=-2e-3"], all), {
      hicra: { alpha: 0.5 },
      entropy_reg: { beta: -0.002 },
    });
    assertThrows(p("hicra.alpha=-5"), /--param hicra\.alpha=-5: hicra\.alpha must be from 0 to 1, got -5/);
    assertThrows(
      () => resolveParams(BASELINES.placebo_hicra, { alpha: 1.5 }),
      /placebo_hicra\.alpha must be from 0 to 1/,
    );
    const ranged = (ranges: Record<string, unknown>) =>
      ({ ...BASELINES.grpo, params: { x: 2 }, ranges }) as BaselineDef;
    assertThrows(() => resolveParams(ranged({ x: [0, 1] })), /param grpo\.x must be from 0 to 1, got 2/);
    assertThrows(() => resolveParams(ranged({ x: [3, 1] })), /ranges\.x must be \[min, max\] \(min ≤ max\)/);
    assertThrows(() => resolveParams(ranged({ y: [0, 1] })), /ranges\.y: baseline grpo has no param "y"/);
  });
});

Deno.test("loadBaseline", async (t) => {
  const fixture = (name: string) => relative(Deno.cwd(), fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));

  await t.step("a registered name", async () => {
    assertStrictEquals(await loadBaseline("hicra"), BASELINES.hicra);
    await assertRejects(
      () => loadBaseline("hicrA"),
      /unknown baseline "hicrA"; known: grpo, hicra, entropy_reg, entropy_adv, fork_tokens, dr_grpo, placebo_hicra, gspo, dapo, clip_cov, kl_cov, gtpo, maxrl, grpo_half_signal; or give the path of a baseline file/,
    );
  });

  await t.step("a file outside the harness, by relative path and by file URL, loads and runs", async () => {
    const b = await loadBaseline(fixture("outside_baseline.ts"));
    assertStrictEquals(b.name, "outside_halves");
    assertStrictEquals(b.aggregation, "token-mean");
    assertEquals(run(b, [rollout(0, 1, 4), rollout(0, 0, 4)]), [[0.5, 0.5, 0.25, 0.25], [-0.5, -0.5, -0.25, -0.25]]);
    const byUrl = await loadBaseline(new URL("./fixtures/outside_baseline.ts", import.meta.url).href);
    assertStrictEquals(byUrl.advantages, b.advantages);
  });

  await t.step("broken files give the documented errors", async () => {
    const missing = fixture("no_advantages_baseline.ts");
    await assertRejects(
      () => loadBaseline(missing),
      new RegExp(
        `^TypeError: ${missing.replaceAll(".", "\\.")}: the default export has no advantages\\(ctx\\) function`,
      ),
    );
    await assertRejects(
      () => loadBaseline(fixture("throwing_baseline.ts")),
      /throwing_baseline\.ts threw on import: boom while importing/,
    );
    await assertRejects(() => loadBaseline("./no/such/method.ts"), /baseline file \.\/no\/such\/method\.ts not found/);
  });

  await t.step("a file may take a registered name only when it is that baseline's own file", async () => {
    assertEquals((await loadBaseline("./baselines/grpo.ts")).advantages, BASELINES.grpo.advantages);
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/my_grpo.ts`;
      const grpo = new URL("../baselines/grpo.ts", import.meta.url).href;
      await Deno.writeTextFile(
        path,
        `import grpo from ${JSON.stringify(grpo)};\nexport default { ...grpo, params: { stdNormalize: false } };\n`,
      );
      await assertRejects(() => loadBaseline(path), {
        message: `baseline file ${path} defines baseline grpo, the name of a registered baseline, whose results it ` +
          "would be reported as; give its baseline a name of its own",
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("the registered baselines cannot be changed in place (the report would not see it); --param sets them per run", () => {
  const hicra = BASELINES.hicra;
  assertThrows(() => ((hicra.params as Record<string, unknown>).alpha = 0.5), TypeError);
  assertThrows(() => ((hicra.ranges as Record<string, unknown>).alpha = [0, 2]), TypeError);
  assertThrows(() => ((BASELINES as Record<string, unknown>).mine = hicra), TypeError);
  assertEquals([hicra.params.alpha, Object.keys(BASELINES).includes("mine")], [0.2, false]);
  assertEquals(resolveParams(hicra, parseParamOverrides(["hicra.alpha=0.5"], [hicra]).hicra).alpha, 0.5);
});

Deno.test("a baseline's context is read-only where the harness relies on it: order, fields, groups, params", () => {
  const writes: [string, (ctx: BaselineContext<ParamSpec>) => void][] = [
    ["a sort in place", (ctx) => (ctx.rollouts as RolloutContext[]).sort((a, b) => b.tokens.length - a.tokens.length)],
    ["a rollout's field replaced", (ctx) => ((ctx.rollouts[0] as { tokens: unknown }).tokens = [1])],
    ["a parameter annealed", (ctx) => ((ctx.params as { scale: number }).scale *= 0.9)],
    ["a group's statistics", (ctx) => ((ctx.groups[0] as { mean: number }).mean = 0)],
  ];
  for (const [what, write] of writes) {
    const b = defineBaseline({
      name: "writer",
      summary: what,
      params: { scale: 1 },
      advantages(ctx) {
        write(ctx);
        return BASELINES.grpo.advantages(ctx as never);
      },
    });
    const params = resolveParams(b);
    const ctx = baselineContext(batch(), params, rng(0));
    let message = "";
    try {
      baselineAdvantages(b, ctx);
    } catch (e) {
      message = (e as Error).message;
    }
    assert(
      message.endsWith("; ctx is read-only: change a copy ([...ctx.rollouts].sort(…), { ...ctx.params })"),
      `${what}: ${message}`,
    );
  }
  // What a rollout's fields hold is the baseline's own copy: changing it is allowed (and changes nothing of the run's).
  const ctx = baselineContext(batch(), resolveParams(BASELINES.grpo), rng(0));
  ctx.rollouts[0].entropy.fill(0);
  assertEquals(ctx.rollouts[0].entropy[0], 0);
});
