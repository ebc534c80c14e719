/**
 * Which files `deno task analyze` reads and in what format: folders are listed (files ending in
 * `.jsonl`, `.jsonl.gz` or `.parquet`, hidden ones skipped; a credit-bench run folder gives its
 * `rollouts.jsonl.gz` and its `strategic_grams.json`), files are taken as named, and each file's format
 * is detected (or given): `.parquet` is TRL; JSON Lines (`.jsonl`, or gzipped `.jsonl.gz`) are verl
 * when the first line has `input` and `output`, generic when it has `completion`, credit-bench when it
 * has `tokens` and `logp`. Files are read in step order: by
 * the first number in their name, then by name. Everything that cannot be read is an {@link AnalyzeError}.
 * @module
 */
import { createHash } from "node:crypto";
import { isObject } from "../core/json_object.ts";
import { AnalyzeError, BytesError, type Completion } from "./completion.ts";
import { creditBenchCompletion, type Format, genericCompletion, type ReadOptions, verlCompletion } from "./formats.ts";
import { gunzipped, jsonLines } from "./jsonl.ts";
import { trlCompletions } from "./parquet.ts";

/** One input file. */
export interface Source {
  path: string;
  format: Format;
  /** Whether the format was given (`--format`), not detected. */
  formatGiven: boolean;
  /** Size on disk. */
  bytes: number;
}

/** The inputs found. */
export interface Sources {
  files: Source[];
  /** A credit-bench run folder's `strategic_grams.json`, the default gram list when one was named. */
  runGrams?: string;
}

const EXTENSIONS = [".jsonl.gz", ".jsonl", ".parquet"];
const FIX_FORMAT =
  "give .jsonl (generic or verl), .jsonl.gz (credit-bench rollouts) or .parquet (TRL) files, or --format";

/** The first number in a file name, for step order. */
function stepOf(path: string): number {
  const m = path.slice(path.lastIndexOf("/") + 1).match(/\d+/);
  return m ? Number(m[0]) : -1;
}

/** The format of a file, by its name and (for JSON Lines, gzipped or not) its first line. */
async function detect(path: string): Promise<Format> {
  if (path.endsWith(".parquet")) return "trl";
  if (!EXTENSIONS.some((x) => path.endsWith(x))) throw new AnalyzeError(path, "is of an unknown format", FIX_FORMAT);
  for await (const { value } of jsonLines(path, path.endsWith(".gz"))) {
    if (isObject(value) && "input" in value && "output" in value) return "verl";
    if (isObject(value) && "completion" in value) return "generic";
    if (isObject(value) && Array.isArray(value.tokens) && "logp" in value) return "credit-bench";
    throw new AnalyzeError(
      path,
      "line 1 has neither completion (generic JSONL), input and output (verl) nor tokens and logp (credit-bench)",
      FIX_FORMAT,
    );
  }
  throw new AnalyzeError(path, "is empty", "give files with one completion a line");
}

