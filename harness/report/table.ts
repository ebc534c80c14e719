/**
 * A report table and its renderings: Markdown (wrapped and padded as `deno fmt` does, so committed
 * copies stay stable), LaTeX booktabs, HTML and CSV (raw numbers, kept beside the display cells).
 * @module
 */

import { wrap } from "./markdown.ts";

/** One displayed cell. */
export interface Cell {
  text: string;
  bold?: boolean;
}

/** One displayed row: a label and its cells. */
export interface Row {
  label: string;
  cells: Cell[];
}

/** A table: display rows in groups (separated by rules where the format has them) and raw CSV rows. */
export interface Table {
  /** One sentence saying what the numbers are. */
  caption: string;
  /** Column headers, the label column's first. */
  header: string[];
  groups: Row[][];
  /** CSV header and rows of raw numbers (null: empty field). */
  csv: { header: string[]; rows: (string | number | null)[][] };
}

/** Markdown: the caption, a blank line and a GitHub table, label column left, the others right aligned. */
export function toMarkdown(t: Table): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const rows = [t.header.map(esc), ...t.groups.flat().map((r) => [r.label, ...r.cells.map(mdCell)].map(esc))];
  // deno fmt's narrowest columns: `---` left aligned, `-:` right aligned.
  const widths = t.header.map((_, j) => Math.max(j === 0 ? 3 : 2, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join(" | ")} |`;
  const rule = `| ${widths.map((w, j) => (j === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ")} |`;
  return [...wrap(t.caption), "", line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n") + "\n";
}

/** A Markdown cell's text: bold as `**…**`. */
function mdCell(c: Cell): string {
  return c.bold ? `**${c.text}**` : c.text;
}

const LATEX: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "&": "\\&",
  "%": "\\%",
  "$": "\\$",
  "#": "\\#",
  "_": "\\_",
  "{": "\\{",
  "}": "\\}",
  "~": "\\textasciitilde{}",
  "^": "\\textasciicircum{}",
  "±": "$\\pm$",
  "Δ": "$\\Delta$",
  "−": "$-$",
};

/** `s` with LaTeX's special characters escaped and ±, Δ and − as math. */
export function escapeLatex(s: string): string {
  return s.replace(/[\\&%$#_{}~^±Δ−]/g, (ch) => LATEX[ch]);
}

/** LaTeX: a booktabs `tabular` (needs `\usepackage{booktabs}`), the caption as a comment above it. */
export function toLatex(t: Table): string {
  const row = (cells: string[]) => `${cells.join(" & ")} \\\\`;
  const body = t.groups.map((g) =>
    g.map((r) =>
      row([
        escapeLatex(r.label),
        ...r.cells.map((c) => (c.bold ? `\\textbf{${escapeLatex(c.text)}}` : escapeLatex(c.text))),
      ])
    ).join("\n")
  );
  return [
    `% ${t.caption}`,
    `\\begin{tabular}{l${"r".repeat(t.header.length - 1)}}`,
    "\\toprule",
    row(t.header.map(escapeLatex)),
    "\\midrule",
    body.join("\n\\midrule\n"),
    "\\bottomrule",
    "\\end{tabular}",
  ].join("\n") + "\n";
}

/** `s` with HTML's special characters escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** HTML: a `<table>` with the caption, one `<tbody>` per group. */
export function toHtml(t: Table): string {
  const cell = (c: Cell) => `<td>${c.bold ? `<b>${escapeHtml(c.text)}</b>` : escapeHtml(c.text)}</td>`;
  const groups = t.groups.map((g) =>
    `<tbody>\n${
      g.map((r) => `<tr><th>${escapeHtml(r.label)}</th>${r.cells.map(cell).join("")}</tr>`).join("\n")
    }\n</tbody>`
  );
  return [
    "<table>",
    `<caption>${escapeHtml(t.caption)}</caption>`,
    `<thead><tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>`,
    ...groups,
    "</table>",
  ].join("\n");
}

/** CSV (comma-separated, fields quoted as RFC 4180 says, LF line ends): the raw header and rows, numbers in JavaScript's shortest round-trip form. */
export function toCsv(t: Table): string {
  const field = (v: string | number | null) => {
    const s = v === null ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [t.csv.header, ...t.csv.rows].map((r) => r.map(field).join(",")).join("\n") + "\n";
}
