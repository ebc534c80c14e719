/**
 * The contract's loss hooks on hand-computed numbers: GSPO's sequence ratio, Clip-Cov's and KL-Cov's
 * covariance-selected tokens, an aggregation given as a function, and the group filter (DAPO's dynamic
 * sampling) with its checks.
 * @module
 */
import { assert, assertClose, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "./testing.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import {
  type Baseline,
  type BaselineContext,
  baselineContext,
  type RolloutContext,
} from "../harness/credit/baseline.ts";
import { resolveParams } from "../harness/credit/params.ts";
import { dropEqualRewards, filterGroups } from "../harness/credit/group_filter.ts";
import { pgLoss, type PgLossInput } from "../harness/update/pg_loss.ts";
import { rng } from "../harness/core/rng.ts";
import { BASELINES } from "../baselines/mod.ts";

await useBackend(DEFAULT_BACKEND);

/** The baseline's loss of `input` as the update computes it (its policy loss and aggregation, the run's clip 0.2/0.28). */
function lossOf(b: Baseline, input: PgLossInput, params: Record<string, number> = {}, ctx?: BaselineContext) {
  const c = ctx ?? baselineContext([], resolveParams(b, params), rng(0, "test"));
  const r = pgLoss(input, { aggregation: b.aggregation, policyLoss: (x) => b.policyLoss!(x, c) });
  return [r.loss.dataSync()[0], r.clipFraction.dataSync()[0]];
}

/** One row of four response tokens: A = [1, 1, −1, −1], log π = [0, −4, 0, −4] (mean −2), `shift` = log π − log π_old. */
function fourTokens(shift = [0, 0, 0, 0]): PgLossInput {
  const logp = [0, -4, 0, -4];
  return {
    logp: tf.tensor2d([logp]),
    oldLogp: tf.tensor2d([logp.map((x, t) => x - shift[t])]),
    advantages: tf.tensor2d([[1, 1, -1, -1]]),
    mask: tf.tensor2d([[1, 1, 1, 1]]),
  };
}
// cov_t = (A − 0)·(log π + 2) = [2, −2, −2, 2]: tokens 0 and 3 lie in Clip-Cov's (1, 5) and top KL-Cov's list.

Deno.test("gspo", async (t) => {
  // Row 0: log-ratios 0.1 and 0.3 (s = e^0.2), A = 1; row 1: one token, ratio 1, A = −1; a padded column.
  const input = (): PgLossInput & { logp: tf.Variable<tf.Rank.R2> } => ({
    logp: tf.variable(tf.tensor2d([[-1, -2, 0], [-0.5, 0, 0]])),
    oldLogp: tf.tensor2d([[-1.1, -2.3, 0], [-0.5, 0, 0]]),
    advantages: tf.tensor2d([[1, 1, 0], [-1, -1, 0]]),
    mask: tf.tensor2d([[1, 1, 0], [1, 0, 0]]),
  });
  const s = Math.exp(0.2);

  await t.step("the sequence ratio clipped at 1 + 4e-4: mean(−1.0004, 1); clip fraction 2/3", () => {
    assertStrictEquals(BASELINES.gspo.aggregation, "sequence-mean");
    assertClose(lossOf(BASELINES.gspo, input()), [(-1.0004 + 1) / 2, 2 / 3], 1e-6);
  });

  await t.step("unclipped: mean(−s, 1), and the gradient of a token is GSPO's, −s·A/(|y|·rows)", () => {
    const params = { clipLow: 0.5, clipHigh: 5 };
    const x = input();
    assertClose(lossOf(BASELINES.gspo, x, params), [(-s + 1) / 2, 0], 1e-6);
    const ctx = baselineContext([], resolveParams(BASELINES.gspo, params), rng(0));
    const g = tf.grad((logp) =>
      pgLoss({ ...x, logp: logp as tf.Tensor2D }, {
        aggregation: "sequence-mean",
        policyLoss: (i) => BASELINES.gspo.policyLoss!(i, ctx),
      }).loss
    )(x.logp);
    assertClose(g.dataSync(), [-s / 4, -s / 4, 0, 0.5, 0, 0], 1e-6);
  });
});

