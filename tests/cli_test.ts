import { assert, assertEquals, assertMatch, assertRejects } from "./testing.ts";
import { errorLine, fileListing, listing, program } from "../harness/cli.ts";
import { type BenchOptions, checkedTaskFile, runBench } from "../harness/bench.ts";
import { getConfig } from "../harness/config.ts";
import type { EngineName } from "../harness/rollout/engine.ts";
import { lockFolder } from "../harness/core/folder_lock.ts";
import { gitCommit } from "../harness/store/git_commit.ts";
import { benchPermissions, childArgs, runInChildren } from "../harness/grid/pool.ts";
import { runCellSpec } from "../harness/grid/child.ts";
import type { CellSpec } from "../harness/grid/runner.ts";
import { sha256 } from "../harness/core/atomic.ts";
import { fixture } from "./sentence_fixture.ts";
import { TOKENIZER_ID } from "../harness/text/tokenizer.ts";
import { VOCAB } from "../harness/text/vocab.ts";

/** The error Deno gives a write to a full disk (as a write to /dev/full shows; reading /dev/full needs --allow-all). */
const enospc = (path: string | URL) =>
  Object.assign(new Error(`No space left on device (os error 28): writefile '${path}'`), { code: "ENOSPC" });

/**
 * Fill the disk: from the `n`-th write to a file named `name` on, every Deno.writeFile and
 * Deno.writeTextFile throws Deno's ENOSPC error, the first one after writing half its data.
 * Returns a function that frees the disk again.
 */
function fillDiskAt(name: string, n: number): () => void {
  const { writeFile, writeTextFile } = Deno;
  let seen = 0, full = false;
  type Write = (path: string | URL, data: Uint8Array | string, options?: Deno.WriteFileOptions) => Promise<void>;
  const guard = (write: Write): Write => async (path, data, options) => {
    if (!full && String(path).endsWith(`/${name}`) && ++seen === n) {
      full = true;
      await write(path, data.slice(0, data.length >> 1), options);
    }
    if (full) throw enospc(path);
    return await write(path, data, options);
  };
  Deno.writeFile = guard(writeFile as Write) as typeof writeFile;
  Deno.writeTextFile = guard(writeTextFile as Write) as typeof writeTextFile;
  return () => {
    Deno.writeFile = writeFile;
    Deno.writeTextFile = writeTextFile;
  };
}

/** Run a command of the CLI in-process with `args` (stdout silenced). */
async function cli(...args: string[]): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try {
    const cmd = program().exitOverride();
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeErr: () => {} });
    await cmd.parseAsync(args, { from: "user" });
  } finally {
    console.log = log;
  }
}

/** Run `bench` in-process with `args`. */
const bench = (args: string[]) => cli("bench", ...args);

