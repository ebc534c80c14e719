/**
 * The named bench configurations (`--suite default|quick|claims|paper|smoke`): the task suite, the policy's shape,
 * how the base model is trained and evaluated, the RL loop, and the grid of baselines and seeds.
 * @module
 */
import type { ModelConfig } from "./model/model.ts";
import { DEFAULT_STYLE, type Style } from "../tasks/kit/task.ts";
import { VOCAB_SIZE } from "./text/tokenizer.ts";
import { TASKS } from "../tasks/mod.ts";
import { DEFAULT_CLIP } from "./update/pg_loss.ts";
import { deepFrozen } from "./core/deep_frozen.ts";

/**
 * One task of a suite and the levels it is drawn at.
 *
 * @example
 * ```ts
 * import type { SuiteTask } from "@credit-bench/credit-bench";
 *
 * const task: SuiteTask = { name: "countdown", levels: [1, 2] };
 * ```
 */
export interface SuiteTask {
  /** Task name (see tasks/mod.ts, or the task file's). */
  name: string;
  /** Levels drawn round-robin: problem i has level levels[i % levels.length]. */
  levels: number[];
  /**
   * A task loaded from a file (`--tasks ./my_task.ts`): `sha256:` and the SHA-256 of the file, so that a
   * changed file is another configuration (and another base model).
   */
  key?: string;
}

/**
 * A suite: its seed, its tasks and the size of each task's fixed test split.
 *
 * @example
 * ```ts
 * import { getConfig, type SuiteConfig } from "@credit-bench/credit-bench";
 *
 * const suite: SuiteConfig = getConfig("default").suite;
 * console.log(suite.tasks.map((t) => t.name));
 * ```
 */
export interface SuiteConfig {
  /** Suite name. */
  name: string;
  /** The suite seed: every problem is a function of it. */
  seed: number;
  /** Problems in each task's test split. */
  testSize: number;
  /** The tasks. */
  tasks: SuiteTask[];
}

/**
 * Supervised training of the base model on teacher traces.
 *
 * @example
 * ```ts
 * import { getConfig, type SftConfig } from "@credit-bench/credit-bench";
 *
 * const sft: SftConfig = getConfig("default").sft;
 * console.log(sft.steps, sft.style.execError);
 * ```
 */
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

/**
 * Evaluation on each task's fixed test split.
 *
 * @example
 * ```ts
 * import { type EvalConfig, getConfig } from "@credit-bench/credit-bench";
 *
 * const evaluation: EvalConfig = getConfig("default").eval;
 * console.log(`${evaluation.samples} samples at temperature ${evaluation.temperature}`);
 * ```
 */
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

/**
 * Settings of the RL loop.
 *
 * @example
 * ```ts
 * import { getConfig, type RlConfig } from "@credit-bench/credit-bench";
 *
 * const rl: RlConfig = { ...getConfig("default").rl, klBeta: 0.01 };
 * ```
 */
export interface RlConfig {
  /** Training steps. */
  steps: number;
  /** Prompts per step (the tasks in turn). */
  prompts: number;
  /** Rollouts per prompt (G). */
  group: number;
  /** Sampling temperature of the rollouts. */
  temperature: number;
  /** Adam learning rate. */
  lr: number;
  /** Passes over each step's rollouts. */
  epochs: number;
  /** Rollouts per optimisation step. */
  miniBatch: number;
  /** ε_low of the ratio clip: the ratio is clipped below at 1 − clipLow. */
  clipLow: number;
  /** ε_high of the ratio clip (clip-higher): the ratio is clipped above at 1 + clipHigh. */
  clipHigh: number;
  /** Weight of the KL to the base model (0: none, the default as in DAPO and the paper). */
  klBeta: number;
  /** Global gradient-norm clip. */
  gradClip: number;
  /**
   * DAPO's dynamic sampling: 0 uses every sampled group (off); n ≥ 1 drops the groups whose rewards are
   * all equal (they carry no signal) and samples up to n rounds of `prompts` prompts in all to fill the
   * step with `prompts` groups that differ.
   */
  dynamicSampling: number;
  /** Evaluate on the test splits every this many steps (and after the last). */
  evalEvery: number;
  /** Save the weights every this many steps. */
  checkpointEvery: number;
}

