/**
 * Finding a fixed list of phrases (strategic grams, reflection phrases) in the analysis words of
 * completions ({@link textWords}): a word trie, so a position costs one map look-up unless a phrase
 * starts there, which keeps hundreds of millions of words within the scale budget.
 * @module
 */
import { textWords } from "./text.ts";

/**
 * Reflection phrases looked for in free text by default (the "wait", "let me double-check",
 * "but wait", and their usual kin); `--reflections FILE` gives others, one a line.
 */
export const DEFAULT_REFLECTIONS: readonly string[] = [
  "wait",
  "but wait",
  "hmm",
  "let me double-check",
  "let me check",
  "let me verify",
  "let me recheck",
  "let me re-check",
  "let me reconsider",
  "on second thought",
  "i made a mistake",
  "that's not right",
];

interface Node {
  next: Map<string, Node>;
  /** Index of the phrase ending here, or −1. */
  phrase: number;
}

/**
 * A list of phrases, each read as {@link textWords}, matched in word arrays.
 */
export class PhraseMatcher {
  readonly #root: Node = { next: new Map(), phrase: -1 };
  /** The phrases as matched: their words joined by single spaces. */
  readonly phrases: readonly string[];

  /** A matcher of `phrases`; an empty phrase is refused with a RangeError. */
  constructor(phrases: readonly string[]) {
    this.phrases = phrases.map((p) => textWords(p).join(" "));
    this.phrases.forEach((p, i) => {
      if (!p) throw new RangeError(`phrase ${i + 1} has no word`);
      let node = this.#root;
      for (const w of p.split(" ")) {
        let child = node.next.get(w);
        if (!child) node.next.set(w, child = { next: new Map(), phrase: -1 });
        node = child;
      }
      node.phrase = i;
    });
  }

  /**
   * The phrase index of every occurrence (overlapping ones included) of a phrase in `words`, by start;
   * when `covered` is given, the words inside an occurrence are marked with 1.
   */
  find(words: readonly string[], covered?: Uint8Array): number[] {
    const hits: number[] = [];
    for (let i = 0; i < words.length; i++) {
      let node = this.#root.next.get(words[i]);
      for (let j = i + 1; node; j++) {
        if (node.phrase >= 0) {
          hits.push(node.phrase);
          covered?.fill(1, i, j);
        }
        if (j >= words.length) break;
        node = node.next.get(words[j]);
      }
    }
    return hits;
  }
}
