import { assert, assertClose, assertEquals, assertNotEquals, assertRejects } from "./testing.ts";
import { lockFolder } from "../harness/core/folder_lock.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { type BenchConfig, getConfig } from "../harness/config.ts";
import {
  baseModel,
  baseModelDir,
  learningRate,
  sequenceBatch,
  sequenceLoss,
  sftBatch,
  type SftStep,
  sourceFiles,
  trainBase,
} from "../harness/loop/sft.ts";
import { trainSplits } from "../harness/suite.ts";
import { weightBytes } from "../harness/model/checkpoint.ts";
import { evaluate } from "../harness/loop/evaluate.ts";
import { TfjsEngine } from "../harness/rollout/tfjs_engine.ts";
import { EOS, PAD } from "../harness/text/tokenizer.ts";
import { createPolicy } from "../harness/model/model.ts";
import { Stopped } from "../harness/core/stop.ts";
import { basename } from "node:path";

await useBackend(DEFAULT_BACKEND);

function tiny(steps: number): BenchConfig {
  const cfg = getConfig("smoke");
  cfg.sft.steps = steps;
  return cfg;
}

/** The file-system calls that change something, which a kill stops. */
const CHANGES = ["mkdir", "writeFile", "writeTextFile", "rename", "remove", "copyFile", "truncate"] as const;

/**
 * Run `f` with a kill simulated at the `at`-th call of {@link CHANGES} made once `armed()` is true: from it on every
 * such call throws without changing anything, as in a process that is gone, except that a recursive removal killed
 * midway first takes the `weights.bin` files under it (an `rm -r` stopped partway). Whether the kill came.
 */
async function killedAt(at: number, armed: () => boolean, f: () => Promise<unknown>): Promise<boolean> {
  type Call = (...args: unknown[]) => Promise<unknown>;
  const deno = Deno as unknown as Record<string, Call>;
  const real = Object.fromEntries(CHANGES.map((name) => [name, deno[name]]));
  const removeWeights = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await removeWeights(`${dir}/${e.name}`);
      else if (e.name === "weights.bin") await real.remove(`${dir}/${e.name}`);
    }
  };
  let calls = 0, dead = false;
  for (const name of CHANGES) {
    deno[name] = async (...args: unknown[]) => {
      if (!dead && armed() && calls++ === at) {
        const opts = args[1] as Deno.RemoveOptions | undefined;
        if (name === "remove" && opts?.recursive) await removeWeights(String(args[0])).catch(() => {});
        dead = true;
      }
      if (dead) throw new Error("simulated kill");
      return await real[name](...args);
    };
  }
  try {
    await f().catch((e) => {
      if (!dead) throw e;
    });
  } finally {
    for (const name of CHANGES) deno[name] = real[name];
  }
  return dead;
}

