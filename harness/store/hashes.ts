/**
 * The hashes that name and check runs: the canonical JSON they are taken of, the grid hash (what every
 * run of a grid shares), the run hash (what makes one run, the prefix of its folder's name), and the
 * check of a manifest against both.
 * @module
 */
import { sha256 } from "../core/atomic.ts";
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

/**
 * SHA-256 of what every run of a grid shares: the store version, the config less its baseline and
 * seed lists and its sentence model's path (its content key stays), the tfjs backend, the rollout engine
 * and the tokenizer id.
 */
export function gridHash(key: GridKey): Promise<string> {
  const { baselines: _b, seeds: _s, mining: { sentenceModel: _path, ...mining }, ...shared } = key.config;
  return hashOf({
    storeVersion: STORE_VERSION,
    config: { ...shared, mining },
    backend: key.backend,
    engine: key.engine,
    tokenizer: key.tokenizer,
  });
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
