/**
 * The claims report in its four forms: `claims.md` (the rule, what the seeds can decide and detect, the
 * claims table, the claims not run with their commands, the two controls, the per-seed and per-run values, each
 * claim's definition and verdict, the runs left out; prose wrapped as `deno fmt` leaves it), `claims.tex`
 * (the two tables, booktabs), `claims.json` (everything, raw numbers) and the claims section of
 * `index.html`.
 * @module
 */
import { formatNumber, type NumberFormat } from "../format.ts";
import { wrap } from "../markdown.ts";
import { escapeHtml, type Row, type Table, toHtml, toLatex, toMarkdown } from "../table.ts";
import type { JudgedClaim } from "./claim.ts";
import { ALPHA, type ClaimsReport } from "./claims.ts";
import { minimumPairs } from "../../stats/power.ts";

/** `x` shown in format `f`, a leading minus as a minus sign. */
function num(x: number, f: NumberFormat): string {
  return formatNumber(x, f).replace(/^-/, "−");
}

/** A p-value with two significant digits. */
function pText(p: number): string {
  return String(Number(p.toPrecision(2)));
}

/** The estimate with its interval, or with the reason it has none. */
function estimateText(c: JudgedClaim): string {
  if (c.test === null) return "–";
  const e = c.test.estimate, x = num(e.estimate, c.format);
  return e.interval === null
    ? `${x} (${e.reason ?? "no interval"})`
    : `${x} [${num(e.interval[0], c.format)}, ${num(e.interval[1], c.format)}]`;
}

/** The verdict as shown: `not run` for a claim whose baselines did not run. */
function verdictText(c: JudgedClaim): string {
  return c.missing?.startsWith("not run") ? "not run" : c.verdict;
}

/** Why the verdict, in the claim's units: the p (raw for a control) against α and where the interval lies. */
function reasonText(c: JudgedClaim, control: boolean): string {
  const t = c.test;
  if (t === null || c.pAdjusted === null) return c.missing ?? "no test";
  const e = t.estimate;
  if (e.interval === null) return e.reason ?? "no interval";
  const which = control ? "p" : "p (Holm)";
  const p = `${which} = ${pText(c.pAdjusted)} ${c.pAdjusted < ALPHA ? "<" : "≥"} ${ALPHA}`;
  const [lo, hi] = e.interval, at = t.nullValue === 0 ? "0" : num(t.nullValue, c.format);
  const range = `[${num(lo, c.format)}, ${num(hi, c.format)}]`;
  const where = lo > t.nullValue ? `lies above ${at}` : hi < t.nullValue ? `lies below ${at}` : `contains ${at}`;
  return `${p}; the interval ${range} ${where}`;
}

/** Seeds needed: a count, ∞ when no effect was seen, – when decided or unknown. */
function seedsText(c: JudgedClaim): string {
  if (c.seedsNeeded === null) return "–";
  return Number.isFinite(c.seedsNeeded) ? String(c.seedsNeeded) : "∞";
}

/** A claim's row of the claims table; `holm` false for the control, judged at its raw p. */
function row(c: JudgedClaim, holm: boolean): Row {
  const t = c.test;
  const cells = [
    c.quantity,
    estimateText(c),
    t ? t.test : c.missing!.replace(/:.*/, ""),
    t ? pText(t.p) : "–",
    c.pAdjusted === null || !holm ? "–" : pText(c.pAdjusted),
    t?.hedgesG == null ? "–" : num(t.hedgesG, { scale: 1, digits: 2 }),
    verdictText(c),
    seedsText(c),
  ];
  return { label: c.label, cells: cells.map((text) => ({ text, bold: text === "supported" || text === "refuted" })) };
}

const HEADER = ["claim", "compared", "estimate [95% CI]", "test", "p", "p (Holm)", "Hedges' g", "verdict", "seeds"];

/** The claims table. */
function claimsTable(r: ClaimsReport): Table {
  return {
    caption: `The paper's claims tested across seeds: the estimate with its 95% percentile bootstrap interval, ` +
      `the test and its units, the raw and Holm-adjusted two-sided p (family of ${r.family}), Hedges' g (g_z ` +
      `when paired), the verdict at α = ${ALPHA}, and when inconclusive the seeds (pairs; runs for C2 and C3) ` +
      `for 80% power at the observed g, two-sided at α/${Math.max(1, r.family)} (–: decided, or no g with fewer ` +
      `than 3 units or no spread).`,
    header: HEADER,
    groups: [r.claims.map((c) => row(c, true))],
    csv: { header: [], rows: [] },
  };
}

