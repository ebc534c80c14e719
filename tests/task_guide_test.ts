/**
 * The task file of docs/tasks.md ("Writing a task"), copied out of the project as a user would copy
 * it, passes `deno task list`: it loads by the package's name and holds to every rule a bench checks,
 * with no note. (`deno task check` type-checks it with the README's code.)
 * @module
 */
import { assert, assertEquals } from "./testing.ts";

const ROOT = new URL("..", import.meta.url);

Deno.test("the task file docs/tasks.md shows, copied outside the project, passes deno task list", async () => {
  const doc = await Deno.readTextFile(new URL("docs/tasks.md", ROOT));
  const code = doc.slice(doc.indexOf("\n## Writing a task\n")).match(/\n```ts\n([\s\S]*?)\n```\n/)?.[1];
  assert(code, "docs/tasks.md has no ts block under ## Writing a task");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/my_task.ts`, `${code}\n`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "list", `${dir}/my_task.ts`],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const [stdout, stderr] = [out.stdout, out.stderr].map((b) => new TextDecoder().decode(b));
    assertEquals(out.code, 0, stderr);
    assertEquals(stderr.split("\n").filter((l) => l && !l.startsWith("Task list ")), [], "no error, no note");
    assertEquals(
      stdout,
      `task file ${dir}/my_task.ts:\n  my_sum: Add two numbers in one written step\n` +
        "    levels 1; teacher strategies direct 1\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
