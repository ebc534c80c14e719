/**
 * The word/symbol tokenizer over the fixed {@link VOCAB}: text is space-separated vocabulary words.
 * @module
 */
import { MAX_NUMBER, VOCAB, VOCAB_VERSION } from "./vocab.ts";
import { hashString } from "../core/rng.ts";

const INDEX = new Map(VOCAB.map((w, i) => [w, i]));

/** Token ids of the special tokens. */
export const PAD = INDEX.get("<pad>")!, BOS = INDEX.get("<bos>")!, SEP = INDEX.get("<sep>")!, EOS = INDEX.get("<eos>")!;

/** Number of tokens in the vocabulary. */
export const VOCAB_SIZE = VOCAB.length;

/** The tokenizer's identity: the vocabulary version and a hash of the exact word list. */
export const TOKENIZER_ID = `${VOCAB_VERSION}-${hashString(VOCAB.join("\u0001")).toString(16).padStart(8, "0")}`;

/**
 * Thrown when text holds a word outside the vocabulary.
 *
 * @example
 * ```ts
 * import { encode, UnknownTokenError } from "@credit-bench/credit-bench";
 *
 * try {
 *   encode("3 plus 4");
 * } catch (e) {
 *   if (e instanceof UnknownTokenError) console.log(e.word, e.position); // plus 1
 * }
 * ```
 */
export class UnknownTokenError extends Error {
  /** The offending word and its position (in words) in the text. */
  constructor(
    /** The word outside the vocabulary. */
    readonly word: string,
    /** Its position, in words, in the text. */
    readonly position: number,
  ) {
    super(
      `unknown token ${JSON.stringify(word)} at word ${position}: the vocabulary (${TOKENIZER_ID}) has no such word, ` +
        `and it is fixed; use only its words, space-separated (deno task list prints them; numbers are 0..${MAX_NUMBER})`,
    );
    this.name = "UnknownTokenError";
  }
}

/** Split text into words (any run of whitespace separates). */
export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/**
 * Token ids of a text; throws {@link UnknownTokenError} naming the first unknown word.
 *
 * @example
 * ```ts
 * import { decode, encode } from "@credit-bench/credit-bench";
 *
 * decode(encode("answer : 7")); // "answer : 7"
 * ```
 */
export function encode(text: string | readonly string[]): number[] {
  const ws = typeof text === "string" ? words(text) : text;
  return ws.map((w, i) => {
    const id = INDEX.get(w);
    if (id === undefined) throw new UnknownTokenError(w, i);
    return id;
  });
}

/**
 * Text of token ids (words joined by single spaces), e.g. of a stored rollout's `tokens`.
 *
 * @example
 * ```ts
 * import { decode, encode } from "@credit-bench/credit-bench";
 *
 * decode(encode(["3", "+", "4"])); // "3 + 4"
 * ```
 */
export function decode(ids: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const w = VOCAB[ids[i]];
    if (w === undefined) throw new RangeError(`token id ${ids[i]} is outside the vocabulary (size ${VOCAB_SIZE})`);
    out.push(w);
  }
  return out.join(" ");
}

/**
 * True when every word of the text is in the vocabulary.
 *
 * @example
 * ```ts
 * import { inVocab } from "@credit-bench/credit-bench/tasks";
 *
 * inVocab("let us try 3 + 4"); // true
 * inVocab("3 plus 4"); // false
 * ```
 */
export function inVocab(text: string | readonly string[]): boolean {
  const ws = typeof text === "string" ? words(text) : text;
  return ws.every((w) => INDEX.has(w));
}

/** `[BOS, prompt…, SEP]` as token ids. */
export function promptIds(prompt: string): number[] {
  return [BOS, ...encode(prompt), SEP];
}