/** The controls' table. */
function controlTable(r: ClaimsReport): Table {
  return {
    caption: `Controls, each at its raw p (α = ${ALPHA}). Negative (A/A): GRPO's runs split into two disjoint ` +
      "halves of seeds under two names, compared unpaired; it must be inconclusive. Positive (P): GRPO against " +
      "grpo_half_signal (GRPO with the advantages of a random half of the groups set to 0), seed-matched; it " +
      "must be supported once there are enough seeds.",
    header: HEADER,
    groups: [r.controls.map((c) => row(c, false))],
    csv: { header: [], rows: [] },
  };
}

/** A control's outcome in one sentence: the negative one must be inconclusive, the positive one supported. */
function controlOutcome(c: JudgedClaim): string {
  const name = c.id === "A/A" ? "The A/A control" : "The positive control";
  if (c.test === null) return `${name} did not run (${c.missing?.replace(/^not run: /, "")}): run \`${c.command}\`.`;
  const why = reasonText(c, true);
  if (c.id === "A/A") {
    return c.verdict === "inconclusive"
      ? `${name}: inconclusive, as it must be (${why}).`
      : `${name}: FALSE POSITIVE: the verdict rule found a difference between two halves of one method (${why}).`;
  }
  if (c.verdict === "supported") return `${name}: supported, as it must be (${why}).`;
  if (c.verdict === "refuted") return `${name}: FAILED: the handicapped method came out better (${why}).`;
  const least = minimumPairs(ALPHA);
  return c.test.n < least
    ? `${name}: inconclusive: ${c.test.n} pairs cannot decide at all (the exact test needs ${least}; ${why}).`
    : `${name}: MISSED: the harness did not detect the handicap (${why}).`;
}

/** A cell of per-unit values: a number in its column's format (null: as it is), `–` for none. */
function unitCell(v: string | number | null, f: NumberFormat | null): string {
  return v === null ? "–" : typeof v === "string" || f === null ? String(v) : num(v, f);
}

/** The seed-matched claims' differences, seed by seed, in one table; null when there is none. */
function seedTable(r: ClaimsReport): Table | null {
  const claims = [...r.claims, ...r.controls].filter((c) => c.detail.seedMatched && c.detail.rows.length > 0);
  if (claims.length === 0) return null;
  const seeds = [...new Set(claims.flatMap((c) => c.detail.rows.map((x) => x[0] as number)))].sort((a, b) => a - b);
  return {
    caption: "Per RL seed, each seed-matched claim's difference (the claims table's units; – where a run lacks a " +
      "value); each method's own values are in claims.json.",
    header: ["seed", ...claims.map((c) => c.label)],
    groups: [seeds.map((seed) => ({
      label: String(seed),
      cells: claims.map((c) => {
        const x = c.detail.rows.find((row) => row[0] === seed);
        return { text: unitCell(x ? x[x.length - 1] : null, c.format) };
      }),
    }))],
    csv: { header: [], rows: [] },
  };
}

/** A claim's per-unit values as a table. */
function detailTable(c: JudgedClaim): Table {
  return {
    caption: `${c.label}: per run.`,
    header: c.detail.header,
    groups: [c.detail.rows.map(([label, ...cells]) => ({
      label: String(label),
      cells: cells.map((v, j) => ({ text: unitCell(v, c.detail.formats[j]) })),
    }))],
    csv: { header: [], rows: [] },
  };
}

/** The claims not run, each with its command. */
function notRunLines(r: ClaimsReport): string[] {
  return r.claims.filter((c) => c.command !== null).map((c) => `${c.label}: ${c.missing}; run \`${c.command}\``);
}

/** Every run left out of a claim, with the claim. */
function leftOut(r: ClaimsReport): string[] {
  return [...r.claims, ...r.controls].flatMap((c) => c.notes.map((n) => `${c.label}: ${n}`));
}

/** Each claim's definition and verdict, one line each. */
function definitions(r: ClaimsReport): string[] {
  const line = (c: JudgedClaim, control: boolean) =>
    `${c.label} (${c.statement}): ${c.definition}. Verdict: ${verdictText(c)} (${reasonText(c, control)}).`;
  return [...r.claims.map((c) => line(c, false)), ...r.controls.map((c) => line(c, true))];
}

/** The sentence on settings other than the defaults (the suite's configuration, baselines' params), for the claims and the page. */
export function overridesSentence(overrides: readonly string[]): string {
  return `Settings other than the defaults: ${overrides.join("; ")}. ` +
    "The tables and claims are about these settings, not the defaults.";
}