Deno.test("clip_cov", async (t) => {
  await t.step("one of tokens 0 and 3 (cov 2) loses its loss: ±0.25, clip fraction 1/4", () => {
    const [loss, clip] = lossOf(BASELINES.clip_cov, fourTokens());
    assertClose([Math.abs(loss), clip], [0.25, 0.25], 1e-6);
  });

  await t.step("share 0.5 drops both: (−1 + 1)/4 = 0, clip fraction 1/2", () => {
    assertClose(lossOf(BASELINES.clip_cov, fourTokens(), { share: 0.5 }), [0, 0.5], 1e-6);
  });

  await t.step("a token the ratio clip already clipped is no candidate: token 0 at 1.28, token 3 dropped", () => {
    // Token 0: ratio e^0.5 > 1.28, A = 1 → −1.28 (clipped); token 3 dropped: (−1.28 − 1 + 1 + 0)/4.
    assertClose(lossOf(BASELINES.clip_cov, fourTokens([0.5, 0, 0, 0]), { share: 0.5 }), [-0.32, 0.5], 1e-6);
  });

  await t.step("no candidate in (lb, ub): the clip-higher loss as is", () => {
    assertClose(lossOf(BASELINES.clip_cov, fourTokens(), { low: 2 }), [0, 0], 1e-6);
  });
});

Deno.test("kl_cov", async (t) => {
  await t.step("the top token by cov (0; a tie with 3 goes to the earlier) gains coef·|log-ratio|", () => {
    // −r·A per token: −e^0.1, −1, e^0.2, 1; token 0 gains |0.1|.
    const shift = [0.1, 0, 0.2, 0];
    const plain = [-Math.exp(0.1), -1, Math.exp(0.2), 1];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assertClose(lossOf(BASELINES.kl_cov, fourTokens(shift)), [mean(plain) + 0.1 / 4, 0], 1e-6);
    assertClose(lossOf(BASELINES.kl_cov, fourTokens(shift), { coef: 0 }), [mean(plain), 0], 1e-6);
    // Share 0.75: tokens 0, 3 and 1 (cov 2, 2, −2; 1 before 2 on the tie): token 2's 0.2 stays out.
    assertClose(lossOf(BASELINES.kl_cov, fourTokens(shift), { share: 0.75, coef: 2 }), [mean(plain) + 0.2 / 4, 0]);
  });

  await t.step("no ratio clip: a ratio of e^1 counts in full", () => {
    const [loss] = lossOf(BASELINES.kl_cov, fourTokens([0, 1, 0, 0]), { coef: 0 });
    assertClose([loss], [(-1 - Math.E + 1 + 1) / 4], 1e-6);
  });
});

Deno.test("pgLoss checks what a policy loss and an aggregation return", () => {
  const input = fourTokens();
  const perRow = (v: tf.Tensor2D, m: tf.Tensor2D) => v.mul(m).sum().div(v.shape[0]) as tf.Scalar;
  assertClose([pgLoss(input, { aggregation: perRow }).loss.dataSync()[0]], [0]);
  assertThrows(
    () => pgLoss(input, { policyLoss: (i) => ({ loss: i.logp.sum(1, true) as tf.Tensor2D }) }),
    /the policy loss returned loss of shape \[1,1\]; it must have the shape of logp, \[1,4\]/,
  );
  assertThrows(
    () => pgLoss(input, { aggregation: (v) => v as unknown as tf.Scalar }),
    /the aggregation returned shape \[1,4\], not a scalar tensor/,
  );
  // What a policy loss written in a hurry returns: each one line naming what is wrong.
  const fix = "it must return { loss, clipped? }, tensors of the shape of logp, [1,4]";
  const returned: [string, (i: PgLossInput) => unknown, string][] = [
    ["async", (i) => Promise.resolve({ loss: i.logp }), `mine returned a Promise (is it async?); ${fix}`],
    ["the loss alone", (i) => i.logp.neg(), `mine returned a bare tensor; ${fix}`],
    ["no loss", () => ({ lost: 1 }), `mine returned an object without a loss; ${fix}`],
    ["an undefined loss", () => ({ loss: undefined }), `mine returned an object without a loss; ${fix}`],
    ["nothing", () => undefined, `mine returned undefined; ${fix}`],
    [
      "the clipped term where its 0/1 mask goes",
      (i) => ({ loss: i.logp.neg(), clipped: i.logp.mul(0.5) }),
      "mine returned a clipped with values other than 0 and 1; give 1 where the loss removed the token's gradient",
    ],
  ];
  for (const [what, policyLoss, message] of returned) {
    assertThrows(
      () => pgLoss(input, { policyLoss: policyLoss as never, policyLossName: "mine" }),
      (e: Error) => e.message === message,
      what,
    );
  }
  // A 0/1 clipped is taken; so is anything on padding, which the clip fraction does not count.
  const padded = { ...input, mask: tf.tensor2d([[1, 1, 1, 0]]) };
  const half = (i: PgLossInput) => ({ loss: i.logp.neg() as tf.Tensor2D, clipped: tf.tensor2d([[1, 0, 0, 0.5]]) });
  assertClose([pgLoss(padded, { policyLoss: half }).clipFraction.dataSync()[0]], [1 / 3]);
});

