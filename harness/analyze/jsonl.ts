/**
 * Streaming JSON Lines, plain or gzip-compressed: one parsed value a line, with its line number,
 * read chunk by chunk so that memory does not grow with the file. A line that is not JSON and a
 * truncated gzip stream are {@link AnalyzeError}s naming the file.
 * @module
 */
import { pipeline, Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { AnalyzeError, BytesError } from "./completion.ts";
import { shellQuote } from "../core/shell_quote.ts";

/** JSON string literals, blanked before looking for {@link NON_FINITE}. */
const STRINGS = /"(?:[^"\\]|\\.)*"/g;
/** A bare NaN or (±)Infinity as a value: what Python's json module writes for non-finite floats. */
const NON_FINITE = /[:,[]\s*-?(?:NaN|Infinity)\s*[,}\]]/;
/** A JSON string, or a bare non-finite token (a string is matched whole first, so its text is never one). */
const STRING_OR_NON_FINITE = new RegExp(`${STRINGS.source}|-?(?:NaN|Infinity)`, "g");
/** The stand-ins of the non-finite tokens while the line is parsed. */
const STAND_INS: Record<string, number> = {
  "\u0000NaN": NaN,
  "\u0000Infinity": Infinity,
  "\u0000-Infinity": -Infinity,
};

/**
 * A line Python's json module wrote with NaN or (±)Infinity (verl's `reward_extra_info` often holds one),
 * parsed with them as the numbers they stand for: a field analyze does not read is then no reason to
 * refuse the dump, and one it reads is refused or read by its own rule. Null when it is still not JSON.
 */
function parseNonFinite(line: string): unknown {
  try {
    const text = line.replace(STRING_OR_NON_FINITE, (m) => (m[0] === '"' ? m : JSON.stringify(`\u0000${m}`)));
    return JSON.parse(text, (_, v) => (typeof v === "string" && Object.hasOwn(STAND_INS, v) ? STAND_INS[v] : v));
  } catch {
    return null;
  }
}

/**
 * The bytes of a gzip stream, decompressed. By node:zlib, not `DecompressionStream`: a file of several
 * gzip members (`cat a.gz b.gz`, Python's gzip append mode) is one valid stream (RFC 1952), and this
 * reads them all. A truncated or corrupt stream errors with a zlib `code` (`Z_…`). Cancelled (a reader
 * that stops after the first line), it stops the inflater and the source: `Readable.toWeb` left the
 * inflater pushing into the closed stream, an uncaught TypeError that ended the process.
 */
export function gunzipped(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const source = Readable.fromWeb(stream as NodeWebStream), inflater = createGunzip();
  // pipeline, not pipe: a corrupt stream's error also closes the source (pipe left the file open), and a
  // read error of the source reaches the reader (pipe left it an uncaught error event).
  pipeline(source, inflater, () => {});
  const chunks = inflater[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(out) {
      const next = await chunks.next();
      if (next.done) out.close();
      else out.enqueue(next.value);
    },
    cancel() {
      inflater.destroy();
      source.destroy();
    },
  });
}

/** One parsed line. */
export interface JsonLine {
  /** 1-based line number. */
  line: number;
  value: unknown;
}

/**
 * The JSON values of the non-blank lines of `path` (gunzipped when `gzip`), calling `onBytes` with
 * each chunk's size on disk as it is read.
 */
export async function* jsonLines(
  path: string,
  gzip: boolean,
  onBytes: (n: number) => void = () => {},
): AsyncGenerator<JsonLine> {
  const file = await Deno.open(path);
  let stream: ReadableStream<Uint8Array> = file.readable.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        onBytes(chunk.length);
        out.enqueue(chunk);
      },
    }),
  );
  if (gzip) stream = gunzipped(stream);
  const text = stream.pipeThrough(new TextDecoderStream());
  let line = 0;
  const parts: string[] = []; // the pieces of the line being read, joined once it ends (linear in its length)
  const parse = (s: string): JsonLine | null => {
    line++;
    if (!s.trim()) return null;
    try {
      return { line, value: JSON.parse(s) };
    } catch {
      // gzip read as text: its magic bytes 1f 8b come out as U+001F and U+FFFD.
      if (line === 1 && !gzip && s.startsWith("\u001F\uFFFD")) {
        throw new BytesError(
          path,
          "is gzip-compressed, but its name does not end in .gz",
          `rename it, e.g. mv ${shellQuote(path)} ${shellQuote(`${path}.gz`)}`,
        );
      }
      // UTF-16 read as UTF-8: its byte-order mark comes out as two U+FFFD, and every ASCII character beside a NUL.
      if (line === 1 && (s.startsWith("\uFFFD\uFFFD") || s.includes("\u0000"))) {
        const from = s.startsWith("\uFFFD\uFFFD") ? "UTF-16" : s[0] === "\u0000" ? "UTF-16BE" : "UTF-16LE";
        const iconv = `iconv -f ${from} -t UTF-8`;
        const read = gzip ? `gunzip -c ${shellQuote(path)} | ${iconv}` : `${iconv} ${shellQuote(path)}`;
        throw new BytesError(
          path,
          "is UTF-16 text (as Windows PowerShell's > writes), not UTF-8",
          `convert it, e.g. ${read} > ${shellQuote(path.replace(/(\.jsonl)?(\.gz)?$/, ".utf8.jsonl"))}`,
        );
      }
      if (NON_FINITE.test(s.replace(STRINGS, '""'))) {
        const value = parseNonFinite(s);
        if (value !== null) return { line, value };
        throw new AnalyzeError(
          path,
          `line ${line} has NaN or Infinity, which JSON has no way to write (Python's json.dumps writes them anyway)`,
          "write null or a finite number instead, or drop the record",
        );
      }
      throw new AnalyzeError(path, `line ${line} is not JSON`, "write one JSON object per line");
    }
  };
  try {
    for await (const chunk of text) {
      let at = 0;
      for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", at)) {
        parts.push(chunk.slice(at, nl));
        const parsed = parse(parts.join(""));
        parts.length = 0;
        at = nl + 1;
        if (parsed) yield parsed;
      }
      if (at < chunk.length) parts.push(chunk.slice(at));
    }
  } catch (e) {
    if (e instanceof AnalyzeError) throw e;
    if (gzip && /^Z_/.test((e as { code?: string }).code ?? "")) {
      throw new BytesError(path, "is a truncated or corrupt gzip file", "copy it again from its run folder");
    }
    throw e;
  }
  const last = parse(parts.join(""));
  if (last) yield last;
}
