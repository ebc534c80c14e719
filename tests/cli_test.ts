import { assert, assertEquals, assertRejects } from "./testing.ts";
import { listing, program } from "../harness/cli.ts";

/** Run `bench` in-process with `args` (stdout silenced). */
async function bench(args: string[]): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try {
    const cmd = program().exitOverride();
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeErr: () => {} });
    await cmd.parseAsync(["bench", ...args], { from: "user" });
  } finally {
    console.log = log;
  }
}

Deno.test("bench command", async (t) => {
  const tmp = await Deno.makeTempDir();
  const common = ["--suite", "smoke", "--cache", `${tmp}/cache`, "--out", `${tmp}/out`, "--seeds", "1", "--steps", "1"];

  const mixed = [
    ...common,
    "--baselines",
    "grpo,./tests/fixtures/outside_baseline.ts",
    "--param",
    "outside_halves.factor=0.25",
  ];
  const runs = `${tmp}/out/smoke/runs`;
  const folders = async () => (await Array.fromAsync(Deno.readDir(runs))).map((e) => e.name).sort();

  await t.step("runs a built-in and an outside baseline file from the base model and reports them", async () => {
    await bench(mixed);
    const table = await Deno.readTextFile(`${tmp}/out/smoke/table1.md`);
    for (const row of ["| base ", "| grpo ", "| outside_halves "]) {
      assert(table.includes(row), `${row} missing from\n${table}`);
    }
    const ids = await folders();
    assertEquals(ids.map((id) => id.replace(/-[0-9a-f]{8}$/, "")), ["base-s1", "grpo-s1", "outside_halves-s1"]);
    for (const id of ids.slice(1)) {
      const dir = `${runs}/${id}`;
      const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
      assertEquals(manifest.status, "complete");
      assertEquals(manifest.configHash.slice(0, 8), id.slice(-8));
      assertEquals(Object.keys(manifest.files).sort(), [
        "checkpoint/model.json",
        "checkpoint/optimizer.bin",
        "checkpoint/state.json",
        "checkpoint/weights.bin",
        "eval.jsonl",
        "rollouts.jsonl.gz",
        "strategic_grams.json",
        "timings.jsonl",
        "train.jsonl",
      ]);
      const train = (await Deno.readTextFile(`${dir}/train.jsonl`)).trim().split("\n");
      assertEquals(train.length, 1);
    }
    for (const f of ["table1.tex", "table1.csv", "table2.md", "index.html"]) await Deno.stat(`${tmp}/out/smoke/${f}`);
  });

  await t.step("a second bench reuses finished runs and rewrites the same report", async () => {
    const before = await Deno.readTextFile(`${tmp}/out/smoke/table1.md`);
    const stamp = (await Deno.stat(`${runs}/${(await folders())[1]}/train.jsonl`)).mtime;
    await bench(mixed);
    assertEquals(await Deno.readTextFile(`${tmp}/out/smoke/table1.md`), before);
    assertEquals((await Deno.stat(`${runs}/${(await folders())[1]}/train.jsonl`)).mtime, stamp);
  });

  await t.step(
    "a results folder of another configuration or other parameters is refused, nothing touched",
    async () => {
      const before = await folders();
      await assertRejects(
        () => bench([...common.slice(0, -2), "--steps", "2"]),
        /holds a run of another configuration/,
      );
      await assertRejects(
        () =>
          bench([
            ...common,
            "--baselines",
            "./tests/fixtures/outside_baseline.ts",
            "--param",
            "outside_halves.factor=0.5",
          ]),
        /holds outside_halves seed 1 with other parameters or code/,
      );
      assertEquals(await folders(), before);
    },
  );

  await t.step("an unfinished run needs --resume", async () => {
    const dir = `${runs}/${(await folders())[1]}`;
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify({ ...manifest, status: "running" }));
    await assertRejects(() => bench([...common, "--baselines", "grpo"]), /holds an unfinished run.*pass --resume/);
    await bench([...common, "--baselines", "grpo", "--resume"]);
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`)).status, "complete");
  });

  await t.step("bad input is refused with a message that says what to do", async () => {
    await assertRejects(() => bench([...common, "--baselines", "sarsa"]), /unknown baseline "sarsa"; known: grpo/);
    await assertRejects(
      () => bench([...common, "--baselines", "./tests/fixtures/no_advantages_baseline.ts"]),
      /no_advantages_baseline.ts: the default export has no advantages\(ctx\) function/,
    );
    await assertRejects(() => bench([...common, "--suite", "huge"]), /'huge' is invalid. Allowed choices are default/);
    await assertRejects(() => bench([...common, "--tasks", "chess"]), /unknown task chess in --tasks; suite smoke has/);
    await assertRejects(() => bench([...common, "--seeds", "1,x"]), /seeds must be non-negative integers/);
    await assertRejects(() => bench([...common, "--seeds", "1,1"]), /repeats a seed/);
    await assertRejects(() => bench([...common, "--steps", "0"]), /must be a positive integer/);
    await assertRejects(() => bench([...common, "--jobs", "-2"]), /must be a positive integer/);
    await assertRejects(() => bench([...common, "--backend", "tpu"]), /'tpu' is invalid/);
    await Deno.writeTextFile(`${tmp}/file`, "");
    await assertRejects(
      () => bench([...common, "--out", `${tmp}/file`]),
      /cannot write to .*pick a writable folder with --out/,
    );
    await assertRejects(() => bench([...common, "--param", "grpo.stdNormalize=maybe"]), /must be true or false/);
    await assertRejects(
      () => bench([...common, "--baselines", "grpo", "--param", "hicra.alpha=0.3"]),
      /no baseline "hicra" in this run; it has grpo/,
    );
  });

  await Deno.remove(tmp, { recursive: true });
});

Deno.test("list names every task and baseline with its parameters", () => {
  const text = listing();
  for (const name of ["countdown", "shortest_path", "grpo", "placebo_hicra"]) {
    assert(text.includes(`  ${name}: `), name);
  }
  assert(text.includes("hicra.alpha=0.2 hicra.mask=mined"), text);
  assert(text.includes("dr_grpo: ") && text.includes("aggregation dr-grpo"), text);
});
