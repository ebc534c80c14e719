/**
 * The baseline contract: what a credit-assignment method sees and what it returns. A baseline says
 * only what differs from plain clipped policy gradient: per-token advantages, and optionally an extra
 * loss term, its per-token policy loss, the loss aggregation, a filter of the step's prompt groups and
 * the planning mask it reads. A baseline module `export default`s the result of {@link defineBaseline};
 * a file named on the command line is checked with {@link checkBaseline}.
 *
 * Token layout, used everywhere: a rollout's arrays are indexed by response token (the prompt is
 * excluded), so `tokens[t]`, `oldLogProbs[t]`, `entropy[t]`, `planning[t]` and the advantage
 * `advantages(ctx)[i][t]` all describe response token t of rollout i.
 * @module
 */
import { fileURLToPath } from "node:url";
import type { tf } from "../backend/backend.ts";
import { firstLine } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import { deepFrozen } from "../core/deep_frozen.ts";
import type { StepCheck } from "../../tasks/kit/task.ts";

/**
 * A 2-D float32 tensor of tfjs (`tf.Tensor2D`): one row per rollout, one column per response token.
 *
 * @example
 * ```ts
 * import { type Tensor2D, tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready();
 * const mask: Tensor2D = tf.tensor2d([[1, 1, 0]]);
 * ```
 */
export type Tensor2D = ReturnType<(typeof tf)["tensor2d"]>;

/**
 * A tfjs scalar tensor (`tf.Scalar`), what a baseline's extra loss returns.
 *
 * @example
 * ```ts
 * import { type Scalar, tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready();
 * const zero: Scalar = tf.scalar(0);
 * ```
 */
export type Scalar = ReturnType<(typeof tf)["scalar"]>;

/**
 * A per-token flag: planning token (1 / true) or not (0 / false).
 *
 * @example
 * ```ts
 * import type { Mask } from "@credit-bench/credit-bench";
 *
 * const planning: Mask = Uint8Array.of(1, 1, 0, 0);
 * ```
 */
export type Mask = Uint8Array | readonly boolean[];

/**
 * What the loop knows about one rollout; baselines never re-run the model.
 *
 * @example A baseline's scaling of each rollout's advantages by its planning share
 * ```ts
 * import type { RolloutContext } from "@credit-bench/credit-bench";
 *
 * const planningShare = (r: RolloutContext) => r.planning.filter((x) => x).length / Math.max(1, r.tokens.length);
 * ```
 */
export interface RolloutContext {
  /** Index of the rollout's prompt group in {@link BaselineContext.groups}. */
  group: number;
  /** Name of the task the prompt came from. */
  task: string;
  /** The verifier's reward. */
  reward: number;
  /** Response token ids (prompt excluded). */
  tokens: Int32Array | readonly number[];
  /** The longest response the task allows, in tokens (EOS included): a response this long was cut off. */
  maxLength: number;
  /** The rollout policy's log-probability of each response token (same length as `tokens`). */
  oldLogProbs: Float32Array;
  /** Entropy (nats) of the rollout policy's full next-token distribution at each response token. */
  entropy: Float32Array;
  /** Planning-token mask over the response tokens, from the source the baseline's `planning` names. */
  planning: Mask;
  /** The task's checks of the execution steps written in the response. */
  steps: readonly StepCheck[];
}

/**
 * Reward statistics of one prompt group (the G rollouts of one prompt).
 *
 * @example
 * ```ts
 * import { type GroupStats, groupStats } from "@credit-bench/credit-bench";
 *
 * const [g]: GroupStats[] = groupStats([{ group: 0, reward: 1 }, { group: 0, reward: 0 }]);
 * ```
 */
export interface GroupStats {
  /** Mean reward. */
  mean: number;
  /** Sample standard deviation of the rewards (divisor G − 1; 0 for a group of one or of equal rewards). */
  std: number;
  /** Number of rollouts in the group. */
  size: number;
}

