/**
 * The ONNX engine's KV cache (harness/rollout/onnx_engine.ts): per layer, the keys and the values of every
 * row of a batch being decoded, each in a [rows, heads, slots, dHead] buffer whose slots are a
 * multiple of {@link SLOT_BLOCK}; the first `filled` slots of each row hold positions fed so far, the
 * rest zeros. Buffers come from a {@link BufferPool} sized for the whole context, so growing the slots
 * and dropping rows move data in place, and the next batch reuses the buffers instead of allocating.
 * @module
 */

/** Cache slots are allocated in blocks of this many positions. */
export const SLOT_BLOCK = 16;

/** Float buffers handed back by closed caches, lent out again to the next ones. */
export class BufferPool {
  readonly #free: Float32Array[] = [];

  /** Keeps at most this many floats idle (what one batch of the largest shape needs, at most). */
  constructor(readonly limit: number) {}

  /** A buffer of at least `n` floats (the smallest idle one that fits, else a new one); contents are stale. */
  take(n: number): Float32Array {
    let best = -1;
    this.#free.forEach((a, i) => {
      if (a.length >= n && (best < 0 || a.length < this.#free[best].length)) best = i;
    });
    return best < 0 ? new Float32Array(n) : this.#free.splice(best, 1)[0];
  }

  /** Return a buffer; the largest idle ones beyond `limit` floats are let go. */
  give(a: Float32Array): void {
    this.#free.push(a);
    this.#free.sort((x, y) => x.length - y.length);
    let total = this.#free.reduce((n, x) => n + x.length, 0);
    while (total > this.limit) total -= this.#free.pop()!.length;
  }
}

/** The keys and values of a batch's positions so far; see the module doc. */
export class SlotCache {
  #rows: number;
  #slots = 0;
  #filled = 0;
  #buffers: Float32Array[] = [];
  readonly #run: number;

  /** `count` buffers (two per layer) of `heads` × `dHead` floats per row and position, for up to `maxSlots` slots. */
  constructor(
    readonly pool: BufferPool,
    readonly count: number,
    readonly heads: number,
    readonly dHead: number,
    readonly maxSlots: number,
    rows: number,
  ) {
    this.#rows = rows;
    this.#run = heads * dHead;
  }

  /** Rows of the batch. */
  get rows(): number {
    return this.#rows;
  }

  /** Slots per row (a multiple of SLOT_BLOCK; 0 before the first {@link reserve}). */
  get slots(): number {
    return this.#slots;
  }

  /** Positions stored per row. */
  get filled(): number {
    return this.#filled;
  }

  /** Buffer `i` as [rows, heads, slots, dHead] (a view of the pooled buffer). */
  view(i: number): Float32Array {
    return this.#buffers[i].subarray(0, this.#rows * this.#run * this.#slots);
  }

  /** Make room for `need` positions per row (rounded up to whole blocks), keeping the filled ones. */
  reserve(need: number): void {
    if (need <= this.#slots) return;
    if (need > this.maxSlots) throw new RangeError(`${need} positions exceed the cache's ${this.maxSlots} slots`);
    const S = Math.min(Math.ceil(need / SLOT_BLOCK) * SLOT_BLOCK, this.maxSlots), old = this.#slots;
    const f = this.#filled * this.dHead, lines = this.#rows * this.heads;
    if (!this.#buffers.length) this.#buffers = Array.from({ length: this.count }, () => this.#take(this.#rows));
    for (const a of this.#buffers) {
      // Last line first: a line only moves up, over lines already moved.
      for (let r = lines - 1; r >= 0; r--) {
        const to = r * S * this.dHead;
        a.copyWithin(to, r * old * this.dHead, r * old * this.dHead + f);
        a.fill(0, to + f, to + S * this.dHead);
      }
    }
    this.#slots = S;
  }

  /** Store `T` new positions per row after the filled ones: `fresh[i]` is buffer i's [rows, heads, T, dHead]. */
  append(fresh: readonly Float32Array[], T: number): void {
    if (this.#filled + T > this.#slots) throw new RangeError(`no room for ${T} more positions: reserve first`);
    const S = this.#slots, n = T * this.dHead, lines = this.#rows * this.heads;
    fresh.forEach((src, i) => {
      const a = this.#buffers[i];
      // Element loops, not subarray().set(): a decode step copies thousands of short runs.
      for (let r = 0; r < lines; r++) {
        const to = (r * S + this.#filled) * this.dHead, from = r * n;
        for (let j = 0; j < n; j++) a[to + j] = src[from + j];
      }
    });
    this.#filled += T;
  }

  /** Make the batch these rows, in this order (an index may repeat); in place when they only drop rows. */
  keep(indices: readonly number[]): void {
    const block = this.#run * this.#slots;
    // Rows kept in increasing order only move down, over rows already moved or dropped.
    const inPlace = indices.every((r, j) => j === 0 || r > indices[j - 1]);
    this.#buffers = this.#buffers.map((a) => {
      if (inPlace) {
        indices.forEach((r, j) => r !== j && a.copyWithin(j * block, r * block, (r + 1) * block));
        return a;
      }
      const to = this.#take(indices.length);
      indices.forEach((r, j) => to.set(a.subarray(r * block, (r + 1) * block), j * block));
      this.pool.give(a);
      return to;
    });
    this.#rows = indices.length;
  }

  /** Give the buffers back to the pool. */
  close(): void {
    this.#buffers.forEach((a) => this.pool.give(a));
    this.#buffers = [];
  }

  #take(rows: number): Float32Array {
    return this.pool.take(rows * this.#run * this.maxSlots);
  }
}
