/**
 * `bench --launcher slurm` (harness/grid/slurm.ts): its scripts, its bad input, and on a real cluster
 * (deploy/slurm/start.sh, which `.ci/run` starts) the smoke grid through the launcher, one cell task killed
 * with scancel and requeued while it runs, ending with the bytes of a local `deno task bench --suite smoke`.
 * @module
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./testing.ts";
import { sha256 } from "../harness/core/atomic.ts";
import { benchSpec } from "../harness/bench.ts";
import { planManifest, writeManifestFile } from "../harness/grid/grid_manifest.ts";
import { runBaseJob, runCellJob, runEndJob } from "../harness/grid/manifest_jobs.ts";

const ROOT = new URL("../", import.meta.url);
/** The run files that must be byte-identical between the Slurm grid and the local one. */
const COMPARED = ["train.jsonl", "eval.jsonl", "rollouts.jsonl.gz", "policy.onnx"];

/** Whether a Slurm cluster answers here (`sinfo` runs and shows a node up), as this test process may run it. */
function slurmReady(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "run", command: "sinfo" }).state !== "granted") return false;
    const o = new Deno.Command("sinfo", { args: ["-h", "-o", "%T"], stdout: "piped", stderr: "null" }).outputSync();
    return o.success && /idle|mixed|allocated/.test(new TextDecoder().decode(o.stdout));
  } catch {
    return false;
  }
}

/** Run `deno task bench` with `args` (and `env` besides this process's); its status, stdout and stderr. */
async function bench(args: string[], env?: Record<string, string>) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "bench", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: o.code, out: text(o.stdout), err: text(o.stderr) };
}

