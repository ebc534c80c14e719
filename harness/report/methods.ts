/**
 * The rows of a report: the base model first, then each baseline's runs over seeds, in the order
 * the suite's configuration lists its baselines (others after, by name); and the tasks, in suite
 * order.
 * @module
 */
import type { LoadedRun, SuiteResults } from "../store/results.ts";
import type { EvalRecord } from "../store/schema.ts";

/** The base model or one baseline, with the final evaluation of each seed. */
export interface Method {
  /** `base` for the base model, else the baseline name. */
  name: string;
  base: boolean;
  /** The RL runs, by seed (none for the base model). */
  runs: LoadedRun[];
  /** Final evaluation (largest step) of each seed, in seed order. */
  finals: EvalRecord[];
}

/** The report's rows of `results`. */
export function methodsOf(results: SuiteResults): Method[] {
  const out: Method[] = [];
  if (results.base) out.push({ name: "base", base: true, runs: [], finals: [results.base.eval] });
  const byName = new Map<string, LoadedRun[]>();
  for (const r of results.runs) {
    const name = r.manifest.baseline!;
    byName.set(name, [...(byName.get(name) ?? []), r]);
  }
  const listed = results.runs[0]?.manifest.config.baselines ?? [];
  const rank = (name: string) => {
    const m = byName.get(name)![0].manifest;
    const i = listed.findIndex((b) => b === name || b === m.baselineSource);
    return i < 0 ? listed.length : i;
  };
  const names = [...byName.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const runs = byName.get(name)!;
    out.push({ name, base: false, runs, finals: runs.map((r) => r.evals[r.evals.length - 1]) });
  }
  return out;
}

/** The evaluations of `run`, with the base model's (`base`) as step 0 when the run has none of its own. */
export function evaluationsOf(run: LoadedRun, base: EvalRecord | null): EvalRecord[] {
  return base && run.evals[0]?.step !== 0 ? [base, ...run.evals] : run.evals;
}

/** Task names in the order of the evaluations (first appearance). */
export function tasksOf(methods: readonly Method[]): string[] {
  const tasks: string[] = [];
  for (const m of methods) {
    for (const e of m.finals) for (const t of e.evals) if (!tasks.includes(t.task)) tasks.push(t.task);
  }
  return tasks;
}