/** A rollout of group `group` and reward `reward` with `n` tokens. */
function rollout(group: number, reward: number, n = 2): RolloutContext {
  const zeros = new Float32Array(n);
  return {
    group,
    task: "countdown",
    reward,
    tokens: [...zeros],
    maxLength: 10,
    oldLogProbs: zeros,
    entropy: zeros,
    planning: new Uint8Array(n),
    steps: [],
  };
}

Deno.test("group filter", async (t) => {
  // Groups: 0 all equal, 1 differs, 2 all equal, 3 differs.
  const ctx = () =>
    baselineContext(
      [rollout(0, 1), rollout(0, 1), rollout(1, 1), rollout(1, 0, 3), rollout(2, 0), rollout(3, 0), rollout(3, 1)],
      {},
      rng(0),
    );

  await t.step("dynamic sampling as a filter keeps the groups whose rewards differ, renumbered", () => {
    assertEquals(dropEqualRewards(ctx()), [false, true, false, true]);
    const f = filterGroups(BASELINES.dapo, ctx());
    assertEquals(f.kept, [2, 3, 5, 6]);
    assertEquals(f.ctx.rollouts.map((r) => [r.group, r.reward, r.tokens.length]), [[0, 1, 2], [0, 0, 3], [1, 0, 2], [
      1,
      1,
      2,
    ]]);
    assertEquals(f.ctx.groups.map((g) => g.mean), [0.5, 0.5]);
  });

  await t.step("a filter must return one boolean per group", () => {
    const bad = (out: unknown) => ({ ...BASELINES.grpo, name: "mine", groupFilter: () => out as boolean[] });
    assertThrows(
      () => filterGroups(bad([true]), ctx()),
      /^RangeError: baseline mine: groupFilter\(ctx\) returned 1 values for 4 groups; it must return one boolean per group \(4\)$/,
    );
    assertThrows(() => filterGroups(bad(null), ctx()), /returned null;/);
    // 1/0 flags: it said "returned 4 values; it must return one boolean per group (4)".
    assertThrows(
      () => filterGroups(bad([1, 0, 1, 0]), ctx()),
      /returned 1 among its values \(a number, not true or false\); it must return one boolean per group \(4\)$/,
    );
    assertThrows(() => filterGroups(bad(Promise.resolve([])), ctx()), /returned a Promise \(is it async\?\);/);
  });
});

/** Run the CLI's `bench` in a child process with `args`; its exit code and output. */
async function benchCli(args: string[]) {
  const cli = new URL("../harness/cli.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "bench", ...args],
    cwd: new URL("..", import.meta.url).pathname,
  }).output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
}

