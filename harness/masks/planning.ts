/**
 * What every planning-token mask source shares: which response tokens may be planning tokens at all.
 * A response's arrays are indexed by response token (prompt excluded, see harness/credit/baseline.ts); a
 * token may be a planning token only when it lies in the body, before the first `answer :` marker
 * (the answer section is the final answer, not strategy), and is not a special token (`<eos>` and the
 * like carry no text). The three sources, `oracle` (harness/masks/oracle_mask.ts), `mined`
 * (harness/masks/strategic_grams.ts) and `random` (harness/masks/random_mask.ts), all keep to these tokens.
 * @module
 */
import type { Mask } from "../credit/baseline.ts";
import { BOS, encode, EOS, PAD, SEP } from "../text/tokenizer.ts";

/** Token ids of the special tokens. */
const SPECIALS: ReadonlySet<number> = new Set([PAD, BOS, SEP, EOS]);
const [ANSWER, COLON] = encode("answer :");

/** Whether a token id is a special token (`<pad>`, `<bos>`, `<sep>`, `<eos>`). */
export function isSpecialToken(id: number): boolean {
  return SPECIALS.has(id);
}

/** Index of the first `answer :` marker in response token ids, or their length when there is none. */
export function answerStart(tokens: ArrayLike<number>): number {
  for (let i = 0; i + 1 < tokens.length; i++) if (tokens[i] === ANSWER && tokens[i + 1] === COLON) return i;
  return tokens.length;
}

/**
 * The tokens that may be planning tokens: 1 for a body token (before the first `answer :` marker)
 * that is not a special token, else 0. Same length as `tokens`.
 */
export function eligibleTokens(tokens: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(tokens.length);
  const end = answerStart(tokens);
  for (let i = 0; i < end; i++) out[i] = isSpecialToken(tokens[i]) ? 0 : 1;
  return out;
}

/** How many tokens a mask marks as planning tokens. */
export function countPlanning(mask: Mask): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

/** The share of all tokens of a batch that its masks mark as planning tokens (0 for an empty batch). */
export function planningShare(masks: readonly Mask[]): number {
  const total = masks.reduce((s, m) => s + m.length, 0);
  return total ? masks.reduce((s, m) => s + countPlanning(m), 0) / total : 0;
}
