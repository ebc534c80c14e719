/**
 * The planning-token masks of a grid's RL steps, from the three sources: `oracle` (the task's parser
 * on each response), `mined` (Strategic Grams mined once from the base model's successful rollouts,
 * the same list for every run of the grid) and `random` (the placebo: random 3-5 token spans covering
 * as many tokens of the step's batch as the `mined` mask does). The mined grams are embedded with PPMI+SVD
 * word vectors of the rollouts, or with an ONNX sentence model when `cfg.mining.sentenceModel` names one
 * (harness/masks/sentence_model.ts; {@link mineGramsAsync} only, as ONNX Runtime runs asynchronously).
 * @module
 */
import type { BenchConfig } from "../config.ts";
import type { RolloutEngine } from "../rollout/engine.ts";
import { oracleMask } from "./oracle_mask.ts";
import { randomMasks } from "./random_mask.ts";
import { rng } from "../core/rng.ts";
import { type Rollout, sampleGroups, score, stepPrompts } from "../rollout/rollouts.ts";
import type { MaskSource } from "../credit/baseline.ts";
import { loadSentenceModel, sentenceModelKey } from "./sentence_model.ts";
import {
  mineStrategicGrams,
  mineStrategicGramsWith,
  strategicGramMask,
  type StrategicGrams,
} from "./strategic_grams.ts";
import type { TaskSplits } from "../suite.ts";

/** Makes the planning-token mask of every rollout of a step from a mask source. */
export type MaskMaker = (source: MaskSource, rollouts: readonly Rollout[], step: number) => Uint8Array[];

/** The mined Strategic Grams of a grid and the mask maker of each run. */
export interface PlanningMasks {
  grams: StrategicGrams;
  /** The mask maker of the run with RL seed `seed` (the random placebo draws from its own stream). */
  maker(seed: number): MaskMaker;
}

/** The successful rollouts (token ids) of `cfg.mining.prompts` training prompts × `cfg.mining.group`. */
async function successes(
  cfg: BenchConfig,
  base: RolloutEngine,
  splits: readonly TaskSplits[],
  baseSeed: number,
): Promise<number[][]> {
  const prompts = stepPrompts(splits, cfg.mining.prompts, rng(baseSeed, "mining", "prompts"));
  const done = score(await sampleGroups(base, prompts, cfg.mining.group, 1, rng(baseSeed, "mining", "sample")));
  return done.filter((r) => r.verdict.correct).map((r) => r.tokens);
}

/**
 * Mine the Strategic Grams from the base model (run by engine `base`): successful rollouts of `cfg.mining.prompts` training prompts
 * × `cfg.mining.group`, drawn from streams of base seed `baseSeed`, embedded with PPMI+SVD word vectors,
 * or by the sentence model of `cfg.mining.sentenceModel` when it is set (loaded and checked against
 * `cfg.mining.sentenceModelKey` before sampling, so a folder changed since the grid was made fails fast;
 * released after).
 */
export async function mineGrams(
  cfg: BenchConfig,
  base: RolloutEngine,
  splits: readonly TaskSplits[],
  baseSeed: number,
): Promise<StrategicGrams> {
  const kmeans = rng(baseSeed, "mining", "kmeans");
  if (cfg.mining.sentenceModel === undefined) {
    return mineStrategicGrams(await successes(cfg, base, splits, baseSeed), kmeans);
  }
  const { sentenceModel: dir, sentenceModelKey: want } = cfg.mining;
  const model = await loadSentenceModel(dir);
  try {
    const key = await sentenceModelKey(dir);
    if (key !== want) {
      throw new Error(
        `sentence model ${dir} changed since this grid was made (${want} then, ${key} now); run the bench again`,
      );
    }
    return await mineStrategicGramsWith(await successes(cfg, base, splits, baseSeed), kmeans, model);
  } finally {
    await model.dispose();
  }
}

/** The masks of a grid's runs from its mined Strategic Grams. */
export function planningMasks(grams: StrategicGrams): PlanningMasks {
  const mined = (rollouts: Parameters<MaskMaker>[1]) => rollouts.map((r) => strategicGramMask(grams, r.tokens));
  return {
    grams,
    maker: (seed) => (source, rollouts, step) => {
      if (source === "oracle") return rollouts.map((r) => oracleMask(r.task, r.problem, r.tokens));
      if (source === "mined") return mined(rollouts);
      return randomMasks(rollouts.map((r) => r.tokens), mined(rollouts), rng(seed, "rl", "random-mask", step));
    },
  };
}
