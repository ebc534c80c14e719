/**
 * The README's prose about the reference results is read off their claims reports: every claims block
 * (`<!-- claims: SUITE -->`) equals the summary of the committed `results/SUITE/claims.json`, and the
 * block filler works on a README and claims file written here.
 * @module
 */
import { assert, assertEquals, assertRejects } from "./testing.ts";
import { readmeWithClaims } from "../bench/readme_claims.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("the README's claims blocks are current (else: deno run -A bench/readme_claims.ts)", async () => {
  const { text, suites } = await readmeWithClaims(ROOT);
  assert(suites.includes("claims"), `the README quotes no claims of the claims suite (blocks: ${suites})`);
  assertEquals(await Deno.readTextFile(`${ROOT}/README.md`), text, "a README claims block is stale");
});

Deno.test("claims blocks: filled from claims.json, formatted; a suite without claims is an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "readme_test_" });
  try {
    await Deno.mkdir(`${dir}/results/s`, { recursive: true });
    const claim = (label: string, shown: string, p: number | null, verdict: string, status = "tested") => ({
      label,
      shown,
      status,
      pAdjusted: p,
      verdict,
    });
    await Deno.writeTextFile(
      `${dir}/results/s/claims.json`,
      JSON.stringify({
        suite: "s",
        sensitivity: { text: "Sensitivity: none." },
        claims: [claim("C1", "1.0 [0.5, 1.5]", 0.0123, "supported"), claim("C6", "–", null, "inconclusive", "not run")],
        controls: [claim("A/A", "0.1 [−0.2, 0.3]", 0.5, "inconclusive")],
      }),
    );
    await Deno.writeTextFile(`${dir}/README.md`, "# x\n\n<!-- claims: s -->\nold\n<!-- /claims -->\n");
    const { text, suites } = await readmeWithClaims(dir);
    assertEquals(suites, ["s"]);
    assertEquals(
      text,
      [
        "# x",
        "",
        "<!-- claims: s -->",
        "",
        "| claim | estimate [95% CI] | p     | verdict      |",
        "| ----- | ----------------- | ----- | ------------ |",
        "| C1    | 1.0 [0.5, 1.5]    | 0.012 | supported    |",
        "| C6    | –                 | –     | not run      |",
        "| A/A   | 0.1 [−0.2, 0.3]   | 0.5   | inconclusive |",
        "",
        "Sensitivity: none.",
        "",
        "<!-- /claims -->",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(`${dir}/README.md`, "<!-- claims: nope -->\n<!-- /claims -->\n");
    await assertRejects(() => readmeWithClaims(dir), Error, "README claims block for nope: cannot read");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
