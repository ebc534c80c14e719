import { assert, assertClose, assertEquals, assertNotEquals, assertRejects } from "./testing.ts";
import { Stopped } from "../harness/core/stop.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { type BenchConfig, getConfig } from "../harness/config.ts";
import { createPolicy } from "../harness/model/model.ts";
import { rng } from "../harness/core/rng.ts";
import { sampleGroups, score, stepPrompts } from "../harness/rollout/rollouts.ts";
import { extent, fixedLogProbs, responseLogProbs } from "../harness/update/rl_update.ts";
import { byLength, lengthChunks, TRAIN_PASS_OVERHEAD } from "../harness/model/length_chunks.ts";
import { keptGroups, runRl } from "../harness/loop/rl.ts";
import { type MaskMaker, planningMasks } from "../harness/masks/planning_masks.ts";
import { defineTask, type Problem, type StepCheck } from "../tasks/kit/task.ts";
import { TaskSplits, trainSplits } from "../harness/suite.ts";
import { getTask } from "../tasks/mod.ts";
import { BOS, encode, EOS, PAD, SEP, words } from "../harness/text/tokenizer.ts";
import { trainBase } from "../harness/loop/sft.ts";
import { BASELINES } from "../baselines/mod.ts";
import { TfjsEngine } from "../harness/rollout/tfjs_engine.ts";
import { OnnxEngine } from "../harness/rollout/onnx_engine.ts";
import { type Baseline, type BaselineContext, type BaselineDef, defineBaseline } from "../harness/credit/baseline.ts";
import { resolveParams } from "../harness/credit/params.ts";
import { weightBytes } from "../harness/model/checkpoint.ts";
import { mineStrategicGrams } from "../harness/masks/strategic_grams.ts";
import { sha256 } from "../harness/core/atomic.ts";

await useBackend(DEFAULT_BACKEND);

function tiny(steps: number): BenchConfig {
  const cfg = getConfig("smoke");
  cfg.rl.steps = steps;
  return cfg;
}

/** Every token an execution token: the loop's plumbing, without a mask source. */
const noPlanning: MaskMaker = (_source, rollouts) => rollouts.map((r) => new Uint8Array(r.tokens.length));

/** An empty mined list (se_strategic is 0). */
const grams = mineStrategicGrams([], rng(1, "grams"));

/** The metric files of a run folder. */
const METRICS = ["train.jsonl", "eval.jsonl", "timings.jsonl", "rollouts.jsonl.gz"];

