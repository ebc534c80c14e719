/**
 * The rollouts of one RL step: a seeded batch of training prompts drawn across the suite's tasks,
 * G samples per prompt from the current policy, each scored by its task's verifier.
 * @module
 */
import type { RolloutEngine } from "./engine.ts";
import type { Rng } from "../core/rng.ts";
import { sample } from "./sampler.ts";
import type { TaskSplits } from "../suite.ts";
import type { Problem, TaskDef, Verdict } from "../../tasks/kit/task.ts";
import { decode, EOS, promptIds } from "../text/tokenizer.ts";

/** A training prompt of one step: its task's splits, the problem and its index in the train stream. */
export interface StepPrompt {
  splits: TaskSplits;
  problem: Problem;
  index: number;
}

/** One sampled response, scored. */
export interface Rollout {
  /** Index of its prompt in the step (rollouts of one prompt form a group). */
  group: number;
  task: TaskDef;
  problem: Problem;
  /** Index of the problem in its task's train stream. */
  index: number;
  /** Prompt token ids, `[BOS, …, SEP]`. */
  prompt: number[];
  /** Response token ids, ending with EOS when `finished`. */
  tokens: number[];
  /** The rollout policy's log-probability of each response token (temperature 1). */
  logp: Float32Array;
  /** Entropy of the rollout policy's full next-token distribution at each response token. */
  entropy: Float32Array;
  /** Whether the response ended with EOS (false: cut at its length limit). */
  finished: boolean;
  /** The response text given to the verifier (EOS excluded). */
  text: string;
  verdict: Verdict;
}

/**
 * The `n` prompts of one step: task `j mod #tasks` for prompt j (every step mixes the tasks evenly,
 * the first tasks first when `n` is not a multiple), each a train problem at an index drawn from `rng`.
 */
export function stepPrompts(splits: readonly TaskSplits[], n: number, rng: Rng): StepPrompt[] {
  return Array.from({ length: n }, (_, j) => {
    const sp = splits[j % splits.length];
    const index = rng.int(2 ** 30);
    return { splits: sp, problem: sp.train(index), index };
  });
}

/** A sampled response, before scoring. */
export type Sampled = Omit<Rollout, "text" | "verdict">;

/** Sample `group` responses to every prompt at `temperature` with `engine`, drawn from `rng`. */
export async function sampleGroups(
  engine: RolloutEngine,
  prompts: readonly StepPrompt[],
  group: number,
  temperature: number,
  rng: Rng,
): Promise<Sampled[]> {
  const rows = prompts.flatMap((p, g) => Array.from({ length: group }, () => ({ ...p, group: g })));
  const ids = rows.map((r) => promptIds(r.problem.prompt));
  const out = await sample(engine, ids, {
    temperature,
    maxNew: rows.map((r) => r.splits.task.maxResponseWords + 1),
    rng,
  });
  return out.map((s, i) => ({
    group: rows[i].group,
    task: rows[i].splits.task,
    problem: rows[i].problem,
    index: rows[i].index,
    prompt: ids[i],
    tokens: s.tokens,
    logp: s.logp,
    entropy: s.entropy,
    finished: s.finished,
  }));
}

/** Score sampled responses with their tasks' verifiers (the text excludes EOS). */
export function score(sampled: readonly Sampled[]): Rollout[] {
  return sampled.map((s) => {
    const text = decode(s.tokens.filter((t) => t !== EOS));
    return { ...s, text, verdict: s.task.verify(s.problem, text) };
  });
}