/**
 * How the mined list is made: rollouts of the base model at temperature 1.
 *
 * @example
 * ```ts
 * import { getConfig, type MiningConfig } from "@credit-bench/credit-bench";
 *
 * const mining: MiningConfig = { ...getConfig("default").mining, sentenceModel: "./minilm" };
 * ```
 */
export interface MiningConfig {
  /** Training prompts sampled (the tasks in turn). */
  prompts: number;
  /** Rollouts per prompt. */
  group: number;
  /**
   * A sentence-model folder (model.onnx and tokenizer.json, harness/masks/sentence_model.ts) whose model embeds
   * the grams instead of PPMI+SVD word vectors; needs deno's --allow-ffi. A grid
   * hashes `sentenceModelKey` in place of this path, so bench sets both.
   */
  sentenceModel?: string;
  /** The content key of `sentenceModel`'s folder (`sentenceModelKey` of harness/masks/sentence_model.ts). */
  sentenceModelKey?: string;
}

/**
 * A whole bench configuration.
 *
 * @example
 * ```ts
 * import { type BenchConfig, getConfig } from "@credit-bench/credit-bench";
 *
 * const cfg: BenchConfig = getConfig("smoke");
 * console.log(cfg.baselines, cfg.seeds, cfg.rl.steps);
 * ```
 */
export interface BenchConfig {
  /** The configuration's name (`--suite`): results go to `<out>/<name>/`. */
  name: string;
  /** The task suite (configurations that share it share the base model). */
  suite: SuiteConfig;
  /** The policy's shape. */
  model: ModelConfig;
  /** How the base model is trained. */
  sft: SftConfig;
  /** How every model is evaluated. */
  eval: EvalConfig;
  /** Base-model seeds: every method and RL seed starts from the base of one of them. */
  baseSeeds: number[];
  /** The RL loop. */
  rl: RlConfig;
  /** How the Strategic Grams (the `mined` planning mask) are mined from the base model. */
  mining: MiningConfig;
  /** Baselines the suite runs (names under baselines/ or paths). */
  baselines: string[];
  /** RL seeds. */
  seeds: number[];
}

/** The fixed suite's tasks (tasks/mod.ts), each at `levels`. */
function suiteTasks(levels: number[]): SuiteTask[] {
  return [...TASKS.keys()].map((name) => ({ name, levels: [...levels] }));
}

/** RL settings every suite shares: rollouts at temperature 1, one epoch, DAPO's clip, no KL, clip norm 1. */
const RL_UPDATE = {
  temperature: 1,
  epochs: 1,
  clipLow: DEFAULT_CLIP.low,
  clipHigh: DEFAULT_CLIP.high,
  klBeta: 0,
  gradClip: 1,
  dynamicSampling: 0,
} as const;

/**
 * The default configuration: what `deno task bench` runs. Its settings were chosen on the validation split
 * with development seeds (bench/tune.ts; the measurements are in the README): 3,000 SFT steps (at 1,500 the
 * base model executed steps far below its teacher, and RL moved it by 2 points), then RL on 32 prompts × 8
 * per step at a learning rate of 1e-4 for 200 steps, dropping the groups whose rewards are all equal.
 */
const DEFAULT: BenchConfig = {
  name: "default",
  suite: { name: "default", seed: 2509, testSize: 200, tasks: suiteTasks([1, 2]) },
  model: { vocabSize: VOCAB_SIZE, dModel: 128, layers: 2, heads: 4, context: 128 },
  sft: { steps: 3000, batchSize: 32, lr: 3e-3, warmup: 100, minLrRatio: 0.1, clip: 1, style: { ...DEFAULT_STYLE } },
  eval: { samples: 8, temperature: 0.6, problems: 200, batchSize: 200 },
  baseSeeds: [1],
  rl: {
    steps: 200,
    prompts: 32,
    group: 8,
    ...RL_UPDATE,
    dynamicSampling: 1,
    lr: 1e-4,
    miniBatch: 128,
    evalEvery: 50,
    checkpointEvery: 10,
  },
  mining: { prompts: 400, group: 8 },
  baselines: ["grpo", "hicra", "entropy_reg"],
  seeds: [1, 2, 3],
};

