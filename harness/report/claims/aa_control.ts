/**
 * The A/A negative control: GRPO against itself. Its complete runs in seed order are split into two
 * disjoint halves under two names, `grpo A` (the first ⌈n/2⌉ seeds) and `grpo B` (the rest), not
 * seed-matched; the final pass@1 (mean over tasks) of the two groups is compared by the two-sample
 * comparison: difference of the group means, exact two-sample permutation test, each group's runs
 * resampled apart for the interval. No difference can exist, so the verdict, taken at the raw p (outside
 * the family's Holm correction, the stricter setting for a control), must be inconclusive; anything else
 * is a false positive of the harness.
 * @module
 */
import { PERCENT } from "../format.ts";
import {
  benchCommand,
  type ClaimContext,
  type ClaimMeta,
  type ClaimResult,
  runLabel,
  runsOf,
  valueOf,
} from "./claim.ts";
import { twoSampleComparison } from "./compare.ts";
import { finalPass1 } from "./run_values.ts";
import { counted } from "../../core/counted.ts";

const META: ClaimMeta = {
  id: "A/A",
  label: "A/A grpo A − grpo B",
  statement: "negative control: GRPO against itself on disjoint seeds must be inconclusive",
  definition: "grpo's runs in seed order, the first ⌈n/2⌉ as grpo A and the rest as grpo B (not seed-matched); " +
    "final pass@1 (mean over tasks), mean of A minus mean of B, two-sample permutation test at the raw p",
  quantity: "grpo A − grpo B, final pass@1 (points)",
  format: PERCENT,
  direction: "greater",
};

/** The A/A control on the report's GRPO runs. */
export function aaControl(ctx: ClaimContext): ClaimResult {
  const notes: string[] = [];
  const runs = runsOf(ctx, "grpo").flatMap((run) => {
    const value = valueOf(run, (r) => finalPass1(r, null), notes);
    return value === null ? [] : [{ run, value }];
  });
  if (runs.length < 2) {
    const seeds = [...ctx.seeds];
    for (let s = 1; seeds.length < 4; s++) if (!seeds.includes(s)) seeds.push(s);
    return {
      ...META,
      test: null,
      missing: `not run: ${counted(runs.length, "grpo run")} with a value, 2 needed`,
      command: benchCommand(ctx, ["grpo"], seeds.sort((a, b) => a - b)),
      detail: { seedMatched: false, header: [], formats: [], rows: [] },
      notes,
    };
  }
  const half = Math.ceil(runs.length / 2), a = runs.slice(0, half), b = runs.slice(half);
  const detail = {
    seedMatched: false,
    header: ["run", "group", "final pass@1"],
    formats: [null, PERCENT],
    rows: runs.map((r, i) => [runLabel(r.run), i < half ? "grpo A" : "grpo B", r.value]),
  };
  const test = twoSampleComparison(a.map((r) => r.value), b.map((r) => r.value), ["grpo A", "grpo B"]);
  return { ...META, test, missing: null, command: null, detail, notes };
}