/**
 * Reward statistics of every prompt group, indexed by {@link RolloutContext.group}. Groups must be
 * numbered 0..n−1 with no empty group. The std is the sample std (divisor G − 1, as torch.std in TRL
 * and verl); a group of one, or of equal rewards, has std 0 and its mean equal to every reward.
 *
 * @example
 * ```ts
 * import { groupStats } from "@credit-bench/credit-bench";
 *
 * groupStats([{ group: 0, reward: 1 }, { group: 0, reward: 0 }, { group: 1, reward: 1 }]);
 * // [{ mean: 0.5, std: 0.707…, size: 2 }, { mean: 1, std: 0, size: 1 }]
 * ```
 */
export function groupStats(rollouts: readonly Pick<RolloutContext, "group" | "reward">[]): GroupStats[] {
  const rewards: number[][] = [];
  rollouts.forEach((r, i) => {
    if (!Number.isInteger(r.group) || r.group < 0) {
      throw new RangeError(`rollout ${i}: group ${r.group} is not an index`);
    }
    if (!Number.isFinite(r.reward)) throw new RangeError(`rollout ${i}: reward ${r.reward} is not finite`);
    (rewards[r.group] ??= []).push(r.reward);
  });
  return Array.from(rewards, (rs, g) => {
    if (!rs) throw new RangeError(`group ${g} has no rollouts (groups must be numbered 0..n-1)`);
    if (rs.every((x) => x === rs[0])) return { mean: rs[0], std: 0, size: rs.length };
    const mean = rs.reduce((a, b) => a + b, 0) / rs.length;
    const ss = rs.reduce((a, b) => a + (b - mean) ** 2, 0);
    return { mean, std: Math.sqrt(ss / (rs.length - 1)), size: rs.length };
  });
}

/**
 * A parameter value: parameters are typed by their default.
 *
 * @example
 * ```ts
 * import type { ParamValue } from "@credit-bench/credit-bench";
 *
 * const values: ParamValue[] = [0.2, true, "mined"];
 * ```
 */
export type ParamValue = number | boolean | string;
/**
 * Parameter defaults by name.
 *
 * @example
 * ```ts
 * import type { ParamSpec } from "@credit-bench/credit-bench";
 *
 * const params: ParamSpec = { alpha: 0.2, stdNormalize: true, mask: "mined" };
 * ```
 */
export type ParamSpec = Record<string, ParamValue>;

/**
 * Everything a baseline's functions see at one training step.
 *
 * @example Advantages that are the raw reward on every token
 * ```ts
 * import type { BaselineContext } from "@credit-bench/credit-bench";
 *
 * const advantages = (ctx: BaselineContext) => ctx.rollouts.map((r) => new Float32Array(r.tokens.length).fill(r.reward));
 * ```
 */
export interface BaselineContext<P extends ParamSpec = ParamSpec> {
  /** The rollouts of the batch, in order. */
  rollouts: readonly RolloutContext[];
  /** Statistics of each prompt group, indexed by {@link RolloutContext.group}. */
  groups: readonly GroupStats[];
  /** The baseline's parameters: its defaults with any overrides applied. */
  params: Readonly<P>;
  /** The seeded stream all of the baseline's randomness must come from, so that runs reproduce. */
  rng: Rng;
  /**
   * The RL step (0-based), for a schedule (a warm-up, an annealed coefficient): a pure function of it
   * reproduces, where state kept between calls would not survive a resumed run.
   */
  step: number;
}

/**
 * Tensors of the current forward pass, for {@link BaselineDef.extraLoss}. Both are [rows, T]; row r
 * is rollout `rows[r]` of the context (the loop may pass a mini-batch), column t is its response
 * token t (left-aligned, T ≥ the longest response of the rows, padding after the end).
 *
 * @example An entropy bonus: minus the mean entropy of the response tokens
 * ```ts
 * import { aggregate, type LiveTensors, tf } from "@credit-bench/credit-bench";
 *
 * const bonus = (live: LiveTensors) => tf.tidy(() => aggregate(live.entropy, live.mask, "token-mean").neg());
 * ```
 */
export interface LiveTensors {
  /** Entropy of the current policy's full next-token distribution; differentiable, float32. */
  entropy: Tensor2D;
  /** 1 on response tokens, 0 on padding; float32, no gradient. */
  mask: Tensor2D;
  /** The rollout index (into `ctx.rollouts`) of each row. */
  rows: readonly number[];
}

