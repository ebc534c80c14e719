/**
 * What the runs set other than the defaults: the suite's configuration (`--steps 10`,
 * `--sentence-model`) and the parameters of baselines, given by file too (`--param hicra.alpha=0.5`). The
 * tables and the claims name a suite and a method alone, so the report says so beside them: a claim
 * about `hicra` then tests that setting, not the paper's.
 * @module
 */
import { BASELINES } from "../../baselines/mod.ts";
import { CONFIGS } from "../config.ts";
import { DEFAULT_BACKEND } from "../backend/backend.ts";
import { ENGINES } from "../rollout/engine.ts";
import { settingDifferences } from "../store/hashes.ts";
import { shellQuote } from "../core/shell_quote.ts";
import type { SuiteResults } from "../store/results.ts";
import type { RunManifest } from "../store/schema.ts";

/**
 * The settings of the suite's configuration its runs used other than the suite's own (`CONFIGS`),
 * e.g. `rl.steps=10 (suite default 60)`; empty when they are the suite's. The runs of one results folder
 * share one configuration (a bench refuses to mix them), so the first run's stands for all.
 *
 * @example
 * ```ts
 * import { loadResults } from "../store/results.ts";
 * import { configOverrides } from "./overrides.ts";
 *
 * console.log(configOverrides(await loadResults("results", "default"))); // []
 * ```
 */
export function configOverrides(results: SuiteResults): string[] {
  const run = results.runs[0]?.manifest ?? results.base?.manifest;
  if (!run || !Object.hasOwn(CONFIGS, run.suite)) return [];
  return settingDifferences(run.config, CONFIGS[run.suite]).map(([path, a, b]) => `${path}=${a} (suite default ${b})`);
}

/**
 * One phrase per baseline and setting that differs from the baseline's defaults, e.g. `hicra
 * alpha=0.5 (default 0.2) in every run` or `… in seeds 2, 3`; empty when every run used the defaults.
 *
 * @example
 * ```ts
 * import { loadResults } from "../store/results.ts";
 * import { paramOverrides } from "./overrides.ts";
 *
 * const notes = paramOverrides(await loadResults("results", "default"));
 * console.log(notes.length ? notes.join("; ") : "every run at its baseline's defaults");
 * ```
 */
export function paramOverrides(results: SuiteResults): string[] {
  const bySetting = new Map<string, { name: string; seeds: number[] }>();
  for (const { manifest: m } of results.runs) {
    const changed = changedParams(m).map(([k, v, d]) => `${k}=${v} (default ${d})`);
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

/**
 * The parameters of run `m` other than its baseline's defaults (those its manifest records, else, in a
 * folder of an earlier version, the registered baseline's), as `[key, value, default]`.
 */
function changedParams(m: RunManifest): [string, unknown, unknown][] {
  const registered = m.baseline !== null && Object.hasOwn(BASELINES, m.baseline) ? BASELINES[m.baseline].params : null;
  const defaults = m.paramDefaults ?? registered;
  if (!defaults) return [];
  return Object.entries(m.params).filter(([k, v]) => defaults[k] !== v).map(([k, v]) => [k, v, defaults[k]]);
}

/**
 * The `--param` options that give run `m`'s baseline the parameters it ran at, where they are not its
 * defaults.
 *
 * @example
 * ```ts
 * import { loadResults } from "../store/results.ts";
 * import { paramOptions } from "./overrides.ts";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * console.log(paramOptions(run.manifest)); // [] at the defaults; ["--param hicra.alpha=0.5"] for alpha 0.5
 * ```
 */
export function paramOptions(m: RunManifest): string[] {
  return changedParams(m).map(([k, v]) => `--param ${shellQuote(`${m.baseline}.${k}=${v}`)}`);
}

/**
 * The `deno task bench` options, shell-quoted, that make a bench add runs of the same grid as `results`'
 * to the same folder: `--out` (when `out` is given: the folder as that option names it), then `--steps`,
 * `--tasks`, `--sentence-model`, `--backend` and `--engine` where the runs' differ from the defaults. The
 * configuration holds a task file by its content alone: `--tasks` is then taken as the runs' own command
 * gave it (and left out when it gave none; a bench then refuses the folder as another configuration's).
 *
 * @example
 * ```ts
 * import { loadResults } from "../store/results.ts";
 * import { gridOptions } from "./overrides.ts";
 *
 * console.log(gridOptions(await loadResults("/tmp/out", "smoke"), "/tmp/out")); // e.g. ["--out /tmp/out", "--steps 2"]
 * ```
 */
export function gridOptions(results: SuiteResults, out?: string): string[] {
  const options = out === undefined ? [] : [`--out ${shellQuote(out)}`];
  const m = results.runs[0]?.manifest ?? results.base?.manifest;
  if (!m || !Object.hasOwn(CONFIGS, m.suite)) return options;
  const suite = CONFIGS[m.suite], tasks = m.config.suite.tasks.map((t) => t.name).join(",");
  if (m.config.rl.steps !== suite.rl.steps) options.push(`--steps ${m.config.rl.steps}`);
  if (m.config.suite.tasks.some((t) => t.key !== undefined)) {
    const given = optionIn(m.command, "--tasks");
    if (given !== undefined) options.push(`--tasks ${shellQuote(given)}`);
  } else if (tasks !== suite.suite.tasks.map((t) => t.name).join(",")) options.push(`--tasks ${tasks}`);
  const model = m.config.mining.sentenceModel;
  if (model !== undefined) options.push(`--sentence-model ${shellQuote(model)}`);
  if (m.backend !== DEFAULT_BACKEND) options.push(`--backend ${m.backend}`);
  if (m.engine !== ENGINES[0]) options.push(`--engine ${m.engine}`);
  return options;
}

/** The value of option `flag` in a stored command line (`--tasks a,b` or `--tasks=a,b`), or undefined. */
function optionIn(command: string, flag: string): string | undefined {
  const words = command.split(" "), at = words.indexOf(flag);
  if (at >= 0) return words[at + 1];
  return words.find((w) => w.startsWith(`${flag}=`))?.slice(flag.length + 1);
}