Deno.test("bench command", async (t) => {
  const tmp = await Deno.makeTempDir();
  // In this process (the disk-full steps fill the disk under it); one step below runs a grid over --jobs 2.
  const common = [
    "--jobs",
    "1",
    "--suite",
    "smoke",
    "--cache",
    `${tmp}/cache`,
    "--out",
    `${tmp}/out`,
    "--seeds",
    "1",
    "--steps",
    "1",
  ];

  const mixed = [
    ...common,
    "--baselines",
    "grpo,./tests/fixtures/outside_baseline.ts",
    "--param",
    "outside_halves.factor=0.25",
  ];
  const runs = `${tmp}/out/smoke/runs`;
  const folders = async (dir = runs) =>
    (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.isDirectory).map((e) => e.name).sort();

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
        "policy.onnx",
        "rollouts.jsonl.gz",
        "strategic_grams.json",
        "timings.jsonl",
        "train.jsonl",
      ]);
      const train = (await Deno.readTextFile(`${dir}/train.jsonl`)).trim().split("\n");
      assertEquals(train.length, 1);
    }
    for (const f of ["table1.tex", "table1.csv", "table2.md", "index.html"]) await Deno.stat(`${tmp}/out/smoke/${f}`);
    // A claim not run says how to add its runs to this folder and grid.
    const claims = (await Deno.readTextFile(`${tmp}/out/smoke/claims.md`)).replace(/\s+/g, " ");
    const command = `deno task bench --suite smoke --out ${tmp}/out --steps 1 --baselines hicra,grpo --seeds 1`;
    assert(claims.includes(`\`${command}\``), claims);
    // The smoke model solves nothing: no group has a reward spread, and the claims say so before any verdict.
    const said = claims.indexOf("No learning signal: in every RL run, every group's rewards were equal");
    assert(said > 0 && said < claims.indexOf("| claim "), claims);
  });

  await t.step("a second bench reuses finished runs and rewrites the same report", async () => {
    const before = await Deno.readTextFile(`${tmp}/out/smoke/table1.md`);
    const stamp = (await Deno.stat(`${runs}/${(await folders())[1]}/train.jsonl`)).mtime;
    await bench(mixed);
    assertEquals(await Deno.readTextFile(`${tmp}/out/smoke/table1.md`), before);
    assertEquals((await Deno.stat(`${runs}/${(await folders())[1]}/train.jsonl`)).mtime, stamp);
  });

  await t.step("runBench from code is the same grid: it reuses those runs and returns them", async () => {
    const stamp = (await Deno.stat(`${runs}/${(await folders())[1]}/train.jsonl`)).mtime;
    const results = await runBench({
      suite: "smoke",
      cache: `${tmp}/cache`,
      out: `${tmp}/out`,
      seeds: [1],
      steps: 1,
      baselines: ["grpo", "./tests/fixtures/outside_baseline.ts"],
      params: ["outside_halves.factor=0.25"],
    });
    assertEquals(results.runs.map((r) => `${r.manifest.baseline}-s${r.manifest.seed}`), [
      "grpo-s1",
      "outside_halves-s1",
    ]);
    assertEquals(results.runs[1].manifest.params, { factor: 0.25 });
    assertEquals(results.base?.eval.step, 0);
    assertEquals((await Deno.stat(`${runs}/${(await folders())[1]}/train.jsonl`)).mtime, stamp);
  });

  await t.step("runBench refuses what the command line refuses, before building or writing anything", async () => {
    const api = new URL("../mod.ts", import.meta.url).href;
    for (const twin of ["twin_a", "twin_b"]) {
      await Deno.writeTextFile(
        `${tmp}/${twin}.ts`,
        `import { defineBaseline, grpoAdvantages } from "${api}";\n` +
          `export default defineBaseline({ name: "twin", summary: "${twin}", params: {}, ` +
          "advantages: (ctx) => grpoAdvantages(ctx, true) });\n",
      );
    }
    const cases: [Partial<BenchOptions>, string][] = [
      [{ steps: -3 }, "--steps must be an integer from 1 to 100000, got -3"],
      [{ steps: 1.5 }, "--steps must be an integer from 1 to 100000, got 1.5"],
      [{ seeds: [-1] }, "--seeds must be integers from 0 to 2147483647, got -1"],
      [{ seeds: [] }, "--seeds is empty; give at least one"],
      [{ seeds: [1, 1] }, "--seeds names 1 twice; give each once"],
      [{ baselines: [] }, "--baselines is empty; give at least one"],
      [{ tasks: ["countdown", "countdown"] }, "--tasks names countdown twice; give each once"],
      [
        { baselines: ["grpo", "./baselines/grpo.ts"] },
        "grpo and ./baselines/grpo.ts are both named grpo; they are the same baseline: give it once",
      ],
      [
        { baselines: [`${tmp}/twin_a.ts`, `${tmp}/twin_b.ts`] },
        `${tmp}/twin_a.ts and ${tmp}/twin_b.ts are both named twin; give each baseline a name of its own (runs and`,
      ],
      [{ baselines: ["./baselines"] }, "baseline file ./baselines is a folder; give the .ts or .js file in it"],
      [{ engine: "nope" as EngineName }, 'unknown engine "nope"; choose one of: onnx, tfjs'],
      [{ out: "" }, "--out is blank; give a folder, or leave it out"], // would write under /smoke
      [{ cache: " " }, "--cache is blank; give a folder, or leave it out"],
      [{ suite: "toString" }, 'unknown suite "toString"; known suites: default, quick, claims, paper, smoke'],
      [{ baselines: ["constructor"] }, 'unknown baseline "constructor"; known: '],
      // A misspelt option was ignored: `seed: [7]` ran the suite's seeds, `step: 1` its steps.
      [
        { seed: [7] } as Partial<BenchOptions>,
        'runBench has no option "seed" (did you mean seeds?); its options are suite, tasks, baselines, seeds, steps, ',
      ],
      [{ stepz: 1 } as Partial<BenchOptions>, 'runBench has no option "stepz"; its options are suite, '],
      // A base model cached in the runs folder would be taken for a damaged run, and deleting it advised.
      [
        { cache: `${tmp}/refused/smoke/runs/cache` },
        `--cache ${tmp}/refused/smoke/runs/cache is inside ${tmp}/refused/smoke/runs, which holds runs only; give another --cache`,
      ],
    ];
    for (const [bad, message] of cases) {
      const out = `${tmp}/refused`, cache = `${tmp}/refused-cache`;
      await assertRejects(
        () => runBench({ suite: "smoke", out, cache, ...bad }),
        (e: Error) => e.message.startsWith(message) && !e.message.includes("\n"),
      );
      for (const dir of [out, cache, "/smoke"]) assert(!(await Deno.stat(dir).catch(() => null)), `${dir} was made`);
    }
  });

  await t.step("finished runs of another commit are reused with a note that says so", async () => {
    const dir = `${runs}/${(await folders())[1]}`;
    const text = await Deno.readTextFile(`${dir}/manifest.json`);
    const current = (await gitCommit())!;
    assert(current, "the tests run in a git checkout");
    /** The `note:` lines a bench writes to stderr about commits. */
    const notes = async () => {
      const lines: string[] = [], error = console.error;
      console.error = (...a: unknown[]) => lines.push(a.join(" "));
      try {
        await bench(mixed);
      } finally {
        console.error = error;
      }
      // The smoke model learns nothing, which the report notes every time: that note is not about commits.
      assert(lines.some((l) => l.startsWith("note: No learning signal: ")), lines.join("\n"));
      return lines.filter((l) => l.startsWith("note:") && !l.startsWith("note: No learning signal: "));
    };
    await Deno.writeTextFile(`${dir}/manifest.json`, text.replace(current, "0123456".padEnd(40, "0")));
    const note = await notes().finally(() => Deno.writeTextFile(`${dir}/manifest.json`, text));
    assertEquals(note.length, 1);
    assertMatch(
      note[0],
      new RegExp(`1 finished run\\(s\\) in .* at commit 0123456, this checkout is ${current.slice(0, 7)}`),
    );
    assertEquals(await notes(), [], "no note when every run is this commit's");
  });

  await t.step(
    "a cell another process holds the lock of (a --jobs child of a killed bench) is not run here",
    async () => {
      const id = (await folders()).find((f) => f.startsWith("grpo-s1-"))!;
      await Deno.rename(`${runs}/${id}`, `${tmp}/${id}.aside`); // so that this bench would run it again, in this process
      const held = await lockFolder(`${runs}/${id}`, undefined, { path: `${runs}/.${id}.lock` });
      try {
        await assertRejects(
          () => bench(mixed),
          (e: Error) =>
            e.message.startsWith(`another credit-bench process (pid ${Deno.pid}) is writing ${runs}/${id};`),
        );
        assert(!(await Deno.stat(`${runs}/${id}`).catch(() => null)), "nothing of the run was written");
      } finally {
        held.close();
        await Deno.rename(`${tmp}/${id}.aside`, `${runs}/${id}`);
      }
    },
  );

  await t.step("a bench removes what a killed bench left in runs/ and says so; its report is the same", async () => {
    const grpoOnly = [...common, "--baselines", "grpo"];
    await bench(grpoOnly);
    const grpo = (await folders()).find((id) => id.startsWith("grpo-s1-"))!;
    const before = await Deno.readTextFile(`${tmp}/out/smoke/index.html`);
    const ended = new Deno.Command("true").spawn();
    await ended.status;
    // Killed before it named a run folder, before it removed its write probe, before it renamed a file in.
    const left = [`${grpo}.tmp-${ended.pid}`, `.write-probe-${ended.pid}`, `${grpo}/policy.onnx.tmp-${ended.pid}`];
    await Deno.mkdir(`${runs}/${left[0]}`);
    await Deno.copyFile(`${runs}/${grpo}/manifest.json`, `${runs}/${left[0]}/manifest.json`);
    for (const f of left.slice(1)) await Deno.writeTextFile(`${runs}/${f}`, "");
    const lines: string[] = [], error = console.error;
    console.error = (...a: unknown[]) => lines.push(a.join(" "));
    await bench(grpoOnly).finally(() => console.error = error);
    assertEquals(lines.filter((l) => l.startsWith("note:") && !l.startsWith("note: No learning signal")), [
      `note: removed what a killed bench left in ${runs}: ${[left[1], left[2], left[0]].join(", ")}`,
    ]);
    for (const f of left) assert(!(await Deno.stat(`${runs}/${f}`).catch(() => null)), `${f} is left`);
    assertEquals(await Deno.readTextFile(`${tmp}/out/smoke/index.html`), before);
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

  await t.step("a bench on a folder another process is writing stops at once, nothing touched", async () => {
    const before = await folders();
    const lock = await lockFolder(runs);
    try {
      await assertRejects(
        () => bench([...common, "--baselines", "grpo", "--seeds", "2"]),
        new RegExp(
          `another credit-bench process \\(pid ${Deno.pid}\\) is writing .*; wait for it .* or pass another --out`,
        ),
      );
      assertEquals(await folders(), before);
    } finally {
      lock.close();
    }
    await bench([...common, "--baselines", "grpo"]); // free again: reuses the finished run
  });

  await t.step("bad input is refused with a message that says what to do", async () => {
    await assertRejects(() => bench([...common, "--baselines", "sarsa"]), /unknown baseline "sarsa"; known: grpo/);
    await assertRejects(
      () => bench([...common, "--baselines", "./tests/fixtures/no_advantages_baseline.ts"]),
      /no_advantages_baseline.ts: the default export has no advantages\(ctx\) function/,
    );
    await assertRejects(() => bench([...common, "--suite", "huge"]), /'huge' is invalid. Allowed choices are default/);
    await assertRejects(() => bench([...common, "--tasks", "chess"]), /unknown task chess in --tasks; suite smoke has/);
    await assertRejects(
      () => bench([...common, "--seeds", "1,x"]),
      /seeds must be integers from 0 to 2147483647 separated by commas, e\.g\. 1,2,3/,
    );
    await assertRejects(() => bench([...common, "--seeds", "1,1"]), /repeats a seed/);
    await assertRejects(() => bench([...common, "--steps", "0"]), /must be an integer from 1 to 100000/);
    await assertRejects(() => bench([...common, "--jobs", "-2"]), /must be an integer from 1 to 256/);
    await assertRejects(() => bench([...common, "--threads", "9"]), /--threads must be an integer from 1 to 8, got 9/);
    await assertRejects(() => bench([...common, "--backend", "tpu"]), /'tpu' is invalid/);
    await assertRejects(
      () => bench([...common, "--engine", "vllm"]),
      /'vllm' is invalid. Allowed choices are onnx, tfjs/,
    );
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

  await t.step("an empty folder, an out-of-range number or an empty list is refused, naming what to give", async () => {
    const before = await folders();
    const refused: [string[], RegExp][] = [
      [["--out", ""], /'--out <dir>' argument '' is invalid\. give a folder, e\.g\. results/],
      [["--out", "  "], /'--out <dir>' argument ' {2}' is invalid\. give a folder/],
      [["--cache", ""], /'--cache <dir>' argument '' is invalid\. give a folder, e\.g\. \.cache/],
      // `--out=~/x` reaches us unexpanded: it made a folder named ~ in the project, and said "runs go to ~/x".
      [["--out", "~/cb_out"], /'--out <dir>' argument '~\/cb_out' is invalid\. ~ is not expanded after '='/],
      [
        ["--steps", "99999999999"],
        /'--steps <n>' argument '99999999999' is invalid\. must be an integer from 1 to 100000/,
      ],
      [["--steps", "1e20"], /'--steps <n>' argument '1e20' is invalid\. must be an integer from 1 to 100000/],
      [["--jobs", "100000"], /'--jobs <n>' argument '100000' is invalid\. must be an integer from 1 to 256/],
      [["--seeds", "4294967296"], /seeds must be integers from 0 to 2147483647 separated by commas/],
      [["--baselines", "hicra", "--param", "hicra.alpha=-5"], /hicra\.alpha must be from 0 to 1, got -5/],
      [["--baselines", "hicra", "--param", "hicra.alpha=0x10"], /must be a number, got "0x10" \(write it in decimal/],
      [["--tasks", ""], /give at least one name, e\.g\. countdown,linear_equation/],
    ];
    for (const [args, message] of refused) await assertRejects(() => bench([...common, ...args]), message);
    await assertRejects(() => cli("report", "--in", ""), /'--in <dir>' argument '' is invalid\. give a folder/);
    assertEquals(await folders(), before);
  });

  await t.step("a read-only --cache without the base model, or a file, is refused with what to do", async () => {
    const { mkdir } = Deno, cache = `${tmp}/read-only-cache`;
    Deno.mkdir = (async (path: string | URL, options?: Deno.MkdirOptions) => {
      if (String(path).startsWith(cache)) {
        throw Object.assign(new Error(`Read-only file system (os error 30): mkdir '${path}'`), { code: "EROFS" });
      }
      return await mkdir(path, options);
    }) as typeof mkdir;
    try {
      await assertRejects(
        () => bench([...common, "--baselines", "grpo", "--cache", cache]),
        new RegExp(
          `^ResultsFolderError: cannot write the base model into ${cache} \\(Read-only file system \\(os error 30\\): mkdir .*\\); ` +
            `pick a writable folder with --cache, or one that holds this base model already$`,
        ),
      );
    } finally {
      Deno.mkdir = mkdir;
    }
    await Deno.writeTextFile(`${tmp}/cache-file`, "");
    await assertRejects(
      () => bench([...common, "--baselines", "grpo", "--cache", `${tmp}/cache-file`]),
      /^ResultsFolderError: cannot write the base model into .*cache-file \(Not a directory .*; pick a writable folder with --cache/,
    );
  });

  await t.step(
    "a finished run whose file was damaged is refused by bench and report with a move that, followed, remakes it",
    async () => {
      const dir = `${runs}/${(await folders())[1]}`;
      const train = await Deno.readFile(`${dir}/train.jsonl`);
      await Deno.writeFile(`${dir}/train.jsonl`, train.map((b, i) => (i === 10 ? b ^ 1 : b)));
      const grpo = [...common, "--baselines", "grpo", "--resume"];
      const failure = (p: Promise<void>) =>
        p.then(() => {
          throw new Error("not refused");
        }, (e: Error) => e.message);
      const refused = await failure(bench(grpo));
      assertMatch(
        refused,
        /train\.jsonl: SHA-256 differs from manifest\.json .*; this finished run cannot be reused; move it aside with `mv \S+ \S+`, then run the same command again to remake it$/,
      );
      const report = await failure(cli("report", "--in", `${tmp}/out`));
      assertMatch(
        report,
        /train\.jsonl: SHA-256 differs .*; move the run aside with `mv \S+ \S+`, then run the bench that made it again/,
      );
      const move = /`(mv [^`]+)`/.exec(refused)![1];
      assertEquals(/`(mv [^`]+)`/.exec(report)![1], move);
      const moved = await new Deno.Command("sh", { args: ["-c", move], stderr: "piped" }).output();
      assert(moved.success, new TextDecoder().decode(moved.stderr));
      assertEquals(await folders(`${tmp}/out/smoke`), ["figures", `${dir.slice(runs.length + 1)}.damaged`, "runs"]);
      await bench(grpo);
      assertEquals(await Deno.readFile(`${dir}/train.jsonl`), train, "the run made again, to the same bytes");
      await cli("report", "--in", `${tmp}/out`);
    },
  );

  await t.step(
    "a full disk stops the run with what to do; --resume then ends with the bytes of a run that never stopped",
    async () => {
      const args = (out: string) => [...common.slice(0, -4), "--out", out, "--seeds", "1", "--steps", "3"];
      const grpo = ["--baselines", "grpo"];
      await bench([...args(`${tmp}/whole`), ...grpo]);
      const free = fillDiskAt("train.jsonl", 3); // the run starts it empty, step 0 adds a line, step 1 fails
      const error = await bench([...args(`${tmp}/full`), ...grpo]).then(() => null, (e) => e as Error);
      free();
      assert(error, "the run failed");
      assertMatch(
        errorLine(error),
        /^error: No space left on device \(os error 28\).*: the disk is full; free some space, then run the same command again with --resume/,
      );
      const id = (await Array.fromAsync(Deno.readDir(`${tmp}/whole/smoke/runs`))).find((e) =>
        e.name.startsWith("grpo")
      )!;
      const [whole, full] = [`${tmp}/whole`, `${tmp}/full`].map((o) => `${o}/smoke/runs/${id.name}`);
      assertEquals(JSON.parse(await Deno.readTextFile(`${full}/manifest.json`)).status, "running");
      assertEquals(JSON.parse(await Deno.readTextFile(`${full}/checkpoint/state.json`)).step, 1);
      await assertRejects(() => bench([...args(`${tmp}/full`), ...grpo]), /holds an unfinished run \(running\)/);
      await bench([...args(`${tmp}/full`), ...grpo, "--resume"]);
      for (const f of ["train.jsonl", "eval.jsonl", "rollouts.jsonl.gz", "checkpoint/weights.bin"]) {
        assertEquals(await Deno.readFile(`${full}/${f}`), await Deno.readFile(`${whole}/${f}`), f);
      }
    },
  );

  await t.step(
    "a cell alone (--jobs 1) writes the same bytes as inside a grid in another order over --jobs 2",
    async () => {
      const grid = [...common.slice(0, -4), "--out", `${tmp}/grid`, "--steps", "3", "--jobs", "2"];
      await bench([...grid, "--baselines", "hicra,grpo", "--seeds", "2,1"]);
      const alone = await folders(`${tmp}/whole/smoke/runs`);
      const inGrid = await folders(`${tmp}/grid/smoke/runs`);
      assertEquals(inGrid.length, 5);
      const id = alone.find((f) => f.startsWith("grpo-s1-"))!;
      assert(inGrid.includes(id), `${id} in ${inGrid}`);
      for (const f of ["train.jsonl", "eval.jsonl", "rollouts.jsonl.gz", "checkpoint/weights.bin"]) {
        const [a, b] = [`${tmp}/whole`, `${tmp}/grid`].map((o) => `${o}/smoke/runs/${id}/${f}`);
        assertEquals(await Deno.readFile(b), await Deno.readFile(a), f);
      }
      // The base model's evaluation, left to the parent at the grid's end, is the same too.
      const base = alone.find((f) => f.startsWith("base-"))!;
      for (const f of ["eval.jsonl", "strategic_grams.json"]) {
        const [a, b] = [`${tmp}/whole`, `${tmp}/grid`].map((o) => `${o}/smoke/runs/${base}/${f}`);
        assertEquals(await Deno.readFile(b), await Deno.readFile(a), f);
      }
      assertEquals(
        JSON.parse(await Deno.readTextFile(`${tmp}/grid/smoke/runs/${base}/manifest.json`)).status,
        "complete",
      );
    },
  );

  await t.step(
    "a --jobs child runs the cell it is handed, from the parent's base checkpoint: it looks for no base model",
    async () => {
      const whole = `${tmp}/whole/smoke/runs`, ids = await folders(whole);
      const id = ids.find((f) => f.startsWith("grpo-s1-"))!, base = ids.find((f) => f.startsWith("base-"))!;
      const m = JSON.parse(await Deno.readTextFile(`${whole}/${id}/manifest.json`));
      // The base checkpoint copied to a folder that no base-model key names, and no cache folder given:
      // the child can only run from the checkpoint its spec names.
      const cached = (await folders(`${tmp}/cache`)).filter((f) => !f.endsWith(".partial"));
      assertEquals(cached.length, 1);
      const handed = `${tmp}/handed`;
      await Deno.mkdir(handed);
      const copied = await new Deno.Command("cp", { args: ["-r", `${tmp}/cache/${cached[0]}`, `${handed}/base`] })
        .output();
      assert(copied.success);
      const spec: CellSpec = {
        cfg: m.config,
        grid: m.gridHash,
        backend: m.backend,
        engine: m.engine,
        threads: 1,
        command: m.command,
        taskFiles: [],
        cell: {
          source: m.baselineSource,
          key: m.baselineKey,
          params: m.params,
          seed: m.seed,
          configHash: m.configHash,
          dir: `${handed}/runs/${id}`,
          resume: false,
        },
        base: { checkpoint: `${handed}/base`, grams: `${whole}/${base}/strategic_grams.json` },
      };
      const args = await childArgs(m.backend);
      const job = { name: "grpo seed 1", dir: spec.cell.dir, args, input: JSON.stringify(spec) };
      // While another process holds the run's lock (a child of a bench killed outright, finishing its step),
      // the cell is refused, its folder untouched.
      await Deno.mkdir(`${handed}/runs`);
      const held = await lockFolder(spec.cell.dir, undefined, { path: `${handed}/runs/.${id}.lock` });
      await assertRejects(
        () => runInChildren([job], 1, 3),
        new RegExp(`another credit-bench process \\(pid ${Deno.pid}\\) is writing ${handed}/runs/${id}; wait for it`),
      );
      held.close();
      assertEquals(await folders(`${handed}/runs`), []);
      await runInChildren([job], 1, 3);
      for (const f of ["train.jsonl", "eval.jsonl", "rollouts.jsonl.gz", "checkpoint/weights.bin"]) {
        assertEquals(await Deno.readFile(`${handed}/runs/${id}/${f}`), await Deno.readFile(`${whole}/${id}/${f}`), f);
      }
      const made = JSON.parse(await Deno.readTextFile(`${handed}/runs/${id}/manifest.json`));
      assertEquals([made.status, made.configHash, made.command], ["complete", m.configHash, m.command]);
      assertEquals(await folders(handed), ["base", "runs"], "nothing else written: no cache, no base folder");
      // A baseline file that changed after the grid was planned is refused before the run starts.
      const outside = "./tests/fixtures/outside_baseline.ts";
      await assertRejects(
        () => runCellSpec({ ...spec, cell: { ...spec.cell, source: outside, key: "sha256:0", dir: `${handed}/x` } }),
        /^Error: baseline file \.\/tests\/fixtures\/outside_baseline\.ts changed since the grid was planned; put it back, or stop the bench and run it again$/,
      );
      assertEquals(await folders(handed), ["base", "runs"]);
      // A cell resumed (a Slurm requeue) from a base model other than the one it was begun from is refused.
      const dir = `${handed}/runs/${id}`;
      await Deno.writeTextFile(
        `${dir}/manifest.json`,
        JSON.stringify({ ...made, status: "failed", baseWeights: "0123abcd".repeat(8) }),
      );
      await assertRejects(
        () => runCellSpec({ ...spec, cell: { ...spec.cell, resume: true } }),
        (e: Error) =>
          e.message === `${dir} was begun from a base model whose weights hash to 0123abcd, and ${handed}/base ` +
              `hashes to ${made.baseWeights.slice(0, 8)} (rebuilt since); move the run aside with \`mv ${dir} ` +
              `${handed}/${id}.damaged\`, then run the same command again to start it over`,
      );
    },
  );

  await t.step(
    "a base folder whose evaluation did not happen gets it at the next bench, every run reused",
    async () => {
      const base = `${tmp}/grid/smoke/runs/${
        (await folders(`${tmp}/grid/smoke/runs`)).find((f) => f.startsWith("base-"))
      }`;
      const evals = await Deno.readFile(`${base}/eval.jsonl`);
      const manifest = JSON.parse(await Deno.readTextFile(`${base}/manifest.json`));
      await Deno.writeTextFile(`${base}/manifest.json`, JSON.stringify({ ...manifest, status: "running", files: {} }));
      await Deno.remove(`${base}/eval.jsonl`);
      await bench([
        ...common.slice(0, -4),
        "--out",
        `${tmp}/grid`,
        "--steps",
        "3",
        "--baselines",
        "hicra,grpo",
        "--seeds",
        "1,2",
      ]);
      assertEquals(await Deno.readFile(`${base}/eval.jsonl`), evals);
      assertEquals(JSON.parse(await Deno.readTextFile(`${base}/manifest.json`)).files, manifest.files);
    },
  );

  await t.step("a corrupt checkpoint or one of another tokenizer is refused on --resume, naming the fix", async () => {
    const dir = `${runs}/${(await folders())[1]}`;
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    const grpo = [...common, "--baselines", "grpo", "--resume"];
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify({ ...manifest, status: "failed" }));
    const weights = await Deno.readFile(`${dir}/checkpoint/weights.bin`);
    await Deno.writeFile(`${dir}/checkpoint/weights.bin`, weights.map((b, i) => (i === 100 ? b ^ 1 : b)));
    await assertRejects(
      () => bench(grpo),
      new RegExp(
        `checkpoint ${dir}/checkpoint: weights\\.bin does not match its checksum .*; move the run aside with ` +
          `\`mv ${dir} .*\\.damaged\`, then run the same command again to start it over$`,
      ),
    );
    await Deno.writeFile(`${dir}/checkpoint/weights.bin`, weights);
    const meta = await Deno.readTextFile(`${dir}/checkpoint/model.json`);
    await Deno.writeTextFile(
      `${dir}/checkpoint/model.json`,
      meta.replace(/"tokenizer": "[^"]*"/, '"tokenizer": "v0-0"'),
    );
    await assertRejects(
      () => bench(grpo),
      /was made with tokenizer v0-0, this build has v1-\w+; move the run aside with `mv /,
    );
    await Deno.writeTextFile(`${dir}/checkpoint/model.json`, meta);
    await bench(grpo);
    const resumed = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    assertEquals(resumed.status, "complete");
    // Every session of the run is kept: the one marked failed above, then the two refused resumes.
    assertEquals(resumed.startedAt, manifest.startedAt);
    assertEquals(resumed.earlier.map((s: { status: string }) => s.status), ["failed", "failed", "failed"]);
    assertEquals(resumed.earlier[0].command, manifest.command);
    assertMatch(resumed.earlier[1].error, /weights\.bin does not match its checksum/);
    assertMatch(resumed.earlier[2].error, /was made with tokenizer v0-0/);
    assertEquals(resumed.earlier[2].versions, resumed.versions);
  });

  await t.step("report: a folder without runs or a suite it lacks is refused with what to run", async () => {
    await assertRejects(
      () => cli("report", "--in", `${tmp}/nothing`),
      /no runs under .*nothing; run `deno task bench --out/,
    );
    await assertRejects(
      () => cli("report", "--in", `${tmp}/out`, "--suite", "paper"),
      /paper.*deno task bench --suite paper --out .*out`/,
    );
    await assertRejects(() => cli("report", "--in", `${tmp}/out`, "--suite", "nosuch"), /Allowed choices are default/);
    await Deno.writeTextFile(`${tmp}/a-file`, "");
    for (const suite of [[], ["--suite", "default"]]) {
      await assertRejects(
        () => cli("report", "--in", `${tmp}/a-file`, ...suite),
        /a-file is a file; --in takes the results folder that bench wrote/,
      );
    }
    // One level too deep: it said to bench into that folder, nesting a results folder in a runs folder.
    const runs = `${tmp}/out/smoke/runs`, run = `${runs}/${(await folders())[1]}`;
    for (
      const [dir, what] of [[runs, "a suite's runs folder"], [`${tmp}/out/smoke`, "a suite's folder"], [
        run,
        "a run's folder",
      ]]
    ) {
      await assertRejects(
        () => cli("report", "--in", dir),
        (e: Error) => e.message === `${dir} is ${what}; give --in the results folder above it, ${tmp}/out`,
      );
    }
    // A suite with no complete run (a bench stopped in its base build) does not stop the others' reports.
    await Deno.mkdir(`${tmp}/out/quick/runs`, { recursive: true });
    await Deno.remove(`${tmp}/out/smoke/table1.md`);
    await assertRejects(
      () => cli("report", "--in", `${tmp}/out`),
      (e: Error) => e.message === "1 suite of 2 not reported (quick), as said above; the others were",
    );
    await Deno.stat(`${tmp}/out/smoke/table1.md`);
    await Deno.remove(`${tmp}/out/quick`, { recursive: true });
  });

  await t.step(
    "a sentence model is checked before the base model's build and enters the grid by its content",
    async () => {
      const empty = await Deno.makeTempDir({ dir: tmp });
      const sm = (model: string, cache = `${tmp}/cache`) => [
        ...common.map((a) => a === `${tmp}/out` ? `${tmp}/sm` : a === `${tmp}/cache` ? cache : a),
        "--baselines",
        "grpo",
        "--sentence-model",
        model,
      ];
      await assertRejects(() => bench(sm(empty, `${tmp}/sm-cache`)), /model\.onnx is missing: a sentence-model folder/);
      await assertRejects(() => Deno.stat(`${tmp}/sm-cache`), Deno.errors.NotFound);
      const a = await fixture(["let", "us"], [[0, 0], [0, 1], [0, 0], [0, 0], [1, 0], [1, 1]]);
      const b = `${tmp}/moved-model`;
      await Deno.mkdir(b);
      for (const f of ["model.onnx", "tokenizer.json"]) await Deno.copyFile(`${a}/${f}`, `${b}/${f}`);
      const grids = async () => {
        const ids = await folders(`${tmp}/sm/smoke/runs`);
        const manifests = await Promise.all(
          ids.map(async (id) => JSON.parse(await Deno.readTextFile(`${tmp}/sm/smoke/runs/${id}/manifest.json`))),
        );
        return new Set(manifests.map((m) => m.gridHash));
      };
      await bench(sm(a));
      const first = await grids();
      assertEquals(first.size, 1);
      await bench(sm(b));
      assertEquals(await grids(), first, "the same files elsewhere: the same grid, its runs reused");
      await Deno.writeTextFile(`${b}/tokenizer_config.json`, JSON.stringify({ do_lower_case: true }));
      await assertRejects(() => bench(sm(b)), /holds a run of another configuration/, "a changed file: another grid");
      await Deno.remove(a, { recursive: true });
    },
  );

  await t.step("a manifest edited by hand is refused before its run is reused", async () => {
    const dir = `${runs}/${(await folders())[1]}`;
    const text = await Deno.readTextFile(`${dir}/manifest.json`);
    const manifest = JSON.parse(text);
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify({ ...manifest, seed: 2 }));
    await assertRejects(
      () => bench([...common, "--baselines", "grpo"]),
      /manifest\.json does not match itself \(its run hashes to \w{8}, not the recorded config hash \w{8}\): it was edited or damaged; delete .* to run that cell again/,
    );
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`)).seed, 2, "nothing overwritten");
    await Deno.writeTextFile(`${dir}/manifest.json`, text);
  });

  await Deno.remove(tmp, { recursive: true });
});