/**
 * The name of one of the harness's aggregations of per-token losses (harness/update/aggregation.ts):
 * `token-mean` (DAPO), `sequence-mean` (GRPO as printed) or `dr-grpo` (a constant length).
 *
 * @example
 * ```ts
 * import type { Aggregation } from "@credit-bench/credit-bench";
 *
 * const mode: Aggregation = "sequence-mean";
 * ```
 */
export type Aggregation = "token-mean" | "sequence-mean" | "dr-grpo";
/** The aggregation modes, in order. */
export const AGGREGATIONS: readonly Aggregation[] = ["token-mean", "sequence-mean", "dr-grpo"];

/**
 * An aggregation as a function: per-token values [rows, T], the response-token mask and the longest
 * response allowed (the constant of `dr-grpo`) to one scalar.
 *
 * @example The sum over response tokens divided by the number of rows
 * ```ts
 * import type { Aggregator } from "@credit-bench/credit-bench";
 *
 * const perRow: Aggregator = (values, mask) => values.mul(mask).sum().div(values.shape[0]);
 * ```
 */
export type Aggregator = (values: Tensor2D, mask: Tensor2D, maxLength?: number) => Scalar;

/**
 * What a per-token policy loss sees: tensors [rows, T] of one (mini-)batch, row r being rollout
 * `rows[r]` of the step's context, column t its response token t (padding after the end).
 *
 * @example The log-ratio of the current to the rollout policy
 * ```ts
 * import type { PolicyLossInput } from "@credit-bench/credit-bench";
 *
 * const logRatio = (input: PolicyLossInput) => input.logp.sub(input.oldLogp);
 * ```
 */
export interface PolicyLossInput {
  /** Log-probabilities under the current policy (differentiable). */
  logp: Tensor2D;
  /** Log-probabilities under the rollout policy (no gradient). */
  oldLogp: Tensor2D;
  /** The baseline's per-token advantages (no gradient). */
  advantages: Tensor2D;
  /** 1 on response tokens, 0 on padding (no gradient). */
  mask: Tensor2D;
  /** Entropy of the current policy's full next-token distribution (differentiable). */
  entropy: Tensor2D;
  /** ε_low of the run's ratio clip (`rl.clipLow`). */
  clipLow: number;
  /** ε_high of the run's ratio clip (`rl.clipHigh`). */
  clipHigh: number;
  /** The rollout index (into `ctx.rollouts`) of each row. */
  rows: readonly number[];
}

/**
 * What a per-token policy loss returns, both [rows, T]: the loss of each token (aggregated by the
 * baseline's aggregation; padding is masked out there) and, optionally, 1 where the loss removed the
 * token's gradient by clipping (the step's `clipFraction` is its share of response tokens; 0 without).
 *
 * @example A plain policy gradient −r·A, nothing clipped
 * ```ts
 * import type { PolicyLossInput, PolicyLossTerms, Tensor2D } from "@credit-bench/credit-bench";
 *
 * const plain = (input: PolicyLossInput): PolicyLossTerms => ({
 *   loss: input.logp.sub(input.oldLogp).exp().mul(input.advantages).neg() as Tensor2D,
 * });
 * ```
 */
export interface PolicyLossTerms {
  /** The loss of every token. */
  loss: Tensor2D;
  /** 1 where clipping removed the token's gradient, else 0 (no gradient). */
  clipped?: Tensor2D;
}

/**
 * Where a planning-token mask comes from; a baseline's `planning` must name one.
 *
 * @example
 * ```ts
 * import { MASK_SOURCES } from "@credit-bench/credit-bench";
 *
 * MASK_SOURCES; // ["oracle", "mined", "random"]
 * ```
 */
export const MASK_SOURCES = ["oracle", "mined", "random"] as const;
/**
 * One of {@link MASK_SOURCES}.
 *
 * @example
 * ```ts
 * import type { MaskSource } from "@credit-bench/credit-bench";
 *
 * const source: MaskSource = "oracle";
 * ```
 */
export type MaskSource = typeof MASK_SOURCES[number];

