/**
 * The hashes that name and check runs: the canonical JSON they are taken of, the grid hash (what every
 * run of a grid shares), the run hash (what makes one run, the prefix of its folder's name), and the
 * check of a manifest against both.
 * @module
 */
import { sha256 } from "../core/atomic.ts";
import { isObject } from "../core/json_object.ts";
import { runId } from "./run_folder.ts";
import { type RunManifest, STORE_VERSION } from "./schema.ts";

/** JSON with object keys sorted at every level: the canonical form that config hashes are taken of. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

/** Hex SHA-256 of the {@link canonicalJson} of `value`. */
export function hashOf(value: unknown): Promise<string> {
  return sha256(canonicalJson(value));
}

/** What every run of a grid shares besides the store version. */
export type GridKey = Pick<RunManifest, "config" | "backend" | "engine" | "tokenizer">;

/** What {@link gridHash} takes of `key` besides the store version. */
function gridShared(key: GridKey) {
  const { baselines: _b, seeds: _s, mining: { sentenceModel: _path, ...mining }, ...shared } = key.config;
  return { config: { ...shared, mining }, backend: key.backend, engine: key.engine, tokenizer: key.tokenizer };
}

/**
 * SHA-256 of what every run of a grid shares: the store version, the config less its baseline and
 * seed lists and its sentence model's path (its content key stays), the tfjs backend, the rollout engine
 * and the tokenizer id.
 */
export function gridHash(key: GridKey): Promise<string> {
  return hashOf({ storeVersion: STORE_VERSION, ...gridShared(key) });
}

/** `x` as a setting's value: `none` for undefined, a list of named things by their names, else JSON. */
function shownSetting(x: unknown): string {
  if (x === undefined) return "none";
  if (Array.isArray(x) && x.every((i) => typeof i?.name === "string")) return `[${x.map((i) => i.name).join(", ")}]`;
  return typeof x === "object" && x !== null ? canonicalJson(x) : String(x);
}

/**
 * The leaves of two settings objects that differ, under `path`, as [path, shown in `a`, shown in `b`]
 * (`none` for a setting absent, a list of named things by their names); lists of the same names are
 * compared item by item.
 *
 * @example
 * ```ts
 * import { settingDifferences } from "./hashes.ts";
 *
 * settingDifferences({ rl: { steps: 3, lr: 1 } }, { rl: { steps: 60, lr: 1 } }); // [["rl.steps", "3", "60"]]
 * ```
 */
export function settingDifferences(a: unknown, b: unknown, path = ""): [string, string, string][] {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) =>
      settingDifferences(a[k], b[k], at(k))
    );
  }
  if (Array.isArray(a) && Array.isArray(b) && shownSetting(a) === shownSetting(b) && a.some(isObject)) {
    return a.flatMap((x, i) => settingDifferences(x, b[i], at(x.name)));
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [[path, shownSetting(a), shownSetting(b)]];
}

/**
 * How two grids differ in what {@link gridHash} takes: each setting as `path=value` in `a`'s grid and in
 * `b`'s, in the same order (`rl.steps=3`, `backend=wasm`; a task list by its tasks' names, a task file's
 * by its key). Empty when they hash alike.
 *
 * @example
 * ```ts
 * import { getConfig } from "../config.ts";
 * import { gridDifferences } from "./hashes.ts";
 *
 * const cfg = getConfig("smoke"), steps = getConfig("smoke");
 * steps.rl.steps = 4;
 * const key = { config: cfg, backend: "wasm-ort", engine: "onnx" as const, tokenizer: "t" };
 * console.log(gridDifferences(key, { ...key, config: steps, backend: "wasm" }));
 * // { a: ["backend=wasm-ort", "rl.steps=3"], b: ["backend=wasm", "rl.steps=4"] }
 * ```
 */
export function gridDifferences(a: GridKey, b: GridKey): { a: string[]; b: string[] } {
  const found = settingDifferences(gridShared(a), gridShared(b)).map((
    [path, x, y],
  ) => [path.replace(/^config\./, ""), x, y]);
  return { a: found.map(([path, x]) => `${path}=${x}`), b: found.map(([path, , y]) => `${path}=${y}`) };
}

/** SHA-256 of what makes one run of grid `grid`: the base model's seed, or a baseline's code key, params and seed. */
export function runHash(
  grid: string,
  run: Pick<RunManifest, "kind" | "baseline" | "baselineKey" | "params" | "seed">,
): Promise<string> {
  return run.kind === "base"
    ? hashOf({ grid, kind: "base", seed: run.seed })
    : hashOf({ grid, baseline: run.baseline, source: run.baselineKey, params: run.params, seed: run.seed });
}

/**
 * Check a manifest against itself: its grid hash must be that of its config and backend, its config
 * hash that of its grid and run, its folder name that hash's prefix. Returns what is wrong, or null.
 * An edited or damaged manifest is caught here before its run is reused or reported.
 */
export async function manifestProblem(m: RunManifest): Promise<string | null> {
  const grid = await gridHash(m);
  if (grid !== m.gridHash) {
    return `its config, backend, engine and tokenizer hash to grid ${grid.slice(0, 8)}, not the recorded ${
      m.gridHash.slice(0, 8)
    }`;
  }
  const hash = await runHash(grid, m);
  if (hash !== m.configHash) {
    return `its run hashes to ${hash.slice(0, 8)}, not the recorded config hash ${m.configHash.slice(0, 8)}`;
  }
  const id = runId(m.kind === "base" ? "base" : m.baseline ?? "", m.seed, hash);
  return id === m.id ? null : `its run is ${id}, not ${m.id}`;
}
