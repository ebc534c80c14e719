/**
 * The registered baselines, by name, and {@link loadBaseline}, which also loads a baseline file from
 * anywhere (`--baselines ./my_method.ts`).
 * @module
 */
import { importDefault, isPath } from "../harness/core/module_file.ts";
import { deepFrozen } from "../harness/core/deep_frozen.ts";
import { type Baseline, checkBaseline } from "../harness/credit/baseline.ts";
import clip_cov from "./clip_cov.ts";
import dapo from "./dapo.ts";
import dr_grpo from "./dr_grpo.ts";
import entropy_adv from "./entropy_adv.ts";
import entropy_reg from "./entropy_reg.ts";
import fork_tokens from "./fork_tokens.ts";
import grpo from "./grpo.ts";
import grpo_half_signal from "./grpo_half_signal.ts";
import gspo from "./gspo.ts";
import gtpo from "./gtpo.ts";
import hicra from "./hicra.ts";
import kl_cov from "./kl_cov.ts";
import maxrl from "./maxrl.ts";
import placebo_hicra from "./placebo_hicra.ts";

/**
 * The built-in baselines by name, in report order, frozen through and through: the report names a run's
 * parameters by how they differ from these, so a change in place (`BASELINES.hicra.params.alpha = 0.5`)
 * would hide itself; it throws a TypeError. `--param` (and `params` of `runBench`) sets them per run.
 *
 * @example
 * ```ts
 * import { BASELINES } from "@credit-bench/credit-bench";
 *
 * for (const b of Object.values(BASELINES)) console.log(b.name, b.summary, b.params);
 * ```
 */
export const BASELINES: Readonly<Record<string, Baseline>> = deepFrozen(Object.fromEntries(
  [
    grpo,
    hicra,
    entropy_reg,
    entropy_adv,
    fork_tokens,
    dr_grpo,
    placebo_hicra,
    gspo,
    dapo,
    clip_cov,
    kl_cov,
    gtpo,
    maxrl,
    grpo_half_signal,
  ].map((b) => [b.name, b]),
));

/**
 * A baseline by registered name, or by path (relative to the working directory, absolute, or a file
 * URL) of a module whose default export is a baseline definition. Throws an Error for an unknown name
 * (listing the known ones), a missing file, a file that throws on import (with the thrown message), a
 * default export that breaks the contract (see {@link checkBaseline}), or a file whose baseline takes a
 * registered baseline's name (its runs would be reported as that baseline's). With `instance`, a file
 * is imported as a module of its own for each value (harness/core/module_file.ts `importDefault`).
 *
 * @example
 * ```ts
 * import { loadBaseline } from "@credit-bench/credit-bench";
 *
 * const grpo = await loadBaseline("grpo");
 * const mine = await loadBaseline("./my_method.ts");
 * ```
 */
export async function loadBaseline(nameOrPath: string, instance?: string): Promise<Baseline> {
  if (!isPath(nameOrPath)) {
    if (Object.hasOwn(BASELINES, nameOrPath)) return BASELINES[nameOrPath]; // not `constructor` and the like
    throw new Error(
      `unknown baseline ${JSON.stringify(nameOrPath)}; known: ${Object.keys(BASELINES).join(", ")}; ` +
        `or give the path of a baseline file (e.g. ./my_method.ts)`,
    );
  }
  const value = await importDefault(nameOrPath, "baseline", instance), b = checkBaseline(value, nameOrPath);
  // A file may name a registered baseline only when it is that baseline's own file (the same module).
  if (Object.hasOwn(BASELINES, b.name) && BASELINES[b.name] !== value) {
    throw new Error(
      `baseline file ${nameOrPath} defines baseline ${b.name}, the name of a registered baseline, whose results it ` +
        `would be reported as; give its baseline a name of its own`,
    );
  }
  return b;
}
