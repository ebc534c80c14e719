/**
 * Seeded, counter-based random numbers. Every random draw in credit-bench comes from an {@link Rng}
 * whose output is a pure function of (key, counter): a stream is derived from a seed and a path of
 * names, and its position is a plain counter, so a stream can be saved and restored exactly.
 *
 * The generator hashes (key0, key1, counter) with MurmurHash3's 32-bit block mix and finaliser; it
 * is not cryptographic, it is reproducible, fast and passes the uniformity checks in the tests.
 * @module
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 (x86, 32-bit) of a list of 32-bit words with a seed. */
export function hashWords(words: readonly number[], seed = 0): number {
  let h = seed | 0;
  for (const w of words) h = mixBlock(h, w | 0);
  return fmix(h ^ (words.length * 4));
}

/** A 32-bit hash of a string (UTF-16 code units folded into words), with a seed. */
export function hashString(s: string, seed = 0): number {
  const words: number[] = [];
  for (let i = 0; i < s.length; i += 2) {
    words.push(s.charCodeAt(i) | ((i + 1 < s.length ? s.charCodeAt(i + 1) : 0) << 16));
  }
  words.push(s.length);
  return hashWords(words, seed);
}

/**
 * The saved position of a stream: enough to recreate it exactly.
 *
 * @example
 * ```ts
 * import { Rng, rng, type RngState } from "@credit-bench/credit-bench";
 *
 * const state: RngState = rng(1).state();
 * new Rng(state).float() === rng(1).float(); // true
 * ```
 */
export interface RngState {
  /** The two 32-bit key words. */
  key: [number, number];
  /** How many 32-bit draws the stream has made. */
  counter: number;
}

/**
 * A counter-based random stream. Create one with {@link rng} and derive children with `stream`.
 *
 * @example
 * ```ts
 * import { rng } from "@credit-bench/credit-bench";
 *
 * const r = rng(7).stream("my_task", 3);
 * console.log(r.int(10), r.pick(["a", "b"]), r.shuffle([1, 2, 3]));
 * ```
 */
export class Rng {
  #k0: number;
  #k1: number;
  #counter: number;

  /** Recreate a stream from its state (see {@link Rng.state}). */
  constructor(state: RngState) {
    this.#k0 = state.key[0] >>> 0;
    this.#k1 = state.key[1] >>> 0;
    this.#counter = state.counter;
  }

  /** The key and the counter, for checkpoints. */
  state(): RngState {
    return { key: [this.#k0, this.#k1], counter: this.#counter };
  }

  /**
   * A child stream named by `names` (strings or integers). The child depends on this stream's key
   * and the names only, never on how many draws this stream has made.
   */
  stream(...names: (string | number)[]): Rng {
    let k0 = this.#k0, k1 = this.#k1;
    for (const name of names) {
      const h = typeof name === "number"
        ? hashWords([name | 0, Math.floor(name / 2 ** 32)], 0x51ed270b)
        : hashString(name, 0x2545f491);
      k0 = hashWords([k0, k1, h], 0x9e3779b9);
      k1 = hashWords([k1, k0, h], 0x7f4a7c15);
    }
    return new Rng({ key: [k0, k1], counter: 0 });
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const c = this.#counter++;
    return hashWords([this.#k0, this.#k1, c, Math.floor(c / 2 ** 32)], 0x3c6ef372);
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.uint32() >>> 5, lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int needs a positive integer, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [lo, hi] (both included); a RangeError unless they are integers with lo ≤ hi. */
  range(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`Rng.range needs integers lo ≤ hi, got ${lo} and ${hi}`);
    }
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Rng.pick on an empty list");
    return items[this.int(items.length)];
  }

  /** An index drawn in proportion to finite non-negative weights (a RangeError for any other weight). */
  weighted(weights: readonly number[]): number {
    const bad = weights.findIndex((w) => typeof w !== "number" || !(w >= 0 && w < Infinity));
    if (bad >= 0) throw new RangeError(`Rng.weighted needs finite weights ≥ 0, got ${weights[bad]} at ${bad}`);
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new RangeError("Rng.weighted needs a positive total weight");
    let u = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.float(), v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * The root stream of a seed, or with `names`, its child stream of that path (`rng(s, "a")` is
 * `rng(s).stream("a")`); derive named streams from it with `stream(...)`.
 *
 * @example The same seed and names always give the same draws
 * ```ts
 * import { rng } from "@credit-bench/credit-bench";
 *
 * rng(1, "train", 5).float() === rng(1).stream("train", 5).float(); // true
 * ```
 */
export function rng(seed: number, ...names: (string | number)[]): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const root = new Rng({
    key: [hashWords([seed | 0, Math.floor(seed / 2 ** 32)], 0x6a09e667), 0xbb67ae85],
    counter: 0,
  });
  return names.length ? root.stream(...names) : root;
}
