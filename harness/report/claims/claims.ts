/**
 * The claims report of a suite's stored runs: C1–C6 as the paper states them (each defined exactly in its
 * module: c1_accuracy.ts … c6_mask.ts), the A/A negative control and the positive control (GRPO against
 * grpo_half_signal), and what the seeds can detect (sensitivity.ts). The claims that have a test form the
 * report's family: their p-values are Holm-corrected together, and each gets its verdict by
 * {@link VERDICT_RULE} from its adjusted p and its interval (compared with the null value: 0, or ½ for a
 * share), and, when inconclusive, the seeds it would need for 80% power at its observed effect with a
 * two-sided test at α/m (Holm's strictest step over a family of m). The controls stay outside the family
 * and are judged at their raw p.
 * @module
 */
import type { Estimate } from "../../stats/bootstrap.ts";
import { holm } from "../../stats/holm.ts";
import { minimumPairs } from "../../stats/power.ts";
import { claimVerdict, VERDICT_RULE } from "../../stats/verdict.ts";
import type { SuiteResults } from "../../store/results.ts";
import { methodsOf, tasksOf } from "../methods.ts";
import { gridOptions } from "../overrides.ts";
import { aaControl } from "./aa_control.ts";
import { positiveControl } from "./positive_control.ts";
import { type Sensitivity, sensitivity } from "./sensitivity.ts";
import { c1 } from "./c1_accuracy.ts";
import { c2 } from "./c2_two_phase.ts";
import { c3 } from "./c3_tracking.ts";
import { c4 } from "./c4_entropy_reg.ts";
import { c5 } from "./c5_planning_errors.ts";
import { c6 } from "./c6_mask.ts";
import type { ClaimContext, ClaimResult, JudgedClaim } from "./claim.ts";
import { seedsNeeded } from "./compare.ts";
import { counted } from "../../core/counted.ts";

/** The significance level of every verdict. */
export const ALPHA = 0.05;

/** The claims of a report, judged. */
export interface ClaimsReport {
  suite: string;
  /** The verdict rule, as printed. */
  rule: string;
  /** Tests in the family Holm's correction spans. */
  family: number;
  /** What the seed counts can decide, in words. */
  decidable: string;
  /** What the seeds can detect on C1's mean over tasks. */
  sensitivity: Sensitivity;
  claims: JudgedClaim[];
  /** The controls, each judged at its raw p: the A/A negative control, then the positive control. */
  controls: JudgedClaim[];
}

/** `e` moved by −`by`, so that "no effect" is 0 as the verdict rule wants. */
function centred(e: Estimate, by: number): Estimate {
  return { ...e, estimate: e.estimate - by, interval: e.interval && [e.interval[0] - by, e.interval[1] - by] };
}

/** `c` judged at p `pAdjusted`; seeds needed at `alpha` when inconclusive. */
function judged(c: ClaimResult, pAdjusted: number | null, alpha: number): JudgedClaim {
  if (c.test === null || pAdjusted === null) {
    return { ...c, pAdjusted: null, verdict: "inconclusive", seedsNeeded: null };
  }
  const { verdict } = claimVerdict(pAdjusted, centred(c.test.estimate, c.test.nullValue), c.direction, ALPHA);
  return { ...c, pAdjusted, verdict, seedsNeeded: verdict === "inconclusive" ? seedsNeeded(c.test, alpha) : null };
}

/** The sentence on what the units of the family's paired tests can decide at all. */
function decidability(tested: readonly ClaimResult[], family: number): string {
  const paired = tested.filter((c) => c.test!.design !== "independent").map((c) => c.test!.n);
  const least = minimumPairs(ALPHA), strictest = minimumPairs(ALPHA / Math.max(1, family));
  const rule = `An exact sign-flip test on n units cannot give p below 2/2ⁿ (0.25 at 3, 0.0625 at 5): below ` +
    `${least} units no claim can reach p < ${ALPHA}, whatever the data, and Holm's strictest step over ` +
    `${counted(family, "test")} needs ${strictest}.`;
  if (paired.length === 0) return rule;
  const small = paired.filter((n) => n < least).length;
  return `${rule} ${small} of the ${paired.length} paired and sign tests here ha${small === 1 ? "s" : "ve"} ` +
    `fewer than ${least} units (here ${Math.min(...paired)} to ${Math.max(...paired)}).`;
}

/**
 * The claims report of a suite's results; the commands of claims not run name `out` as `--out` (leave
 * it out for the project's `results`).
 */
export function claimsOf(results: SuiteResults, out?: string): ClaimsReport {
  const methods = methodsOf(results), suite = results.suite;
  const runSeeds = [...new Set(results.runs.map((r) => r.manifest.seed))].sort((a, b) => a - b);
  const ctx: ClaimContext = {
    suite,
    methods,
    base: results.base?.eval ?? null,
    tasks: tasksOf(methods),
    seeds: runSeeds.length ? runSeeds : results.base?.manifest.config.seeds ?? [1],
    gridOptions: gridOptions(results, out),
  };
  const outcomes = [...c1(ctx), c2(ctx), c3(ctx), ...c4(ctx), c5(ctx), c6(ctx)];
  const tested = outcomes.filter((c) => c.test !== null);
  const adjusted = holm(tested.map((c) => c.test!.p)), family = tested.length;
  const claims = outcomes.map((c) => {
    const i = tested.indexOf(c);
    return judged(c, i < 0 ? null : adjusted[i], ALPHA / Math.max(1, family));
  });
  const controls = [aaControl(ctx), positiveControl(ctx)];
  return {
    suite,
    rule: `${VERDICT_RULE} The p-values of the ${counted(family, "claim test")} below are ` +
      `Holm-adjusted together; the controls are judged at their raw p.`,
    family,
    decidable: decidability(tested, family),
    sensitivity: sensitivity(ctx, outcomes[0], /* C1 on the mean over tasks */ ALPHA / Math.max(1, family)),
    claims,
    controls: controls.map((c) => judged(c, c.test?.p ?? null, ALPHA)),
  };
}
