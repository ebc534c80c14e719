/**
 * The strategic grams of an analysis: mined from free text with the paper's pipeline
 * (harness/masks/strategic_grams.ts: 3–5-grams, embedded with PPMI+SVD word vectors, seeded k-means,
 * the top 20% of clusters by cluster document frequency), or read from a list (`--grams`).
 *
 * Mining reads the first `mine` successful completions in input order (files in step order): the
 * earliest policy's successes, as credit-bench mines its fixed list from the base model's, so the
 * list does not change with later steps and the same list can be given to another run's analysis.
 * Free text's vocabulary is open: only the {@link MINING_WORDS} most frequent words of those
 * completions may be inside a gram (strategy is written in common words; the rest are problem
 * values), and at most {@link MINING_CANDIDATES} candidate grams, the most document-frequent, are
 * clustered, which bounds the SVD and k-means whatever the dump.
 * @module
 */
import { rng } from "../core/rng.ts";
import {
  type GramCodec,
  type GramEmbedder,
  mineStrategicGrams,
  mineStrategicGramsWith,
  type StrategicGrams,
} from "../masks/strategic_grams.ts";
import { AnalyzeError } from "./completion.ts";
import { textWords } from "./text.ts";
import { isObject } from "../core/json_object.ts";

/** Most distinct words that may be inside a mined gram (the word vectors' vocabulary). */
const MINING_WORDS = 800;
/** Most candidate grams clustered. */
const MINING_CANDIDATES = 4000;

/**
 * The successful completions read for mining, each as ids into one shared word table: a word of a
 * long dump is held once, not once per occurrence (2,400 completions of 12k words had taken 2.4 GB as
 * word arrays).
 * @example
 * ```ts
 * const corpus = new MiningCorpus();
 * corpus.add(["let", "me", "check"]);
 * corpus.add(["check", "again"]);
 * corpus.words; // ["let", "me", "check", "again"]
 * ```
 */
export class MiningCorpus {
  /** The distinct words, in order of first occurrence; a document's id `i` is `words[i]`. */
  readonly words: string[] = [];
  /** The documents added, as word ids. */
  readonly docs: Uint32Array[] = [];
  #ids = new Map<string, number>();

  /** Add one completion's analysis words. */
  add(words: readonly string[]): void {
    this.docs.push(Uint32Array.from(words, (w) => {
      let id = this.#ids.get(w);
      if (id === undefined) this.#ids.set(w, id = this.words.push(w) - 1);
      return id;
    }));
  }

  /** How many completions were added. */
  get length(): number {
    return this.docs.length;
  }

  /** How many words the completions have, all told. */
  get size(): number {
    return this.docs.reduce((n, doc) => n + doc.length, 0);
  }
}

/**
 * Mine strategic grams from successful completions' analysis words; k-means++ draws from `seed`. The
 * grams are embedded by `embedder` (an ONNX sentence model, `--sentence-model`) when given, else with
 * PPMI+SVD word vectors of the same completions.
 */
export function mineFreeText(corpus: MiningCorpus, seed: number, embedder?: GramEmbedder): Promise<StrategicGrams> {
  const { words } = corpus, freq = new Float64Array(words.length);
  for (const doc of corpus.docs) for (const w of doc) freq[w]++;
  const byFreq = words.map((_, i) => i)
    .sort((a, b) => freq[b] - freq[a] || (words[a] < words[b] ? -1 : 1))
    .slice(0, MINING_WORDS);
  const vocab = byFreq.map((i) => words[i]);
  const miningId = new Uint32Array(words.length); // 0: a word outside the mining vocabulary
  byFreq.forEach((w, i) => miningId[w] = i + 1);
  const codec: GramCodec = {
    eligible: (tokens) => Uint8Array.from(tokens as ArrayLike<number>, (t) => (t === 0 ? 0 : 1)),
    decode: (ids) => ids.map((i) => vocab[i - 1]).join(" "),
  };
  const docs = corpus.docs.map((doc) => doc.map((w) => miningId[w]));
  const stream = rng(seed, "analyze", "strategic_grams"), options = { maxCandidates: MINING_CANDIDATES };
  return embedder
    ? mineStrategicGramsWith(docs, stream, embedder, options, codec)
    : Promise.resolve(mineStrategicGrams(docs, stream, options, codec));
}

/**
 * A gram list from a file: a strategic-gram list (`.json`, as `deno task analyze` or a credit-bench
 * run writes it) or text, one gram a line (blank lines and lines starting with `#` skipped).
 */
export async function loadGramList(path: string): Promise<string[]> {
  const grams = await readGramList(path);
  const blank = grams.findIndex((g) => textWords(g).length === 0);
  if (blank >= 0) throw new AnalyzeError(path, `gram ${blank + 1} has no word`, "give each gram a word, or drop it");
  return grams;
}

/** The grams of a gram list file, as written. */
async function readGramList(path: string): Promise<string[]> {
  const read = await Deno.readTextFile(path).catch((e) => {
    throw new AnalyzeError(path, `cannot be read (${(e as Error).message})`, "give --grams a gram list file");
  });
  const text = read.replace(/^\uFEFF/, ""); // a byte-order mark, as some editors on Windows write
  if (!path.endsWith(".json")) return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  let sg: unknown;
  try {
    sg = JSON.parse(text);
  } catch {
    throw new AnalyzeError(path, "is not JSON", "give a strategic_grams.json or a text file with one gram a line");
  }
  if (!isObject(sg) || !Array.isArray(sg.grams) || !sg.grams.every((g) => isObject(g) && typeof g.gram === "string")) {
    throw new AnalyzeError(
      path,
      "is not a strategic-gram list (grams: [{ gram }])",
      "give a strategic_grams.json or a text file with one gram a line",
    );
  }
  return sg.grams.map((g) => (g as { gram: string }).gram);
}
