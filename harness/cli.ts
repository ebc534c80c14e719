/**
 * The command line (`deno task bench`). Until the RL loop lands, `bench` builds (or loads) the base
 * model of the chosen suite and prints its per-task accuracy on the test splits.
 * @module
 */
import { Command, InvalidArgumentError } from "commander";
import { BACKENDS, useBackend } from "./backend.ts";
import { CONFIGS, getConfig } from "./config.ts";
import { baseModel, trainSplits } from "./sft.ts";
import { evaluate, type TaskEval } from "./evaluate.ts";
import { Progress } from "./progress.ts";
import { writeAtomic } from "./atomic.ts";

function seedList(text: string): number[] {
  const seeds = text.split(",").map((s) => s.trim());
  if (seeds.some((s) => !/^\d+$/.test(s))) {
    throw new InvalidArgumentError(`seeds must be non-negative integers separated by commas, e.g. 1,2,3`);
  }
  return seeds.map(Number);
}

/** The base model's evaluation as a Markdown table. */
export function baseTable(evals: TaskEval[]): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  const rows = evals.map((e) =>
    `| ${e.task} | ${pct(e.pass1)} | ${pct(e.wellFormed)} | ${e.meanLength.toFixed(1)} | ${pct(e.errors.execution)} | ${
      pct(e.errors.planning)
    } | ${pct(e.errors.format)} |`
  );
  return [
    "| task | pass@1 % | well-formed % | mean length | execution errors % | planning errors % | format errors % |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

async function bench(opts: { suite: string; backend: string; seeds?: number[]; cache: string; out: string }) {
  const cfg = getConfig(opts.suite);
  const backend = await useBackend(opts.backend);
  const seeds = opts.seeds ?? cfg.baseSeeds;
  const report: string[] = [];
  for (const seed of seeds) {
    const bar = new Progress(`base model ${cfg.suite.name} seed ${seed}`, cfg.sft.steps);
    const t0 = performance.now();
    const base = await baseModel(cfg, seed, {
      cacheDir: opts.cache,
      backend,
      onStep: (s) => bar.update(s.step + 1, `loss ${s.loss.toFixed(3)}`),
    });
    bar.done();
    const buildSeconds = (performance.now() - t0) / 1000;
    console.error(
      `${base.cached ? "loaded" : "trained"} ${base.dir} (${
        buildSeconds.toFixed(1)
      } s, ${base.policy.size} parameters)`,
    );
    const t1 = performance.now();
    const evalBar = new Progress("evaluation", 1);
    const evals = evaluate(base.policy, trainSplits(cfg), cfg.eval, seed, (done, total) => {
      evalBar.total = total;
      evalBar.update(done);
    });
    evalBar.done();
    const evalSeconds = (performance.now() - t1) / 1000;
    base.policy.dispose();
    const table = baseTable(evals);
    console.log(
      `\nBase model, suite ${cfg.suite.name}, seed ${seed}, backend ${backend}: ${cfg.eval.samples} samples at ` +
        `temperature ${cfg.eval.temperature} on ${cfg.eval.problems} test problems per task\n\n${table}\n`,
    );
    console.error(`evaluation took ${evalSeconds.toFixed(1)} s`);
    report.push(`## Seed ${seed}\n\n${table}\n`);
    const dir = `${opts.out}/${cfg.suite.name}`;
    await Deno.mkdir(dir, { recursive: true });
    await writeAtomic(
      `${dir}/base_model_s${seed}.json`,
      JSON.stringify({ suite: cfg.suite.name, seed, backend, evals }, null, 2) + "\n",
    );
  }
  const dir = `${opts.out}/${cfg.suite.name}`;
  await writeAtomic(
    `${dir}/base_model.md`,
    `# Base model accuracy, suite ${cfg.suite.name} (backend ${backend})\n\nMade by \`deno task bench --suite ${cfg.suite.name}\`.\n\n${
      report.join("\n")
    }`,
  );
}

/** The credit-bench command line. */
export function program(): Command {
  const cmd = new Command("credit-bench").description("Reproducible RL-for-reasoning benchmark harness")
    .showHelpAfterError();
  cmd.command("bench")
    .description("build the base model of a suite (cached) and evaluate it on every task's test split")
    .option("--suite <name>", `bench configuration: ${Object.keys(CONFIGS).join(", ")}`, "default")
    .option("--backend <name>", `tfjs backend: ${BACKENDS.join(", ")}`, "wasm")
    .option("--seeds <list>", "base-model seeds, comma-separated (default: the suite's)", seedList)
    .option("--cache <dir>", "where base models are cached", ".cache")
    .option("--out <dir>", "where results are written", "results")
    .action(bench);
  return cmd;
}

if (import.meta.main) {
  try {
    await program().parseAsync(Deno.args, { from: "user" });
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
