import { assertEquals, assertRejects } from "./testing.ts";
import {
  type GridSpec,
  otherCommitNotes,
  planCells,
  ResultsFolderError,
  specGridHash,
} from "../harness/grid/runner.ts";
import type { RunManifest } from "../harness/store/schema.ts";
import { gridDifferences } from "../harness/store/hashes.ts";
import { gitCommit } from "../harness/store/git_commit.ts";
import { getConfig } from "../harness/config.ts";
import { BASELINES } from "../baselines/mod.ts";
import { removeLeftovers } from "../harness/core/leftovers.ts";

/** A grid of grpo seed 1 on the smoke suite, resumed, with results in `tmp` and `changes` applied. */
function grpoGrid(tmp: string, changes: Partial<GridSpec> = {}): GridSpec {
  return {
    cfg: getConfig("smoke"),
    baselines: [{ baseline: BASELINES.grpo, source: "grpo" }],
    seeds: [1],
    overrides: {},
    backend: "wasm",
    engine: "onnx",
    cache: `${tmp}/cache`,
    out: tmp,
    resume: true,
    command: "test",
    ...changes,
  };
}

Deno.test("planning a grid into a results folder that does not exist yet plans every cell and writes nothing", async () => {
  const tmp = await Deno.makeTempDir();
  const cells = await planCells(grpoGrid(tmp, { seeds: [1, 2], out: `${tmp}/out`, resume: false }), "grid");
  assertEquals(cells.map((c) => [c.baseline.name, c.seed, c.resume]), [["grpo", 1, false], ["grpo", 2, false]]);
  assertEquals(await Array.fromAsync(Deno.readDir(tmp)), []);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("a bench on a run whose manifest.json is a folder is refused, naming it and the move that remakes it", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const dir = `${tmp}/out/smoke/runs/grpo-s1-e53daaed`;
    await Deno.mkdir(`${dir}/manifest.json`, { recursive: true });
    const spec = grpoGrid(tmp, { out: `${tmp}/out` });
    await assertRejects(
      () => planCells(spec, "grid"),
      Error,
      `${dir}/manifest.json: is a folder, not a run's manifest; move the run aside with ` +
        `\`mv ${dir} ${tmp}/out/smoke/grpo-s1-e53daaed.damaged\`, then run the bench that made it again to remake it`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("runs of another commit are noted: finished ones as reused, unfinished ones as going on with this code", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const fixture = new URL("./fixtures/results/fixture/runs", import.meta.url).pathname;
    const current = (await gitCommit())!;
    // A finished run and an unfinished one (the fixture's entropy_reg, running), both begun at another commit.
    for (const id of ["grpo-s1-a69e5f95", "entropy_reg-s1-305fb6aa"]) {
      await Deno.mkdir(`${tmp}/${id}`);
      const text = await Deno.readTextFile(`${fixture}/${id}/manifest.json`);
      await Deno.writeTextFile(
        `${tmp}/${id}/manifest.json`,
        text.replace('"gitCommit": null', `"gitCommit": "${"0123456".padEnd(40, "0")}"`),
      );
    }
    assertEquals(await otherCommitNotes(tmp), [
      `note: 1 finished run(s) in ${tmp} were made at commit 0123456, this checkout is ${current.slice(0, 7)}; they ` +
      "are reused and reported as they are: delete a run's folder to run it with this code",
      // A resumed run had gone on with the new code, saying nothing.
      `note: 1 unfinished run(s) in ${tmp} were begun at commit 0123456; with --resume they go on with this ` +
      `checkout's ${current.slice(0, 7)}: delete a run's folder to run it whole with this code`,
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("what killed writers left in a runs folder is removed, a running process's and saved states kept", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    // A process that has ended, and one that runs (this test's parent).
    const ended = new Deno.Command("true").spawn();
    await ended.status;
    const [dead, live] = [ended.pid, Deno.ppid];
    const files: Record<string, string> = {
      [`grpo-s1-e53daaed.tmp-${dead}/manifest.json`]: "{}",
      [`grpo-s2-0badc0de.tmp-${live}/manifest.json`]: "{}",
      [`.write-probe-${dead}`]: "",
      ".lock": "",
      "grpo-s1-e53daaed/manifest.json": "{}",
      [`grpo-s1-e53daaed/manifest.json.tmp-${dead}`]: "{}",
      [`grpo-s1-e53daaed/policy.onnx.tmp-${Deno.pid}`]: "",
      [`grpo-s1-e53daaed/rollouts.jsonl.gz.tmp-${live}`]: "",
      // Killed before the state saved before checkpoint/ was removed: the loader's, which falls back on it when
      // checkpoint/ is damaged (harness/loop/run_state.ts).
      "grpo-s1-e53daaed/checkpoint/state.json": "{}",
      "grpo-s1-e53daaed/checkpoint.old/state.json": "{}",
      // Killed between its checkpoint's two renames: checkpoint.old/ is the saved state.
      "hicra-s1-0badc0de/manifest.json": "{}",
      "hicra-s1-0badc0de/checkpoint.old/state.json": "{}",
      "hicra-s1-0badc0de/checkpoint.next/state.json": "{}",
    };
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${tmp}/${path.slice(0, path.lastIndexOf("/") + 1)}`, { recursive: true });
      await Deno.writeTextFile(`${tmp}/${path}`, text);
    }
    assertEquals(await removeLeftovers(tmp), [
      `.write-probe-${dead}`,
      `grpo-s1-e53daaed/manifest.json.tmp-${dead}`,
      `grpo-s1-e53daaed/policy.onnx.tmp-${Deno.pid}`,
      `grpo-s1-e53daaed.tmp-${dead}`,
    ]);
    const left = await Array.fromAsync(walkFiles(tmp));
    assertEquals(left.sort(), [
      ".lock",
      "grpo-s1-e53daaed/checkpoint.old/state.json",
      "grpo-s1-e53daaed/checkpoint/state.json",
      "grpo-s1-e53daaed/manifest.json",
      `grpo-s1-e53daaed/rollouts.jsonl.gz.tmp-${live}`,
      `grpo-s2-0badc0de.tmp-${live}/manifest.json`,
      "hicra-s1-0badc0de/checkpoint.next/state.json",
      "hicra-s1-0badc0de/checkpoint.old/state.json",
      "hicra-s1-0badc0de/manifest.json",
    ]);
    assertEquals(await removeLeftovers(`${tmp}/none`), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** The paths of the files under `dir`, relative to it. */
async function* walkFiles(dir: string, prefix = ""): AsyncGenerator<string> {
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    if (e.isDirectory) yield* walkFiles(dir, `${prefix}${e.name}/`);
    else yield `${prefix}${e.name}`;
  }
}

Deno.test("a folder of another configuration is refused with the settings that differ and the command that made it", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const id = "grpo-s1-a69e5f95", fixture = new URL(`./fixtures/results/fixture/runs/${id}`, import.meta.url).pathname;
    const made: RunManifest = JSON.parse(await Deno.readTextFile(`${fixture}/manifest.json`));
    const dir = `${tmp}/${made.config.name}/runs`;
    await Deno.mkdir(`${dir}/${id}`, { recursive: true });
    await Deno.copyFile(`${fixture}/manifest.json`, `${dir}/${id}/manifest.json`);
    // `--steps 4 --backend wasm-ort` on a folder made with the suite's 3 steps on wasm.
    const cfg = structuredClone(made.config);
    cfg.rl.steps = 4;
    const spec = grpoGrid(tmp, { cfg, backend: "wasm-ort" });
    const grid = await specGridHash(spec);
    await assertRejects(
      () => planCells(spec, grid),
      ResultsFolderError,
      `${dir}/${id} holds a run of another configuration (grid hash ${made.gridHash.slice(0, 8)}, this one ${
        grid.slice(0, 8)
      }: it has backend=wasm and rl.steps=3, this bench backend=wasm-ort and rl.steps=4); give the options of the ` +
        `command that made it (${made.command}), or use another --out`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("grid differences name a task list by its tasks, and a task file by its key", () => {
  const cfg = getConfig("smoke"), key = { config: cfg, backend: "wasm", engine: "onnx" as const, tokenizer: "t" };
  const one = structuredClone(cfg);
  one.suite.tasks = one.suite.tasks.filter((t) => t.name === "countdown");
  assertEquals(gridDifferences(key, { ...key, config: one, engine: "tfjs" }), {
    a: ["suite.tasks=[countdown, knights_knaves, linear_equation, arithmetic_chain, shortest_path]", "engine=onnx"],
    b: ["suite.tasks=[countdown]", "engine=tfjs"],
  });
  const [a, b] = [1, 2].map((v) => {
    const c = structuredClone(one);
    c.suite.tasks.push({ name: "mine", levels: [1], key: `sha256:${v}` });
    return { ...key, config: c };
  });
  assertEquals(gridDifferences(a, b), { a: ["suite.tasks.mine.key=sha256:1"], b: ["suite.tasks.mine.key=sha256:2"] });
  // What the grid hash leaves out (the baselines, seeds and sentence model's path) is no difference.
  const seeds = structuredClone(cfg);
  seeds.seeds = [9];
  seeds.mining.sentenceModel = "/elsewhere";
  assertEquals(gridDifferences(key, { ...key, config: seeds }), { a: [], b: [] });
});
