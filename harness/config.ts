/**
 * The named bench configurations (`--suite smoke|default`): the task suite, the policy's shape, how
 * the base model is trained, and how it is evaluated.
 * @module
 */
import type { SuiteConfig } from "./suite.ts";
import type { ModelConfig } from "./model.ts";
import { DEFAULT_STYLE, type Style } from "./task.ts";
import { VOCAB_SIZE } from "./tokenizer.ts";

/** Supervised training of the base model on teacher traces. */
export interface SftConfig {
  /** Optimisation steps. */
  steps: number;
  /** Sequences per step (the tasks interleaved). */
  batchSize: number;
  /** Peak learning rate (linear warm-up, then cosine decay to `lr·minLrRatio`). */
  lr: number;
  /** Warm-up steps. */
  warmup: number;
  /** Final learning rate as a share of the peak. */
  minLrRatio: number;
  /** Global gradient-norm clip. */
  clip: number;
  /** How the teacher writes. */
  style: Style;
}

/** Evaluation on each task's fixed test split. */
export interface EvalConfig {
  /** Samples per problem (pass@1 is their mean accuracy). */
  samples: number;
  /** Sampling temperature. */
  temperature: number;
  /** Test problems used per task (the first ones of the split). */
  problems: number;
  /** Rows per sampling batch. */
  batchSize: number;
}

/** A whole bench configuration. */
export interface BenchConfig {
  suite: SuiteConfig;
  model: ModelConfig;
  sft: SftConfig;
  eval: EvalConfig;
  /** Base-model seeds: every method and RL seed starts from the base of one of them. */
  baseSeeds: number[];
}

const TASKS = ["countdown", "knights_knaves", "linear_equation", "arithmetic_chain", "shortest_path"];

/** The named configurations. */
export const CONFIGS: Readonly<Record<string, BenchConfig>> = {
  default: {
    suite: { name: "default", seed: 2509, testSize: 200, tasks: TASKS.map((name) => ({ name, levels: [1, 2] })) },
    model: { vocabSize: VOCAB_SIZE, dModel: 128, layers: 2, heads: 4, context: 128 },
    sft: { steps: 1500, batchSize: 32, lr: 3e-3, warmup: 100, minLrRatio: 0.1, clip: 1, style: DEFAULT_STYLE },
    eval: { samples: 4, temperature: 0.6, problems: 200, batchSize: 200 },
    baseSeeds: [1],
  },
  smoke: {
    suite: { name: "smoke", seed: 7, testSize: 200, tasks: TASKS.map((name) => ({ name, levels: [1] })) },
    model: { vocabSize: VOCAB_SIZE, dModel: 32, layers: 1, heads: 2, context: 128 },
    sft: { steps: 20, batchSize: 8, lr: 3e-3, warmup: 5, minLrRatio: 0.1, clip: 1, style: DEFAULT_STYLE },
    eval: { samples: 1, temperature: 0.6, problems: 8, batchSize: 40 },
    baseSeeds: [1],
  },
};

/** The configuration named `name`, or an error listing the known ones. */
export function getConfig(name: string): BenchConfig {
  const c = CONFIGS[name];
  if (!c) throw new Error(`unknown suite ${JSON.stringify(name)}; known suites: ${Object.keys(CONFIGS).join(", ")}`);
  return structuredClone(c);
}
