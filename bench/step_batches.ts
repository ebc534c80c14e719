/**
 * The batches `deno task perf` times and `bench/profile_step.ts` profiles, on the default suite's data:
 * its SFT batch, an RL step's rows as teacher traces standing in for rollouts (32 prompts × 8), cut into
 * two mini-batches sorted by length as the update sorts them, and the same RL step's sampling shape.
 * @module
 */
import type { BenchConfig } from "../harness/config.ts";
import { rng } from "../harness/core/rng.ts";
import { stepPrompts } from "../harness/rollout/rollouts.ts";
import { sftBatch } from "../harness/loop/sft.ts";
import { trainSplits } from "../harness/suite.ts";
import { extent, type Row } from "../harness/update/rl_update.ts";
import { byLength } from "../harness/model/length_chunks.ts";
import { encode, EOS, promptIds } from "../harness/text/tokenizer.ts";

/** The SFT batch of `cfg`, and `update(rows)`: two mini-batches of `rows` of its RL step's teacher traces. */
export function stepBatches(cfg: BenchConfig): {
  sft: ReturnType<typeof sftBatch>;
  update: (rows: number) => Row[][];
} {
  const splits = trainSplits(cfg);
  const traces: Row[] = stepProblems(cfg, splits).flatMap((p, i) =>
    Array.from({ length: cfg.rl.group }, (_, j) => ({
      prompt: promptIds(p.problem.prompt),
      tokens: [...encode(p.splits.task.demonstrate(p.problem, rng(i, "perf-trace", j), cfg.sft.style).words), EOS],
    }))
  );
  return {
    sft: sftBatch(splits, cfg.sft, 1, 0),
    update: (rows) =>
      [traces.slice(0, rows), traces.slice(rows, 2 * rows)].map((b) => byLength(b.map(extent)).map((i) => b[i])),
  };
}

/** The sampling of an RL step of `cfg` (each prompt `group` times): the prompts' ids and each row's new-token cap. */
export function stepSampling(cfg: BenchConfig): { prompts: number[][]; maxNew: number[] } {
  const rows = stepProblems(cfg, trainSplits(cfg)).flatMap((p) => Array.from({ length: cfg.rl.group }, () => p));
  return {
    prompts: rows.map((p) => promptIds(p.problem.prompt)),
    maxNew: rows.map((p) => p.splits.task.maxResponseWords + 1),
  };
}

/** The prompts of an RL step of `cfg` drawn from its training `splits`, each once. */
function stepProblems(cfg: BenchConfig, splits: ReturnType<typeof trainSplits>) {
  return stepPrompts(splits, cfg.rl.prompts, rng(0, "perf-prompts"));
}
