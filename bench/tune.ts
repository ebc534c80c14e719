/**
 * Tuning runs: settings are chosen here, on the validation split and development seeds, never on the
 * test split or the seeds a suite reports. A suite's configuration is patched by `--set path=json`
 * (repeatable), its base model built or loaded from `.cache`, evaluated on the validation split, then
 * one baseline is trained on one development seed with its evaluations on the validation split; a line
 * every 10 steps and the evaluations are printed, and the run folder is kept under `--out`.
 *
 *     deno run -A bench/tune.ts --set sft.steps=3000 --set rl.lr=1e-4 --seed 101 --tag lr1e-4
 *     deno run -A bench/tune.ts --set sft.style.check=0.2 --base-only
 *
 * Options: `--suite NAME` (default `default`), `--set path=json`, `--baseline NAME|PATH` (grpo),
 * `--seed N` (101), `--tag NAME`, `--out DIR` (`/tmp/tune`), `--problems N` (100) and `--samples N` (4)
 * per task for the evaluations, `--base-only`.
 * @module
 */
import { DEFAULT_BACKEND, useBackend } from "../harness/backend/backend.ts";
import { type BenchConfig, getConfig } from "../harness/config.ts";
import { baseModel } from "../harness/loop/sft.ts";
import { trainSplits } from "../harness/suite.ts";
import { createEngine } from "../harness/rollout/create_engine.ts";
import { evaluate } from "../harness/loop/evaluate.ts";
import { loadCheckpoint } from "../harness/model/checkpoint.ts";
import { mineGrams, planningMasks } from "../harness/masks/planning_masks.ts";
import { runRl } from "../harness/loop/rl.ts";
import { loadBaseline } from "../baselines/mod.ts";
import { resolveParams } from "../harness/credit/params.ts";
import type { StepRecord, TaskEvalRecord } from "../harness/store/schema.ts";
import { mean } from "../harness/metrics/stats.ts";

const OPTIONS = ["--suite", "--set", "--baseline", "--seed", "--tag", "--out", "--problems", "--samples"];

/** Stop with a one-line message. */
function fail(message: string): never {
  console.error(`tune: ${message}`);
  Deno.exit(1);
}

/** The options given: each value option once (but `--set`, repeatable), and the flags. */
function parse(args: readonly string[]): { values: Map<string, string[]>; baseOnly: boolean } {
  const values = new Map<string, string[]>();
  let baseOnly = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--base-only") baseOnly = true;
    else if (OPTIONS.includes(args[i]) && i + 1 < args.length) {
      values.set(args[i], [...values.get(args[i]) ?? [], args[++i]]);
    } else fail(`unknown or incomplete option ${JSON.stringify(args[i])}; options: ${OPTIONS.join(", ")}, --base-only`);
  }
  return { values, baseOnly };
}

/** Set `cfg`'s field at a dotted path (which must exist) to a JSON value. */
function patch(cfg: BenchConfig, assignment: string): void {
  const at = assignment.indexOf("=");
  if (at < 0) fail(`--set ${assignment}: write path=json, e.g. rl.lr=1e-4`);
  const keys = assignment.slice(0, at).split(".");
  let value: unknown;
  try {
    value = JSON.parse(assignment.slice(at + 1));
  } catch {
    fail(`--set ${assignment}: the value is not JSON (quote strings: sft.style.strategies={"search":1})`);
  }
  let o = cfg as unknown as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) fail(`--set ${assignment}: ${k} is not a section of the config`);
    o = o[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  // A style's optional fields (check, strategies) may be absent; every other field must exist.
  if (!(last in o) && keys.at(-2) !== "style") fail(`--set ${assignment}: the config has no ${keys.join(".")}`);
  o[last] = value;
}

/** A number option, a positive integer. */
function count(values: Map<string, string[]>, name: string, fallback: number): number {
  const text = values.get(name)?.[0];
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) fail(`${name} ${text}: give a positive integer`);
  return Number(text);
}