/** A command's stdout (Slurm's, or `id`; it must succeed). */
async function slurm(command: string, ...args: string[]): Promise<string> {
  const o = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  assert(o.success, `${command} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  return new TextDecoder().decode(o.stdout).trim();
}

/** The base job's, the cells' array's and the end job's ids, as the launcher prints them. */
function launchedJobs(printed: string): string[] {
  return ["base model and grams: job", "job array", "the report: job"].map((k) =>
    printed.match(new RegExp(`${k} (\\d+)`))![1]
  );
}

/** SHA-256 of every compared file of every run under `runs`, by run folder and file. */
async function runHashes(runs: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(runs)) {
    if (!e.isDirectory || e.name.startsWith("base-")) continue;
    for (const f of COMPARED) out[`${e.name}/${f}`] = await sha256(await Deno.readFile(`${runs}/${e.name}/${f}`));
  }
  return out;
}

Deno.test("--launcher slurm: --dry-run prints the three scripts; bad input is one line, exit 1", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const grid = ["--suite", "smoke", "--baselines", "grpo", "--seeds", "1", "--cache", `${tmp}/c`];
    const common = [...grid, "--out", tmp];
    const dry = await bench([
      ...common,
      "--launcher=slurm",
      "--dry-run",
      "--jobs=3",
      "--partition=cpu",
      "--time=0:30:00",
      "--mem=2G",
      "--sbatch=--qos=low",
      "--setup=module load deno",
    ]);
    assertEquals(dry.code, 0, dry.err);
    for (
      const line of ["#SBATCH --array=0-0%3", "#SBATCH --partition=cpu", "#SBATCH --time=0:30:00", "#SBATCH --qos=low"]
    ) {
      assert(dry.out.includes(line), `no ${line} in\n${dry.out}`);
    }
    assert(dry.out.includes("module load deno\ncd "));
    assertMatch(dry.out, /cell --grid \S+\/smoke\/slurm\/grid\.json --index "\$SLURM_ARRAY_TASK_ID"/);
    // The commands it would submit, as submitted: a failed dependency cancels the job.
    assertMatch(
      dry.out,
      /\nCELLS=\$\(sbatch --parsable --dependency=afterok:\$BASE --kill-on-invalid-dep=yes \S+\/cells\.sh\)\n/,
    );
    assertMatch(dry.out, /\nsbatch --parsable --dependency=afterany:\$CELLS --kill-on-invalid-dep=yes \S+\/end\.sh\n/);
    assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name), [], "a dry run writes nothing, not even a lock");
    for (
      const [args, message] of [
        [["--partition=cpu"], /--partition is an option of --launcher slurm/],
        [["--launcher=slurm", "--time=soon"], /--time.*must be a time limit as sbatch takes it/],
        [["--launcher=slurm", "--mem=lots"], /--mem.*must be a memory size/],
        [["--launcher=slurm", "--partition=a b"], /--partition.*must be a partition name/],
      ] as const
    ) {
      const r = await bench([...common, ...args]);
      assertEquals(r.code, 1, r.err);
      assertMatch(r.err.trim(), message);
      assertEquals(r.err.trim().split("\n").length <= 2, true, r.err); // the error, and commander's hint
    }
    // An --out with a blank, a # and a %: each log path quoted as sbatch's parser reads it; a " is refused.
    const odd = await bench([...grid, "--out", `${tmp}/out #1 50%`, "--launcher=slurm", "--dry-run"]);
    assertEquals(odd.code, 0, odd.err);
    assert(odd.out.includes(`#SBATCH --output="${tmp}/out #1 50%%/smoke/slurm/logs/cell-%A_%a.log"\n`), odd.out);
    const quote = await bench([...grid, "--out", `${tmp}/a"b`, "--launcher=slurm", "--dry-run"]);
    assertEquals(quote.code, 1, quote.err);
    assertMatch(quote.err.trim(), /^error: ".*a\\"b\/smoke\/slurm\/logs" cannot be written in an #SBATCH line/);
    // No sbatch on PATH: one line that says where the launcher runs, and nothing is written.
    const none = await bench([...common, "--launcher=slurm"], { PATH: "/nonexistent" });
    assertEquals(none.code, 1, none.err);
    assertMatch(none.err.trim(), /^error: sbatch not found: --launcher slurm runs where Slurm's commands are/);
    assertEquals(await Deno.stat(`${tmp}/smoke/slurm`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a grid manifest's jobs: a cell index out of range, and an end job before its cells, are refused; leftovers cleared", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const spec = await benchSpec({ suite: "smoke", baselines: ["grpo"], seeds: [1], out: tmp, cache: `${tmp}/c` });
    const path = `${tmp}/grid.json`;
    await writeManifestFile(path, await planManifest(spec, 1));
    await assertRejects(() => runCellJob(path, 1), /grid\.json has no cell 1: its cells are 0 to 0/);
    await assertRejects(
      () => runEndJob(path),
      /^Error: 1 of 1 cell\(s\) did not finish: 0 \(grpo-s1-\w+, not started\); see .*\/smoke\/slurm\/logs\/cell-<array job>_<index>\.log, then launch the grid again with --resume/,
    );
    await assertRejects(() => runEndJob(`${tmp}/none.json`), /cannot read the grid manifest .*none\.json/);
    // What a killed writer left is cleared by the base job (as by the end job and a local bench), under its lock.
    const ended = new Deno.Command("true").spawn();
    await ended.status;
    await Deno.mkdir(`${tmp}/smoke/runs`, { recursive: true });
    await Deno.writeTextFile(`${tmp}/smoke/runs/.write-probe-${ended.pid}`, "");
    await runBaseJob(path);
    assertEquals(await Deno.stat(`${tmp}/smoke/runs/.write-probe-${ended.pid}`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test({
  name:
    "--launcher slurm: on a one-node Slurm, a launch whose jobs cannot write --out fails writing nothing; the smoke grid, a " +
    "cell task killed with scancel and requeued, equals a local bench " +
    "byte for byte (ignored without a Slurm cluster: deploy/slurm/start.sh)",
  ignore: !slurmReady(),
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    let jobs: string[] = [];
    try {
      // An --out with a blank, a # and a % (each must reach sbatch's log paths as it is).
      const out = `${tmp}/slurm out #1 50%`;
      const launch = ["--suite", "smoke", "--launcher", "slurm", "--out", out, "--cache", `${tmp}/c1`];
      // A partition that does not exist: sbatch's own message, one line, and nothing submitted.
      const nope = await bench([...launch, "--partition=nope"]);
      assertEquals(nope.code, 1, nope.err);
      assertMatch(
        nope.err.trim(),
        /^error: sbatch refused the base job: sbatch: error: invalid partition specified: nope/,
      );
      // An --out the jobs cannot write (they run as nobody; root only may submit so): the base job fails before
      // its log opens, the array is cancelled, the end job fails, nothing is written, and the folder can be
      // launched again (docs/slurm.md, "Faults and recovery").
      if ((await slurm("id", "-u")) === "0") {
        const denied = await bench([...launch, "--sbatch=--uid=nobody"]);
        assertEquals(denied.code, 0, denied.err);
        const ids = launchedJobs(denied.out);
        while ((await slurm("squeue", "-h", "-o", "%i", "-j", ids.join(","))).length) {
          await new Promise((r) => setTimeout(r, 200));
        }
        const states = await Promise.all(
          ids.map(async (id) => (await slurm("scontrol", "show", "job", id)).match(/JobState=(\w+)/)![1]),
        );
        assertEquals(states, ["FAILED", "CANCELLED", "FAILED"]);
        const written = [];
        for await (const e of Deno.readDir(`${out}/smoke/runs`)) if (!e.name.startsWith(".")) written.push(e.name);
        assertEquals(written, []);
      }
      const t0 = performance.now();
      const launched = await bench(launch);
      assertEquals(launched.code, 0, launched.err);
      const [base, cells, end] = launchedJobs(launched.out);
      jobs = [base, cells, end];
      // A second launch on the same folder is refused while the first one's jobs are queued.
      const again = await bench(launch);
      assertEquals(again.code, 1);
      assertMatch(
        again.err.trim(),
        /^error: job\(s\) [\d, ]+ of an earlier launch on .+ are still queued or running; wait for them/,
      );
      // Kill cell 5's task once its run has made a step and requeue it: it continues from its checkpoint.
      const manifest = JSON.parse(await Deno.readTextFile(`${out}/smoke/slurm/grid.json`));
      const dir: string = manifest.cells[5].dir;
      let requeued = false;
      while ((await slurm("squeue", "-h", "-o", "%i", "-j", [base, cells, end].join(","))).length) {
        if (!requeued) {
          const steps = await Deno.readTextFile(`${dir}/train.jsonl`).then((t) => t.split("\n").length - 1, () => 0);
          const state = await Deno.readTextFile(`${dir}/manifest.json`).then((t) => JSON.parse(t).status, () => null);
          if (steps >= 1 && state === "running") {
            // Killed with scancel, requeued, and let start at once (Slurm holds a requeued job for a while).
            await slurm("scancel", `${cells}_5`);
            await slurm("scontrol", "requeue", `${cells}_5`);
            await slurm("scontrol", "update", `JobId=${cells}_5`, "StartTime=now");
            requeued = true;
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const seconds = (performance.now() - t0) / 1000;
      assert(requeued, "cell 5 was never seen running");
      const log = await Deno.readTextFile(`${out}/smoke/slurm/logs/cell-${cells}_5.log`);
      assertMatch(log, /continuing \S+ \(cell 5 of 26\)/);
      assert(
        await Deno.stat(`${out}/smoke/index.html`).then(() => true, () => false),
        "the end job wrote the report",
      );
      console.error(`the smoke grid through Slurm took ${seconds.toFixed(0)} s`);
      const local = await bench(["--suite", "smoke", "--out", `${tmp}/local`, "--cache", `${tmp}/c2`, "--no-report"]);
      assertEquals(local.code, 0, local.err);
      const [a, b] = [await runHashes(`${out}/smoke/runs`), await runHashes(`${tmp}/local/smoke/runs`)];
      assertEquals(Object.keys(a).length, 26 * COMPARED.length);
      assertEquals(a, b);
    } finally {
      if (jobs.length) await new Deno.Command("scancel", { args: jobs }).output(); // after a failure: none left running
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