Deno.test("rl", async (t) => {
  const cfg = tiny(2);
  const splits = trainSplits(cfg);

  await t.step("the training forward pass gives the rollout policy's log-probs and entropies", async () => {
    const policy = createPolicy(cfg.model, 3);
    const prompts = stepPrompts(splits, 5, rng(0, "p"));
    const rows = await sampleGroups(new TfjsEngine(policy), prompts, 2, 1, rng(0, "s"));
    const { logp, entropy, mask } = tf.tidy(() => {
      const out = responseLogProbs(policy, rows);
      // Without the entropies (a loss that reads none): the same log-probs, no entropy computed.
      const bare = responseLogProbs(policy, rows, TRAIN_PASS_OVERHEAD, false);
      assertEquals(bare.logp.dataSync(), out.logp.dataSync());
      assertEquals(bare.entropy, undefined);
      return { logp: out.logp.arraySync(), entropy: out.entropy.arraySync(), mask: out.mask.arraySync() };
    });
    rows.forEach((r, i) => {
      assertEquals(mask[i].filter((m) => m === 1).length, r.tokens.length);
      for (let t = 0; t < r.tokens.length; t++) {
        assert(Math.abs(logp[i][t] - r.logp[t]) < 1e-4, `row ${i} token ${t}: ${logp[i][t]} vs ${r.logp[t]}`);
        assert(Math.abs(entropy[i][t] - r.entropy[t]) < 1e-4, `row ${i} token ${t}: entropy`);
      }
    });
    policy.dispose();
  });

  await t.step("scoring rows in passes by length gives the values and gradients of one pass", async () => {
    const policy = createPolicy(cfg.model, 5);
    const sampled = await sampleGroups(new TfjsEngine(policy), stepPrompts(splits, 5, rng(0, "p")), 4, 1, rng(0, "s"));
    const rows = byLength(sampled.map(extent)).map((i) => sampled[i]);
    const passes = lengthChunks(rows.map(extent), 0).length;
    assert(passes >= 3, `${passes} passes: the rows should differ in length`);
    const scored = (overhead: number) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { logp, entropy, mask } = responseLogProbs(policy, rows, overhead);
          return logp.add(entropy.mul(0.5)).mul(mask).sum() as tf.Scalar;
        }, policy.variables);
        return [value.dataSync()[0], ...policy.variables.map((v) => Array.from(grads[v.name].dataSync()))] as const;
      });
    const [oneValue, ...oneGrads] = scored(Infinity), [value, ...grads] = scored(0);
    assert(Math.abs(value - oneValue) < 1e-3, `${value} vs ${oneValue}`);
    grads.forEach((g, i) => { // float32 sums in another order: equal to 1e-5 of the gradient's scale
      const scale = oneGrads[i].reduce((m, x) => Math.max(m, Math.abs(x)), 1);
      assertClose(g, oneGrads[i], 1e-5 * scale);
    });
    policy.dispose();
  });

  await t.step("the reference policy's scores on either engine are the training forward pass's log-probs", async () => {
    const policy = createPolicy(cfg.model, 4);
    const rows = await sampleGroups(new TfjsEngine(policy), stepPrompts(splits, 5, rng(0, "p")), 2, 1, rng(0, "s"));
    const trained = tf.tidy(() => responseLogProbs(policy, rows).logp.arraySync());
    const onnx = await OnnxEngine.create(policy);
    for (const engine of [new TfjsEngine(policy), onnx]) {
      const scored = await fixedLogProbs(engine, rows);
      rows.forEach((r, i) => {
        assertEquals(scored[i].length, r.tokens.length);
        scored[i].forEach((lp, t) =>
          assert(Math.abs(lp - trained[i][t]) < 1e-4, `${engine.name}, row ${i} token ${t}: ${lp} vs ${trained[i][t]}`)
        );
      });
    }
    await onnx.dispose();
    policy.dispose();
  });

  await t.step("prompts mix the tasks and are a function of the stream", () => {
    const a = stepPrompts(splits, 10, rng(1, "x")), b = stepPrompts(splits, 10, rng(1, "x"));
    assertEquals(a.map((p) => p.problem.prompt), b.map((p) => p.problem.prompt));
    assertEquals(a.map((p) => p.splits.task.name).slice(0, 5), cfg.suite.tasks.map((s) => s.name));
    assertNotEquals(a.map((p) => p.problem.prompt), stepPrompts(splits, 10, rng(2, "x")).map((p) => p.problem.prompt));
  });

  await t.step("rollouts are scored by their task's verifier", async () => {
    const policy = createPolicy(cfg.model, 3);
    const rows = score(
      await sampleGroups(new TfjsEngine(policy), stepPrompts(splits, 5, rng(0, "p")), 2, 1, rng(0, "s")),
    );
    for (const r of rows) assertEquals(r.verdict, r.task.verify(r.problem, r.text));
    assertEquals(rows.map((r) => r.group), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    policy.dispose();
  });

  await t.step(
    "verify reads the sampled tokens joined by spaces, the final <eos> left out, other specials kept",
    () => {
      // What TaskDef.verify's JSDoc and docs/tasks.md promise a task author.
      const countdown = getTask("countdown"), seen: string[] = [];
      const task = { ...countdown, verify: (p: Problem, text: string) => (seen.push(text), countdown.verify(p, text)) };
      const tokens = [...encode("answer : 7"), PAD, BOS, SEP, EOS];
      const sampled = { group: 0, task, problem: splits[0].train(0), index: 0, prompt: [], finished: true };
      score([{ ...sampled, tokens, logp: new Float32Array(6), entropy: new Float32Array(6) }]);
      score([{ ...sampled, tokens: [EOS], logp: new Float32Array(1), entropy: new Float32Array(1) }]);
      assertEquals(seen, ["answer : 7 <pad> <bos> <sep>", ""]);
    },
  );

  const base = trainBase(cfg, 1);
  const run = async (
    name: string,
    seed: number,
    dir: string,
    opts: {
      resume?: boolean;
      stopAfter?: number;
      signalAfter?: number;
      cfg?: BenchConfig;
      baseline?: Baseline;
      masks?: MaskMaker;
      splits?: TaskSplits[];
      onNote?: (line: string) => void;
    } = {},
  ) => {
    const policy = createPolicy(cfg.model, 1);
    policy.variables.forEach((v, i) => v.assign(base.variables[i]));
    const b = opts.baseline ?? BASELINES[name];
    const onStep = (l: { step: number }) => {
      if (l.step + 1 === opts.stopAfter) throw new Error("simulated crash");
      if (l.step + 1 === opts.signalAfter) throw new Stopped("SIGINT", " (simulated)");
    };
    try {
      await runRl({
        cfg: opts.cfg ?? cfg,
        baseline: b,
        params: resolveParams(b),
        seed,
        policy,
        splits: opts.splits ?? splits,
        masks: opts.masks ?? noPlanning,
        grams,
        dir,
        resume: opts.resume,
        onStep,
        onNote: opts.onNote,
      });
    } finally {
      policy.dispose();
    }
    const files = await Promise.all(["train.jsonl", "eval.jsonl"].map((f) => Deno.readTextFile(`${dir}/${f}`)));
    const rollouts = await Deno.readFile(`${dir}/rollouts.jsonl.gz`);
    return { files, rollouts, weights: await Deno.readFile(`${dir}/checkpoint/weights.bin`) };
  };

  await t.step("a tiny RL run twice writes byte-identical metric files; another seed differs", async () => {
    const tmp = await Deno.makeTempDir();
    const a = await run("entropy_reg", 1, `${tmp}/a`), b = await run("entropy_reg", 1, `${tmp}/b`);
    assertEquals(a.files, b.files);
    assertEquals(a.rollouts, b.rollouts);
    assertEquals(a.weights, b.weights);
    const lines = a.files[0].trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(lines.map((l) => l.step), [0, 1]);
    assertEquals(Object.keys(lines[0].rewardByTask), cfg.suite.tasks.map((s) => s.name));
    for (const k of ["reward", "accuracy", "loss", "gradNorm", "kl", "seStrategic", "aha"]) {
      assert(lines.every((l) => Number.isFinite(l[k])), k);
    }
    for (const mask of ["oracle", "mined"]) {
      assertEquals(lines[0].masks[mask].relPerplexity.all, 1, `relative perplexity is 1 at step 0 (${mask})`);
      assert(lines.every((l) => Number.isFinite(l.masks[mask].planningShare + l.masks[mask].entropy.all)));
    }
    assert(lines.every((l) => Number.isFinite(l.length.mean) && Number.isFinite(l.minedVsOracle.f1)));
    const evals = JSON.parse(a.files[1].trim());
    assertEquals(evals.step, 2);
    assertEquals(Object.keys(evals.evals[0].passAtK), ["1", "2"]);
    const stored = (await new Response(
      new Blob([a.rollouts]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).text()).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(stored.length, 2 * cfg.rl.prompts * cfg.rl.group);
    assertEquals(stored[0].tokens.length, stored[0].logp.length);
    const c = await run("entropy_reg", 2, `${tmp}/c`);
    assertNotEquals(c.files[0], a.files[0]);
    await Deno.remove(tmp, { recursive: true });
  });

  await t.step(
    "a run stopped after a checkpoint and resumed writes the same bytes as one that never stopped",
    async () => {
      const tmp = await Deno.makeTempDir();
      // Checkpoints after steps 2 and 4; the crash comes after step 3 has written its lines.
      const long = { ...cfg, rl: { ...cfg.rl, steps: 4, checkpointEvery: 2, evalEvery: 3 } };
      const whole = await run("hicra", 1, `${tmp}/whole`, { cfg: long });
      await assertRejects(() => run("hicra", 1, `${tmp}/cut`, { cfg: long, stopAfter: 3 }), /simulated crash/);
      // The saved state holds each metric file's length and the SHA-256 of that many of its bytes.
      const state = JSON.parse(await Deno.readTextFile(`${tmp}/cut/checkpoint/state.json`));
      assertEquals(Object.keys(state.sums), Object.keys(state.files));
      for (const [f, n] of Object.entries(state.files) as [string, number][]) {
        assertEquals(state.sums[f], await sha256((await Deno.readFile(`${tmp}/cut/${f}`)).subarray(0, n)), f);
      }
      const before = tf.memory().numTensors;
      const resumed = await run("hicra", 1, `${tmp}/cut`, { cfg: long, resume: true });
      assertEquals(tf.memory().numTensors, before, "a resumed run leaks no tensors");
      assertEquals(resumed.files, whole.files);
      assertEquals(resumed.rollouts, whole.rollouts);
      assertEquals(resumed.weights, whole.weights);
      for (const f of METRICS) await Deno.stat(`${tmp}/cut/${f}`);
      // A state saved before the sums were recorded goes on as it is.
      await assertRejects(() => run("hicra", 1, `${tmp}/old`, { cfg: long, stopAfter: 3 }), /simulated crash/);
      const { sums: _, ...older } = JSON.parse(await Deno.readTextFile(`${tmp}/old/checkpoint/state.json`));
      await Deno.writeTextFile(`${tmp}/old/checkpoint/state.json`, JSON.stringify(older));
      const old = await run("hicra", 1, `${tmp}/old`, { cfg: long, resume: true });
      assertEquals([old.files, old.rollouts, old.weights], [whole.files, whole.rollouts, whole.weights]);
      // Stopped by a signal after step 3, between checkpoints: its state is saved there, and it goes on from it.
      await assertRejects(() => run("hicra", 1, `${tmp}/sig`, { cfg: long, signalAfter: 3 }), Stopped);
      assertEquals(JSON.parse(await Deno.readTextFile(`${tmp}/sig/checkpoint/state.json`)).step, 3);
      const sig = await run("hicra", 1, `${tmp}/sig`, { cfg: long, resume: true });
      assertEquals([sig.files, sig.rollouts, sig.weights], [whole.files, whole.rollouts, whole.weights]);
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "a resume whose metric file or optimizer state was damaged is refused with the command that moves the run aside",
    async () => {
      const tmp = await Deno.makeTempDir(), dir = `${tmp}/runs/cut`;
      const long = { ...cfg, rl: { ...cfg.rl, steps: 4, checkpointEvery: 2, evalEvery: 3 } };
      await assertRejects(() => run("hicra", 1, dir, { cfg: long, stopAfter: 3 }), /simulated crash/);
      const fix =
        `move the run aside with \`mv ${dir} ${tmp}/cut.damaged\`, then run the same command again to start it over`;
      const counted = JSON.parse(await Deno.readTextFile(`${dir}/checkpoint/state.json`)).files["train.jsonl"];
      assert(counted > 10, `the saved state counts ${counted} bytes of train.jsonl`);
      // A number of the first line edited, the length kept: it was resumed and certified.
      const text = await Deno.readTextFile(`${dir}/train.jsonl`);
      const edited = text.replace(/"step":0,"reward":\d/, (m) => m.slice(0, -1) + (m.endsWith("9") ? "8" : "9"));
      assertEquals([edited.length, edited === text], [text.length, false]);
      await Deno.writeTextFile(`${dir}/train.jsonl`, edited);
      await assertRejects(() => run("hicra", 1, dir, { cfg: long, resume: true }), {
        message: `checkpoint ${dir}: the first ${counted} bytes of train.jsonl are not those the saved state counts ` +
          `(edited or damaged since); ${fix}`,
      });
      assertEquals(await Deno.readTextFile(`${dir}/train.jsonl`), edited, "nothing cut");
      await Deno.truncate(`${dir}/train.jsonl`, 10);
      await assertRejects(() => run("hicra", 1, dir, { cfg: long, resume: true }), {
        message:
          `checkpoint ${dir}: train.jsonl has 10 bytes, fewer than the ${counted} the saved state counts; ${fix}`,
      });
      await Deno.remove(`${dir}/train.jsonl`);
      await assertRejects(() => run("hicra", 1, dir, { cfg: long, resume: true }), {
        message: `checkpoint ${dir}: train.jsonl is missing but the saved state counts ${counted} bytes of it; ${fix}`,
      });
      await Deno.writeFile(`${dir}/checkpoint/optimizer.bin`, new Uint8Array(8));
      await assertRejects(() => run("hicra", 1, dir, { cfg: long, resume: true }), {
        message:
          `checkpoint ${dir}/checkpoint: optimizer.bin does not match its checksum (truncated or corrupt); ${fix}`,
      });
      // A checkpoint/ without its state.json: refused, not a run started again from step 0 with nothing said.
      await Deno.remove(`${dir}/checkpoint/state.json`);
      await assertRejects(() => run("hicra", 1, dir, { cfg: long, resume: true }), {
        message: `checkpoint ${dir}/checkpoint: cannot be read (No such file or directory (os error 2): readfile ` +
          `'${dir}/checkpoint/state.json'); ${fix}`,
      });
      await Deno.stat(`${dir}/checkpoint/weights.bin`); // nothing removed
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "a resume whose checkpoint/ is damaged goes on from a whole checkpoint.old/ beside it, to the bytes of a run never stopped",
    async () => {
      const tmp = await Deno.makeTempDir(), dir = `${tmp}/runs/cut`;
      const long = { ...cfg, rl: { ...cfg.rl, steps: 4, checkpointEvery: 1, evalEvery: 3 } };
      const whole = await run("hicra", 1, `${tmp}/whole`, { cfg: long });
      const copy = async (from: string, to: string) => {
        await Deno.mkdir(to);
        for await (const e of Deno.readDir(from)) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
      };
      // Saved after step 2, then after step 3, and killed before the state of step 2 was removed (or a power cut
      // then lost checkpoint/'s last writes, whose folder rename had reached the disk).
      const cut = async () => {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        await assertRejects(() => run("hicra", 1, dir, { cfg: long, stopAfter: 2 }), /simulated crash/);
        await copy(`${dir}/checkpoint`, `${tmp}/step2`);
        await assertRejects(() => run("hicra", 1, dir, { cfg: long, resume: true, stopAfter: 3 }), /simulated crash/);
        await Deno.rename(`${tmp}/step2`, `${dir}/checkpoint.old`);
      };
      const flip = async (path: string) => {
        const bytes = await Deno.readFile(path);
        bytes[100] ^= 1;
        await Deno.writeFile(path, bytes);
      };
      const resumed = async () => {
        const notes: string[] = [];
        const r = await run("hicra", 1, dir, { cfg: long, resume: true, onNote: (l) => notes.push(l) });
        assertEquals([r.files, r.rollouts, r.weights], [whole.files, whole.rollouts, whole.weights]);
        assert(!(await Deno.stat(`${dir}/checkpoint.old`).catch(() => null)), "checkpoint.old/ is gone");
        return notes;
      };
      const damages = [
        ["weights.bin", flip, "weights.bin does not match its checksum (truncated or corrupt)"],
        ["optimizer.bin", flip, "optimizer.bin does not match its checksum (truncated or corrupt)"],
        ["state.json", (p: string) => Deno.writeTextFile(p, "{"), "state.json cannot be read ("],
        ["model.json", (p: string) => Deno.remove(p), "model.json cannot be read (No such file or directory"],
      ] as const;
      for (const [file, damage, said] of damages) {
        await cut();
        await damage(`${dir}/checkpoint/${file}`);
        const notes = await resumed();
        assertEquals(notes.length, 1, file);
        assert(notes[0].startsWith(`note: checkpoint ${dir}/checkpoint: ${said}`), notes[0]);
        assert(
          notes[0].endsWith(
            "; went on from the state saved before it (step 2), which was checkpoint.old/ beside it " +
              "and takes its place",
          ),
          notes[0],
        );
      }
      // A whole checkpoint/: the one it goes on from, checkpoint.old/ removed without a word.
      await cut();
      assertEquals(await resumed(), []);
      // Killed in the fallback once the damaged checkpoint/ was set aside: checkpoint.old/ alone, whole, is taken.
      await cut();
      await flip(`${dir}/checkpoint/weights.bin`);
      await Deno.rename(`${dir}/checkpoint`, `${dir}/checkpoint.damaged`);
      assertEquals(await resumed(), []);
      assert(!(await Deno.stat(`${dir}/checkpoint.damaged`).catch(() => null)), "checkpoint.damaged/ is gone");
      // Both damaged: checkpoint/'s own error, and nothing removed.
      await cut();
      await flip(`${dir}/checkpoint/weights.bin`);
      await flip(`${dir}/checkpoint.old/weights.bin`);
      await assertRejects(
        () => run("hicra", 1, dir, { cfg: long, resume: true }),
        Error,
        `checkpoint ${dir}/checkpoint: weights.bin does not match its checksum (truncated or corrupt); move the run aside`,
      );
      for (const state of ["checkpoint", "checkpoint.old"]) await Deno.stat(`${dir}/${state}/weights.bin`);
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "the update changes the weights (the entropy bonus gives a gradient even without reward) and leaks nothing",
    async () => {
      const tmp = await Deno.makeTempDir();
      const before = tf.memory().numTensors;
      const a = await run("entropy_reg", 1, tmp);
      assertEquals(tf.memory().numTensors, before, "a run leaks no tensors");
      const policy = createPolicy(cfg.model, 1);
      policy.variables.forEach((v, i) => v.assign(base.variables[i]));
      assertNotEquals(a.weights, weightBytes(policy));
      policy.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step("step metrics use the fixed oracle and mined masks, whatever mask the baseline credits", async () => {
    const tmp = await Deno.makeTempDir();
    const masks = planningMasks(grams).maker(1);
    const one = { ...cfg, rl: { ...cfg.rl, steps: 1, evalEvery: 1 } };
    const grpo = await run("grpo", 1, `${tmp}/grpo`, { cfg: one, masks });
    const hicra = await run("hicra", 1, `${tmp}/hicra`, { cfg: one, masks });
    // Step 0 samples from the same base policy with the same streams: the same rollouts, so every
    // figure split by a fixed mask is the same, though grpo's credit mask is the oracle's and hicra's the mined one.
    const [g, h] = [grpo, hicra].map((r) => JSON.parse(r.files[0].trim().split("\n")[0]));
    assertEquals(h.masks, g.masks);
    assertEquals(h.minedVsOracle, g.minedVsOracle);
    assert(g.masks.oracle.planningShare > 0 && g.masks.mined.planningShare === 0, "the two masks differ here");
    await Deno.remove(tmp, { recursive: true });
  });

  await t.step("a baseline that edits its context changes nothing the harness trains on or stores", async () => {
    const tmp = await Deno.makeTempDir();
    const vandal = defineBaseline({
      name: "vandal",
      summary: "grpo's advantages, then overwrites everything it was shown",
      params: { stdNormalize: true },
      advantages(ctx) {
        const a = BASELINES.grpo.advantages(ctx);
        for (const r of ctx.rollouts) {
          r.oldLogProbs.fill(-50);
          r.entropy.fill(0);
          (r.planning as Uint8Array).fill(1);
          (r.tokens as number[]).fill(0);
          (r.steps as StepCheck[]).forEach((s) => s.ok = !s.ok);
        }
        return a;
      },
    });
    const clean = await run("grpo", 1, `${tmp}/grpo`),
      edited = await run("vandal", 1, `${tmp}/v`, { baseline: vandal });
    assertEquals(edited.files, clean.files);
    assertEquals(edited.rollouts, clean.rollouts);
    assertEquals(edited.weights, clean.weights);
    await Deno.remove(tmp, { recursive: true });
  });

  await t.step("a baseline is told the step it is at (ctx.step), for a schedule that survives a resume", async () => {
    const tmp = await Deno.makeTempDir();
    const seen: number[] = [];
    const stepper = defineBaseline({
      name: "stepper",
      summary: "grpo's advantages, noting the step it is at",
      params: { stdNormalize: true },
      advantages(ctx) {
        seen.push(ctx.step);
        return BASELINES.grpo.advantages(ctx);
      },
    });
    await run("stepper", 1, `${tmp}/s`, { baseline: stepper, cfg: tiny(3) });
    assertEquals(seen, [0, 1, 2]);
    await Deno.remove(tmp, { recursive: true });
  });

  // The tiny policy solves nothing: a coin (the parity of the response's length) gives its groups signal.
  const countdown = getTask("countdown");
  const coin = defineTask({
    ...countdown,
    verify(problem, text) {
      const reward = words(text).length % 2;
      return { ...countdown.verify(problem, text), reward, correct: reward === 1 };
    },
  });
  const coinSplits = [new TaskSplits(cfg.suite, coin, [1])];
  /** The step lines and the stored rollouts of a run's files. */
  const stepsAndRollouts = async (r: Awaited<ReturnType<typeof run>>) => ({
    steps: r.files[0].trim().split("\n").map((l) => JSON.parse(l)),
    stored: (await new Response(
      new Blob([r.rollouts]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).text()).trim().split("\n").map((l) => JSON.parse(l)),
  });

  await t.step("dynamic sampling updates on groups whose rewards differ, drawing more rounds for them", async () => {
    assertEquals(
      keptGroups(
        [{ mean: 1, std: 0, size: 4 }, { mean: 0.5, std: 0.6, size: 4 }, { mean: 0.25, std: 0.5, size: 4 }],
        5,
        true,
      ),
      [false, true, true],
    );
    assertEquals(keptGroups([{ mean: 0.5, std: 0.6, size: 4 }, { mean: 0.25, std: 0.5, size: 4 }], 1, true), [
      true,
      false,
    ]);
    assertEquals(keptGroups([{ mean: 0, std: 0, size: 4 }, { mean: 0.5, std: 0.6, size: 4 }], 2, false), [true, true]);
    const tmp = await Deno.makeTempDir();
    const dyn = { ...cfg, rl: { ...cfg.rl, steps: 4, dynamicSampling: 3 } };
    const r = await run("grpo", 1, `${tmp}/a`, { cfg: dyn, splits: coinSplits });
    const again = await run("grpo", 1, `${tmp}/b`, { cfg: dyn, splits: coinSplits });
    assertEquals([again.files, again.rollouts, again.weights], [r.files, r.rollouts, r.weights], "same bytes twice");
    const { steps, stored } = await stepsAndRollouts(r);
    assert(steps.some((s) => s.groupsUsed > 0), "some groups had signal");
    assert(steps.some((s) => s.groupsSampled > cfg.rl.prompts), "some steps drew again");
    for (const s of steps) {
      const mine = stored.filter((x) => x.step === s.step);
      assertEquals(mine.length, s.groupsSampled * cfg.rl.group);
      assert(s.groupsSampled % cfg.rl.prompts === 0 && s.groupsSampled <= 3 * cfg.rl.prompts);
      const used = Map.groupBy(mine.filter((x) => x.used), (x) => x.group);
      assertEquals(used.size, s.groupsUsed);
      assert(s.groupsUsed <= cfg.rl.prompts);
      for (const g of used.values()) assert(new Set(g.map((x) => x.reward)).size > 1, "a used group has signal");
      if (s.groupsSampled < 3 * cfg.rl.prompts) assertEquals(s.groupsUsed, cfg.rl.prompts, "it stops once full");
      if (s.groupsUsed < cfg.rl.prompts) { // not full: every group it left out had no signal
        const left = Map.groupBy(mine.filter((x) => !x.used), (x) => x.group);
        for (const g of left.values()) assertEquals(new Set(g.map((x) => x.reward)).size, 1);
      }
    }
    await Deno.remove(tmp, { recursive: true });
  });

  await t.step("dapo's group filter drops the groups of equal rewards, logs it and marks them unused", async () => {
    const tmp = await Deno.makeTempDir();
    const three = { ...cfg, rl: { ...cfg.rl, steps: 3 } };
    const { steps, stored } = await stepsAndRollouts(
      await run("dapo", 1, `${tmp}/dapo`, { cfg: three, splits: coinSplits }),
    );
    assert(steps.some((s) => s.groupsUsed > 0 && s.groupsUsed < s.groupsSampled), "the filter kept some groups");
    for (const s of steps) {
      const f = s.groupFilter, mine = stored.filter((x) => x.step === s.step);
      assertEquals([f.groupsIn, f.rolloutsIn, f.groupsOut, f.rolloutsOut], [
        s.groupsSampled,
        mine.length,
        s.groupsUsed,
        mine.filter((x) => x.used).length,
      ]);
      for (const g of Map.groupBy(mine, (x) => x.group).values()) {
        assertEquals(g[0].used, new Set(g.map((x) => x.reward)).size > 1, "used exactly when its rewards differ");
      }
    }
    await Deno.remove(tmp, { recursive: true });
  });

  await t.step(
    "the baselines with a loss of their own train on rewards that differ: finite, non-zero losses",
    async () => {
      const tmp = await Deno.makeTempDir();
      const two = { ...cfg, rl: { ...cfg.rl, steps: 2 } };
      for (const name of ["gspo", "clip_cov", "kl_cov", "gtpo", "maxrl"]) {
        const { steps } = await stepsAndRollouts(
          await run(name, 1, `${tmp}/${name}`, { cfg: two, splits: coinSplits }),
        );
        assert(steps.every((s) => Number.isFinite(s.loss) && Number.isFinite(s.gradNorm)), name);
        assert(steps.some((s) => s.gradNorm > 0), `${name} moved the policy`);
        assertEquals(steps.map((s) => "groupFilter" in s), [false, false], name);
      }
      await Deno.remove(tmp, { recursive: true });
    },
  );

  /** Run `baseline` for the tiny config and expect the run to fail with `message`. */
  const failsWith = async (baseline: Baseline, message: RegExp) => {
    const tmp = await Deno.makeTempDir();
    const policy = createPolicy(cfg.model, 1);
    await assertRejects(
      () => runRl({ cfg, baseline, params: {}, seed: 1, policy, splits, masks: noPlanning, grams, dir: tmp }),
      message,
    );
    policy.dispose();
    await Deno.remove(tmp, { recursive: true });
  };

  await t.step("a NaN advantage stops the run with the baseline, the rollout and the token", async () => {
    const broken = defineBaseline({
      name: "broken",
      summary: "returns NaN advantages",
      params: {},
      advantages: (ctx) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length).fill(NaN)),
    });
    await failsWith(broken, /baseline broken: advantages\(ctx\): rollout 0: advantage at token 0 is NaN/);
  });

  await t.step("a non-finite loss names the step and says no checkpoint was saved yet", async () => {
    const exploding = defineBaseline({
      name: "exploding",
      summary: "an extra loss that is infinite",
      params: {},
      advantages: (ctx) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length)),
      extraLoss: (_ctx, live) => live.entropy.sum().mul(Infinity) as tf.Scalar,
    });
    await failsWith(
      exploding,
      /step 0: baseline exploding: extraLoss\(ctx, live\) \(-?Infinity\) is not finite at optimiser update 0; the update was not applied\. Look in it for a log of 0 or a division by 0\..*no checkpoint was saved yet/,
    );
    // A policy loss of its own that is not finite is named the same way.
    const blowingUp = defineBaseline({
      name: "blowing_up",
      summary: "a policy loss that is infinite",
      params: {},
      advantages: (ctx) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length)),
      policyLoss: (input) => ({ loss: input.logp.mul(Infinity) }),
    });
    await failsWith(
      blowingUp,
      /step 0: baseline blowing_up: policyLoss\(input, ctx\)'s loss \((NaN|-?Infinity)\) is not finite at optimiser update 0/,
    );
  });
  await t.step(
    "a finite loss term whose gradient is not (a sqrt at 0) names its hook; others keep the plain message",
    async () => {
      const zeroAdvantages = (ctx: BaselineContext) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length));
      // sqrt(0) is 0, finite, but its gradient is infinite: 0·∞ is NaN in every weight the entropy reaches.
      const sqrtAtZero = defineBaseline({
        name: "sqrt_at_zero",
        summary: "an extra loss finite in value, not in gradient",
        params: {},
        advantages: zeroAdvantages,
        extraLoss: (_ctx, live) => live.entropy.mean().mul(0).sqrt() as tf.Scalar,
      });
      await failsWith(
        sqrtAtZero,
        /step 0: baseline sqrt_at_zero: the gradient of extraLoss\(ctx, live\) \(norm NaN\) is not finite at optimiser update 0; the update was not applied\. Look in it for a sqrt or log of a value that reaches 0, also in a branch tf\.where leaves out: .*x\.add\(1e-8\)\.sqrt\(\).*no checkpoint was saved yet/,
      );
      const logInClip = defineBaseline({
        name: "log_in_where",
        summary: "a policy loss with a log at 0 in the branch tf.where leaves out",
        params: {},
        advantages: zeroAdvantages,
        policyLoss: (input) => ({
          loss: tf.where(input.mask.greater(2), input.logp.mul(0).log(), input.logp.mul(0)) as tf.Tensor2D,
        }),
      });
      await failsWith(
        logInClip,
        /step 0: baseline log_in_where: the gradient of policyLoss\(input, ctx\)'s loss \(norm NaN\) is not finite at optimiser update 0/,
      );
      // A gradient that overflows (advantages of 1e30) is not the extra term's, whose gradient is finite: the plain message.
      const huge = defineBaseline({
        name: "huge",
        summary: "advantages of 1e30 and a sound extra loss",
        params: {},
        advantages: (ctx) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length).fill(1e30)),
        extraLoss: (_ctx, live) => live.entropy.mean().mul(-0.01) as tf.Scalar,
      });
      await failsWith(
        huge,
        /step 0: gradient norm \(Infinity\) is not finite at optimiser update 0; the update was not applied\. Lower the learning rate or check the data/,
      );
    },
  );
  await t.step(
    "an extra loss term the baseline keeps (a cached zero) stays its own: the harness does not free it",
    async () => {
      const zero = tf.keep(tf.scalar(0));
      const cached = defineBaseline({
        name: "cached_zero",
        summary: "GRPO with a cached zero extra loss",
        params: {},
        advantages: (ctx) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length)),
        extraLoss: () => zero as tf.Scalar,
      });
      const tmp = await Deno.makeTempDir();
      await run("cached_zero", 1, `${tmp}/run`, { baseline: cached }); // every mini-batch of two steps
      assertEquals(zero.isDisposed, false);
      zero.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );
  await t.step("a hook that throws stops the run with the baseline and the hook named", async () => {
    const zero = (ctx: BaselineContext) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length));
    const boom = (): never => {
      throw new Error("boom");
    };
    const hooks: [string, Partial<BaselineDef>][] = [
      ["advantages(ctx)", { advantages: boom }],
      ["policyLoss(input, ctx)", { policyLoss: boom }],
      ["extraLoss(ctx, live)", { extraLoss: boom }],
      ["groupFilter(ctx)", { groupFilter: boom }],
    ];
    for (const [hook, def] of hooks) {
      const thrower = defineBaseline({ name: "thrower", summary: "throws", params: {}, advantages: zero, ...def });
      await failsWith(
        thrower,
        // With the line of the hook's code that threw: here, `boom` in this file.
        new RegExp(
          `^Error: baseline thrower: ${
            hook.replace(/[()]/g, "\\$&")
          } threw \\(boom\\) at /\\S+/tests/rl_test\\.ts:\\d+:\\d+$`,
        ),
      );
    }
  });
  base.dispose();
});