/** `claims.md`; `overrides` are the runs' settings other than the defaults (harness/report/overrides.ts). */
export function claimsMarkdown(r: ClaimsReport, command: string, overrides: readonly string[] = []): string {
  const paragraph = (text: string) => [...wrap(text), ""];
  const list = (items: string[]) => [...items.flatMap((item) => wrap(item, undefined, "- ", "  ")), ""];
  const table = (t: Table) => toMarkdown(t).split("\n"); // its lines, then a blank one
  const out = [
    `# Claims: suite ${r.suite}`,
    "",
    ...paragraph(`Made by \`${command}\` from the stored runs. Rule: ${r.rule}`),
    ...(overrides.length ? paragraph(overridesSentence(overrides)) : []),
    ...paragraph(r.decidable),
    ...paragraph(r.sensitivity.text),
    ...table(claimsTable(r)),
  ];
  const notRun = notRunLines(r);
  if (notRun.length) out.push("## Not run", "", ...list(notRun));
  out.push("## Controls", "", ...table(controlTable(r)), ...r.controls.flatMap((c) => paragraph(controlOutcome(c))));
  const perUnit = [
    seedTable(r),
    ...[...r.claims, ...r.controls].filter((c) => !c.detail.seedMatched && c.detail.rows.length)
      .map(detailTable),
  ].filter((t): t is Table => t !== null);
  if (perUnit.length) out.push("## Per-seed and per-run values", "", ...perUnit.flatMap(table));
  out.push("## Definitions and verdicts", "", ...list(definitions(r)));
  const notes = leftOut(r);
  if (notes.length) out.push("## Left out", "", ...list(notes));
  return out.slice(0, -1).join("\n") + "\n";
}

/** `claims.tex`: the claims table and the controls', booktabs. */
export function claimsLatex(r: ClaimsReport): string {
  return `% ${r.rule}\n${toLatex(claimsTable(r))}\n${toLatex(controlTable(r))}`;
}

/** A claim as JSON: every field, non-finite numbers as null; its estimate as the table shows it. */
function claimJson(c: JudgedClaim, control: boolean): unknown {
  const t = c.test;
  return {
    id: c.id,
    label: c.label,
    statement: c.statement,
    definition: c.definition,
    quantity: c.quantity,
    direction: c.direction,
    shown: estimateText(c),
    status: c.missing === null ? "tested" : c.missing.replace(/:.*/, ""),
    missing: c.missing,
    command: c.command,
    test: t && {
      design: t.design,
      test: t.test,
      n: t.n,
      nullValue: t.nullValue,
      estimate: t.estimate.estimate,
      interval: t.estimate.interval,
      level: t.estimate.level,
      intervalReason: t.estimate.reason,
      p: t.p,
      hedgesG: t.hedgesG,
    },
    pAdjusted: c.pAdjusted,
    verdict: c.verdict,
    reason: reasonText(c, control),
    seedsNeeded: c.seedsNeeded !== null && Number.isFinite(c.seedsNeeded) ? c.seedsNeeded : null,
    detail: { header: c.detail.header, rows: c.detail.rows },
    notes: c.notes,
  };
}

/** `claims.json`. */
export function claimsJson(r: ClaimsReport): string {
  const { gain, pairs, std, mde, pairsForHalfGain, warning, text } = r.sensitivity;
  const report = {
    suite: r.suite,
    rule: r.rule,
    alpha: ALPHA,
    family: r.family,
    decidable: r.decidable,
    sensitivity: {
      gain,
      pairs,
      std,
      mde: mde !== null && Number.isFinite(mde) ? mde : null,
      pairsForHalfGain,
      ...(warning ? { warning } : {}), // only when there is one: the reference suites' claims.json stay as they were
      text,
    },
    claims: r.claims.map((c) => claimJson(c, false)),
    controls: r.controls.map((c) => claimJson(c, true)),
  };
  return JSON.stringify(report, null, 2) + "\n";
}

/** The claims section of `index.html`. */
export function claimsHtml(r: ClaimsReport): string {
  const list = (lines: string[]) => ["<ul>", ...lines.map((l) => `<li>${escapeHtml(l)}</li>`), "</ul>"];
  const notRun = notRunLines(r), notes = leftOut(r), seeds = seedTable(r);
  return [
    '<h2 id="claims">Claims</h2>',
    `<p>${escapeHtml(`Rule: ${r.rule}`)}</p>`,
    `<p>${escapeHtml(r.decidable)}</p>`,
    `<p>${escapeHtml(r.sensitivity.text)}</p>`,
    toHtml(claimsTable(r)),
    ...(notRun.length ? ["<h3>Not run</h3>", ...list(notRun)] : []),
    "<h3>Controls</h3>",
    toHtml(controlTable(r)),
    ...r.controls.map((c) => `<p>${escapeHtml(controlOutcome(c))}</p>`),
    ...(seeds ? ["<h3>Per-seed differences</h3>", toHtml(seeds)] : []),
    "<h3>Definitions and verdicts</h3>",
    ...list(definitions(r)),
    ...(notes.length ? ["<h3>Left out</h3>", ...list(notes)] : []),
  ].join("\n");
}