/** The files to read for `inputs` (folders and files), with their formats; `format` skips detection. */
export async function findSources(inputs: readonly string[], format?: Format): Promise<Sources> {
  const files: Source[] = [], givenAs = new Map<string, string>(); // a file's real path → the input that named it
  let runGrams: string | undefined, folderInputs = 0;
  for (const input of inputs) {
    const stat = await Deno.stat(input).catch(() => null);
    if (!stat) throw new AnalyzeError(input, "does not exist", "give a folder or files of rollouts");
    if (stat.isDirectory) folderInputs++;
    let paths = [input];
    if (stat.isDirectory) {
      const names: string[] = [], folders: string[] = [];
      for await (const e of Deno.readDir(input)) {
        // A link is read as what it points to (a dump's files are often linked in from elsewhere).
        const kind = e.isSymlink ? await Deno.stat(`${input}/${e.name}`).catch(() => null) : e;
        if (!kind && EXTENSIONS.some((x) => e.name.endsWith(x))) {
          throw new AnalyzeError(`${input}/${e.name}`, "is a link to nothing", "fix or remove the link");
        }
        if (kind?.isFile && !e.name.startsWith(".") && EXTENSIONS.some((x) => e.name.endsWith(x))) names.push(e.name);
        if (kind?.isDirectory) folders.push(e.name);
      }
      if (names.includes("rollouts.jsonl.gz")) {
        names.splice(0, names.length, "rollouts.jsonl.gz");
        const grams = `${input}/strategic_grams.json`;
        if (await Deno.stat(grams).catch(() => null)) runGrams = grams;
      }
      if (!names.length) {
        const run = (await Promise.all(folders.sort().map((f) => isRunFolder(`${input}/${f}`)))).indexOf(true);
        if (run >= 0) {
          throw new AnalyzeError(
            input,
            "holds run folders, not rollouts",
            `give one run, e.g. ${input}/${folders[run]}`,
          );
        }
        const shown = folders.filter((f) => !f.startsWith("."));
        const holding = (await Promise.all(shown.map((f) => holdsRollouts(`${input}/${f}`)))).flatMap((h, i) =>
          h ? [shown[i]] : []
        );
        if (holding.length) {
          // TRL's completions/ holds train/ and eval/: read together, evaluation samples would count as training.
          const pick = holding.includes("train") ? "train" : holding[0];
          throw new AnalyzeError(
            input,
            `holds no rollout file, but its folder${holding.length > 1 ? "s" : ""} ${holding.join(", ")} ` +
              `${holding.length > 1 ? "do" : "does"}`,
            `give the one to analyze, e.g. ${input}/${pick}`,
          );
        }
        throw new AnalyzeError(
          input,
          "holds no rollout file (.jsonl, .jsonl.gz or .parquet)",
          "point at the folder your trainer dumps rollouts to",
        );
      }
      paths = names.sort((a, b) => stepOf(a) - stepOf(b) || (a < b ? -1 : 1)).map((n) => `${input}/${n}`);
    }
    const found: Source[] = [];
    for (const path of paths) {
      const real = await Deno.realPath(path), first = givenAs.get(real);
      if (first !== undefined) {
        throw new AnalyzeError(path, `is read twice (given as ${first} and as ${input})`, "give each file once");
      }
      givenAs.set(real, input);
      const bytes = (await Deno.stat(path)).size;
      found.push({ path, format: format ?? await detect(path), formatGiven: format !== undefined, bytes });
    }
    const kinds = [...new Set(found.map((s) => s.format))];
    if (kinds.length > 1) {
      const example = kinds.map((k) => `${found.find((s) => s.format === k)!.path} is ${k}`).join(", ");
      throw new AnalyzeError(input, `mixes formats (${example})`, "analyze one format at a time");
    }
    for (const f of found) files.push(f); // not push(...found): a folder may hold 10⁵ files
  }
  const kinds = [...new Set(files.map((s) => s.format))];
  if (kinds.length > 1) {
    throw new AnalyzeError(inputs.join(", "), `mix formats (${kinds.join(", ")})`, "analyze one format at a time");
  }
  // Every credit-bench rollouts file is a whole run; read together, two runs' steps and groups would merge.
  if (kinds[0] === "credit-bench" && files.length > 1) {
    throw new AnalyzeError(
      inputs.join(", "),
      `hold the rollouts of ${files.length} runs`,
      "analyze one run at a time, each into its own --out",
    );
  }
  // Files named one by one (a shell glob: 1, 10, 2) are read in step order too, as a folder's are.
  if (folderInputs === 0) files.sort((a, b) => stepOf(a.path) - stepOf(b.path) || (a.path < b.path ? -1 : 1));
  await refuseCopies(files);
  return { files, runGrams };
}

