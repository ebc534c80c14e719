/**
 * Suites and their splits. Problem `i` of a split is generated from the stream
 * (suite seed, task, split, i). The test split is fixed; a validation problem whose prompt is in the
 * test split, and a train problem whose prompt is in either, is redrawn from (…, i, attempt), so that
 * the three are disjoint by canonical key (the prompt text). Reported figures come from the test split;
 * the validation split (as large as the test split) is where settings are tuned.
 * @module
 */
import { rng } from "./core/rng.ts";
import type { Problem, TaskDef } from "../tasks/kit/task.ts";
import type { BenchConfig, SuiteConfig } from "./config.ts";
import { getTask } from "../tasks/mod.ts";

/** Which split a problem belongs to. */
export type Split = "train" | "validation" | "test";

/** The held-out splits an evaluation can use. */
export type EvalSplit = "validation" | "test";

const MAX_ATTEMPTS = 1000;

/** Problems of one task in one suite, with disjoint train and test splits. */
export class TaskSplits<D = unknown> {
  readonly #test: Problem<D>[];
  readonly #testKeys: Set<string>;
  readonly #validation: Problem<D>[];
  readonly #heldOutKeys: Set<string>;

  /** Build the fixed test split of `task` in `suite`. */
  constructor(readonly suite: SuiteConfig, readonly task: TaskDef<D>, readonly levels: readonly number[]) {
    for (const l of levels) {
      if (!task.levels.includes(l)) {
        throw new RangeError(`task ${task.name} has no level ${l} (levels: ${task.levels.join(", ")})`);
      }
    }
    this.#test = Array.from({ length: suite.testSize }, (_, i) => this.#make("test", i, 0));
    this.#testKeys = new Set(this.#test.map((p) => p.prompt));
    this.#validation = Array.from({ length: suite.testSize }, (_, i) => this.#draw("validation", i, this.#testKeys));
    this.#heldOutKeys = new Set([...this.#testKeys, ...this.#validation.map((p) => p.prompt)]);
  }

  /** Problem `i` of `split`, redrawn while its prompt is in `avoid`. */
  #draw(split: Split, i: number, avoid: ReadonlySet<string>): Problem<D> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const p = this.#make(split, i, attempt);
      if (!avoid.has(p.prompt)) return p;
    }
    throw new Error(
      `task ${this.task.name}: ${split} problem ${i} collides with the held-out splits ${MAX_ATTEMPTS} times; ` +
        `its generate gives too few distinct prompts for testSize ${this.suite.testSize} (does it draw from its rng?)`,
    );
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

  /** The fixed validation split (for tuning settings), disjoint from the test split. */
  get validation(): readonly Problem<D>[] {
    return this.#validation;
  }

  /** The held-out split named `split`. */
  heldOut(split: EvalSplit): readonly Problem<D>[] {
    return split === "test" ? this.#test : this.#validation;
  }

  /** Train problem number `i`; never equal (by prompt) to a validation or test problem. */
  train(i: number): Problem<D> {
    return this.#draw("train", i, this.#heldOutKeys);
  }
}

/**
 * The suite's train splits, one per task, in suite order: each task from `files` (tasks loaded from
 * files, `--tasks ./my_task.ts`) when it is there, else from the fixed suite (tasks/mod.ts).
 */
export function trainSplits(cfg: BenchConfig, files: readonly TaskDef[] = []): TaskSplits[] {
  return cfg.suite.tasks.map((t) =>
    new TaskSplits(cfg.suite, files.find((f) => f.name === t.name) ?? getTask(t.name), t.levels)
  );
}
