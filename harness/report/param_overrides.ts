/**
 * Which runs of registered baselines ran with parameters other than the registered defaults
 * (`--param hicra.alpha=0.5`). The tables and the claims name a method by its baseline alone, so the
 * report says so beside them: a claim about `hicra` then tests that setting, not the paper's.
 * @module
 */
import { BASELINES } from "../../baselines/mod.ts";
import type { SuiteResults } from "../store/results.ts";

/**
 * One phrase per baseline and setting that differs from the registered defaults, e.g. `hicra
 * alpha=0.5 (default 0.2) in every run` or `… in seeds 2, 3`; empty when every run used the defaults.
 *
 * @example
 * ```ts
 * import { loadResults } from "../store/results.ts";
 * import { paramOverrides } from "./param_overrides.ts";
 *
 * const notes = paramOverrides(await loadResults("results", "default"));
 * console.log(notes.length ? notes.join("; ") : "every run at its baseline's defaults");
 * ```
 */
export function paramOverrides(results: SuiteResults): string[] {
  const bySetting = new Map<string, { name: string; seeds: number[] }>();
  for (const { manifest: m } of results.runs) {
    const defaults = m.baseline !== null && Object.hasOwn(BASELINES, m.baseline) ? BASELINES[m.baseline].params : null;
    if (!defaults) continue;
    const changed = Object.entries(m.params).filter(([k, v]) => defaults[k] !== v)
      .map(([k, v]) => `${k}=${v} (default ${defaults[k]})`);
    if (!changed.length) continue;
    const key = `${m.baseline} ${changed.join(", ")}`;
    const entry = bySetting.get(key) ?? { name: m.baseline!, seeds: [] };
    entry.seeds.push(m.seed);
    bySetting.set(key, entry);
  }
  return [...bySetting].map(([setting, { name, seeds }]) => {
    const runs = results.runs.filter((r) => r.manifest.baseline === name).length;
    const where = seeds.length === runs ? "in every run" : `in seed${seeds.length > 1 ? "s" : ""} ${seeds.join(", ")}`;
    return `${setting} ${where}`;
  });
}
