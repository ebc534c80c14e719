/**
 * A baseline's group filter (its `groupFilter` hook): which prompt groups of the step the update
 * keeps, applied to the step's context before the advantages. {@link dropEqualRewards} is DAPO's
 * dynamic sampling as a filter.
 * @module
 */
import { type BaselineContext, baselineContext, type BaselineDef, callHook, type ParamSpec } from "./baseline.ts";

/**
 * DAPO's dynamic sampling as a filter: keep the groups whose rewards differ (std > 0), drop those whose
 * rewards are all equal (they carry no signal for a group-relative advantage).
 *
 * @example
 * ```ts
 * import { defineBaseline, dropEqualRewards, grpoAdvantages } from "@credit-bench/credit-bench";
 *
 * export default defineBaseline({
 *   name: "grpo_filtered",
 *   summary: "GRPO on the groups whose rewards differ",
 *   params: {},
 *   groupFilter: dropEqualRewards,
 *   advantages: (ctx) => grpoAdvantages(ctx, true),
 * });
 * ```
 */
export function dropEqualRewards(ctx: Pick<BaselineContext, "groups">): boolean[] {
  return ctx.groups.map((g) => g.std > 0);
}

/** A context restricted to the groups a filter kept, and where its rollouts were in the context before. */
export interface FilteredContext<P extends ParamSpec> {
  /** The kept groups' rollouts, in order, groups renumbered 0, 1, …; the same params and rng. */
  ctx: BaselineContext<P>;
  /** The index in the unfiltered context of each rollout of `ctx`. */
  kept: number[];
}

/**
 * Apply `baseline.groupFilter` to `ctx`. Throws a RangeError naming the baseline when the filter does
 * not return one boolean per group.
 */
export function filterGroups<P extends ParamSpec>(
  baseline: BaselineDef<P>,
  ctx: BaselineContext<P>,
): FilteredContext<P> {
  const keep: unknown = callHook(baseline.name, "groupFilter(ctx)", () => baseline.groupFilter!(ctx));
  const n = ctx.groups.length;
  if (!Array.isArray(keep) || keep.length !== n || !keep.every((k) => typeof k === "boolean")) {
    const other = Array.isArray(keep) ? keep.find((k) => typeof k !== "boolean") : undefined;
    const got = !Array.isArray(keep)
      ? keep === null ? "null" : typeof keep
      : keep.length !== n
      ? `${keep.length} values for ${n} groups`
      : `${JSON.stringify(other)} among its values (a ${typeof other}, not true or false)`;
    throw new RangeError(
      `baseline ${baseline.name}: groupFilter(ctx) returned ${got}; it must return one boolean per group (${n})`,
    );
  }
  const renumber = new Map<number, number>();
  keep.forEach((k, g) => {
    if (k) renumber.set(g, renumber.size);
  });
  const kept = ctx.rollouts.flatMap((r, i) => renumber.has(r.group) ? [i] : []);
  const rollouts = kept.map((i) => ({ ...ctx.rollouts[i], group: renumber.get(ctx.rollouts[i].group)! }));
  return { ctx: baselineContext(rollouts, ctx.params, ctx.rng, ctx.step), kept };
}
