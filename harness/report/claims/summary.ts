/**
 * The claims at a glance, read from a stored `claims.json`: one Markdown table row per claim and control
 * (the estimate with its interval as the report shows it, the p its verdict rests on, the verdict), then
 * the sensitivity sentence. The README quotes the reference suites' results through it, so its prose
 * about them is read off the claims report, not written by hand (bench/readme_claims.ts rewrites the
 * README's blocks; tests/readme_test.ts checks they are current).
 * @module
 */

/** What the summary reads of one claim in `claims.json`. */
interface StoredClaim {
  label: string;
  shown: string;
  status: string;
  pAdjusted: number | null;
  verdict: string;
}

/** What the summary reads of `claims.json`. */
export interface StoredClaims {
  suite: string;
  sensitivity: { text: string };
  claims: StoredClaim[];
  controls: StoredClaim[];
}

/** A table row: the claim, its estimate [95% CI], the p its verdict rests on, the verdict. */
function row(c: StoredClaim): string {
  const p = c.pAdjusted === null ? "–" : String(Number(c.pAdjusted.toPrecision(2)));
  const verdict = c.status === "tested" ? c.verdict : c.status;
  return `| ${c.label} | ${c.shown} | ${p} | ${verdict} |`;
}

/**
 * The summary of a parsed `claims.json`: a Markdown table (controls last, at their raw p; the claims at
 * their Holm-adjusted p), a blank line, the sensitivity sentence.
 */
export function claimsSummary(stored: StoredClaims): string {
  return [
    "| claim | estimate [95% CI] | p | verdict |",
    "| --- | --- | --- | --- |",
    ...[...stored.claims, ...stored.controls].map(row),
    "",
    stored.sensitivity.text,
  ].join("\n");
}

/** A README block the claims summary of a suite fills: `<!-- claims: SUITE -->` … `<!-- /claims -->`. */
const BLOCK = /<!-- claims: ([\w-]+) -->\n[\s\S]*?<!-- \/claims -->/g;

/**
 * `readme` with each claims block refilled from `stored(suite)` (the parsed `results/SUITE/claims.json`),
 * and the suites it found. Throws when a block's suite has no stored claims.
 */
export function withClaimsBlocks(
  readme: string,
  stored: (suite: string) => StoredClaims,
): { text: string; suites: string[] } {
  const suites: string[] = [];
  const text = readme.replace(BLOCK, (_, suite: string) => {
    suites.push(suite);
    return `<!-- claims: ${suite} -->\n\n${claimsSummary(stored(suite))}\n\n<!-- /claims -->`;
  });
  return { text, suites };
}
