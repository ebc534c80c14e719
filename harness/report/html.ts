/**
 * The report page, `index.html`: the command that made it, the tables, the claims, the figures (inlined, so the
 * page is one self-contained file with no network resource), and every run with its config hash,
 * plus the folders left out and why.
 * @module
 */
import type { SuiteResults } from "../store/results.ts";
import type { RunManifest } from "../store/schema.ts";
import { escapeHtml, type Table, toHtml } from "./table.ts";

/** What the page shows. */
export interface Page {
  suite: string;
  /** The command line that made the report. */
  command: string;
  tables: { title: string; table: Table }[];
  /** The claims section, HTML. */
  claims: string;
  /** Figures: file name (without `.svg`) and SVG document. */
  figures: { name: string; svg: string }[];
  /** The figures not drawn, each `<file>: why` (a figure gone without a word reads as a bug). */
  notDrawn: string[];
  results: SuiteResults;
  /** The sentence on settings other than the defaults; null when every run used them. */
  overrides: string | null;
}

const STYLE = `body { font-family: sans-serif; margin: 2em auto; max-width: 80em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
caption { caption-side: bottom; text-align: left; padding-top: 0.4em; color: #555; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #ddd; }
td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { text-align: left; }
thead th { border-bottom: 2px solid #222; }
tbody + tbody { border-top: 2px solid #888; }
figure { display: inline-block; margin: 1em 1em 1em 0; vertical-align: top; }
figure svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0 0.2em; }`;

/** `svg` with every id (and every reference to one) prefixed, so figures inlined in one page never share an id. */
export function scopeIds(svg: string, prefix: string): string {
  return svg.replace(/(\bid="|url\(#|href="#)([^")]+)/g, (_, lead: string, id: string) => `${lead}${prefix}-${id}`);
}

/**
 * A run's sessions as the runs table shows them: each session's commit and command (a resumed run's
 * earlier sessions first), a session repeating the one before it in both shown once; the two columns'
 * lines pair up.
 */
function sessionLines(m: RunManifest): { commits: string; commands: string } {
  const all = [...(m.earlier ?? []), m].map((s) => ({ commit: s.gitCommit ?? "–", command: s.command }));
  const shown = all.filter((s, i) => i === 0 || s.commit !== all[i - 1].commit || s.command !== all[i - 1].command);
  const lines = (f: (s: typeof all[number]) => string) =>
    shown.map((s) => `<code>${escapeHtml(f(s))}</code>`).join("<br>");
  return { commits: lines((s) => s.commit), commands: lines((s) => s.command) };
}

/**
 * The runs table: id, method, seed, config and grid hashes, git commit and the command of each folder
 * (of each of its sessions, for a run resumed with other code or another command).
 */
function runsTable(r: SuiteResults): string {
  const all = [...(r.base ? [r.base] : []), ...r.runs];
  const rows = all.map(({ manifest: m }) => {
    const { commits, commands } = sessionLines(m);
    return `<tr><th><code>${escapeHtml(m.id)}</code></th><td>${escapeHtml(m.baseline ?? "base")}</td>` +
      `<td>${m.seed}</td><td><code>${escapeHtml(m.configHash)}</code></td>` +
      `<td><code>${escapeHtml(m.gridHash)}</code></td><td>${commits}</td><td>${commands}</td></tr>`;
  });
  return [
    '<table class="runs">',
    "<thead><tr><th>run</th><th>method</th><th>seed</th><th>config hash</th><th>grid hash</th>" +
    "<th>git commit</th><th>command</th></tr></thead>",
    "<tbody>",
    ...rows,
    "</tbody>",
    "</table>",
  ].join("\n");
}

/** A self-contained HTML document: the report's style, `title` as its title and first heading, then `body`. */
export function htmlDocument(title: string, body: readonly string[]): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    ...body,
    "</body>",
    "</html>",
  ].join("\n") + "\n";
}

/** A figure inlined in a page, its ids scoped by its name, with its file name as caption. */
export function figureHtml(f: { name: string; svg: string }): string {
  return `<figure id="${escapeHtml(f.name)}">\n${scopeIds(f.svg, f.name)}\n` +
    `<figcaption><code>figures/${escapeHtml(f.name)}.svg</code></figcaption>\n</figure>`;
}

/** The HTML document of `page`. */
export function indexHtml(page: Page): string {
  const title = `credit-bench report: suite ${page.suite}`;
  const skipped = page.results.skipped.length === 0 ? [] : [
    "<h2>Left out</h2>",
    "<ul>",
    ...page.results.skipped.map((s) =>
      `<li><code>runs/${escapeHtml(s.dir.slice(s.dir.lastIndexOf("/") + 1))}</code>: ${escapeHtml(s.reason)}</li>`
    ),
    "</ul>",
  ];
  return htmlDocument(title, [
    `<p>Made by <code>${escapeHtml(page.command)}</code> from the runs listed below.</p>`,
    ...(page.overrides === null ? [] : [`<p>${escapeHtml(page.overrides)}</p>`]),
    ...page.tables.flatMap((t) => [`<h2>${escapeHtml(t.title)}</h2>`, toHtml(t.table)]),
    page.claims,
    "<h2>Figures</h2>",
    ...page.figures.map(figureHtml),
    ...(page.notDrawn.length
      ? ["<p>Not drawn:</p>", "<ul>", ...page.notDrawn.map((n) => `<li>${escapeHtml(n)}</li>`), "</ul>"]
      : []),
    "<h2>Runs</h2>",
    runsTable(page.results),
    ...skipped,
  ]);
}