/**
 * A baseline definition: what {@link defineBaseline} checks and a baseline module exports by default.
 *
 * @example
 * ```ts
 * import { type BaselineDef, grpoAdvantages } from "@credit-bench/credit-bench";
 *
 * const def: BaselineDef<{ stdNormalize: boolean }> = {
 *   name: "my_grpo",
 *   summary: "GRPO",
 *   params: { stdNormalize: true },
 *   advantages: (ctx) => grpoAdvantages(ctx, ctx.params.stdNormalize),
 * };
 * ```
 */
export interface BaselineDef<P extends ParamSpec = ParamSpec> {
  /** Unique lower_snake_case name; also the prefix of its command-line params (`hicra.alpha=0.3`). */
  name: string;
  /** One line saying what the method does. */
  summary: string;
  /** Parameter defaults; each value's type (number, boolean, string) is the parameter's type. */
  params: P;
  /** Inclusive `[min, max]` of number params, checked for every value they take (harness/credit/params.ts). */
  ranges?: { readonly [K in keyof P]?: readonly [min: number, max: number] };
  /**
   * The planning-mask source the loop puts in {@link RolloutContext.planning}, or a function of the
   * params naming it (`(p) => p.mask`, so that `--param name.mask=oracle` switches it); default `oracle`.
   */
  planning?: MaskSource | { fn(params: P): string }["fn"];
  /**
   * Drops prompt groups before the update (advantages and loss see only those kept; the step's line
   * in `train.jsonl` logs the batch before and after it); default none.
   */
  groupFilter?(ctx: BaselineContext<P>): boolean[];
  /** Per-token advantages: one Float32Array per rollout, as long as its response, all finite. */
  advantages(ctx: BaselineContext<P>): Float32Array[];
  /**
   * The per-token policy loss, computed inside the gradient tape; default the clipped objective with
   * clip-higher (`clipHigherLoss`, harness/update/policy_loss.ts).
   */
  policyLoss?(input: PolicyLossInput, ctx: BaselineContext<P>): PolicyLossTerms;
  /**
   * How the per-token losses become one number: a name (`token-mean`, the default; `sequence-mean`;
   * `dr-grpo`) or a function (harness/update/aggregation.ts holds the three as `tokenMean`, …).
   */
  aggregation?: Aggregation | Aggregator;
  /**
   * An optional term added as is to the policy-gradient loss (the loop minimises the sum), computed
   * inside the gradient tape from the live tensors of the current forward pass. A scalar not computed
   * from `live.entropy` (a value read out and put back in a tensor, a constant other than 0) is refused:
   * it would change the loss logged and not the update.
   */
  extraLoss?(ctx: BaselineContext<P>, live: LiveTensors): Scalar;
}

/**
 * A checked baseline of any parameter shape, with its aggregation resolved.
 *
 * @example
 * ```ts
 * import { type Baseline, loadBaseline } from "@credit-bench/credit-bench";
 *
 * const hicra: Baseline = await loadBaseline("hicra");
 * console.log(hicra.params, hicra.aggregation);
 * ```
 */
export type Baseline = BaselineDef & { aggregation: Aggregation | Aggregator };

const CONTRACT = "see baselines/grpo.ts for the contract";

/** Every field of a {@link BaselineDef}: a misspelt hook (`extraLos`) is refused, not silently never called. */
const FIELDS: Record<keyof BaselineDef, true> = {
  name: true,
  summary: true,
  params: true,
  ranges: true,
  planning: true,
  groupFilter: true,
  advantages: true,
  policyLoss: true,
  aggregation: true,
  extraLoss: true,
};

