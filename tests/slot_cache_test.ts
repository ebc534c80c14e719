/** The ONNX engine's KV cache: positions land where the graph reads them, rows move right, pooled buffers start clean. */
import { assertEquals, assertThrows } from "./testing.ts";
import { BufferPool, SLOT_BLOCK, SlotCache } from "../harness/rollout/slot_cache.ts";

const [HEADS, DH] = [2, 3];

/** Position `t` of row `r`, head `h`, element `d` of buffer `i`: a value that names where it belongs. */
const value = (i: number, r: number, h: number, t: number, d: number) =>
  10000 * i + 1000 * r + 100 * h + 10 * t + d + 1;

/** New positions `from`..`from + T` of the given original rows, as the graph returns them: [rows, heads, T, dHead]. */
function fresh(i: number, rows: number[], from: number, T: number): Float32Array {
  return Float32Array.from({ length: rows.length * HEADS * T * DH }, (_, n) => {
    const d = n % DH, t = Math.floor(n / DH) % T, h = Math.floor(n / (DH * T)) % HEADS;
    return value(i, rows[Math.floor(n / (DH * T * HEADS))], h, from + t, d);
  });
}

/** What buffer `i` must hold: the rows' first `filled` positions, zeros in the other slots. */
function expected(i: number, rows: number[], slots: number, filled: number): number[] {
  return rows.flatMap((r) =>
    Array.from({ length: HEADS }, (_, h) =>
      Array.from({ length: slots * DH }, (_, n) => {
        const t = Math.floor(n / DH);
        return t < filled ? value(i, r, h, t, n % DH) : 0;
      })).flat()
  );
}

Deno.test("slot cache: positions, grown slots, dropped and repeated rows, and reused buffers land where the graph reads them", () => {
  const pool = new BufferPool(1e6);
  const check = (c: SlotCache, rows: number[]) =>
    [0, 1].forEach((i) => assertEquals(Array.from(c.view(i)), expected(i, rows, c.slots, c.filled)));
  for (const stale of [false, true]) {
    if (stale) pool.give(new Float32Array(4 * 2 * SLOT_BLOCK * HEADS * DH * 4).fill(NaN)); // a used buffer, dirty
    const c = new SlotCache(pool, 2, HEADS, DH, 3 * SLOT_BLOCK, 4);
    let rows = [0, 1, 2, 3];
    c.reserve(5);
    assertEquals([c.slots, c.filled], [SLOT_BLOCK, 0]);
    c.append([0, 1].map((i) => fresh(i, rows, 0, 5)), 5);
    check(c, rows);
    for (let t = 5; t < SLOT_BLOCK + 3; t++) {
      c.reserve(t + 1);
      c.append([0, 1].map((i) => fresh(i, rows, t, 1)), 1);
    }
    assertEquals([c.slots, c.filled], [2 * SLOT_BLOCK, SLOT_BLOCK + 3]);
    check(c, rows);
    c.keep([1, 3]); // in place
    rows = [1, 3];
    check(c, rows);
    c.keep([1, 0, 1]); // repeats: into another buffer
    rows = [3, 1, 3];
    check(c, rows);
    c.reserve(2 * SLOT_BLOCK + 1);
    c.append([0, 1].map((i) => fresh(i, rows, SLOT_BLOCK + 3, 1)), 1);
    check(c, rows);
    assertThrows(() => c.reserve(3 * SLOT_BLOCK + 1), /49 positions exceed the cache's 48 slots/);
    assertThrows(() => c.append([0, 1].map((i) => fresh(i, rows, 0, 2 * SLOT_BLOCK)), 2 * SLOT_BLOCK), /reserve first/);
    c.close();
  }
});

Deno.test("buffer pool: lends the smallest idle buffer that fits and keeps at most its limit idle", () => {
  const pool = new BufferPool(100);
  const [a, b] = [new Float32Array(40), new Float32Array(60)];
  pool.give(b);
  pool.give(a);
  assertEquals(pool.take(30), a);
  assertEquals(pool.take(50), b);
  assertEquals(pool.take(10).length, 10, "none idle: a new one");
  pool.give(new Float32Array(70));
  pool.give(new Float32Array(50)); // 120 idle: the 70 goes
  assertEquals(pool.take(60).length, 60, "the 70 was let go");
  assertEquals(pool.take(50).length, 50);
});
