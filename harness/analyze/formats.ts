/**
 * The JSON Lines formats `deno task analyze` reads, each line to a {@link Completion}: the documented
 * generic schema, verl's rollout dumps and credit-bench's own `rollouts.jsonl.gz`. A field of the wrong
 * kind is an {@link AnalyzeError} naming the file, the line and the field.
 * @module
 */
import { isObject } from "../core/json_object.ts";
import { decode } from "../text/tokenizer.ts";
import { AnalyzeError, type Completion } from "./completion.ts";
import { extractAnswer } from "./text.ts";

/** The answer of a credit-bench response: what follows its last `answer :`, up to `<eos>`. */
const CREDIT_BENCH_ANSWER = /answer : ([^<]*)/g;

/**
 * The input formats: `generic` and `verl` JSON Lines, `trl` Parquet, `credit-bench` rollouts.
 *
 * @example
 * ```ts
 * import { FORMATS } from "@credit-bench/credit-bench";
 *
 * FORMATS.join(", "); // "generic, verl, trl, credit-bench"
 * ```
 */
export const FORMATS = ["generic", "verl", "trl", "credit-bench"] as const;
/**
 * One of {@link FORMATS}.
 *
 * @example
 * ```ts
 * import type { Format } from "@credit-bench/credit-bench";
 *
 * const format: Format = "verl";
 * ```
 */
export type Format = typeof FORMATS[number];

/** How a line's reward becomes correctness when the dump does not say. */
export interface ReadOptions {
  /** A completion is correct when its reward is at least this (when the dump has no correctness field). */
  threshold: number;
  /** TRL: the reward columns to sum, by name, comma-separated (default: every numeric column but step and advantage). */
  rewardColumn?: string;
  /** TRL: told the reward columns a file's rewards are summed from. */
  onRewardColumns?: (columns: readonly string[]) => void;
}

/** Where a value came from, for error messages. */
export interface Place {
  file: string;
  /** `line 3` or `row 3`. */
  at: string;
}

/** A step written as text: decimal digits only. */
const DIGITS = /^[0-9]+$/;

/** A field checker bound to one place. */
export function fields(place: Place, o: Record<string, unknown>) {
  const bad = (name: string, kind: string, is = ""): never => {
    throw new AnalyzeError(
      place.file,
      `${place.at}: ${name} is not ${kind}${is}`,
      `give every record ${/^[aeiou]/.test(name) ? "an" : "a"} ${name} that is ${kind}`,
    );
  };
  const number = (name: string): number => {
    const v = o[name];
    if (typeof v === "number" && !Number.isFinite(v)) bad(name, "a finite number", ` (it is ${v})`);
    return typeof v === "number" ? v : bad(name, "a number");
  };
  return {
    number,
    /**
     * A step: a number, or a string of decimal digits (`"12"`) read as that whole number, as a dump whose
     * step column was written as text holds it; any other string is refused with its value.
     */
    step: (name: string): number => {
      const v = o[name];
      if (typeof v !== "string") return number(name);
      const digits = DIGITS.test(v);
      if (digits && Number.isSafeInteger(Number(v))) return Number(v);
      const shown = JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
      throw new AnalyzeError(
        place.file,
        `${place.at}: ${name} is ${shown}, ${
          digits
            ? `a whole number above ${Number.MAX_SAFE_INTEGER}, the largest read exactly`
            : "a string that is not a whole number in decimal digits"
        }`,
        `give every record a ${name} that is a number, or a string of decimal digits such as "12"`,
      );
    },
    string: (name: string): string => (typeof o[name] === "string" ? o[name] as string : bad(name, "a string")),
    /**
     * A completion: a string, or a conversation as TRL logs a conversational one (`[{ role, content }]`),
     * read as the contents of its assistant messages, one after the other.
     */
    completion: (name: string): string => {
      const v = o[name];
      if (typeof v === "string") return v;
      const said = Array.isArray(v) && v.every((m) => isObject(m) && typeof m.content === "string")
        ? (v as { role?: unknown; content: string }[]).filter((m) => m.role === undefined || m.role === "assistant")
        : null;
      return said?.length ? said.map((m) => m.content).join("") : bad(name, "a string or a list of assistant messages");
    },
    numbers: (name: string): number[] | undefined => {
      const v = o[name];
      if (v === undefined || v === null) return undefined;
      return Array.isArray(v) && v.every((x) => typeof x === "number") ? v : bad(name, "a list of numbers");
    },
    optional: <T>(name: string, kind: string, ok: (v: unknown) => boolean): T | undefined => {
      const v = o[name];
      if (v === undefined || v === null) return undefined;
      return ok(v) ? v as T : bad(name, kind);
    },
  };
}

/** The object of a line, or an error naming it. */
function object(place: Place, v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw new AnalyzeError(place.file, `${place.at} is not a JSON object`, "write one object per line");
  return v;
}

const isBool = (v: unknown) => typeof v === "boolean";

/** Refuse per-token lists (the present ones of `lists`) of different lengths. */
function sameLengths(place: Place, lists: Record<string, readonly unknown[] | undefined>): void {
  const given = Object.entries(lists).filter(([, v]) => v) as [string, readonly unknown[]][];
  if (given.some(([, v]) => v.length !== given[0][1].length)) {
    const said = given.map(([name, v]) => `${v.length} ${name}`).join(", ");
    throw new AnalyzeError(place.file, `${place.at} has ${said}`, "give one value a token in each per-token list");
  }
}

