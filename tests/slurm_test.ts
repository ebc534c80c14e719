/**
 * `bench --launcher slurm` (harness/grid/slurm.ts): its scripts, its bad input, and on a real cluster
 * (deploy/slurm/start.sh, which `.ci/run` starts) the smoke grid through the launcher, one cell task requeued
 * while it runs, ending with the bytes of a local `deno task bench --suite smoke`.
 * @module
 */
import { assert, assertEquals, assertMatch } from "./testing.ts";
import { sha256 } from "../harness/core/atomic.ts";

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

/** A Slurm command's stdout (it must succeed). */
async function slurm(command: string, ...args: string[]): Promise<string> {
  const o = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  assert(o.success, `${command} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  return new TextDecoder().decode(o.stdout).trim();
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
    const common = ["--suite", "smoke", "--baselines", "grpo", "--seeds", "1", "--out", tmp, "--cache", `${tmp}/c`];
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
    assertMatch(dry.out, /--dependency=afterok:\$CELLS \S+\/end\.sh/);
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
    // No sbatch on PATH: one line that says where the launcher runs, and nothing is written.
    const none = await bench([...common, "--launcher=slurm"], { PATH: "/nonexistent" });
    assertEquals(none.code, 1, none.err);
    assertMatch(none.err.trim(), /^error: sbatch not found: --launcher slurm runs where Slurm's commands are/);
    assertEquals(await Deno.stat(`${tmp}/smoke/slurm`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test({
  name: "--launcher slurm: the smoke grid on a one-node Slurm, a cell requeued while it runs, equals a local bench " +
    "byte for byte (ignored without a Slurm cluster: deploy/slurm/start.sh)",
  ignore: !slurmReady(),
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const t0 = performance.now();
      const launched = await bench([
        "--suite",
        "smoke",
        "--launcher",
        "slurm",
        "--out",
        `${tmp}/slurm`,
        "--cache",
        `${tmp}/c1`,
      ]);
      assertEquals(launched.code, 0, launched.err);
      const [base, cells, end] = ["base model and grams: job", "job array", "the report: job"].map((k) =>
        launched.out.match(new RegExp(`${k} (\\d+)`))![1]
      );
      // A second launch on the same folder is refused while the first one's jobs are queued.
      const again = await bench([
        "--suite",
        "smoke",
        "--launcher",
        "slurm",
        "--out",
        `${tmp}/slurm`,
        "--cache",
        `${tmp}/c1`,
      ]);
      assertEquals(again.code, 1);
      assertMatch(
        again.err.trim(),
        /^error: (job\(s\) .* of an earlier launch on .* are still queued or running|another credit-bench process)/,
      );
      // Requeue cell 5's task once its run has made a step: it continues from its checkpoint.
      const manifest = JSON.parse(await Deno.readTextFile(`${tmp}/slurm/smoke/slurm/grid.json`));
      const dir: string = manifest.cells[5].dir;
      let requeued = false;
      while ((await slurm("squeue", "-h", "-o", "%i", "-j", [base, cells, end].join(","))).length) {
        if (!requeued) {
          const steps = await Deno.readTextFile(`${dir}/train.jsonl`).then((t) => t.split("\n").length - 1, () => 0);
          const state = await Deno.readTextFile(`${dir}/manifest.json`).then((t) => JSON.parse(t).status, () => null);
          if (steps >= 1 && state === "running") {
            await slurm("scontrol", "requeue", `${cells}_5`);
            requeued = true;
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const seconds = (performance.now() - t0) / 1000;
      assert(requeued, "cell 5 was never seen running");
      const log = await Deno.readTextFile(`${tmp}/slurm/smoke/slurm/logs/cell-5.log`);
      assertMatch(log, /continuing \S+ \(cell 5 of 26\)/);
      assert(
        await Deno.stat(`${tmp}/slurm/smoke/index.html`).then(() => true, () => false),
        "the end job wrote the report",
      );
      console.error(`the smoke grid through Slurm took ${seconds.toFixed(0)} s`);
      const local = await bench(["--suite", "smoke", "--out", `${tmp}/local`, "--cache", `${tmp}/c2`, "--no-report"]);
      assertEquals(local.code, 0, local.err);
      const [a, b] = [await runHashes(`${tmp}/slurm/smoke/runs`), await runHashes(`${tmp}/local/smoke/runs`)];
      assertEquals(Object.keys(a).length, 26 * COMPARED.length);
      assertEquals(a, b);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