Deno.test("a task file outside the tree runs beside the suite's, in --jobs children too, keyed by its content", async (t) => {
  const tmp = await Deno.makeTempDir();
  const fixture = "./tests/fixtures/outside_task.ts";
  const args = (out: string, tasks: string, ...more: string[]) => [
    ...["--suite", "smoke", "--cache", `${tmp}/cache`, "--out", `${tmp}/${out}`, "--tasks", tasks],
    ...["--baselines", "grpo", "--seeds", "1", "--steps", "2", ...more],
  ];
  const runsOf = async (out: string) =>
    (await Array.fromAsync(Deno.readDir(`${tmp}/${out}/smoke/runs`))).filter((e) => e.isDirectory).map((e) => e.name)
      .sort();

  await t.step("a bench with a built-in task and a task file trains, evaluates and reports both", async () => {
    await bench(args("one", `countdown,${fixture}`, "--jobs", "1"));
    const [base, grpo] = await runsOf("one");
    const m = JSON.parse(await Deno.readTextFile(`${tmp}/one/smoke/runs/${grpo}/manifest.json`));
    assertEquals(m.status, "complete");
    assertEquals(m.config.suite.tasks, [
      { name: "countdown", levels: [1] },
      { name: "outside_sum", levels: [1], key: `sha256:${await sha256(await Deno.readFile(fixture))}` },
    ]);
    const evals = JSON.parse(await Deno.readTextFile(`${tmp}/one/smoke/runs/${base}/eval.jsonl`)).evals;
    assertEquals(evals.map((e: { task: string }) => e.task), ["countdown", "outside_sum"]);
    assert((await Deno.readTextFile(`${tmp}/one/smoke/table1.md`)).includes("outside_sum"));
  });

  await t.step("a --jobs 2 child loads the task file and writes the same bytes", async () => {
    await bench(args("two", `countdown,${fixture}`, "--jobs", "2", "--no-report"));
    const ids = await runsOf("one");
    assertEquals(await runsOf("two"), ids);
    for (const f of ["train.jsonl", "eval.jsonl", "rollouts.jsonl.gz", "checkpoint/weights.bin"]) {
      const [a, b] = ["one", "two"].map((o) => `${tmp}/${o}/smoke/runs/${ids[1]}/${f}`);
      assertEquals(await Deno.readFile(b), await Deno.readFile(a), f);
    }
  });

  await t.step("the same bytes elsewhere are the same configuration; a changed byte is another", async () => {
    // Copies outside the project, as they are: they import the public API by the package's name.
    const text = await Deno.readTextFile(fixture);
    for (const dir of ["a", "b", "c"]) await Deno.mkdir(`${tmp}/${dir}`);
    await Deno.writeTextFile(`${tmp}/a/task.ts`, text);
    await Deno.writeTextFile(`${tmp}/b/task.ts`, text);
    await Deno.writeTextFile(`${tmp}/c/task.ts`, `${text}// edited\n`);
    await bench(args("three", `${tmp}/a/task.ts`, "--jobs", "1", "--no-report"));
    const made = await runsOf("three");
    const stamp = (await Deno.stat(`${tmp}/three/smoke/runs/${made[1]}/train.jsonl`)).mtime;
    await bench(args("three", `${tmp}/b/task.ts`, "--jobs", "1", "--no-report"));
    assertEquals(await runsOf("three"), made);
    assertEquals((await Deno.stat(`${tmp}/three/smoke/runs/${made[1]}/train.jsonl`)).mtime, stamp, "reused");
    // The message says the task file changed (the same command cannot go back to the folder's grid).
    await assertRejects(
      () => bench(args("three", `${tmp}/c/task.ts`, "--jobs", "1", "--no-report")),
      new RegExp(
        `holds a run of another configuration .*: it has suite\\.tasks\\.outside_sum\\.key=sha256:\\w+, this bench ` +
          `suite\\.tasks\\.outside_sum\\.key=sha256:\\w+\\); the task file ${tmp}/c/task\\.ts changed since, and a ` +
          `results folder holds one grid: use another --out, or delete ${tmp}/three/smoke/runs$`,
      ),
    );
  });

  await t.step("bad task files are refused with a message that says what to do, nothing written", async () => {
    await Deno.writeTextFile(`${tmp}/broken.ts`, "export default {\n");
    const refused: [string, RegExp][] = [
      [
        "./README.md",
        /^Error: task file \.\/README\.md is not a JavaScript or TypeScript module; give a \.ts or \.js file$/,
      ],
      [
        `${tmp}/broken.ts`,
        /^Error: task file \S+\/broken\.ts threw on import: SyntaxError: Unexpected token `<eof>`\. .* \(at \/\S+\/broken\.ts:1:17\)$/,
      ],
      ["./no/such/task.ts", /^Error: task file \.\/no\/such\/task\.ts not found \(looked at \/.*no\/such\/task\.ts\)$/],
      [
        "./tests/fixtures/throwing_baseline.ts",
        /^Error: task file \S+throwing_baseline\.ts threw on import: boom while importing$/,
      ],
      [
        "./tests/fixtures/outside_baseline.ts",
        /^TypeError: \S+outside_baseline\.ts: the default export is missing levels, strategies, maxResponseWords, generate, verify, demonstrate; see tasks\/kit\/task\.ts for the contract$/,
      ],
      [
        "./tasks/countdown.ts",
        /^Error: task file \.\/tasks\/countdown\.ts defines task countdown, a name of the fixed suite; give its task a name of its own$/,
      ],
      [
        `${fixture},tests/fixtures/outside_task.ts`,
        /^Error: task file tests\/fixtures\/outside_task\.ts defines task outside_sum, a name another task file in --tasks has; give its task a name of its own$/,
      ],
      [
        "chess",
        /^Error: unknown task chess in --tasks; suite smoke has countdown, .*, or give the path of a task file \(e\.g\. \.\/my_task\.ts\)$/,
      ],
    ];
    for (const [tasks, message] of refused) await assertRejects(() => bench(args("bad", tasks)), message);
    await assertRejects(() => Deno.stat(`${tmp}/bad`), Deno.errors.NotFound);
  });

  await Deno.remove(tmp, { recursive: true });
});