/**
 * A generic line: `step`, `prompt` (or `group`), `completion`, `reward` or `correct`, optional `answer`,
 * `truncated`, and per-token `tokens`, `logprobs`, `entropies`.
 */
export function genericCompletion(place: Place, v: unknown, o: ReadOptions): Completion {
  const r = object(place, v), f = fields(place, r);
  const step = f.step("step");
  const group = f.optional<string | number>(
    "group",
    "a string or a number",
    (g) => typeof g === "string" || typeof g === "number",
  );
  const prompt = group !== undefined ? JSON.stringify(group) : f.string("prompt"); // group 1 is not group "1"
  const text = f.completion("completion");
  const correctField = f.optional<boolean>("correct", "true or false", isBool);
  // null (or Python's NaN): a dump's "not scored", as a missing field.
  const noReward = r.reward === undefined || r.reward === null || Number.isNaN(r.reward);
  if (noReward && correctField === undefined) {
    throw new AnalyzeError(
      place.file,
      `${place.at} has neither reward nor correct`,
      "give every line a reward or correct",
    );
  }
  const reward = noReward ? (correctField ? 1 : 0) : f.number("reward");
  const tokens = f.optional<string[]>(
    "tokens",
    "a list of strings",
    (t) => Array.isArray(t) && t.every((x) => typeof x === "string"),
  );
  const logprobs = f.numbers("logprobs"), entropies = f.numbers("entropies");
  sameLengths(place, { tokens, logprobs, entropies });
  // A log-probability above 0 or an entropy below 0 is no such thing (probabilities given as logprobs, say).
  const wrong = (xs: number[] | undefined, bad: (x: number) => boolean) =>
    xs?.find((x) => !Number.isFinite(x) || bad(x));
  const lp = wrong(logprobs, (x) => x > 0), en = wrong(entropies, (x) => x < 0);
  if (lp !== undefined) {
    throw new AnalyzeError(
      place.file,
      `${place.at}: logprobs has ${lp}`,
      Number.isFinite(lp) ? "give log-probabilities (≤ 0), not probabilities" : "give finite log-probabilities",
    );
  }
  if (en !== undefined) throw new AnalyzeError(place.file, `${place.at}: entropies has ${en}`, "give entropies (≥ 0)");
  return {
    step,
    prompt,
    text,
    reward,
    correct: correctField ?? reward >= o.threshold,
    answer: f.optional<string>("answer", "a string", (a) => typeof a === "string"),
    truncated: f.optional<boolean>("truncated", "true or false", isBool),
    tokens,
    logprobs,
    entropies,
  };
}

/**
 * A verl line (`rollout_data_dir`): `input`, `output`, `score`, `step`, `gts`; the `reward_extra_info` keys,
 * which verl writes at the top level of the line, `acc` (the correctness: true, false, 1 or 0) and `pred`
 * (the extracted answer) are read when present.
 */
export function verlCompletion(place: Place, v: unknown, o: ReadOptions): Completion {
  const r = object(place, v), f = fields(place, r);
  const reward = f.number("score");
  const acc = f.optional<boolean | number>("acc", "true, false, 1 or 0", (a) => isBool(a) || a === 0 || a === 1);
  return {
    step: f.step("step"),
    prompt: f.string("input"),
    text: f.string("output"),
    reward,
    correct: acc === undefined ? reward >= o.threshold : Boolean(acc),
    answer: f.optional<string>("pred", "a string", (p) => typeof p === "string"),
  };
}

/** A line of credit-bench's `rollouts.jsonl.gz` (`RolloutRecord`): token ids decoded with the suite's vocabulary. */
export function creditBenchCompletion(place: Place, v: unknown): Completion {
  const r = object(place, v), f = fields(place, r);
  const ids = f.numbers("tokens");
  if (!ids) {
    throw new AnalyzeError(
      place.file,
      `${place.at}: tokens is not a list of numbers`,
      "give the rollouts.jsonl.gz of a credit-bench run",
    );
  }
  let words: string[];
  try {
    words = decode(ids).split(" ");
  } catch (e) {
    throw new AnalyzeError(
      place.file,
      `${place.at}: ${(e as Error).message}`,
      "give the rollouts.jsonl.gz of a credit-bench run",
    );
  }
  const tokens = words.map((w, i) => (i ? ` ${w}` : w)), text = tokens.join("");
  const logprobs = f.numbers("logp"), entropies = f.numbers("entropy");
  sameLengths(place, { tokens, logp: logprobs, entropy: entropies });
  return {
    step: f.number("step"),
    prompt: String(f.number("group")),
    text,
    answer: extractAnswer(text, CREDIT_BENCH_ANSWER),
    reward: f.number("reward"),
    correct: f.optional<boolean>("correct", "true or false", isBool) ?? false,
    truncated: ((done) => (done === undefined ? undefined : !done))(
      f.optional<boolean>("finished", "true or false", isBool),
    ),
    tokens,
    logprobs,
    entropies,
  };
}
