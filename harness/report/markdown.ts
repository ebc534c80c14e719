/**
 * Markdown prose wrapped as `deno fmt` wraps it (line width 120), so that a committed report stays as the
 * formatter leaves it: words (an inline code span counts as one) filled greedily into lines of at most the
 * width, a longer word alone on its line, and a word that would start a line as a list marker (`-`, `+`,
 * `*`, `1.`, `1)`) taken down together with the word before it. Text must not put `#` or `>` where a line
 * could start: the formatter reads those as a heading or a quote.
 * @module
 */

/** The formatter's line width. */
const LINE_WIDTH = 120;

/** `text`'s words: split at spaces, an inline code span kept whole. */
function words(text: string): string[] {
  return text.match(/(?:`[^`]*`|[^ `])+/g) ?? [];
}

/** Whether `word` starting a line would make it a list item. */
function marker(word: string): boolean {
  return /^([-+*]|\d+[.)])$/.test(word);
}

/**
 * `text` as lines of at most `width` characters, the first led by `first` and the others by `rest`
 * (e.g. `- ` and two spaces for a list item).
 */
export function wrap(text: string, width = LINE_WIDTH, first = "", rest = ""): string[] {
  const lines: string[][] = [];
  const length = (i: number, ws: string[]) => (i === 0 ? first : rest).length + ws.join(" ").length;
  for (const word of words(text)) {
    const last = lines.length - 1;
    if (last >= 0 && length(last, [...lines[last], word]) <= width) {
      lines[last].push(word);
    } else if (last >= 0 && marker(word) && lines[last].length > 1) {
      lines.push([lines[last].pop()!, word]);
    } else {
      lines.push([word]);
    }
  }
  return lines.map((ws, i) => (i === 0 ? first : rest) + ws.join(" "));
}