/** One line of an evaluation: the mean pass@1 over tasks, then per task pass@1 / greedy, length and aha. */
function evalLine(evals: readonly TaskEvalRecord[]): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  return `mean ${pct(mean(evals.map((e) => e.pass1)))} | ` +
    evals.map((e) =>
      `${e.task} ${pct(e.pass1)}/${pct(e.greedy)} wf ${pct(e.wellFormed)} len ${e.length.mean.toFixed(1)} aha ${
        pct(e.aha.frequency)
      } exec ${pct(e.errors.execution)} plan ${pct(e.errors.planning)}`
    ).join(" | ");
}

/** A training step in one line. */
function stepLine(l: StepRecord): string {
  return `step ${l.step} reward ${l.reward.toFixed(3)} zeroStd ${
    l.fracRewardZeroStd.toFixed(2)
  } used ${l.groupsUsed}/${l.groupsSampled} ` +
    `kl ${l.kl?.toFixed(4)} len ${l.length.mean.toFixed(1)} H ${l.masks.oracle.entropy.all.toFixed(3)} ` +
    `mined P/R ${l.minedVsOracle.precision.toFixed(2)}/${l.minedVsOracle.recall.toFixed(2)} aha ${l.aha.toFixed(3)}`;
}

const { values, baseOnly } = parse(Deno.args);
const suite = values.get("--suite")?.[0] ?? "default";
let cfg: BenchConfig;
try {
  cfg = getConfig(suite);
} catch (e) {
  fail((e as Error).message);
}
for (const a of values.get("--set") ?? []) patch(cfg, a);
cfg.eval = { ...cfg.eval, problems: count(values, "--problems", 100), samples: count(values, "--samples", 4) };
const seed = count(values, "--seed", 101);
const baseline = await loadBaseline(values.get("--baseline")?.[0] ?? "grpo").catch((e) => fail(e.message));

await useBackend(DEFAULT_BACKEND);
const built = await baseModel(cfg, cfg.baseSeeds[0], { cacheDir: ".cache", backend: DEFAULT_BACKEND });
console.log(`base model ${built.dir} (${built.cached ? "cached" : "built"})`);
const splits = trainSplits(cfg);
const engine = await createEngine("onnx", built.policy);
const basePath = `${built.dir}/validation-${cfg.eval.problems}x${cfg.eval.samples}.json`;
const baseEval: TaskEvalRecord[] = await Deno.readTextFile(basePath).then(JSON.parse).catch(async () => {
  const evals = await evaluate(engine, splits, cfg.eval, 0, undefined, "validation");
  await Deno.writeTextFile(basePath, JSON.stringify(evals));
  return evals;
});
console.log(`base  ${evalLine(baseEval)}`);
if (baseOnly) {
  await engine.dispose();
  Deno.exit(0);
}
const grams = await mineGrams(cfg, engine, splits, cfg.baseSeeds[0]);
await engine.dispose();
built.policy.dispose();
const dir = `${values.get("--out")?.[0] ?? "/tmp/tune"}/${values.get("--tag")?.[0] ?? "run"}-${baseline.name}-s${seed}`;
await Deno.remove(dir, { recursive: true }).catch(() => {});
const t0 = performance.now();
await runRl({
  cfg,
  baseline,
  params: resolveParams(baseline, {}),
  seed,
  policy: await loadCheckpoint(built.dir, cfg.model),
  ref: await loadCheckpoint(built.dir, cfg.model),
  splits,
  grams,
  dir,
  masks: planningMasks(grams).maker(seed),
  evalSplit: "validation",
  onStep: (l) => l.step % 10 === 0 && console.log(stepLine(l)),
});
for (const line of (await Deno.readTextFile(`${dir}/eval.jsonl`)).trim().split("\n")) {
  const r = JSON.parse(line);
  console.log(`step ${r.step} ${evalLine(r.evals)}`);
}
console.log(`RL ${((performance.now() - t0) / 1000).toFixed(0)} s; run folder ${dir}`);
