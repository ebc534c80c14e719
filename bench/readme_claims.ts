/**
 * Refill the README's claims blocks (`<!-- claims: SUITE -->` … `<!-- /claims -->`) from the committed
 * `results/SUITE/claims.json`, formatted as `deno fmt` leaves Markdown. Run after regenerating a reference
 * suite's report; tests/readme_test.ts fails while a block is stale.
 *
 *     deno run --allow-read --allow-write --allow-run bench/readme_claims.ts
 * @module
 */
import { type StoredClaims, withClaimsBlocks } from "../harness/report/claims/summary.ts";

/** `text` as `deno fmt` formats Markdown. */
async function formatMarkdown(text: string): Promise<string> {
  const fmt = new Deno.Command(Deno.execPath(), { args: ["fmt", "--ext", "md", "-"], stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { success, stdout } = await fmt.output();
  if (!success) throw new Error("deno fmt failed on the README");
  return new TextDecoder().decode(stdout);
}

/** The README under `root` with its claims blocks refilled from `root/results/SUITE/claims.json`, formatted. */
export async function readmeWithClaims(root: string): Promise<{ text: string; suites: string[] }> {
  const readme = await Deno.readTextFile(`${root}/README.md`);
  const { text, suites } = withClaimsBlocks(readme, (suite) => {
    const path = `${root}/results/${suite}/claims.json`;
    try {
      return JSON.parse(Deno.readTextFileSync(path)) as StoredClaims;
    } catch (e) {
      throw new Error(`README claims block for ${suite}: cannot read ${path} (${(e as Error).message})`);
    }
  });
  return { text: await formatMarkdown(text), suites };
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const { text, suites } = await readmeWithClaims(root);
  await Deno.writeTextFile(`${root}/README.md`, text);
  console.log(`README.md: claims of ${suites.join(", ") || "no suite"} refilled`);
}