Deno.test("an outside baseline that overrides the loss runs by path from the CLI", async (t) => {
  const tmp = await Deno.makeTempDir();
  const file = "./tests/fixtures/outside_loss_baseline.ts";
  const common = ["--suite", "smoke", "--cache", `${tmp}/cache`, "--out", `${tmp}/out`, "--seeds", "1", "--jobs", "1"];

  await t.step("its runs log what its group filter did to every step's batch", async () => {
    const { code, text } = await benchCli([
      ...common,
      "--steps",
      "2",
      "--baselines",
      file,
      "--param",
      "outside_loss.epsilon=0.05",
    ]);
    assertEquals(code, 0, text);
    const runs = `${tmp}/out/smoke/runs`;
    const [id] = [...Deno.readDirSync(runs)].map((e) => e.name).filter((n) => n.startsWith("outside_loss-s1-"));
    const manifest = JSON.parse(Deno.readTextFileSync(`${runs}/${id}/manifest.json`));
    assertEquals([manifest.status, manifest.params, manifest.paramDefaults], ["complete", { epsilon: 0.05 }, {
      epsilon: 0.1,
    }]);
    const steps = Deno.readTextFileSync(`${runs}/${id}/train.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(steps.length, 2);
    for (const s of steps) {
      const f = s.groupFilter;
      assertEquals([f.groupsIn, s.groupsUsed], [s.groupsSampled, f.groupsOut]);
      assertEquals(f.groupsIn - f.groupsOut, Math.round(s.fracRewardZeroStd * s.groupsSampled));
      assertEquals(f.rolloutsOut, f.groupsOut * 4);
    }
  });

  await t.step("a bad value of its param is a one-line error, exit code 1", async () => {
    const { code, text } = await benchCli([...common, "--baselines", file, "--param", "outside_loss.epsilon=2"]);
    assertEquals(code, 1);
    assertEquals(text.trim().split("\n").length, 1, text);
    assertMatch(text, /outside_loss\.epsilon must be from 0 to 1, got 2/);
  });

  await t.step(
    "loss terms that would train on nothing, or not as meant, are one line naming the baseline",
    async () => {
      const api = new URL("../mod.ts", import.meta.url).href;
      const entropy = "aggregate(live.entropy, live.mask, 'token-mean')";
      const bad: [string, string, string][] = [
        [
          "extra_num",
          `extraLoss: (ctx, live) => -0.01 * ${entropy}.dataSync()[0]`,
          "baseline extra_num: extraLoss(ctx, live) returned a number, which has no gradient (do not read values out " +
          "with dataSync()); it must return a scalar tensor computed from live's tensors",
        ],
        [
          "extra_read",
          `extraLoss: (ctx, live) => tf.scalar(-0.01 * ${entropy}.dataSync()[0])`,
          "baseline extra_read: extraLoss(ctx, live) returned a scalar not computed from live.entropy, which has no " +
          "gradient (a value read out with dataSync() and put back in a tensor); compute it from live's tensors",
        ],
        [
          "extra_rows",
          "extraLoss: (ctx, live) => live.entropy.mul(-0.01)",
          "baseline extra_rows: extraLoss(ctx, live) returned a tensor of shape [10,",
        ],
        [
          "no_path",
          "policyLoss: (input) => ({ loss: input.advantages.neg() })",
          "baseline no_path: the loss has no path to the policy's weights; policyLoss must compute its loss from " +
          "input.logp (or input.entropy), not from constants or values read out",
        ],
      ];
      for (const [name, hook, message] of bad) {
        const path = `${tmp}/${name}.ts`;
        await Deno.writeTextFile(
          path,
          `import { aggregate, defineBaseline, grpoAdvantages, tf } from "${api}";\n` +
            `export default defineBaseline({ name: "${name}", summary: "bad", params: {}, ` +
            `advantages: (ctx) => grpoAdvantages(ctx, true), ${hook} });\n`,
        );
        const { code, text } = await benchCli([...common, "--steps", "2", "--baselines", path, "--no-report"]);
        const last = text.trim().split("\n").at(-1)!;
        assertEquals(code, 1, text);
        assert(last.startsWith(`error: ${message}`), text);
      }
    },
  );

  await t.step(
    "a run its method's code failed names the line, and once the file is fixed, the fix is one mv",
    async () => {
      const api = new URL("../mod.ts", import.meta.url).href, path = `${tmp}/flaky.ts`;
      const write = (step: number) =>
        Deno.writeTextFile(
          path,
          `import { defineBaseline, grpoAdvantages } from "${api}";\n` +
            `export default defineBaseline({ name: "flaky", summary: "throws at a step", params: {}, advantages: (ctx) => {\n` +
            `  if (ctx.step === ${step}) throw new Error("kaboom");\n  return grpoAdvantages(ctx, true);\n} });\n`,
        );
      const args = [...common, "--out", `${tmp}/flaky`, "--steps", "2", "--baselines", path, "--no-report"];
      await write(1);
      const failed = await benchCli(args);
      assertEquals(failed.code, 1, failed.text);
      const runs = `${tmp}/flaky/smoke/runs`;
      const [id] = [...Deno.readDirSync(runs)].map((e) => e.name).filter((n) => n.startsWith("flaky-s1-"));
      const mv = `mv ${runs}/${id} ${tmp}/flaky/smoke/${id}.damaged`;
      assertEquals(
        failed.text.trim().split("\n").at(-1),
        `error: baseline flaky: advantages(ctx) threw (kaboom) at ${path}:3:29; the run is marked failed: fix ${path}, ` +
          `then move the run aside with \`${mv}\` and run the same command again`,
      );
      const report = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("../harness/cli.ts", import.meta.url).pathname, "report", "--in", `${tmp}/flaky`],
      }).output();
      assertMatch(
        new TextDecoder().decode(report.stderr),
        new RegExp(
          `${id} failed \\(baseline flaky: advantages\\(ctx\\) threw \\(kaboom\\) at \\S+\\): fix that, then run the bench again`,
        ),
      );
      await write(99); // fixed
      const refused = await benchCli(args);
      assertEquals(refused.code, 1, refused.text);
      assertMatch(
        refused.text,
        new RegExp(
          `holds a failed run of flaky seed 1, made by other code of \\S+ than it has now \\(fixed since\\?\\); move it aside with \`${
            mv.replace(/[.]/g, "\\.")
          }\``,
        ),
      );
      await new Deno.Command("sh", { args: ["-c", mv] }).output();
      const fixed = await benchCli(args);
      assertEquals(fixed.code, 0, fixed.text);
    },
  );
  await Deno.remove(tmp, { recursive: true });
});
