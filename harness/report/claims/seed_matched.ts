/**
 * A claim that one method's per-run value differs from another's, on seed-matched runs: the runs of the
 * two methods are paired by RL seed (a seed only one method ran is left out, with a line), and the pairs'
 * differences go to the paired comparison. "Not run" when either method has no complete run.
 * @module
 */
import type { LoadedRun } from "../../store/results.ts";
import { type ClaimContext, type ClaimMeta, type ClaimResult, notRun, runsOf, valueOf } from "./claim.ts";
import { pairedComparison } from "./compare.ts";

/** `meta`'s claim on value(a's run) − value(b's run), seed by seed. */
export function seedMatched(
  ctx: ClaimContext,
  meta: ClaimMeta,
  a: string,
  b: string,
  value: (run: LoadedRun) => number,
): ClaimResult {
  const runsA = runsOf(ctx, a), runsB = runsOf(ctx, b);
  if (runsA.length === 0 || runsB.length === 0) return notRun(ctx, meta, [a, b]);
  const notes: string[] = [], rows: (string | number | null)[][] = [], va: number[] = [], vb: number[] = [];
  const seeds = [...new Set([...runsA, ...runsB].map((r) => r.manifest.seed))].sort((x, y) => x - y);
  for (const seed of seeds) {
    const ra = runsA.find((r) => r.manifest.seed === seed), rb = runsB.find((r) => r.manifest.seed === seed);
    if (!ra || !rb) {
      notes.push(`seed ${seed} left out: only ${ra ? a : b} ran it`);
      continue;
    }
    const x = valueOf(ra, value, notes), y = valueOf(rb, value, notes);
    rows.push([seed, x, y, x !== null && y !== null ? x - y : null]);
    if (x !== null && y !== null) {
      va.push(x);
      vb.push(y);
    }
  }
  const format = meta.format;
  const detail = { seedMatched: true, header: ["seed", a, b, `${a} − ${b}`], formats: [format, format, format], rows };
  if (va.length === 0) {
    return { ...meta, test: null, missing: "no data: no seed has a value for both", command: null, detail, notes };
  }
  return { ...meta, test: pairedComparison(va, vb, "pair"), missing: null, command: null, detail, notes };
}