/** SHA-256 of a file's bytes, or of its decompressed bytes (`gzip`). */
async function digest(path: string, gzip: boolean): Promise<string> {
  const hash = createHash("sha256"), bytes = (await Deno.open(path)).readable;
  for await (const chunk of gzip ? gunzipped(bytes) : bytes) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Refuse two files with the same content: a copy beside its original, of another folder's file, or a
 * file beside its own gzipped copy (`gzip -k`). Each completion carries its step, so a copy would count
 * its completions twice. Only files of equal size, and `X.jsonl` beside `X.jsonl.gz`, are read to compare.
 */
async function refuseCopies(files: readonly Source[]): Promise<void> {
  const twice = (copy: string, first: string, how = "") => {
    throw new AnalyzeError(
      copy,
      `has the same ${how}bytes as ${first}, so its completions would be read twice`,
      "give each file once",
    );
  };
  const bySize = Map.groupBy(files.filter((f) => f.bytes > 0), (f) => f.bytes);
  for (const same of bySize.values()) {
    if (same.length < 2) continue;
    const seen = new Map<string, string>();
    for (const f of same) {
      const d = await digest(f.path, false), first = seen.get(d);
      if (first !== undefined) twice(f.path, first);
      seen.set(d, f.path);
    }
  }
  const paths = new Set(files.map((f) => f.path));
  for (const gz of files.filter((f) => f.path.endsWith(".gz") && paths.has(f.path.slice(0, -3)))) {
    const plain = gz.path.slice(0, -3);
    // A corrupt gzip file is named as such when it is read.
    const unzipped = await digest(gz.path, true).catch(() => null);
    if (unzipped === await digest(plain, false)) {
      twice(gz.path, plain, "decompressed ");
    }
  }
}

/**
 * Whether folder `dir` holds a rollout file (one of {@link EXTENSIONS}, not hidden) directly, and is not
 * an analysis (whose `steps.jsonl` is no dump).
 */
async function holdsRollouts(dir: string): Promise<boolean> {
  let found = false;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name === "overall.json") return false;
      if (!e.name.startsWith(".") && EXTENSIONS.some((x) => e.name.endsWith(x))) found = true;
    }
  } catch {
    // A folder that cannot be read holds nothing analyze could read.
  }
  return found;
}

/** Whether `dir` is a credit-bench run folder (it holds `rollouts.jsonl.gz`). */
async function isRunFolder(dir: string): Promise<boolean> {
  return (await Deno.stat(`${dir}/rollouts.jsonl.gz`).catch(() => null))?.isFile ?? false;
}

/**
 * The completions of one source, in file order; `onBytes` is told the bytes read from disk as they are.
 * A file that fails before its first completion, read in a format `--format` gave, says so: the
 * format may be what is wrong.
 */
export async function* readSource(
  src: Source,
  o: ReadOptions,
  onBytes: (n: number) => void = () => {},
): AsyncGenerator<Completion> {
  let n = 0;
  try {
    for await (const c of completions(src, o, onBytes)) {
      n++;
      yield c;
    }
  } catch (e) {
    if (!(e instanceof AnalyzeError && n === 0 && src.formatGiven) || e instanceof BytesError) throw e;
    throw new AnalyzeError(
      e.file,
      `${e.what} (read as --format ${src.format})`,
      `${e.fix}, or give the --format it is in (or none, to detect it)`,
    );
  }
  if (n === 0) throw new AnalyzeError(src.path, "holds no completion", "give files with one completion a line or row");
}

/** The completions of one source, in file order, read in its format. */
async function* completions(src: Source, o: ReadOptions, onBytes: (n: number) => void): AsyncGenerator<Completion> {
  if (src.format === "trl") {
    yield* trlCompletions(src.path, o, onBytes);
    return;
  }
  for await (const { line, value } of jsonLines(src.path, src.path.endsWith(".gz"), onBytes)) {
    const place = { file: src.path, at: `line ${line}` };
    if (src.format === "generic") yield genericCompletion(place, value, o);
    else if (src.format === "verl") yield verlCompletion(place, value, o);
    else yield creditBenchCompletion(place, value);
  }
}
