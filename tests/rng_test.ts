import { assert, assertEquals, assertNotEquals, assertThrows } from "./testing.ts";
import { hashString, Rng, rng } from "../harness/core/rng.ts";

Deno.test("rng", async (t) => {
  await t.step("same seed and names give the same draws; other names give others", () => {
    const a = rng(5, "x"), b = rng(5, "x"), c = rng(5, "y"), d = rng(6, "x");
    const draw = (r: Rng) => Array.from({ length: 8 }, () => r.uint32());
    const da = draw(a);
    assertEquals(da, draw(b));
    assertNotEquals(da, draw(c));
    assertNotEquals(da, draw(d));
  });

  await t.step("a child stream does not depend on the parent's position", () => {
    const p = rng(1), q = rng(1);
    p.float();
    p.float();
    assertEquals(p.stream("a", 3).uint32(), q.stream("a", 3).uint32());
    assertEquals(rng(1, "a", 3).uint32(), rng(1).stream("a", 3).uint32());
  });

  await t.step("state round-trips exactly", () => {
    const r = rng(9, "s");
    for (let i = 0; i < 5; i++) r.float();
    const copy = new Rng(r.state());
    assertEquals(Array.from({ length: 5 }, () => r.float()), Array.from({ length: 5 }, () => copy.float()));
  });

  await t.step("uniform: chi-square over 16 bins of 32,000 draws is below the 99.9% quantile", () => {
    const r = rng(3, "chi");
    const bins = new Array(16).fill(0);
    const n = 32000;
    for (let i = 0; i < n; i++) bins[r.int(16)]++;
    const e = n / 16;
    const chi = bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
    assert(chi < 37.7, `chi-square ${chi}`);
  });

  await t.step("normal draws have mean ≈ 0 and variance ≈ 1", () => {
    const r = rng(4, "n");
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    assert(Math.abs(mean) < 0.03 && Math.abs(v - 1) < 0.05, `mean ${mean} var ${v}`);
  });

  await t.step("shuffle is a permutation; weighted honours zero weights", () => {
    const r = rng(2);
    assertEquals(r.shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
    for (let i = 0; i < 100; i++) assertEquals(r.weighted([0, 1, 0]), 1);
  });

  await t.step("bad arguments are refused", () => {
    assertThrows(() => rng(1.5), /integer/);
    assertThrows(() => rng(1).int(0), /positive integer/);
    assertThrows(() => rng(1).pick([]), /empty/);
    // range(5, 1) said "Rng.int needs a positive integer, got -3"; range(0.5, 2.5) returned 2.5.
    assertThrows(() => rng(1).range(5, 1), /^RangeError: Rng\.range needs integers lo ≤ hi, got 5 and 1$/);
    assertThrows(() => rng(1).range(0.5, 2.5), /Rng\.range needs integers lo ≤ hi, got 0\.5 and 2\.5/);
    assertEquals(rng(1).range(3, 3), 3);
    // weighted([Infinity, 1]) returned 1, and negative weights were drawn from.
    assertThrows(() => rng(1).weighted([Infinity, 1]), /needs finite weights ≥ 0, got Infinity at 0/);
    assertThrows(() => rng(1).weighted([2, -1]), /got -1 at 1/);
  });

  await t.step("string hashes differ for near-identical strings", () => {
    assertNotEquals(hashString("ab"), hashString("ba"));
    assertNotEquals(hashString("a"), hashString("a\u0000"));
  });
});
