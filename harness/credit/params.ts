/**
 * Baseline parameters from the command line: `--param hicra.alpha=0.3` overrides the default of
 * `alpha` in the baseline named `hicra`. A value is read by the type of the declared default:
 * numbers in decimal notation only ({@link DECIMAL}: no hex, no `Infinity`), within the range the
 * baseline declares for them (`ranges: { alpha: [0, 1] }`), booleans as `true`/`false`, strings as
 * given (a param the baseline's `planning` reads must name a mask source).
 * @module
 */
import { type BaselineDef, type ParamSpec, type ParamValue, planningSource } from "./baseline.ts";

/** Overrides by baseline name, then by parameter name. */
export type ParamOverrides = Record<string, Record<string, ParamValue>>;

/** The one syntax of a number param's value: decimal digits, an optional sign, fraction and exponent. */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Read `text` as a value of the same type as `fallback`; throws a TypeError naming `what`. */
function parseValue(what: string, text: string, fallback: ParamValue): ParamValue {
  if (typeof fallback === "number") {
    const x = Number(text);
    if (!DECIMAL.test(text) || !Number.isFinite(x)) {
      throw new TypeError(`${what} must be a number, got ${JSON.stringify(text)} (write it in decimal, e.g. 0.3)`);
    }
    return x;
  }
  if (typeof fallback === "boolean") {
    if (text !== "true" && text !== "false") {
      throw new TypeError(`${what} must be true or false, got ${JSON.stringify(text)}`);
    }
    return text === "true";
  }
  return text;
}

/** The range baseline `b` declares for param `key` (undefined: none); a TypeError when it is not [min, max] of a number param. */
function rangeOf(b: BaselineDef, key: string): readonly [number, number] | undefined {
  const range: unknown = b.ranges?.[key];
  if (range === undefined) return undefined;
  const ok = Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1];
  if (!ok || typeof b.params[key] !== "number") {
    throw new TypeError(
      `baseline ${b.name}: ranges.${key} must be [min, max] (min ≤ max) of a number param, got ${
        JSON.stringify(range)
      }`,
    );
  }
  return range as [number, number];
}

/** Throws a TypeError when `value` cannot stand for the default `fallback`, or is outside `range`. */
function checkValue(
  what: string,
  value: ParamValue,
  fallback: ParamValue,
  range: readonly [number, number] | undefined,
): void {
  if (typeof value !== typeof fallback) {
    throw new TypeError(`${what} must be a ${typeof fallback}, got ${typeof value}`);
  }
  if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`${what} must be finite, got ${value}`);
  if (range && ((value as number) < range[0] || (value as number) > range[1])) {
    throw new TypeError(`${what} must be from ${range[0]} to ${range[1]}, got ${value}`);
  }
}

/** The declared param `key` of `b`, or a TypeError listing the known keys. */
function declared(b: BaselineDef, key: string, where: string): ParamValue {
  if (!Object.hasOwn(b.params, key)) {
    const known = Object.keys(b.params);
    throw new TypeError(
      `${where}: baseline ${b.name} has no param ${JSON.stringify(key)}; ` +
        (known.length ? `its params are ${known.join(", ")}` : "it takes no params"),
    );
  }
  return b.params[key];
}

/**
 * Parse `name.key=value` arguments against the baselines of a run. Throws a TypeError for a missing
 * `=` or `.`, an unknown baseline (listing those of the run), an unknown key (listing the known ones)
 * or a value of the wrong type. A later argument for the same key wins.
 */
export function parseParamOverrides(args: readonly string[], baselines: readonly BaselineDef[]): ParamOverrides {
  const byName = new Map(baselines.map((b) => [b.name, b]));
  const out: ParamOverrides = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq < 0) throw new TypeError(`--param ${arg}: missing "=" (write baseline.key=value, e.g. hicra.alpha=0.3)`);
    const lhs = arg.slice(0, eq), text = arg.slice(eq + 1);
    const dot = lhs.indexOf(".");
    if (dot <= 0 || dot === lhs.length - 1) {
      throw new TypeError(`--param ${arg}: ${JSON.stringify(lhs)} is not baseline.key (e.g. hicra.alpha=0.3)`);
    }
    const name = lhs.slice(0, dot), key = lhs.slice(dot + 1);
    const b = byName.get(name);
    if (!b) {
      throw new TypeError(
        `--param ${arg}: no baseline ${JSON.stringify(name)} in this run; it has ${[...byName.keys()].join(", ")}`,
      );
    }
    const fallback = declared(b, key, `--param ${arg}`);
    const value = parseValue(`--param ${arg}: ${name}.${key}`, text, fallback);
    checkValue(`--param ${arg}: ${name}.${key}`, value, fallback, rangeOf(b, key));
    planningSource(b, { ...b.params, ...out[name], [key]: value }, `--param ${arg}: ${name}.${key}`);
    (out[name] ??= {})[key] = value;
  }
  return out;
}

/**
 * A baseline's defaults with `overrides` applied, each override type-checked against its default, and
 * every param with a declared range (its default too) checked against it; frozen, since every seed's run
 * and its manifest share it.
 */
export function resolveParams<P extends ParamSpec>(b: BaselineDef<P>, overrides: Record<string, ParamValue> = {}): P {
  const out: ParamSpec = { ...b.params };
  for (const [key, value] of Object.entries(overrides)) {
    const fallback = declared(b, key, `param ${b.name}.${key}`);
    checkValue(`param ${b.name}.${key}`, value, fallback, undefined);
    out[key] = value;
    planningSource(b, out, `param ${b.name}.${key}`);
  }
  for (const key of Object.keys(b.ranges ?? {})) {
    const fallback = declared(b, key, `baseline ${b.name}: ranges.${key}`);
    checkValue(`param ${b.name}.${key}`, out[key], fallback, rangeOf(b, key));
  }
  return Object.freeze(out) as P;
}
