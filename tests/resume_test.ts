import { assert, assertEquals } from "./testing.ts";
import { rng } from "../harness/core/rng.ts";
import { benchPermissions } from "../harness/grid/pool.ts";

const CLI = new URL("../harness/cli.ts", import.meta.url).pathname;
const METRICS = ["train.jsonl", "eval.jsonl", "rollouts.jsonl.gz"];

/** The permissions of `deno task bench` (deno.json). */
const PERMISSIONS = await benchPermissions();

/** `deno run … harness/cli.ts bench` of one smoke cell into `out`, as a child process. */
function child(cache: string, out: string, resume: boolean): Deno.ChildProcess {
  const args = [
    "run",
    ...PERMISSIONS,
    CLI,
    "bench",
    ...["--suite", "smoke", "--baselines", "hicra", "--seeds", "1", "--steps", "12", "--no-report"],
    ...["--cache", cache, "--out", out, ...(resume ? ["--resume"] : [])],
  ];
  return new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" }).spawn();
}

/** Lines of the run's train.jsonl under `out` (0 before it exists). */
async function trainLines(out: string): Promise<number> {
  const runs = `${out}/smoke/runs`;
  try {
    for await (const e of Deno.readDir(runs)) {
      if (e.name.startsWith("hicra-")) {
        return (await Deno.readTextFile(`${runs}/${e.name}/train.jsonl`)).split("\n").length - 1;
      }
    }
  } catch {
    // not created yet
  }
  return 0;
}

/** The one run folder under `out`. */
async function runFolder(out: string): Promise<string> {
  const runs = `${out}/smoke/runs`;
  const id = (await Array.fromAsync(Deno.readDir(runs))).map((e) => e.name).find((n) => n.startsWith("hicra-"));
  return `${runs}/${id}`;
}

/** The metric files of the one run folder under `out`. */
async function metrics(out: string): Promise<Uint8Array[]> {
  const dir = await runFolder(out);
  return await Promise.all(METRICS.map((f) => Deno.readFile(`${dir}/${f}`)));
}

Deno.test({
  name: "a run stopped (SIGTERM, Ctrl-C) or killed (SIGKILL) at seeded random moments and resumed ends with the " +
    "bytes of an uninterrupted run",
  permissions: { read: true, write: true, run: true, env: ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"] },
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    const whole = await child(`${tmp}/cache`, `${tmp}/whole`, false).output();
    assert(whole.success, new TextDecoder().decode(whole.stderr));
    // SIGTERM, then Ctrl-C (SIGINT): the run stops at the end of its step, says how to go on and is
    // marked stopped; --resume goes on from there.
    for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
      const before = await trainLines(`${tmp}/cut`);
      const p = child(`${tmp}/cache`, `${tmp}/cut`, signal === "SIGINT");
      while ((await trainLines(`${tmp}/cut`)) <= before) await new Promise((r) => setTimeout(r, 10));
      p.kill(signal);
      const out = await p.output();
      const message = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, code, message);
      assert(
        new RegExp(`stopped by ${signal} after step \\d+ of 12 of hicra seed 1; run the same command with --resume`)
          .test(message),
        message,
      );
      const manifest = JSON.parse(await Deno.readTextFile(`${await runFolder(`${tmp}/cut`)}/manifest.json`));
      assertEquals([manifest.status, manifest.error], ["stopped", /stopped by .*/.exec(message)![0]]);
    }
    // Kill points: after a seeded number of train.jsonl lines (steps 2–11 of 12, increasing), plus a seeded
    // delay of 0–150 ms, so a kill lands anywhere in a step: sampling, update, file writes or checkpoint.
    const draws = rng(7, "kill-points");
    const points = [2 + draws.int(3), 5 + draws.int(3), 8 + draws.int(4)];
    for (const lines of points) {
      const p = child(`${tmp}/cache`, `${tmp}/cut`, true);
      while ((await trainLines(`${tmp}/cut`)) < lines) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, draws.int(150)));
      p.kill("SIGKILL");
      assert(!(await p.status).success, `the run ended before its kill after ${lines} steps`);
    }
    const last = await child(`${tmp}/cache`, `${tmp}/cut`, true).output();
    assert(last.success, new TextDecoder().decode(last.stderr));
    assertEquals(await metrics(`${tmp}/cut`), await metrics(`${tmp}/whole`));
    await Deno.remove(tmp, { recursive: true });
  },
});

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  Deno.test({
    name: `stopping a --jobs grid (${signal}) stops its runs too` +
      (signal === "SIGTERM" ? " and says how to continue them" : " (they watch a pipe from it)"),
    ignore: Deno.build.os === "windows",
    permissions: { read: true, write: true, run: true, env: ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"] },
    fn: async () => {
      const tmp = await Deno.makeTempDir();
      const args = [
        "run",
        ...PERMISSIONS,
        CLI,
        "bench",
        ...["--suite", "smoke", "--baselines", "grpo,hicra", "--seeds", "1", "--steps", "500", "--jobs", "2"],
        ...["--threads", "1", "--cache", `${tmp}/cache`, "--out", tmp],
      ];
      const parent = new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" }).spawn();
      const lines = async () => {
        const runs = await Array.fromAsync(Deno.readDir(`${tmp}/smoke/runs`)).catch(() => []);
        const counts = await Promise.all(
          runs.filter((e) => e.isDirectory && !e.name.startsWith("base-")).map((e) =>
            Deno.readTextFile(`${tmp}/smoke/runs/${e.name}/train.jsonl`).then((t) => t.split("\n").length - 1, () => 0)
          ),
        );
        return counts.length === 2 ? counts : [0, 0];
      };
      while (Math.min(...await lines()) < 2) await new Promise((r) => setTimeout(r, 20));
      parent.kill(signal);
      const { code, stderr } = await parent.output();
      assertEquals(code, signal === "SIGTERM" ? 143 : 137);
      if (signal === "SIGTERM") {
        const message = new TextDecoder().decode(stderr);
        assert(/stopped by SIGTERM: 2 run\(s\) interrupted; run the same command with --resume/.test(message), message);
      }
      await new Promise((r) => setTimeout(r, 500));
      const before = await lines();
      await new Promise((r) => setTimeout(r, 1500));
      assertEquals(await lines(), before, "no run goes on after its grid stopped");
      await Deno.remove(tmp, { recursive: true });
    },
  });
}
