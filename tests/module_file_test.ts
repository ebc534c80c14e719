/**
 * The key of a baseline or task file's code (harness/core/module_file.ts `fileKey`): its bytes, and the
 * bytes of the modules of its own that it imports values from, so that editing a helper is a change of
 * code; not the harness's modules, nor type-only imports.
 * @module
 */
import { assertEquals, assertNotEquals } from "./testing.ts";
import { fileKey, localModules } from "../harness/core/module_file.ts";
import { sha256 } from "../harness/core/atomic.ts";

Deno.test("fileKey: a file's bytes, and its own helpers' (not the harness's, not type-only)", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const api = new URL("../mod.ts", import.meta.url).href;
    const files: Record<string, string> = {
      "lone.ts": `import { defineBaseline } from "${api}";\nexport const x = 1;\n`,
      "method.ts": `import { defineBaseline } from '${api}'\nimport { BONUS } from './lib/helper.ts'\n` +
        `import type { Shape } from "./lib/types.ts";\nexport { scale } from "./lib/scale.ts";\n` +
        `import "./lib/setup.ts";\nexport const y: Shape = BONUS;\n` +
        // Two on a line, a clause with a comment that has an apostrophe, a dynamic import; a commented one is not code.
        `import { a } from "./lib/a.ts"; import { b } from "./lib/b.ts";\n` +
        `import {\n  c, // it's c\n} from "./lib/c.ts";\nconst d = await import("./lib/d.ts");\n` +
        `// import { old } from "./lib/old.ts";\n/* export { old } from './lib/old.ts' */\n`,
      "lib/helper.ts": `import { twice } from "../shared.ts";\nexport const BONUS = twice(1);\n`,
      "shared.ts": "export const twice = (x: number) => 2 * x;\n",
      "lib/types.ts": "export type Shape = number;\n",
      "lib/scale.ts": "export const scale = 3;\n",
      "lib/setup.ts": "globalThis.name;\n",
      ...Object.fromEntries(["a", "b", "c", "d", "old"].map((x) => [`lib/${x}.ts`, `export const ${x} = 1;\n`])),
    };
    await Deno.mkdir(`${tmp}/a/lib`, { recursive: true });
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(`${tmp}/a/${name}`, text);
    // A file that imports only the harness keeps the key it always had: the SHA-256 of its bytes.
    assertEquals(
      await fileKey(`${tmp}/a/lone.ts`),
      `sha256:${await sha256(new TextEncoder().encode(files["lone.ts"]))}`,
    );
    const modules = (await localModules(new URL(`file://${tmp}/a/method.ts`), (u) => !u.href.startsWith(api)))
      .map((u) => u.pathname.slice(tmp.length + 3));
    assertEquals(modules, [
      "lib/a.ts",
      "lib/b.ts",
      "lib/c.ts",
      "lib/d.ts",
      "lib/helper.ts",
      "lib/scale.ts",
      "lib/setup.ts",
      "method.ts",
      "shared.ts",
    ]);
    const key = await fileKey(`${tmp}/a/method.ts`);
    // The same files elsewhere are the same code.
    await Deno.mkdir(`${tmp}/b`);
    await Deno.rename(`${tmp}/a`, `${tmp}/b/a`);
    assertEquals(await fileKey(`${tmp}/b/a/method.ts`), key);
    // A type-only import's file changes no code; a helper two imports away does.
    await Deno.writeTextFile(`${tmp}/b/a/lib/types.ts`, "export type Shape = number | string;\n");
    assertEquals(await fileKey(`${tmp}/b/a/method.ts`), key);
    await Deno.writeTextFile(`${tmp}/b/a/shared.ts`, "export const twice = (x: number) => 3 * x;\n");
    assertNotEquals(await fileKey(`${tmp}/b/a/method.ts`), key);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
