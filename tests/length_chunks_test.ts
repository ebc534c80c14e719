import { assertEquals } from "./testing.ts";
import { byLength, lengthChunks } from "../harness/model/length_chunks.ts";
import type { Extent } from "../harness/model/length_chunks.ts";
import { rng } from "../harness/core/rng.ts";

/** A row of `left` left-padded and `right` right-padded positions. */
const row = (left: number, right: number): Extent => ({ left, right });

/** The cost of a cut: Σ (overhead + rows × (longest left + longest right)). */
function cost(rows: readonly Extent[], cuts: readonly [number, number][], overhead: number): number {
  return cuts.reduce((sum, [s, e]) => {
    const part = rows.slice(s, e);
    const L = Math.max(...part.map((r) => r.left)) + Math.max(...part.map((r) => r.right));
    return sum + overhead + part.length * L;
  }, 0);
}

Deno.test("length chunks", async (t) => {
  await t.step(
    "a hand-worked cut: short rows apart from long ones only when a pass costs less than the padding",
    () => {
      // Padded lengths 2, 2, 10, 10. Overhead 5: one pass 5 + 4·10 = 45, two 2·5 + 2·2 + 2·10 = 34, four 20 + 24 = 44.
      const rows = [row(2, 1), row(2, 1), row(2, 9), row(2, 9)];
      assertEquals(lengthChunks(rows, 5), [[0, 2], [2, 4]]);
      assertEquals(lengthChunks(rows, 100), [[0, 4]]); // 140 against 224
      assertEquals(lengthChunks(rows, 0), [[0, 2], [2, 4]]); // rows of equal length stay together
      assertEquals(lengthChunks([row(3, 4)], 5), [[0, 1]]);
      assertEquals(lengthChunks([], 5), []);
    },
  );

  await t.step("the cut is the cheapest of every cut (exhaustive, random rows)", () => {
    const r = rng(7, "chunks");
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + r.int(8), overhead = r.int(60);
      const rows = Array.from({ length: n }, () => row(r.int(20), 1 + r.int(40)));
      const got = lengthChunks(rows, overhead);
      assertEquals(got.flatMap(([s, e]) => Array.from({ length: e - s }, (_, i) => s + i)), [...rows.keys()]);
      let cheapest = Infinity;
      for (let mask = 0; mask < 1 << (n - 1); mask++) { // bit i set: a cut after row i
        const cuts: [number, number][] = [];
        let start = 0;
        for (let i = 0; i < n; i++) {
          if (i === n - 1 || mask & (1 << i)) {
            cuts.push([start, i + 1]);
            start = i + 1;
          }
        }
        cheapest = Math.min(cheapest, cost(rows, cuts, overhead));
      }
      assertEquals(cost(rows, got, overhead), cheapest, `trial ${trial}`);
    }
  });

  await t.step("byLength orders by left plus right, ties by index; a pass spans the longest of each", () => {
    assertEquals(byLength([row(5, 5), row(2, 3), row(1, 9), row(4, 1), row(3, 2)]), [1, 3, 4, 0, 2]);
    // A pass is as long as its longest left plus its longest right, which no single row need reach.
    assertEquals(lengthChunks([row(9, 1), row(1, 9)], 10), [[0, 1], [1, 2]]); // 2·10 + 20 = 40 < 10 + 2·18 = 46
  });
});
