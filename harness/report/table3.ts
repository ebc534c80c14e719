/**
 * Table 3: accuracy by response length at the final evaluation, per method. For each seed the sampled
 * responses of every task are pooled into the evaluation's length bins (`TaskEvalRecord.lengthBins`):
 * a bin's accuracy is its correct responses over its responses, its share its responses over all of
 * them; the table shows each as the mean over seeds (`–` for a bin no seed has a response in), so a
 * reader sees whether longer responses pay.
 * @module
 */
import type { EvalRecord } from "../store/schema.ts";
import { formatNumber, PERCENT } from "./format.ts";
import type { Method } from "./methods.ts";
import { summarize } from "./seed_stats.ts";
import type { Table } from "./table.ts";

/** One bin of one seed, pooled over tasks: its responses, correct ones and all responses of the seed. */
interface Pooled {
  count: number;
  right: number;
  total: number;
}

/** The bins of the evaluations (by lower edge, ascending) and their labels: `0–19`, …, `100+`. */
function binsOf(methods: readonly Method[]): { lo: number; label: string }[] {
  const his = new Map<number, number | null>();
  for (const m of methods) {
    for (const e of m.finals) for (const t of e.evals) for (const b of t.lengthBins) his.set(b.lo, b.hi);
  }
  return [...his.entries()].sort((a, b) => a[0] - b[0]).map(([lo, hi]) => ({
    lo,
    label: hi === null ? `${lo}+` : `${lo}–${hi - 1}`,
  }));
}

/** A seed's responses in the bin starting at `lo`, pooled over its tasks. */
function pooled(e: EvalRecord, lo: number): Pooled {
  let count = 0, right = 0, total = 0;
  for (const t of e.evals) {
    for (const b of t.lengthBins) {
      total += b.count;
      if (b.lo !== lo) continue;
      count += b.count;
      right += b.accuracy * b.count;
    }
  }
  return { count, right, total };
}

/** Table 3 of `methods`. */
export function table3(methods: readonly Method[]): Table {
  const bins = binsOf(methods);
  const stats = methods.map((m) =>
    bins.map((b) => {
      const seeds = m.finals.map((e) => pooled(e, b.lo));
      return {
        accuracy: summarize(seeds.map((p) => (p.count ? p.right / p.count : null))),
        share: summarize(seeds.map((p) => (p.total ? p.count / p.total : null))),
      };
    })
  );
  const show = (x: number | undefined) => (x === undefined ? "–" : formatNumber(x, PERCENT));
  return {
    caption: "At the final evaluation, responses of every task pooled by length in tokens (EOS included): accuracy " +
      "in each length bin (%), and in parentheses the share of responses in it (%); means over seeds.",
    header: ["method", ...bins.map((b) => b.label)],
    groups: [methods.filter((m) => m.base), methods.filter((m) => !m.base)].filter((g) => g.length).map((g) =>
      g.map((m) => ({
        label: m.name,
        cells: stats[methods.indexOf(m)].map((s) => ({
          text: `${show(s.accuracy?.mean)} (${show(s.share?.mean)})`,
        })),
      }))
    ),
    csv: {
      header: ["method", "seeds", ...bins.flatMap((b) => [`accuracy_${b.lo}`, `share_${b.lo}`])],
      rows: methods.map((m, i) => [
        m.name,
        m.finals.length,
        ...stats[i].flatMap((s) => [s.accuracy?.mean ?? null, s.share?.mean ?? null]),
      ]),
    },
  };
}
