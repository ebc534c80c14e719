/**
 * TRL's completion logs (`log_completions=True`): `completions/completions_{step:05d}.parquet` with
 * columns `step`, `prompt`, `completion`, one column per reward function and optional `advantage`,
 * read with `hyparquet` (snappy and the other codecs from `hyparquet-compressors`) a bounded slice of rows
 * at a time (`parquet_slices.ts`), so that a file written as one large row group is not held decoded
 * whole. The reward is the sum of the reward columns (every numeric column but `step` and `advantage`;
 * a string column such as `mode` is none) unless `--reward-column` names them (`a,b`: a column
 * `log_extra` logs, such as a token count, is numeric too); an empty cell (NaN or null: the reward function returned None) adds nothing, as in TRL's `nansum`.
 * @module
 */
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { AnalyzeError, type Completion } from "./completion.ts";
import { fields, type ReadOptions } from "./formats.ts";
import { fileBuffer, rowSlices, SLICE_BYTES, sliceCache } from "./parquet_slices.ts";

/** Columns that are not rewards. */
const NOT_REWARD = new Set(["step", "prompt", "completion", "advantage"]);

/** Parquet physical types read as numbers. */
const NUMERIC = new Set(["INT32", "INT64", "FLOAT", "DOUBLE"]);

/**
 * The completions of a TRL Parquet file, read `sliceBytes` of uncompressed data at a time, calling
 * `onBytes` with each slice's share of its row group's compressed size.
 */
export async function* trlCompletions(
  path: string,
  o: ReadOptions,
  onBytes: (n: number) => void = () => {},
  sliceBytes = SLICE_BYTES,
): AsyncGenerator<Completion> {
  const file = await fileBuffer(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new AnalyzeError(
      path,
      `is not a whole Parquet file (${(e as Error).message})`,
      "copy it again from the trainer's output",
    );
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element);
  const names = columns.map((c) => c.name);
  for (const need of ["step", "prompt", "completion"]) {
    if (!names.includes(need)) {
      throw new AnalyzeError(path, `has no ${need} column`, "give TRL's completions_*.parquet (log_completions=True)");
    }
  }
  const rewards = o.rewardColumn !== undefined
    ? o.rewardColumn.split(",").map((c) => c.trim())
    : columns.filter((c) => !NOT_REWARD.has(c.name) && NUMERIC.has(c.type ?? "")).map((c) => c.name);
  const missing = o.rewardColumn === undefined ? undefined : rewards.find((c) => !names.includes(c));
  if (missing !== undefined) {
    throw new AnalyzeError(path, `has no reward column ${JSON.stringify(missing)}`, `pick from ${names.join(", ")}`);
  }
  o.onRewardColumns?.(rewards);
  if (rewards.length === 0) {
    throw new AnalyzeError(
      path,
      "has no reward column",
      "use a TRL that logs the rewards, or convert the dump to generic JSONL",
    );
  }
  const read = ["step", "prompt", "completion", ...rewards], cached = sliceCache(file);
  for (const { rowStart, rowEnd, bytes } of rowSlices(metadata, read, sliceBytes)) {
    let rows: Record<string, unknown>[];
    cached.next();
    try {
      rows = await parquetReadObjects({
        file: cached,
        metadata,
        compressors,
        rowStart,
        rowEnd,
        columns: read,
        useOffsetIndex: true,
      });
    } catch (e) {
      throw new AnalyzeError(
        path,
        `rows ${rowStart + 1}–${rowEnd} cannot be read (${(e as Error).message})`,
        "copy the file again",
      );
    }
    for (const [i, r] of rows.entries()) {
      const place = { file: path, at: `row ${rowStart + i + 1}` }, f = fields(place, normalised(r));
      // TRL's nansum: a reward function that returned None logs NaN (null once pandas wrote it), which adds nothing.
      const reward = rewards.reduce((s, name) => (unscored(r[name]) ? s : s + f.number(name)), 0);
      const prompt = typeof r.prompt === "string" ? r.prompt : JSON.stringify(r.prompt);
      yield {
        step: f.step("step"),
        prompt,
        text: f.completion("completion"),
        reward,
        correct: reward >= o.threshold,
      };
    }
    onBytes(bytes);
  }
}

/** Whether a reward cell is empty: null or NaN, where its reward function returned None for the row. */
function unscored(v: unknown): boolean {
  return v === null || v === undefined || Number.isNaN(v);
}

/** A row with its INT64 values (bigint) as numbers. */
function normalised(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === "bigint" ? Number(v) : v;
  return out;
}