Deno.test("sft", async (t) => {
  await t.step("batches mask the prompt and cover the response and EOS", () => {
    const b = sequenceBatch([{ prompt: [1, 10, 2], response: [20, 21] }, { prompt: [1, 2], response: [30] }]);
    assertEquals(b.tokens, [[1, 10, 2, 20, 21], [1, 2, 30, PAD, PAD]]);
    assertEquals(b.targets, [[10, 2, 20, 21, EOS], [2, 30, EOS, PAD, PAD]]);
    assertEquals(b.mask, [[0, 0, 1, 1, 1], [0, 1, 1, 0, 0]]);
  });

  await t.step("batches are a function of (config, seed, step)", () => {
    const cfg = tiny(1), splits = trainSplits(cfg);
    assertEquals(sftBatch(splits, cfg.sft, 1, 3), sftBatch(trainSplits(cfg), cfg.sft, 1, 3));
    assertNotEquals(sftBatch(splits, cfg.sft, 1, 3), sftBatch(splits, cfg.sft, 2, 3));
  });

  await t.step("the loss over passes by length is the loss of one pass, gradients included", () => {
    const cfg = tiny(1), b = sftBatch(trainSplits(cfg), cfg.sft, 1, 0);
    const lengths = b.mask.map((m) => m.lastIndexOf(1) + 1);
    assertEquals(lengths, [...lengths].sort((x, y) => x - y), "the batch is sorted by length");
    assert(new Set(lengths).size >= 3, `lengths ${lengths}: too few to cut`);
    const policy = createPolicy(cfg.model, 2);
    const loss = (overhead: number) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => sequenceLoss(policy, b, overhead), policy.variables);
        return [value.dataSync()[0], ...policy.variables.map((v) => Array.from(grads[v.name].dataSync()))] as const;
      });
    const [oneValue, ...oneGrads] = loss(Infinity), [value, ...grads] = loss(0);
    assert(Math.abs(value - oneValue) < 1e-6, `${value} vs ${oneValue}`);
    grads.forEach((g, i) => { // float32 sums in another order: equal to 1e-5 of the gradient's scale
      const scale = oneGrads[i].reduce((m, x) => Math.max(m, Math.abs(x)), 1e-3);
      assertClose(g, oneGrads[i], 1e-5 * scale);
    });
    policy.dispose();
  });

  await t.step("the schedule warms up, peaks, and decays to its floor", () => {
    const sft = tiny(100).sft;
    assert(learningRate(sft, 0) < learningRate(sft, sft.warmup - 1));
    assertEquals(learningRate(sft, sft.warmup), sft.lr);
    assert(Math.abs(learningRate(sft, 100) - sft.lr * sft.minLrRatio) < 1e-12);
  });

  await t.step("the loss falls on a tiny config", () => {
    const losses: number[] = [];
    trainBase(tiny(30), 1, (s) => losses.push(s.loss)).dispose();
    const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5, tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert(tail < 0.8 * head, `loss ${head.toFixed(3)} → ${tail.toFixed(3)}`);
  });

  await t.step("a tiny SFT run twice gives byte-identical weights; another seed others; both trained", () => {
    const [a, b, c] = [trainBase(tiny(4), 1), trainBase(tiny(4), 1), trainBase(tiny(4), 2)];
    const init = createPolicy(tiny(4).model, 1);
    assertEquals(weightBytes(a), weightBytes(b));
    assertNotEquals(weightBytes(a), weightBytes(c));
    assertNotEquals(weightBytes(a), weightBytes(init), "the steps were taken without an onStep watcher");
    [a, b, c, init].forEach((p) => p.dispose());
  });

  await t.step(
    "the cache key hashes the modules SFT runs, not the RL loop, the baselines, the store or the thread setup",
    async () => {
      const root = new URL("../", import.meta.url).pathname;
      const files = (await sourceFiles()).map((u) => u.pathname.slice(root.length));
      for (
        const f of [
          "harness/loop/sft.ts",
          "harness/model/model.ts",
          "tasks/kit/trace.ts",
          "tasks/mod.ts",
          "tasks/countdown.ts",
        ]
      ) {
        assert(files.includes(f), `${f} missing from ${files}`);
      }
      for (
        const f of [
          "harness/loop/rl.ts",
          "harness/rollout/sampler.ts",
          "harness/cli.ts",
          "harness/config.ts",
          "harness/backend/wasm_threads.ts",
          "harness/store/run_folder.ts",
        ]
      ) {
        assert(!files.includes(f), `${f} should not be hashed`);
      }
    },
  );

  await t.step(
    "a base-model build stopped midway goes on from its saved state to the bytes of one never stopped",
    async () => {
      const tmp = await Deno.makeTempDir(), cfg = tiny(7);
      const whole = await baseModel(cfg, 1, { cacheDir: `${tmp}/whole`, backend: DEFAULT_BACKEND, saveEvery: 2 });
      const opts = { cacheDir: `${tmp}/cut`, backend: DEFAULT_BACKEND, saveEvery: 2 };
      const crash = (s: SftStep) => {
        if (s.step === 4) throw new Error("simulated crash");
      };
      await assertRejects(() => baseModel(cfg, 1, { ...opts, onStep: crash }), /simulated crash/);
      const [partial] = await Array.fromAsync(Deno.readDir(`${tmp}/cut`));
      assert(partial.name.endsWith(".partial"), partial.name);
      const lock = await lockFolder(`${tmp}/cut/${partial.name}`);
      await assertRejects(() => baseModel(cfg, 1, opts), /is writing .*\.partial; .*or pass another --cache/);
      lock.close();
      const steps: number[] = [];
      const resumed = await baseModel(cfg, 1, { ...opts, onStep: (s) => steps.push(s.step) });
      assertEquals([resumed.cached, resumed.resumedFrom, steps], [false, 4, [4, 5, 6]]);
      assertEquals(weightBytes(resumed.policy), weightBytes(whole.policy));
      assertEquals(
        await Deno.readTextFile(`${resumed.dir}/sft.jsonl`),
        await Deno.readTextFile(`${whole.dir}/sft.jsonl`),
      );
      assertEquals((await Array.fromAsync(Deno.readDir(`${tmp}/cut`))).map((e) => e.name), [partial.name.slice(0, -8)]);
      for (const m of [whole, resumed]) m.policy.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "what a killed build left in its folder is removed as it goes on, and a build folder beside its finished model",
    async () => {
      const tmp = await Deno.makeTempDir(), cfg = tiny(7);
      const opts = { cacheDir: tmp, backend: DEFAULT_BACKEND, saveEvery: 2 };
      const crash = (s: SftStep) => {
        if (s.step === 4) throw new Error("simulated crash");
      };
      await assertRejects(() => baseModel(cfg, 1, { ...opts, onStep: crash }), /simulated crash/);
      const [{ name }] = await Array.fromAsync(Deno.readDir(tmp)), work = `${tmp}/${name}`;
      // Killed as it wrote the finished weights (a file of its own, then renamed): a dead process's file.
      const ended = new Deno.Command("true").spawn();
      await ended.status;
      await Deno.writeFile(`${work}/weights.bin.tmp-${ended.pid}`, new Uint8Array(64));
      const notes: string[] = [], onNote = (line: string) => notes.push(line);
      const built = await baseModel(cfg, 1, { ...opts, onNote });
      assertEquals(notes, [`note: removed what a killed build left in ${work}: weights.bin.tmp-${ended.pid}`]);
      const files = (await Array.fromAsync(Deno.readDir(built.dir))).map((e) => e.name).sort();
      assertEquals(
        files,
        ["model.json", "sft.jsonl", "timings.json", "weights.bin"],
        "the cache holds no leftover",
      );
      // A build of the same model killed after another process finished it: never goes on, so removed when the
      // model is next loaded, unless a live process holds it.
      await Deno.mkdir(work);
      await Deno.writeTextFile(`${work}/sft.jsonl`, "");
      const held = await lockFolder(work);
      notes.length = 0;
      const loaded = [await baseModel(cfg, 1, { ...opts, onNote })];
      assertEquals([loaded[0].cached, notes], [true, []]);
      await Deno.stat(`${work}/sft.jsonl`);
      held.close();
      loaded.push(await baseModel(cfg, 1, { ...opts, onNote }));
      assertEquals(notes, [
        `note: removed ${work}, left by a build killed after the one in ${built.dir} finished (it never goes on)`,
      ]);
      assert(!(await Deno.stat(work).catch(() => null)), "the build folder is gone");
      assertEquals(weightBytes(loaded[1].policy), weightBytes(built.policy));
      for (const m of [built, ...loaded]) m.policy.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "a build killed at any point of its finish leaves a build that goes on or its finished model, never one refused",
    async () => {
      const tmp = await Deno.makeTempDir(), cfg = tiny(5);
      const whole = await baseModel(cfg, 1, { cacheDir: `${tmp}/whole`, backend: DEFAULT_BACKEND, saveEvery: 2 });
      const files = ["model.json", "sft.jsonl", "timings.json", "weights.bin"];
      let at = 0;
      for (;; at++) {
        const cacheDir = `${tmp}/killed${at}`, opts = { cacheDir, backend: DEFAULT_BACKEND, saveEvery: 2 };
        let trained = false; // the kill comes after the last step, as the finished build is moved in
        const onStep = (s: SftStep) => void (trained = s.step === cfg.sft.steps - 1);
        if (!(await killedAt(at, () => trained, () => baseModel(cfg, 1, { ...opts, onStep })))) break;
        const notes: string[] = [];
        const next = await baseModel(cfg, 1, { ...opts, onNote: (line) => notes.push(line) });
        const what = `killed at change ${at} (${notes.join("; ")})`;
        assertEquals(weightBytes(next.policy), weightBytes(whole.policy), what);
        assertEquals((await Array.fromAsync(Deno.readDir(cacheDir))).map((e) => e.name), [basename(next.dir)], what);
        assertEquals((await Array.fromAsync(Deno.readDir(next.dir))).map((e) => e.name).sort(), files, what);
        for (const f of ["sft.jsonl", "weights.bin", "model.json"]) {
          assertEquals(await Deno.readFile(`${next.dir}/${f}`), await Deno.readFile(`${whole.dir}/${f}`), what);
        }
        next.policy.dispose();
      }
      assert(at >= 10, `only ${at} changes to kill the finish at`);
      whole.policy.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "a second build that looked in the cache before the first moved its model in loads that model, never builds it",
    async () => {
      const tmp = await Deno.makeTempDir(), cfg = tiny(5);
      // The second waits (as a process the system set aside) once it found no model: before it makes the build
      // folder, or before it opens its lock, which the first then removes with the folder as it finishes.
      for (const [where, call] of [["before its folder", "mkdir"], ["before its lock", "open"]] as const) {
        const opts = { cacheDir: `${tmp}/${call}`, backend: DEFAULT_BACKEND };
        const dir = await baseModelDir(cfg, 1, opts.cacheDir, DEFAULT_BACKEND), work = `${dir}.partial`;
        const deno = Deno as unknown as Record<string, (path: string, ...rest: unknown[]) => Promise<unknown>>;
        const real = deno[call];
        let waiting!: () => void, go!: () => void;
        const waits = new Promise<void>((r) => waiting = r), gate = new Promise<void>((r) => go = r);
        let held = false;
        deno[call] = async (path: string, ...rest: unknown[]) => {
          if (!held && String(path) === (call === "mkdir" ? work : `${work}/.lock`)) {
            held = true;
            waiting();
            await gate;
          }
          return await real(path, ...rest);
        };
        try {
          const steps: number[] = [];
          const second = baseModel(cfg, 1, { ...opts, onStep: (s) => steps.push(s.step) });
          await waits;
          const first = await baseModel(cfg, 1, opts);
          const moved = await Deno.readTextFile(`${dir}/timings.json`),
            ino = (await Deno.stat(`${dir}/weights.bin`)).ino;
          go();
          const loaded = await second;
          assertEquals([first.cached, loaded.cached, loaded.dir, steps], [false, true, dir, []], where);
          assertEquals(weightBytes(loaded.policy), weightBytes(first.policy), where);
          assertEquals(await Deno.readTextFile(`${dir}/timings.json`), moved, `${where}: the first's model is kept`);
          assertEquals((await Deno.stat(`${dir}/weights.bin`)).ino, ino, `${where}: the first's model is kept`);
          assertEquals((await Array.fromAsync(Deno.readDir(opts.cacheDir))).map((e) => e.name), [basename(dir)], where);
          for (const m of [first, loaded]) m.policy.dispose();
        } finally {
          deno[call] = real;
        }
      }
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "a finished model moved in while a build ran (a cache its lock cannot guard) is kept, ours dropped",
    async () => {
      const tmp = await Deno.makeTempDir(), cfg = tiny(5);
      const theirs = await baseModel(cfg, 1, { cacheDir: `${tmp}/theirs`, backend: DEFAULT_BACKEND });
      const opts = { cacheDir: `${tmp}/ours`, backend: DEFAULT_BACKEND };
      const dir = await baseModelDir(cfg, 1, opts.cacheDir, DEFAULT_BACKEND);
      const files = ["model.json", "sft.jsonl", "timings.json", "weights.bin"];
      const onStep = (s: SftStep) => {
        if (s.step < cfg.sft.steps - 1) return; // the last step: another process moves its model in
        Deno.mkdirSync(dir);
        for (const f of files) Deno.copyFileSync(`${theirs.dir}/${f}`, `${dir}/${f}`);
      };
      const ours = await baseModel(cfg, 1, { ...opts, onStep });
      assertEquals([ours.cached, ours.dir], [true, dir]);
      for (const f of files) {
        assertEquals(
          await Deno.readFile(`${dir}/${f}`),
          await Deno.readFile(`${theirs.dir}/${f}`),
          f,
        );
      }
      assertEquals(weightBytes(ours.policy), weightBytes(theirs.policy));
      assertEquals((await Array.fromAsync(Deno.readDir(opts.cacheDir))).map((e) => e.name), [basename(dir)]);
      for (const m of [theirs, ours]) m.policy.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step(
    "a build stopped by a signal saves its state there and goes on from it to the bytes of one never stopped",
    async () => {
      const tmp = await Deno.makeTempDir(), cfg = tiny(7);
      const whole = await baseModel(cfg, 1, { cacheDir: `${tmp}/whole`, backend: DEFAULT_BACKEND, saveEvery: 3 });
      // After 5 steps (saved after 3 only, it went on from 3), and after the last (7).
      for (const [done, rest] of [[5, [5, 6]], [7, []]] as const) {
        const opts = { cacheDir: `${tmp}/stop${done}`, backend: DEFAULT_BACKEND, saveEvery: 3 };
        const stop = (s: SftStep) => {
          if (s.step + 1 === done) throw new Stopped("SIGINT", ` after step ${done}`);
        };
        await assertRejects(() => baseModel(cfg, 1, { ...opts, onStep: stop }), Stopped);
        const steps: number[] = [];
        const resumed = await baseModel(cfg, 1, { ...opts, onStep: (s) => steps.push(s.step) });
        assertEquals([resumed.resumedFrom, steps], [done, rest]);
        assertEquals(weightBytes(resumed.policy), weightBytes(whole.policy));
        assertEquals(
          await Deno.readTextFile(`${resumed.dir}/sft.jsonl`),
          await Deno.readTextFile(`${whole.dir}/sft.jsonl`),
        );
        resumed.policy.dispose();
      }
      whole.policy.dispose();
      await Deno.remove(tmp, { recursive: true });
    },
  );

  await t.step("the base model is cached by content hash and reused", async () => {
    const cacheDir = await Deno.makeTempDir();
    const cfg = tiny(3);
    const first = await baseModel(cfg, 1, { cacheDir, backend: DEFAULT_BACKEND });
    const again = await baseModel(cfg, 1, { cacheDir, backend: DEFAULT_BACKEND });
    assertEquals([first.cached, again.cached, again.dir], [false, true, first.dir]);
    assertEquals(weightBytes(again.policy), weightBytes(first.policy));
    const other = await baseModel(tiny(4), 1, { cacheDir, backend: DEFAULT_BACKEND });
    assertNotEquals(other.dir, first.dir);
    const evals = await evaluate(new TfjsEngine(again.policy), trainSplits(cfg), cfg.eval, 1);
    assertEquals(evals.map((e) => e.task), cfg.suite.tasks.map((t) => t.name));
    for (const e of evals) {
      const failed = e.errors.format + e.errors.execution + e.errors.planning;
      assert(Math.abs(e.pass1 + failed - 1) < 1e-9 && e.length.mean > 0, JSON.stringify(e));
    }
    [first, again, other].forEach((m) => m.policy.dispose());
    await Deno.remove(cacheDir, { recursive: true });
  });
});
