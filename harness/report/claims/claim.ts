/**
 * A claim's shape and what every claim shares: what it says and how it is defined, its comparison's
 * outcome or why there is none ("not run" with the bench command that would run it, or "no data"), its
 * per-unit values, the runs it left out and why; the report's runs by method; the bench command.
 * @module
 */
import type { LoadedRun } from "../../store/results.ts";
import type { EvalRecord } from "../../store/schema.ts";
import type { ClaimVerdict, Direction } from "../../stats/verdict.ts";
import type { NumberFormat } from "../format.ts";
import type { Method } from "../methods.ts";
import type { ClaimTest } from "./compare.ts";
import { MissingValue } from "./run_values.ts";
import { paramOptions } from "../overrides.ts";

/** What a claim says and how it is measured. */
export interface ClaimMeta {
  /** `C1` … `C6`, or `A/A` for the control. */
  id: string;
  /** The row's name, e.g. `C1 countdown`. */
  label: string;
  /** The paper's claim, in words. */
  statement: string;
  /** The exact definition: what is computed per run, compared how, and which sign is claimed. */
  definition: string;
  /** What is compared, e.g. `hicra − grpo, final pass@1 (points)`. */
  quantity: string;
  /** How its estimate is shown. */
  format: NumberFormat;
  /** The claimed sign of estimate − null value. */
  direction: Direction;
}

/** Per-unit values of a claim: a small table, its first column naming the unit. */
export interface Detail {
  /** True when the units are RL seeds, each row `[seed, a, b, a − b]`. */
  seedMatched: boolean;
  header: string[];
  /** How each column after the first shows its numbers (null: as they are, e.g. a step). */
  formats: (NumberFormat | null)[];
  rows: (string | number | null)[][];
}

/** A claim's outcome before the family's correction. */
export interface ClaimResult extends ClaimMeta {
  /** The comparison, or null (see `missing`). */
  test: ClaimTest | null;
  /** Why there is no comparison: `not run: …` or `no data: …`; null when there is one. */
  missing: string | null;
  /** For a claim not run, the bench command that would run it. */
  command: string | null;
  detail: Detail;
  /** Runs left out, each with why. */
  notes: string[];
}

/** A claim after the family's correction: the adjusted p, the verdict and the seeds it would need. */
export interface JudgedClaim extends ClaimResult {
  /** Holm-adjusted p across the report's family (the control: its raw p); null without a test. */
  pAdjusted: number | null;
  verdict: ClaimVerdict;
  /** Seeds for 80% power at the observed effect when inconclusive (Infinity: no effect seen); else null. */
  seedsNeeded: number | null;
}

/** What the claims are computed from. */
export interface ClaimContext {
  suite: string;
  methods: readonly Method[];
  /** The base model's evaluation, step 0 of every run without its own. */
  base: EvalRecord | null;
  tasks: readonly string[];
  /** The seeds of the report's RL runs (else the suite's), for the commands of claims not run. */
  seeds: readonly number[];
  /** The bench options that add runs to the report's grid and folder (harness/report/overrides.ts `gridOptions`). */
  gridOptions: readonly string[];
}

/** The runs of baseline `name` in seed order (none when it did not run). */
export function runsOf(ctx: ClaimContext, name: string): LoadedRun[] {
  const m = ctx.methods.find((x) => !x.base && x.name === name);
  return m ? [...m.runs].sort((a, b) => a.manifest.seed - b.manifest.seed) : [];
}

/**
 * The baseline that handicaps GRPO for the positive control (baselines/grpo_half_signal.ts): a control, not
 * a method, so its runs stay out of the claims over every run (C2, C3).
 */
export const HANDICAPPED = "grpo_half_signal";

/** Every RL run of the report's methods (not its controls), by method then seed. */
export function allRuns(ctx: ClaimContext): LoadedRun[] {
  return ctx.methods.filter((m) => !m.base && m.name !== HANDICAPPED).flatMap((m) => runsOf(ctx, m.name));
}

/** `grpo seed 1`. */
export function runLabel(run: LoadedRun): string {
  return `${run.manifest.baseline} seed ${run.manifest.seed}`;
}

/**
 * The bench command that runs `baselines` × `seeds` (default: the report's seeds) in this suite's grid
 * and folder, each baseline that ran at the parameters of its first run.
 */
export function benchCommand(ctx: ClaimContext, baselines: readonly string[], seeds = ctx.seeds): string {
  const params = baselines.flatMap((b) => runsOf(ctx, b).slice(0, 1).flatMap((run) => paramOptions(run.manifest)));
  return [
    `deno task bench --suite ${ctx.suite}`,
    ...ctx.gridOptions,
    ...params,
    `--baselines ${baselines.join(",")} --seeds ${seeds.join(",")}`,
  ].join(" ");
}

/** The claim as not run: `baselines` lack complete runs; the command runs them all. */
export function notRun(ctx: ClaimContext, meta: ClaimMeta, baselines: readonly string[]): ClaimResult {
  const absent = baselines.filter((b) => runsOf(ctx, b).length === 0);
  return {
    ...meta,
    test: null,
    missing: `not run: no complete run of ${absent.join(" or ")}`,
    command: benchCommand(ctx, baselines),
    detail: { seedMatched: false, header: [], formats: [], rows: [] },
    notes: [],
  };
}

/**
 * `value` of each run, or null for a run it has no value for (a {@link MissingValue}, noted in `notes` as
 * `grpo seed 1 left out: …`); other errors propagate.
 */
export function valueOf<T>(run: LoadedRun, value: (run: LoadedRun) => T, notes: string[]): T | null {
  try {
    return value(run);
  } catch (e) {
    if (!(e instanceof MissingValue)) throw e;
    notes.push(`${runLabel(run)} left out: ${e.message}`);
    return null;
  }
}