/** The problems with a would-be baseline definition, each a phrase; empty when it is fine. */
function problems(def: Record<string, unknown>): string[] {
  const out: string[] = [];
  const fields = Object.keys(FIELDS);
  for (const key of Object.keys(def).filter((k) => !fields.includes(k))) {
    const near = fields.find((f) => f.toLowerCase().startsWith(key.toLowerCase().slice(0, 5)));
    out.push(`has a field ${key}, which no baseline has${near ? ` (did you mean ${near}?)` : ""}`);
  }
  if (typeof def.name !== "string") out.push("has no name (a lower_snake_case string)");
  else if (!/^[a-z][a-z0-9_]*$/.test(def.name)) {
    out.push(`has name ${JSON.stringify(def.name)}, which is not lower_snake_case`);
  } else if (def.name === "base") {
    // The base model's run folders (`base-s1-…`) and its rows in the tables go by this name.
    out.push('has name "base", the base model\'s; give it a name of its own');
  }
  if (typeof def.summary !== "string" || def.summary === "") out.push("has no summary (a one-line string)");
  if (typeof def.params !== "object" || def.params === null || Array.isArray(def.params)) {
    out.push("has no params object (use params: {} for none)");
  } else {
    for (const [k, v] of Object.entries(def.params)) {
      if (!["number", "boolean", "string"].includes(typeof v)) {
        out.push(
          `has param ${k} of type ${v === null ? "null" : typeof v}; defaults must be number, boolean or string`,
        );
      } else if (typeof v === "number" && !Number.isFinite(v)) out.push(`has param ${k} = ${v}, not finite`);
    }
    if (def.planning === undefined && Object.hasOwn(def.params, "mask")) {
      out.push("has a param mask but no planning; declare planning: (p) => p.mask to read the mask it names");
    }
    if (typeof def.planning === "function" || typeof def.planning === "string") {
      const source = typeof def.planning === "function" ? def.planning(def.params) : def.planning;
      if (!(MASK_SOURCES as readonly unknown[]).includes(source)) {
        out.push(
          `has planning ${JSON.stringify(source)} at its defaults; it must be one of ${MASK_SOURCES.join(", ")}`,
        );
      }
    }
  }
  out.push(...rangeProblems(def.ranges, def.params));
  if (!["undefined", "string", "function"].includes(typeof def.planning)) {
    out.push("has a planning that is neither a mask source nor a function (params) => source");
  }
  if (typeof def.advantages !== "function") out.push("has no advantages(ctx) function");
  const hooks = {
    extraLoss: "(ctx, live) => tf.Scalar",
    policyLoss: "(input, ctx) => { loss, clipped? }",
    groupFilter: "(ctx) => boolean[]",
  };
  for (const [hook, shape] of Object.entries(hooks)) {
    if (def[hook] !== undefined && typeof def[hook] !== "function") {
      out.push(`has a ${hook} that is not a function ${shape}`);
    }
  }
  const agg = def.aggregation;
  if (agg !== undefined && typeof agg !== "function" && !(AGGREGATIONS as readonly unknown[]).includes(agg)) {
    out.push(`has aggregation ${JSON.stringify(agg)}; use one of ${AGGREGATIONS.join(", ")} or a function`);
  }
  return out;
}

/**
 * What is wrong with a definition's `ranges` against its `params`: each must be `[min, max]` (min ≤ max)
 * of a number param whose default lies in it. Checked when the file loads: at planning, a default out of
 * its own range read as a bad `--param`, and a misspelt key as a param the baseline lacks.
 */
function rangeProblems(ranges: unknown, params: unknown): string[] {
  if (ranges === undefined) return [];
  if (typeof ranges !== "object" || ranges === null || Array.isArray(ranges)) {
    return ["has ranges that are not an object { param: [min, max] }"];
  }
  const defaults = (typeof params === "object" && params !== null ? params : {}) as Record<string, unknown>;
  return Object.entries(ranges).flatMap(([key, range]): string[] => {
    if (!Object.hasOwn(defaults, key)) {
      const known = Object.keys(defaults);
      return [
        `has ranges.${key} for no param (${known.length ? `its params are ${known.join(", ")}` : "it has none"})`,
      ];
    }
    const fallback = defaults[key];
    const ok = Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1];
    if (!ok || typeof fallback !== "number") {
      return [`has ranges.${key} = ${JSON.stringify(range)}; it must be [min, max] (min ≤ max) of a number param`];
    }
    return fallback < range[0] || fallback > range[1]
      ? [`has param ${key} = ${fallback} by default, outside its own ranges.${key} [${range}]`]
      : [];
  });
}

/**
 * The planning-mask source baseline `b` reads with `params` (its `planning`, default `oracle`). Throws
 * a TypeError `<where> must be one of oracle, mined, random, got …` when it names none.
 */
