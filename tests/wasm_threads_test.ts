import { assertEquals, assertRejects } from "./testing.ts";
import { useWasm } from "../harness/wasm_threads.ts";

/** Run tests/fixtures/train_on_threads.ts on `threads` wasm threads in its own process (it must exit by itself). */
async function trainOn(threads: number, write = true): Promise<{ threads: number; sha256: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      ...(write ? ["--allow-write"] : []),
      "--allow-ffi=node_modules",
      "--allow-env=NO_COLOR,FORCE_COLOR,CLICOLOR_FORCE",
      new URL("./fixtures/train_on_threads.ts", import.meta.url).pathname,
      String(threads),
    ],
    signal: AbortSignal.timeout(120_000),
  }).output();
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(err);
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("wasm threads: 2 threads start under Deno and train to the same bytes as 1", async () => {
  const [one, two] = [await trainOn(1), await trainOn(2)];
  assertEquals([one.threads, two.threads], [1, 2]);
  assertEquals(two.sha256, one.sha256);
});

Deno.test("wasm threads: a count out of range, a second count in one process or no temporary file is refused", async () => {
  await assertRejects(() => useWasm(0), /--threads must be an integer from 1 to 8, got 0/);
  await assertRejects(() => useWasm(9), /--threads must be an integer from 1 to 8, got 9/);
  await useWasm(1);
  await assertRejects(() => useWasm(2), /wasm already runs on 1 thread\(s\); start a new process/);
  await assertRejects(
    () => trainOn(2, false),
    /wasm threads need a temporary file for their worker script \(.*\); allow writing to the temporary folder \(--allow-write\) or run with --threads 1/,
  );
});
