/**
 * Evaluation on each task's fixed test split: k samples per problem at a temperature and one greedy
 * response, verified by the task, summarised by the metrics of harness/metrics/ into a
 * {@link TaskEvalRecord} per task (a line of `eval.jsonl` holds one per task).
 * @module
 */
import type { EvalConfig } from "../config.ts";
import type { RolloutEngine } from "../rollout/engine.ts";
import { type Rng, rng } from "../core/rng.ts";
import { sample } from "../rollout/sampler.ts";
import type { EvalSplit, TaskSplits } from "../suite.ts";
import { decode, EOS, promptIds } from "../text/tokenizer.ts";
import type { Problem, Verdict } from "../../tasks/kit/task.ts";
import type { TaskEvalRecord } from "../store/schema.ts";
import { greedyAccuracy, meanPassAtK, pass1 } from "../metrics/pass_at_k.ts";
import { errorShares } from "../metrics/error_types.ts";
import { seAnswer } from "../metrics/semantic_entropy.ts";
import { ahaSummary } from "../metrics/aha.ts";
import { accuracyByLength, lengthStats } from "../metrics/length.ts";
import { mean } from "../metrics/stats.ts";

/** One verified response. */
interface Response {
  text: string;
  verdict: Verdict;
  length: number;
  finished: boolean;
}

/** The k for which pass@k is reported: 1, 2, 4, … up to `samples`. */
export function passKs(samples: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= samples; k *= 2) ks.push(k);
  return ks;
}

/** Sample one response to each of `rows` in batches at `temperature`, drawing from `draws`, and verify it. */
async function respond(
  engine: RolloutEngine,
  sp: TaskSplits,
  rows: readonly Problem[],
  temperature: number,
  ev: EvalConfig,
  draws: Rng,
  onBatch: (n: number) => void,
): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < rows.length; i += ev.batchSize) {
    const batch = rows.slice(i, i + ev.batchSize);
    const samples = await sample(engine, batch.map((p) => promptIds(p.prompt)), {
      temperature,
      maxNew: sp.task.maxResponseWords + 1,
      rng: draws.stream(i),
      scores: false, // evaluation reads tokens only
    });
    samples.forEach((s, j) => {
      const text = decode(s.tokens.filter((t) => t !== EOS));
      out.push({ text, verdict: sp.task.verify(batch[j], text), length: s.tokens.length, finished: s.finished });
    });
    onBatch(batch.length);
  }
  return out;
}

/**
 * Evaluate the policy `engine` runs on every task's held-out `split` (the test split unless told; the
 * first `ev.problems` problems): `ev.samples` responses per problem at `ev.temperature` and one greedy
 * response, seeded by `seed`; `onProgress` hears the responses done so far and the total.
 */
export async function evaluate(
  engine: RolloutEngine,
  splits: readonly TaskSplits[],
  ev: EvalConfig,
  seed: number,
  onProgress?: (done: number, total: number) => void,
  split: EvalSplit = "test",
): Promise<TaskEvalRecord[]> {
  const perTask = Math.min(ev.problems, splits[0]?.heldOut(split).length ?? 0);
  const total = splits.length * perTask * (ev.samples + 1);
  let done = 0;
  const tick = (n: number) => onProgress?.(done += n, total);
  const out: TaskEvalRecord[] = [];
  for (const sp of splits) {
    const problems = sp.heldOut(split).slice(0, ev.problems);
    const k = ev.samples;
    const rows = problems.flatMap((p) => Array.from({ length: k }, () => p));
    const sampled = await respond(engine, sp, rows, ev.temperature, ev, rng(seed, "eval", sp.task.name), tick);
    const greedy = await respond(engine, sp, problems, 0, ev, rng(seed, "eval-greedy", sp.task.name), tick);
    const byProblem = problems.map((_, i) => sampled.slice(i * k, (i + 1) * k));
    const hits = byProblem.map((rs) => rs.map((r) => r.verdict.correct));
    const lengths = sampled.map((r) => r.length);
    const aha = ahaSummary(sampled);
    out.push({
      task: sp.task.name,
      problems: problems.length,
      samples: k,
      pass1: pass1(hits),
      passAtK: Object.fromEntries(passKs(k).map((kk) => [String(kk), meanPassAtK(hits, kk)])),
      greedy: greedyAccuracy(greedy.map((r) => r.verdict.correct)),
      wellFormed: mean(sampled.map((r) => (r.verdict.wellFormed ? 1 : 0))),
      length: lengthStats(lengths, sampled.map((r) => !r.finished)),
      errors: errorShares(sampled.map((r) => r.verdict)).ofAll,
      seAnswer: seAnswer(byProblem.map((rs) => rs.map((r) => r.verdict.answer))),
      aha: { frequency: aha.frequency, amongCorrect: aha.amongCorrect },
      lengthBins: accuracyByLength(lengths, sampled.map((r) => r.verdict.correct)),
    });
  }
  return out;
}