/** Every built-in baseline, in report order: the paper's, then the 2025 methods TRL and verl added (from `gspo` on). */
const ALL_BASELINES = [
  "grpo",
  "hicra",
  "entropy_reg",
  "entropy_adv",
  "fork_tokens",
  "dr_grpo",
  "placebo_hicra",
  "gspo",
  "dapo",
  "clip_cov",
  "kl_cov",
  "gtpo",
  "maxrl",
];

/**
 * The named configurations: `default`, `quick`, `claims`, `paper` and `smoke` (`--suite`), frozen
 * through and through: the report names a run's settings by how they differ from these, so a change
 * made to them in place (`CONFIGS.default.rl.steps = 10`) would hide itself; it throws a TypeError.
 * {@link getConfig} gives a copy free to change.
 *
 * @example
 * ```ts
 * import { CONFIGS } from "@credit-bench/credit-bench";
 *
 * for (const [name, cfg] of Object.entries(CONFIGS)) console.log(name, cfg.baselines.length, cfg.seeds.length);
 * ```
 */
export const CONFIGS: Readonly<Record<string, BenchConfig>> = deepFrozen({
  default: DEFAULT,
  // A first look within 10 minutes from a clean checkout: the default base model, grpo and hicra on one
  // seed for 60 steps, evaluated on 100 problems × 4 samples per task.
  quick: {
    ...DEFAULT,
    name: "quick",
    eval: { ...DEFAULT.eval, samples: 4, problems: 100 },
    rl: { ...DEFAULT.rl, steps: 60, evalEvery: 30 },
    baselines: ["grpo", "hicra"],
    seeds: [1],
  },
  // Enough seeds for the claims report to decide: an exact sign-flip test on n seeds cannot give p below
  // 2/2ⁿ, and the claims that run here (C1 ×6, C2, C3, C5) are Holm-corrected as a family of 9, so 9 seeds
  // are the least that can decide; ten seeds of grpo and hicra at the quick suite's RL budget, with the
  // positive control grpo_half_signal.
  claims: {
    ...DEFAULT,
    name: "claims",
    rl: { ...DEFAULT.rl, steps: 60, evalEvery: 30 },
    baselines: ["grpo", "hicra", "grpo_half_signal"],
    seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  },
  paper: {
    ...DEFAULT,
    name: "paper",
    baselines: ALL_BASELINES,
    seeds: [1, 2, 3, 4, 5],
  },
  smoke: {
    name: "smoke",
    suite: { name: "smoke", seed: 7, testSize: 200, tasks: suiteTasks([1]) },
    model: { vocabSize: VOCAB_SIZE, dModel: 32, layers: 1, heads: 2, context: 128 },
    sft: { steps: 20, batchSize: 8, lr: 3e-3, warmup: 5, minLrRatio: 0.1, clip: 1, style: { ...DEFAULT_STYLE } },
    eval: { samples: 2, temperature: 0.6, problems: 8, batchSize: 40 },
    baseSeeds: [1],
    rl: {
      steps: 3,
      prompts: 5,
      group: 4,
      ...RL_UPDATE,
      lr: 1e-3,
      miniBatch: 10,
      evalEvery: 3,
      checkpointEvery: 1,
    },
    mining: { prompts: 10, group: 4 },
    baselines: ALL_BASELINES,
    seeds: [1, 2],
  },
});

/**
 * A fresh copy of the configuration named `name` (free to change), or an error listing the known ones.
 *
 * @example
 * ```ts
 * import { getConfig } from "@credit-bench/credit-bench";
 *
 * const cfg = getConfig("default");
 * cfg.rl.steps = 50; // CONFIGS is left as it is
 * ```
 */
export function getConfig(name: string): BenchConfig {
  const c = Object.hasOwn(CONFIGS, name) ? CONFIGS[name] : undefined; // not `toString` and the like
  if (!c) throw new Error(`unknown suite ${JSON.stringify(name)}; known suites: ${Object.keys(CONFIGS).join(", ")}`);
  return structuredClone(c);
}
