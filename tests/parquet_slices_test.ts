/**
 * A TRL Parquet dump of one row group read a bounded slice of rows at a time (harness/analyze/
 * parquet_slices.ts): the same completions as a whole-group read, the group's bytes reported slice by
 * slice, with and without offset indexes, plain and conversational completions, and the slices' sizes.
 * @module
 */
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { Completion } from "../harness/analyze/completion.ts";
import { trlCompletions } from "../harness/analyze/parquet.ts";
import { rowSlices } from "../harness/analyze/parquet_slices.ts";
import { assert, assertEquals } from "./testing.ts";

/** Rows of the dumps: 3 steps of 100, completions of 80 to 220 characters. */
const N = 300;
const text = (i: number) => `step ${i} so we add ${"x ".repeat(30 + (i * 7) % 70)}\\boxed{${i % 4}}`;

/** A Parquet schema, as hyparquet-writer takes it. */
type Schema = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>;

/** A TRL dump in one row group of small pages, with offset indexes or not, its completions as text or as chats. */
function dump(offsetIndex: boolean, chat: boolean): ArrayBuffer {
  const completions = Array.from({ length: N }, (_, i) => text(i));
  const columnData = [
    { name: "step", data: completions.map((_, i) => BigInt(Math.floor(i / 100))), offsetIndex },
    { name: "prompt", data: completions.map((_, i) => `q${Math.floor(i / 4)}`), offsetIndex },
    {
      name: "completion",
      data: chat ? completions.map((c) => [{ role: "assistant", content: c }]) : completions,
      offsetIndex,
    },
    { name: "accuracy_reward", data: completions.map((_, i) => i % 4 === 0 ? 1 : 0), offsetIndex },
  ];
  const string = { type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" } as const;
  const completion: Schema = chat
    ? [
      { name: "completion", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "role", ...string },
      { name: "content", ...string },
    ]
    : [{ name: "completion", ...string }];
  const schema: Schema = [
    { name: "root", num_children: 4 },
    { name: "step", type: "INT64", repetition_type: "OPTIONAL" },
    { name: "prompt", ...string },
    ...completion,
    { name: "accuracy_reward", type: "DOUBLE", repetition_type: "OPTIONAL" },
  ];
  return parquetWriteBuffer({ columnData, schema, pageSize: 512, rowGroupSize: N });
}

/** The completions of `path` read `sliceBytes` at a time, and the bytes reported as each slice is read. */
async function read(path: string, sliceBytes?: number): Promise<{ completions: Completion[]; bytes: number[] }> {
  const completions: Completion[] = [], bytes: number[] = [];
  for await (const c of trlCompletions(path, { threshold: 1 }, (n) => bytes.push(n), sliceBytes)) completions.push(c);
  return { completions, bytes };
}

for (const [offsetIndex, chat] of [[true, false], [false, false], [true, true], [false, true]]) {
  const kind = `${chat ? "conversational" : "plain"} completions, ${offsetIndex ? "with" : "without"} offset indexes`;
  Deno.test(`a Parquet row group is read a slice of rows at a time, the same completions (${kind})`, async () => {
    const path = await Deno.makeTempFile({ suffix: ".parquet" });
    try {
      const data = dump(offsetIndex, chat);
      await Deno.writeFile(path, new Uint8Array(data));
      const group = parquetMetadata(data).row_groups[0];
      assertEquals(Number(group.num_rows), N);
      const compressed = group.columns.reduce((s, c) => s + Number(c.meta_data!.total_compressed_size), 0);
      const whole = await read(path), sliced = await read(path, 4096);
      assertEquals(whole.bytes, [compressed]); // one slice: the group is under the default budget
      assertEquals(sliced.completions, whole.completions);
      assertEquals(sliced.completions.length, N);
      assertEquals(sliced.completions[N - 1].text, text(N - 1));
      assertEquals(sliced.bytes.reduce((a, b) => a + b, 0), compressed);
      // A conversation without offset indexes is decoded whole by every slice: its group is read at once.
      if (chat && !offsetIndex) assertEquals(sliced.bytes.length, 1);
      else assert(sliced.bytes.length > 5, `${sliced.bytes.length} slices`);
    } finally {
      await Deno.remove(path);
    }
  });
}

Deno.test("rowSlices cuts each row group into slices of about the budget of the columns read, uncompressed", () => {
  const metadata = parquetMetadata(dump(false, false));
  const columns = ["step", "prompt", "completion", "accuracy_reward"];
  const size = metadata.row_groups[0].columns.reduce((s, c) => s + Number(c.meta_data!.total_uncompressed_size), 0);
  const slices = rowSlices(metadata, columns, size / 10);
  assertEquals(slices.length, 10);
  assertEquals(slices.map((s) => s.rowEnd - s.rowStart), Array(10).fill(N / 10));
  assertEquals(slices.map((s) => s.rowStart), Array.from({ length: 10 }, (_, i) => (i * N) / 10));
  assertEquals(rowSlices(metadata, columns, size).length, 1);
  assertEquals(rowSlices(metadata, columns, 1).length, N); // never fewer than one row a slice
});
