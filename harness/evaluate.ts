/**
 * Evaluation on each task's fixed test split: k samples per problem at a temperature, verified by
 * the task; pass@1 is the mean accuracy over all samples. Failed responses are sorted by the step
 * checker into format errors (not well formed), execution errors (a wrong step) and planning
 * errors (every step right, the answer still wrong).
 * @module
 */
import type { EvalConfig } from "./config.ts";
import type { Policy } from "./model.ts";
import { rng } from "./rng.ts";
import { sample } from "./sampler.ts";
import type { TaskSplits } from "./suite.ts";
import { decode, EOS } from "./tokenizer.ts";
import type { Verdict } from "./task.ts";
import { promptIds } from "./sft.ts";

/** What went wrong in a failed response. */
export type ErrorKind = "format" | "execution" | "planning";

/** The error kind of a verdict, or null when it is correct. */
export function errorKind(v: Verdict): ErrorKind | null {
  if (v.correct) return null;
  if (!v.wellFormed) return "format";
  return v.steps.some((s) => !s.ok) ? "execution" : "planning";
}

/** Evaluation figures of one task. */
export interface TaskEval {
  task: string;
  problems: number;
  samples: number;
  /** Mean accuracy over all samples (pass@1 averaged over k). */
  pass1: number;
  /** Share of responses that are well formed. */
  wellFormed: number;
  /** Mean response length in tokens (EOS included). */
  meanLength: number;
  /** Share of all responses by error kind. */
  errors: Record<ErrorKind, number>;
}

/**
 * Evaluate `policy` on every task's test split (the first `ev.problems` problems), seeded by `seed`;
 * `onProgress` hears the responses done so far and the total.
 */
export function evaluate(
  policy: Policy,
  splits: readonly TaskSplits[],
  ev: EvalConfig,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): TaskEval[] {
  const total = splits.length * Math.min(ev.problems, splits[0]?.test.length ?? 0) * ev.samples;
  let done = 0;
  return splits.map((sp) => {
    const problems = sp.test.slice(0, ev.problems);
    const rows = problems.flatMap((p) => Array.from({ length: ev.samples }, () => p));
    const draws = rng(seed, "eval", sp.task.name);
    let correct = 0, wellFormed = 0, length = 0;
    const errors: Record<ErrorKind, number> = { format: 0, execution: 0, planning: 0 };
    for (let i = 0; i < rows.length; i += ev.batchSize) {
      const batch = rows.slice(i, i + ev.batchSize);
      const out = sample(policy, batch.map((p) => promptIds(p.prompt)), {
        temperature: ev.temperature,
        maxNew: sp.task.maxResponseWords + 1,
        rng: draws.stream(i),
      });
      out.forEach((s, j) => {
        const text = decode(s.tokens.filter((t) => t !== EOS));
        const v = sp.task.verify(batch[j], text);
        correct += v.correct ? 1 : 0;
        wellFormed += v.wellFormed ? 1 : 0;
        length += s.tokens.length;
        const kind = errorKind(v);
        if (kind) errors[kind]++;
      });
      done += batch.length;
      onProgress?.(done, total);
    }
    const n = rows.length;
    return {
      task: sp.task.name,
      problems: problems.length,
      samples: ev.samples,
      pass1: correct / n,
      wellFormed: wellFormed / n,
      meanLength: length / n,
      errors: { format: errors.format / n, execution: errors.execution / n, planning: errors.planning / n },
    };
  });
}