export function planningSource(
  b: Pick<BaselineDef, "name" | "planning">,
  params: ParamSpec,
  where = `baseline ${b.name}: planning`,
): MaskSource {
  const source: unknown = typeof b.planning === "function" ? b.planning(params) : b.planning ?? "oracle";
  if (!(MASK_SOURCES as readonly unknown[]).includes(source)) {
    throw new TypeError(`${where} must be one of ${MASK_SOURCES.join(", ")}, got ${JSON.stringify(source)}`);
  }
  return source as MaskSource;
}

/**
 * Declare a baseline: checks the definition's shape (throwing a TypeError naming every problem) and
 * returns it with its aggregation resolved. A baseline module `export default`s the result, and its
 * path given to `--baselines` (or to `runBench`'s `baselines`) runs it.
 *
 * @example GRPO with the advantage of planning tokens doubled
 * ```ts
 * import { defineBaseline, grpoAdvantages } from "@credit-bench/credit-bench";
 *
 * export default defineBaseline({
 *   name: "plan_double",
 *   summary: "GRPO with planning tokens at twice the advantage",
 *   params: { factor: 2 },
 *   ranges: { factor: [0, 10] },
 *   planning: "mined",
 *   advantages: (ctx) =>
 *     grpoAdvantages(ctx, true).map((a, i) => a.map((x, t) => ctx.rollouts[i].planning[t] ? x * ctx.params.factor : x)),
 * });
 * ```
 */
export function defineBaseline<P extends ParamSpec>(
  def: BaselineDef<P>,
): BaselineDef<P> & { aggregation: Aggregation | Aggregator } {
  const found = problems(def as unknown as Record<string, unknown>);
  if (found.length) {
    throw new TypeError(`baseline ${def.name ?? "(unnamed)"} ${found.join("; ")}; ${CONTRACT}`);
  }
  return { ...def, aggregation: def.aggregation ?? "token-mean" };
}

/**
 * Check a module's default export loaded from `source` (a path, for messages) and return it as a
 * {@link Baseline}. Throws a TypeError such as `./my.ts: the default export has no advantages(ctx)
 * function; see baselines/grpo.ts for the contract`.
 */
export function checkBaseline(value: unknown, source: string): Baseline {
  if (value === undefined) {
    throw new TypeError(`${source}: has no default export; write export default defineBaseline({ ... }); ${CONTRACT}`);
  }
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `${source}: the default export is ${value === null ? "null" : `a ${typeof value}`}, not a baseline ` +
        `definition; ${CONTRACT}`,
    );
  }
  const found = problems(value as Record<string, unknown>);
  if (found.length) throw new TypeError(`${source}: the default export ${found.join("; ")}; ${CONTRACT}`);
  const def = value as BaselineDef;
  return { ...def, aggregation: def.aggregation ?? "token-mean" };
}

/**
 * Check advantages a baseline returned for `rollouts`: one Float32Array per rollout, each as long as
 * the rollout's response, every value finite. Returns them; throws a RangeError naming the baseline,
 * the rollout and the problem.
 */
export function checkAdvantages(
  name: string,
  advantages: unknown,
  rollouts: readonly RolloutContext[],
): Float32Array[] {
  const where = `baseline ${name}: advantages(ctx)`;
  if (advantages instanceof Promise) {
    throw new RangeError(`${where} returned a Promise (is it async?); it must return its arrays, not a Promise`);
  }
  if (!Array.isArray(advantages)) {
    throw new RangeError(`${where} returned ${advantages === null ? "null" : typeof advantages}, not an array`);
  }
  if (advantages.length !== rollouts.length) {
    throw new RangeError(`${where} returned ${advantages.length} arrays for ${rollouts.length} rollouts`);
  }
  advantages.forEach((a, i) => {
    if (!(a instanceof Float32Array)) {
      const kind = Array.isArray(a) ? "plain array" : typeof a !== "object" ? typeof a : a?.constructor?.name;
      const got = a === null ? "null" : `${/^[aeiou]/i.test(kind ?? "object") ? "an" : "a"} ${kind ?? "object"}`;
      const fix = typeof a === "number"
        ? "one advantage per rollout is spread over its tokens by broadcastToTokens(values, ctx.rollouts)"
        : "make it with Float32Array.from(…)";
      throw new RangeError(`${where}: rollout ${i}: ${got}, not a Float32Array of one advantage per token; ${fix}`);
    }
    const n = rollouts[i].tokens.length;
    if (a.length !== n) {
      throw new RangeError(`${where}: rollout ${i}: ${a.length} advantages for a response of ${n} tokens`);
    }
    const t = a.findIndex((x) => !Number.isFinite(x));
    if (t >= 0) throw new RangeError(`${where}: rollout ${i}: advantage at token ${t} is ${a[t]}`);
  });
  return advantages;
}

