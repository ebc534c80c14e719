/**
 * Suites and their splits. Problem `i` of a split is generated from the stream
 * (suite seed, task, split, i); a train problem whose prompt is also in the test split is redrawn
 * from (…, i, attempt) so that the splits are disjoint by canonical key (the prompt text).
 * @module
 */
import { rng } from "./rng.ts";
import type { Problem, TaskDef } from "./task.ts";

/** One task of a suite and the levels it is drawn at. */
export interface SuiteTask {
  /** Task name (see tasks/mod.ts). */
  name: string;
  /** Levels drawn round-robin: problem i has level levels[i % levels.length]. */
  levels: number[];
}

/** Which split a problem belongs to. */
export type Split = "train" | "test";

/** A suite: its seed, its tasks and the size of each task's fixed test split. */
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

const MAX_ATTEMPTS = 1000;

/** Problems of one task in one suite, with disjoint train and test splits. */
export class TaskSplits<D = unknown> {
  readonly #test: Problem<D>[];
  readonly #testKeys: Set<string>;

  /** Build the fixed test split of `task` in `suite`. */
  constructor(readonly suite: SuiteConfig, readonly task: TaskDef<D>, readonly levels: readonly number[]) {
    for (const l of levels) {
      if (!task.levels.includes(l)) {
        throw new RangeError(`task ${task.name} has no level ${l} (levels: ${task.levels.join(", ")})`);
      }
    }
    this.#test = Array.from({ length: suite.testSize }, (_, i) => this.#make("test", i, 0));
    this.#testKeys = new Set(this.#test.map((p) => p.prompt));
  }

  #make(split: Split, i: number, attempt: number): Problem<D> {
    const level = this.levels[i % this.levels.length];
    const r = rng(this.suite.seed, this.task.name, split, i, attempt);
    return this.task.generate(r, i, level);
  }

  /** The fixed test split. */
  get test(): readonly Problem<D>[] {
    return this.#test;
  }

  /** Train problem number `i`; never equal (by prompt) to a test problem. */
  train(i: number): Problem<D> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const p = this.#make("train", i, attempt);
      if (!this.#testKeys.has(p.prompt)) return p;
    }
    throw new Error(
      `task ${this.task.name}: train problem ${i} collides with the test split ${MAX_ATTEMPTS} times; its problem space is too small for testSize ${this.suite.testSize}`,
    );
  }
}
