/**
 * Free text as the analysis reads it. Words: the text lower-cased, cut into runs of letters (with their
 * combining marks), digits and `_` (an apostrophe inside a word kept, as in `that's`, the typographic
 * `’` read as `'`) and single other characters (`double-check` is `double - check`); in Chinese,
 * Japanese, Thai, Lao, Khmer and Burmese, written without spaces, each character (with its marks) is a
 * word, as BLEU's Chinese tokenizer cuts it (`让我再检查` is `让 我 再 检 查`): a phrase or gram matches
 * wherever its characters occur, which a dictionary's word breaks, varying with the context, did not.
 * Every gram, reflection phrase and planning share is over these words, while
 * response length counts whitespace-separated words. Answers: the last `\boxed{…}` of the text,
 * normalised, or the first group of a pattern's last match.
 * @module
 */

const WORD = /[\p{L}\p{M}\p{N}_]+(?:'[\p{L}\p{M}]+)*|[^\s\p{L}\p{M}\p{N}_]/gu;

/** The scripts written without spaces between words, with the marks they share (`ー`, by Script_Extensions). */
const UNSPACED_SCRIPTS =
  "\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Thai}\\p{scx=Lao}\\p{scx=Khmer}\\p{scx=Myanmar}";
const UNSPACED = new RegExp(`[${UNSPACED_SCRIPTS}]`, "u");
/** Within a run of letters: one character of those scripts with its marks, or a stretch of other ones. */
const UNSPACED_PIECE = new RegExp(`[${UNSPACED_SCRIPTS}]\\p{M}*|[^${UNSPACED_SCRIPTS}]+`, "gu");

/** Visit the analysis words of folded text `lower` in order, each with where it begins. */
function eachWord(lower: string, visit: (index: number, word: string) => void): void {
  const unspaced = UNSPACED.test(lower);
  for (const m of lower.matchAll(WORD)) {
    if (!unspaced || !UNSPACED.test(m[0])) visit(m.index, m[0]);
    else for (const p of m[0].matchAll(UNSPACED_PIECE)) visit(m.index + p.index, p[0]);
  }
}

/** `text` lower-cased, with the apostrophes of typography (`’`, `ʼ`) read as `'`: one character for one. */
function folded(text: string): string {
  return text.toLowerCase().replace(/[\u2019\u02BC]/g, "'");
}

/**
 * The analysis words of `text` (see the module documentation).
 */
export function textWords(text: string): string[] {
  const lower = folded(text);
  if (!UNSPACED.test(lower)) return lower.match(WORD) ?? [];
  const words: string[] = [];
  eachWord(lower, (_, word) => words.push(word));
  return words;
}

/**
 * Whitespace-separated words of `text`: the response length in words.
 */
export function wordCount(text: string): number {
  let n = 0, inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x2028 || c === 0x2029;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/** The contents of the last `\boxed{…}` of `text` (braces matched), or null. */
function lastBoxed(text: string): string | null {
  const at = text.lastIndexOf("\\boxed{");
  if (at < 0) return null;
  let depth = 0;
  for (let i = at + 6; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(at + 7, i);
  }
  return null;
}

/**
 * A math answer in canonical form: white space, `$`, `\left`, `\right`, `\!` and a final `.` removed,
 * `\dfrac` and `\tfrac` written `\frac`.
 */
function normaliseAnswer(answer: string): string {
  return answer.replace(/\\left|\\right|\\!|\$|\s+/g, "").replace(/\\[dt]frac/g, "\\frac").replace(/\.$/, "");
}

/**
 * `--answer-pattern`'s regular expression: in Unicode mode where the pattern is valid in it, so that
 * `\p{…}` classes (`\p{N}+`: digits of any script) and characters beyond the BMP work as written; else
 * as a plain pattern (one with an escape Unicode mode refuses, such as `\:`), unless it writes `\p{`,
 * `\P{` or `\u{`, which a plain pattern reads as letters: then Unicode mode's SyntaxError is thrown (its
 * message names `/gu`), as is the plain mode's for a pattern valid in neither.
 */
export function answerRegExp(source: string): RegExp {
  try {
    return new RegExp(source, "gu");
  } catch (e) {
    if (/\\[pPu]\{/.test(source)) throw e;
    return new RegExp(source, "g");
  }
}

/**
 * The answer of a completion: with `pattern`, the first capture group of its last match (the whole
 * match when the pattern has no group), trimmed; without, the last `\boxed{…}` {@link normaliseAnswer}d.
 * Null when there is none: no match, a group that took no part in it, or an empty answer.
 */
export function extractAnswer(text: string, pattern?: RegExp): string | null {
  if (!pattern) {
    const boxed = lastBoxed(text);
    return boxed === null ? null : normaliseAnswer(boxed) || null;
  }
  let last: RegExpExecArray | null = null;
  for (
    const m of text.matchAll(
      new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g"),
    )
  ) {
    last = m;
  }
  return (last && (last.length > 1 ? last[1] : last[0]))?.trim() || null;
}

/**
 * The planning mask of a completion's tokens, from the mask of its analysis words (`covered`, in the
 * order of {@link textWords}): a token is a planning token when any character of it lies in a covered
 * word. Null when the tokens' text does not add up to `text` (then no split is known).
 */
export function tokenPlanningMask(text: string, tokens: readonly string[], covered: Uint8Array): Uint8Array | null {
  const lower = folded(text);
  if (tokens.join("") !== text || lower.length !== text.length) return null;
  const planChars = new Uint8Array(text.length);
  let w = 0;
  eachWord(lower, (index, word) => {
    if (covered[w++]) planChars.fill(1, index, index + word.length);
  });
  const mask = new Uint8Array(tokens.length);
  let at = 0;
  tokens.forEach((t, i) => {
    for (let c = at; c < at + t.length && !mask[i]; c++) mask[i] = planChars[c];
    at += t.length;
  });
  return mask;
}