/**
 * Call `hook` of baseline `name` (`"advantages(ctx)"`, …) through `f`: what it throws becomes one line
 * naming the baseline and the hook, since the message alone does not say whose code it came from, and a
 * Promise it returns (an async hook) is refused the same way, for every hook.
 */
export function callHook<T>(name: string, hook: string, f: () => T): T {
  let out: T;
  try {
    out = f();
  } catch (e) {
    // Strict-mode code writing to the frozen context (an in-place sort, a param annealed) gets a TypeError.
    const readOnly = e instanceof TypeError && /read.only|not extensible|Cannot (assign|add|delete)/.test(e.message);
    const fix = readOnly ? "; ctx is read-only: change a copy ([...ctx.rollouts].sort(…), { ...ctx.params })" : "";
    const at = thrownAt(e);
    throw new Error(`baseline ${name}: ${hook} threw (${firstLine(e)})${at ? ` at ${at}` : ""}${fix}`);
  }
  // An async hook: the step cannot wait for it, and would read a Promise as its answer.
  if (out instanceof Promise) {
    out.catch(() => {}); // what it would have thrown is not this error's
    throw new RangeError(
      `baseline ${name}: ${hook} returned a Promise (is it async?); it must return its answer at once`,
    );
  }
  return out;
}

/** The harness's own code, whose lines are not where a baseline's error is. */
const HARNESS = new URL("../", import.meta.url).href;

/**
 * Where `e` was thrown in the code of a baseline (or what it imports): the first `path:line:column` of
 * its stack outside the harness and the installed packages, or null. A hook's message alone (`undefined
 * is not iterable`) does not say which of its lines it came from.
 */
function thrownAt(e: unknown): string | null {
  for (const [, url, line, column] of String((e as Error | null)?.stack).matchAll(/(file:\/\/[^\s()]+):(\d+):(\d+)/g)) {
    if (!url.startsWith(HARNESS) && !url.includes("/node_modules/")) return `${fileURLToPath(url)}:${line}:${column}`;
  }
  return null;
}

/** Call a baseline's `advantages(ctx)` and check the result with {@link checkAdvantages}. */
export function baselineAdvantages<P extends ParamSpec>(
  baseline: BaselineDef<P>,
  ctx: BaselineContext<P>,
): Float32Array[] {
  const advantages = callHook(baseline.name, "advantages(ctx)", () => baseline.advantages(ctx));
  return checkAdvantages(baseline.name, advantages, ctx.rollouts);
}

/**
 * Build the context of RL step `step`: checks that every rollout's per-token arrays are as long as its
 * response (a RangeError names the rollout and the array) and computes the group statistics. The
 * context is frozen (the list of rollouts and each rollout's fields, the group statistics, the
 * parameters; not what a rollout's fields hold, the baseline's own copies): the harness pairs the
 * baseline's answer with the rollouts in their order and lengths, and the parameters are the run's, so
 * a list sorted in place, or a parameter changed, would go unseen into the update and the stored run.
 */
export function baselineContext<P extends ParamSpec>(
  rollouts: readonly RolloutContext[],
  params: Readonly<P>,
  rng: Rng,
  step = 0,
): BaselineContext<P> {
  rollouts.forEach((r, i) => {
    const n = r.tokens.length;
    for (const key of ["oldLogProbs", "entropy", "planning"] as const) {
      if (r[key].length !== n) {
        throw new RangeError(`rollout ${i}: ${key} has ${r[key].length} values for a response of ${n} tokens`);
      }
    }
  });
  return {
    rollouts: Object.freeze(rollouts.map((r) => Object.freeze({ ...r }))),
    groups: deepFrozen(groupStats(rollouts)),
    params: Object.freeze({ ...params }),
    rng,
    step,
  };
}
