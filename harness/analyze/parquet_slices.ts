/**
 * A Parquet file read a bounded slice of rows at a time, so that a file written as one large row group
 * (pandas writes up to a million rows to a group) is never held decoded whole: the row ranges of the
 * slices ({@link rowSlices}), the file's bytes as `hyparquet` reads them ({@link fileBuffer}), and the
 * bytes one slice read handed to the next ({@link sliceCache}). Where a column chunk has an offset index
 * (the page locations), a slice reads only its pages; where it has none (pyarrow writes none unless told
 * to), a slice reads the chunk's compressed bytes whole and decodes only the pages up to its last row.
 * @module
 */
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { parquetSchema } from "hyparquet";

/** The uncompressed bytes of the columns read that a slice holds, about. */
export const SLICE_BYTES = 16 * 2 ** 20;

/** Rows `rowStart` to `rowEnd` (0-based, end excluded) of a file, within one row group. */
export interface Slice {
  /** Its first row in the file (0-based). */
  rowStart: number;
  /** The row after its last. */
  rowEnd: number;
  /** Its share of its row group's compressed bytes (a group's slices sum to the group's). */
  bytes: number;
}

/**
 * The slices to read `columns` of a file in: each row group cut into slices of about `budget` bytes of
 * those columns uncompressed (by rows, in proportion), the whole group when it is smaller, or when one of
 * them is nested (a conversation) without an offset index, which hyparquet decodes whole for every slice.
 */
export function rowSlices(metadata: FileMetaData, columns: readonly string[], budget = SLICE_BYTES): Slice[] {
  const nested = new Set(
    parquetSchema(metadata).children.filter((c) => c.children.length || c.element.repetition_type === "REPEATED")
      .map((c) => c.element.name),
  );
  const out: Slice[] = [];
  let row = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const read = group.columns.filter((c) => columns.includes(c.meta_data?.path_in_schema[0] ?? ""));
    const wholeOnly = read.some((c) => nested.has(c.meta_data!.path_in_schema[0]) && !c.offset_index_length);
    const size = read.reduce((s, c) => s + Number(c.meta_data!.total_uncompressed_size), 0);
    const step = wholeOnly || size <= budget ? rows : Math.max(1, Math.floor((rows * budget) / size));
    const compressed = group.columns.reduce((s, c) => s + Number(c.meta_data?.total_compressed_size ?? 0), 0);
    const share = (done: number) => Math.round((compressed * done) / rows);
    for (let done = 0; done < rows; done += step) {
      const end = Math.min(done + step, rows);
      out.push({ rowStart: row + done, rowEnd: row + end, bytes: share(end) - share(done) });
    }
    row += rows;
  }
  return out;
}

/**
 * The file at `path` as `hyparquet` reads it, each byte range read straight into one buffer of its size
 * (its own `asyncBufferFromFile` gathers the range in 64 KiB pieces and copies them into one: the range
 * twice over at once). A range past the end of the file is an error.
 */
export async function fileBuffer(path: string): Promise<AsyncBuffer> {
  const byteLength = (await Deno.stat(path)).size;
  return {
    byteLength,
    async slice(start, end = byteLength) {
      const out = new Uint8Array(end - start);
      using file = await Deno.open(path);
      await file.seek(start, Deno.SeekMode.Start);
      for (let at = 0; at < out.length;) {
        const n = await file.read(out.subarray(at));
        if (n === null) throw new Error(`the file ends at byte ${start + at}, before byte ${end}`);
        at += n;
      }
      return out.buffer;
    },
  };
}

/**
 * `file`, where a read of the same bytes as the slice before's is served from memory: without an offset
 * index every slice of a row group reads the group's column chunks whole, which are so read once a group,
 * not once a slice. `next()` starts a slice, letting go of what the slice before read and this one did
 * not: it holds at most two slices' reads.
 */
export function sliceCache(file: AsyncBuffer): AsyncBuffer & { next(): void } {
  type Reads = Map<string, ReturnType<AsyncBuffer["slice"]>>;
  let before: Reads = new Map(), now: Reads = new Map();
  return {
    byteLength: file.byteLength,
    slice(start, end) {
      const key = `${start}-${end}`, bytes = now.get(key) ?? before.get(key) ?? file.slice(start, end);
      now.set(key, bytes);
      return bytes;
    },
    next() {
      [before, now] = [now, new Map()];
    },
  };
}