Deno.test("a command line Commander refuses is one line on stderr, with its suggestion and the pointer to --help, exit 1", async () => {
  const cli = new URL("../harness/cli.ts", import.meta.url).pathname;
  const refused: [string[], string][] = [
    [["bench", "--stepz", "3"], "error: unknown option '--stepz' (Did you mean --steps?) (add --help for the options)"],
    [["benc"], "error: unknown command 'benc' (Did you mean bench?) (add --help for the options)"],
    [
      ["bench", "--steps", "x"],
      "error: option '--steps <n>' argument 'x' is invalid. must be an integer from 1 to 100000, e.g. 50 " +
      "(add --help for the options)",
    ],
    [["analyze", "dump.jsonl"], "error: required option '--out <dir>' not specified (add --help for the options)"],
  ];
  await Promise.all(refused.map(async ([args, line]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-env=NO_COLOR,FORCE_COLOR,CLICOLOR_FORCE", cli, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(
      [out.code, new TextDecoder().decode(out.stderr), out.stdout.length],
      [1, `${line}\n`, 0],
      args.join(" "),
    );
  }));
});

Deno.test("a helper module a baseline file imports is part of its code: editing it is refused as other code", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const api = JSON.stringify(new URL("../mod.ts", import.meta.url).href);
    await Deno.writeTextFile(`${tmp}/helper.ts`, "export const SCALE = 1;\n");
    await Deno.writeTextFile(
      `${tmp}/scaled.ts`,
      `import { defineBaseline, grpoAdvantages } from ${api};\nimport { SCALE } from "./helper.ts";\n` +
        'export default defineBaseline({ name: "scaled", summary: "grpo times SCALE", params: {}, ' +
        "advantages: (ctx) => grpoAdvantages(ctx, true).map((a) => a.map((x) => x * SCALE)) });\n",
    );
    const grid = (seeds: string) => [
      ...["--suite", "smoke", "--cache", `${tmp}/cache`, "--out", `${tmp}/out`, "--seeds", seeds, "--steps", "1"],
      ...["--jobs", "1", "--baselines", `${tmp}/scaled.ts`, "--no-report"],
    ];
    await bench(grid("1"));
    await Deno.writeTextFile(`${tmp}/helper.ts`, "export const SCALE = -5;\n");
    // It reused seed 1, made with SCALE 1, and ran seed 2 with SCALE -5, as one method.
    await assertRejects(
      () => bench(grid("1,2")),
      /holds scaled seed 1 made by other code of \S+scaled\.ts than it has now; a method's seeds must share its code/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a results folder holds one grid: runs of other code, another configuration or a link are refused", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const api = JSON.stringify(new URL("../mod.ts", import.meta.url).href);
    const write = (sign: number) =>
      Deno.writeTextFile(
        `${tmp}/mine.ts`,
        `import { defineBaseline, grpoAdvantages } from ${api};\n` +
          'export default defineBaseline({ name: "mine", summary: "grpo, signed", params: {}, ' +
          `advantages: (ctx) => grpoAdvantages(ctx, true).map((a) => a.map((x) => x * ${sign})) });\n`,
      );
    const grid = (out: string, seeds: string, steps = "1") => [
      ...["--suite", "smoke", "--cache", `${tmp}/cache`, "--out", `${tmp}/${out}`, "--seeds", seeds],
      ...["--steps", steps, "--jobs", "1", "--baselines", `${tmp}/mine.ts`, "--no-report"],
    ];
    const runs = (out: string) => `${tmp}/${out}/smoke/runs`;
    const runOf = (out: string, prefix: string) =>
      `${runs(out)}/${[...Deno.readDirSync(runs(out))].find((e) => e.name.startsWith(prefix))!.name}`;
    await write(1);
    await bench(grid("a", "1"));
    // The file edited, a second seed: it was run with the new code and reported with the first as one method.
    await write(-1);
    await assertRejects(
      () => bench(grid("a", "2")),
      /holds mine seed 1 made by other code of .*mine\.ts than it has now/,
    );
    await bench(grid("b", "2"));
    await Deno.rename(runOf("b", "mine-s2-"), `${runs("a")}/${runOf("b", "mine-s2-").split("/").at(-1)}`);
    await assertRejects(
      () => cli("report", "--in", `${tmp}/a`, "--suite", "smoke"),
      /mine-s2-\S+: was made by other code of mine than .*mine-s1-\S+; a method's seeds must share its code/,
    );
    await Deno.remove(runOf("a", "mine-s2-"), { recursive: true });
    // A run of another configuration (--steps 2) copied in: the tables averaged it with the rest.
    await write(1);
    await bench(grid("c", "2", "2"));
    await Deno.rename(runOf("c", "mine-s2-"), `${runs("a")}/${runOf("c", "mine-s2-").split("/").at(-1)}`);
    await assertRejects(
      () => cli("report", "--in", `${tmp}/a`, "--suite", "smoke"),
      /mine-s2-\S+: is a run of another configuration \(grid hash \w{8}\) than /,
    );
    await Deno.remove(runOf("a", "mine-s2-"), { recursive: true });
    // A run linked in from another results folder: the bench wrote through the link, the report skipped it.
    await bench(grid("d", "2"));
    await Deno.symlink(runOf("d", "mine-s2-"), `${runs("a")}/linked`);
    const linked = `${runs("a")}/linked: is a link; runs are written in place, so a linked run would be written ` +
      "in the folder it links to: copy the run instead (cp -r), or remove the link";
    await assertRejects(() => bench(grid("a", "1,2")), (e: Error) => e.message === linked);
    await assertRejects(
      () => cli("report", "--in", `${tmp}/a`, "--suite", "smoke"),
      (e: Error) => e.message === linked,
    );
    await Deno.remove(`${runs("a")}/linked`);
    // A backup copy beside its run: the bench called it the cell "with other parameters or code".
    const original = runOf("a", "mine-s1-"), id = original.split("/").at(-1)!;
    await Deno.mkdir(`${runs("a")}/backup`);
    for (const e of Deno.readDirSync(original)) {
      if (e.isFile) await Deno.copyFile(`${original}/${e.name}`, `${runs("a")}/backup/${e.name}`);
    }
    const copy = `under another name (a copy, or a renamed run?); a run folder keeps its name: move the copy out ` +
      "of runs/, or give the folder its name back";
    await assertRejects(
      () => bench(grid("a", "1")),
      (e: Error) => e.message === `${runs("a")}/backup holds run ${id} ${copy}`,
    );
    await assertRejects(
      () => cli("report", "--in", `${tmp}/a`, "--suite", "smoke"),
      (e: Error) =>
        e.message ===
          `${runs("a")}/backup/manifest.json: id ${id} does not match its folder name backup (a copy, or a renamed ` +
            "run?); a run folder keeps its name: move the copy out of runs/, or give the folder its name back",
    );
    await Deno.remove(`${runs("a")}/backup`, { recursive: true });
    // A run from another base model (code the SFT loop or a task runs edited between two benches, so the base
    // model was rebuilt; the grid hash does not cover that code): the tables averaged runs of two base models.
    const made = JSON.parse(await Deno.readTextFile(`${original}/manifest.json`));
    const cached = [...Deno.readDirSync(`${tmp}/cache`)].map((e) => e.name).filter((n) => !n.endsWith(".partial"));
    const weights = JSON.parse(await Deno.readTextFile(`${tmp}/cache/${cached[0]}/model.json`)).sha256;
    assertEquals([cached.length, made.baseWeights], [1, weights], "each run names the weights of its base model");
    await Deno.writeTextFile(
      `${original}/manifest.json`,
      JSON.stringify({ ...made, baseWeights: "0123abcd".repeat(8) }),
    );
    await assertRejects(
      () => bench(grid("a", "1,2")),
      (e: Error) =>
        e.message === `${original} was made from a base model whose weights hash to 0123abcd, and this bench ` +
            `starts from ${tmp}/cache/${cached[0]}, whose weights hash to ${weights.slice(0, 8)} (rebuilt since: ` +
            "code the SFT loop or a task runs changed, or another machine built it); a grid is of one base model: " +
            `use another --out, or move ${runs("a")} away to run the grid again from this one`,
    );
    await assertRejects(
      () => cli("report", "--in", `${tmp}/a`, "--suite", "smoke"),
      (e: Error) =>
        e.message ===
          `${original}: was made from a base model whose weights hash to 0123abcd, ${runOf("a", "base-")} ` +
            `from one whose weights hash to ${weights.slice(0, 8)} (it was rebuilt between them); a report is of ` +
            "one base model: move one to a results folder of its own",
    );
    // A run of a version that did not record its base model is taken as it is.
    const { baseWeights: _, ...older } = made;
    await Deno.writeTextFile(`${original}/manifest.json`, JSON.stringify(older));
    await bench(grid("a", "1,2"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a baseline file's top-level state starts over in every run: --jobs 1 writes what --jobs 2 writes", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    // A warm-up counted at the top of the module: with --jobs 1 seed 2 went on from where seed 1 left it.
    await Deno.writeTextFile(
      `${tmp}/warmup.ts`,
      `import { defineBaseline, grpoAdvantages } from ${
        JSON.stringify(new URL("../mod.ts", import.meta.url).href)
      };\n` +
        "let calls = 0;\n" +
        'export default defineBaseline({ name: "warmup", summary: "the longest response, warmed up by calls", params: {}, ' +
        // Not GRPO's advantages, all 0 on the smoke suite: w on the longest response, so that w shows.
        "advantages: (ctx) => { const w = Math.min(1, ++calls / 3); " +
        "const longest = Math.max(...ctx.rollouts.map((r) => r.tokens.length)); " +
        "return ctx.rollouts.map((r) => new Float32Array(r.tokens.length).fill(r.tokens.length === longest ? w : 0)); } });\n",
    );
    const grid = (jobs: string) => [
      ...["--suite", "smoke", "--cache", `${tmp}/cache`, "--out", `${tmp}/j${jobs}`, "--seeds", "1,2"],
      ...["--steps", "2", "--jobs", jobs, "--baselines", `${tmp}/warmup.ts`, "--no-report"],
    ];
    const trains = async (jobs: string) => {
      const runs = `${tmp}/j${jobs}/smoke/runs`;
      const ids = [...Deno.readDirSync(runs)].map((e) => e.name).filter((n) => n.startsWith("warmup-")).sort();
      return await Promise.all(ids.map((id) => Deno.readTextFile(`${runs}/${id}/train.jsonl`)));
    };
    await bench(grid("1"));
    await bench(grid("2"));
    const [one, two] = [await trains("1"), await trains("2")];
    assertEquals(one.length, 2);
    assertEquals(one, two);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a --jobs child runs with the bench task's permissions from deno.json, less --allow-run, and only from a parent", async () => {
  const task: string = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks.bench;
  const perms = await benchPermissions();
  assertEquals(perms, task.split(" ").filter((a) => a.startsWith("--allow-")));
  assert(perms.includes("--allow-run") && perms.includes("--allow-ffi"), task);
  const cli = new URL("../harness/cli.ts", import.meta.url).pathname;
  assertEquals(await childArgs("wasm-ort"), ["run", ...perms.filter((p) => p !== "--allow-run"), cli, "cell"]);
  // A native backend's child gets the whole environment and the system (harness/backend/backend.ts NATIVE_PERMISSIONS).
  const native = await childArgs("tensorflow-gpu");
  assertEquals(native.filter((a) => a.startsWith("--allow-env")), ["--allow-env"]);
  assert(native.includes("--allow-sys") && native.includes("--allow-read") && !native.includes("--allow-run"));
  // `cell` started by hand, with no parent to write its cell, says what to run instead.
  const out = await new Deno.Command(Deno.execPath(), {
    args: await childArgs("wasm-ort"),
    stdin: "null",
    stderr: "piped",
  })
    .output();
  assertEquals(out.code, 1);
  assertEquals(
    new TextDecoder().decode(out.stderr),
    "error: cell runs one cell of a --jobs grid from the line its parent writes on stdin; run bench instead\n",
  );
});

Deno.test("a full disk while analyze writes leaves the earlier analysis whole, and says to run it again", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const rows = [0, 1, 2, 3].map((i) => ({
      step: 0,
      prompt: "p",
      completion: `wait \\boxed{${i % 2}}`,
      reward: i % 2,
    }));
    await Deno.writeTextFile(`${tmp}/dump.jsonl`, rows.map((r) => JSON.stringify(r) + "\n").join(""));
    const args = ["analyze", `${tmp}/dump.jsonl`, "--out", `${tmp}/a`, "--mine", "2"];
    await cli(...args);
    const files = async () =>
      new Map(
        await Promise.all(
          (await Array.fromAsync(Deno.readDir(`${tmp}/a`))).filter((e) => e.isFile).map(async (e) =>
            [e.name, await Deno.readTextFile(`${tmp}/a/${e.name}`)] as const
          ),
        ),
      );
    const before = await files();
    const free = fillDiskAt("summary.md", 1);
    const error = await cli(...args).then(() => null, (e) => e as Error);
    free();
    assert(error, "the analysis failed");
    assertMatch(
      errorLine(error, "analyze"),
      /^error: No space left on device \(os error 28\).*: the disk is full; free some space, then run the same command again \(what it writes is moved in whole at the end, so nothing was replaced\)$/,
    );
    assertEquals(await files(), before);
    assert(!(await Deno.stat(`${tmp}/a.next`).catch(() => null)), "no staging folder left");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("list names every task and baseline with its parameters", () => {
  const text = listing();
  for (const name of ["countdown", "shortest_path", "grpo", "placebo_hicra"]) {
    assert(text.includes(`  ${name}: `), name);
  }
  assert(text.includes("hicra.alpha=0.2 hicra.mask=mined"), text);
  assert(text.includes("dr_grpo: ") && text.includes("aggregation dr-grpo"), text);
  assert(text.includes("entropy_reg.stdNormalize=true; aggregation token-mean; an extra loss"), text);
  // The words a task may write, which the vocabulary error points to (its special tokens left out).
  const vocabulary = text.slice(text.indexOf(`\nvocabulary ${TOKENIZER_ID} `) + 1);
  assert(vocabulary.includes("the whole numbers 0..99 and\n  + - * / = ."), vocabulary);
  const words = vocabulary.split("\n").slice(1).flatMap((l) => l.trim().split(" "));
  assertEquals(words, VOCAB.filter((w) => !/^<.+>$/.test(w) && !/^\d+$/.test(w)));
});

Deno.test("list of files loads and checks each as a bench would, without running it", async () => {
  const files = ["./tests/fixtures/outside_baseline.ts", "./tests/fixtures/outside_task.ts"];
  assertEquals(
    await fileListing(files),
    [
      "baseline file ./tests/fixtures/outside_baseline.ts:",
      "  outside_halves: GRPO with the second half of every response at half the advantage",
      "    params outside_halves.factor=0.5; aggregation token-mean; an extra loss",
      "task file ./tests/fixtures/outside_task.ts:",
      "  outside_sum: Add two numbers in one written step (a task file outside the harness)",
      "    levels 1; teacher strategies direct 1",
    ].join("\n"),
  );
  // A broken file is the error a bench would give, before anything runs.
  const tmp = await Deno.makeTempDir();
  try {
    const api = new URL("../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${tmp}/ranged.ts`,
      `import { defineBaseline, grpoAdvantages } from "${api}";\nexport default defineBaseline({ name: "ranged", ` +
        `summary: "s", params: { a: 2 }, ranges: { a: [0, 1] }, advantages: (ctx) => grpoAdvantages(ctx, true) });\n`,
    );
    await Deno.writeTextFile(`${tmp}/other.ts`, "export default { name: 'x' };\n");
    await assertRejects(
      () => fileListing([`${tmp}/ranged.ts`]),
      /has param a = 2 by default, outside its own ranges\.a/,
    );
    await assertRejects(
      () => fileListing([`${tmp}/other.ts`]),
      /other\.ts: its default export is neither a baseline \(advantages\) nor a task \(verify\)$/,
    );
    // A task file's teacher is held to its verifier, and its traces to maxResponseWords, as a bench holds them.
    const task = await Deno.readTextFile("./tests/fixtures/outside_task.ts");
    await Deno.writeTextFile(
      `${tmp}/strict.ts`,
      task.replace("const correct = wellFormed &&", "const correct = false &&"),
    );
    await assertRejects(
      () => fileListing([`${tmp}/strict.ts`]),
      /^Error: task file \S+strict\.ts: verify says not correct to the teacher's trace "so \d+ \+ \d+ = \d+ \. answer : \d+" of "numbers \d+ \+ \d+", which demonstrate marks correct; make verify accept what demonstrate writes/,
    );
    await Deno.writeTextFile(`${tmp}/short.ts`, task.replace("maxResponseWords: 12", "maxResponseWords: 8"));
    // Levels of its own the suite does not draw (the default suite's are 1, 2): said, not dropped unsaid.
    await Deno.writeTextFile(`${tmp}/high.ts`, task.replace("levels: [1],", "levels: [3, 4],"));
    await Deno.writeTextFile(`${tmp}/wide.ts`, task.replace("levels: [1],", "levels: [1, 3],"));
    // Levels the suite's own tasks have and it leaves out (smoke draws level 1 of their 1, 2): no note.
    await Deno.writeTextFile(`${tmp}/both.ts`, task.replace("levels: [1],", "levels: [1, 2],"));
    const notes: string[] = [], error = console.error;
    console.error = (...a: unknown[]) => notes.push(a.join(" "));
    await fileListing(["short", "high", "wide"].map((f) => `${tmp}/${f}.ts`))
      .then(() => checkedTaskFile(`${tmp}/both.ts`, getConfig("smoke")))
      .finally(() => console.error = error);
    const fix = "give the levels it should be drawn at the suite's numbers";
    assertEquals(notes, [
      `note: task file ${tmp}/short.ts: 16 of 16 teacher traces are longer than its maxResponseWords (8 words; the ` +
      "longest 10), where sampling cuts the policy off before it answers; raise maxResponseWords to cover them",
      `note: task file ${tmp}/high.ts has none of the levels the default suite draws its tasks at (1, 2), so it is ` +
      `drawn at its first level, 3, not at 4; ${fix}`,
      `note: task file ${tmp}/wide.ts is not drawn at its level 3: the default suite draws its tasks at levels 1, 2, ` +
      `a task file at those of them it has; ${fix}`,
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run from another folder, the default folders are the project's", async () => {
  const project = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
  const here = Deno.cwd(), tmp = await Deno.makeTempDir();
  Deno.chdir(tmp);
  try {
    await assertRejects(
      () => cli("report", "--suite", "paper"),
      (e: Error) => e.message.startsWith(`${project}/results/paper/runs: no such folder`),
    );
    assertEquals(await Array.fromAsync(Deno.readDir(tmp)), [], "nothing written where it ran");
  } finally {
    Deno.chdir(here);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a method file given from the folder deno task was typed in is pointed to there", async () => {
  const project = new URL("../", import.meta.url).pathname, shell = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${shell}/mine.ts`, "export default {};\n");
    // As `deno task bench` typed in `shell`: it runs in the project folder and sets INIT_CWD to `shell`.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${project}harness/cli.ts`, "bench", "--suite", "smoke", "--baselines", "./mine.ts"],
      cwd: project,
      env: { INIT_CWD: shell },
    }).output();
    assertEquals(out.code, 1);
    assertEquals(
      new TextDecoder().decode(out.stderr).trim(),
      `error: baseline file ./mine.ts not found (looked at ${project}mine.ts); deno task runs in the project folder, ` +
        `not in ${shell}: give it as ${shell}/mine.ts`,
    );
  } finally {
    await Deno.remove(shell, { recursive: true });
  }
});
