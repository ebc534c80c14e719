/**
 * The `mined` planning-token mask: the paper's Strategic-Gram (SG) pipeline. From the successful
 * responses of the base model, take every n-gram with n in [3, 5], embed it, cluster the embeddings
 * with seeded k-means, score each cluster by its cluster document frequency (the number of distinct
 * successful responses containing any n-gram of the cluster) and keep the top 20% of clusters: their
 * n-grams are the strategic grams. A response token is a planning token when it lies inside an
 * occurrence of a strategic gram.
 *
 * Choices beyond the paper, each a documented option of {@link StrategicGramOptions}:
 * - Grams are taken from the body only (see harness/masks/planning.ts): none contains a special token,
 *   the `answer :` marker or answer words. Every successful response ends with the same answer
 *   format, so answer grams would score a document frequency of 100% without being strategy.
 * - Grams containing a value word are dropped (`dropValues`): a number, or a one-letter name (a
 *   person or node `A`..`E`, the unknown `x`; the article `a` is a word). Values are what is
 *   particular to one problem in this suite's small vocabulary, and no strategy names one: without
 *   this filter execution grams such as `use 5 and` or `so D knight` fill the clusters of highest
 *   document frequency (tests/planning_test.ts shows it on a planted corpus).
 * - Grams that start or end with a symbol (`. let us`, `this does not work .`) are dropped
 *   (`dropEdgeSymbols`): they are fragments across a phrase boundary, and the symbol mostly closes
 *   the step before. Grams in which symbols are more than half the words are dropped too
 *   (`maxSymbolShare`, which matters only when the filters above are off).
 * - A gram must occur in at least `minDocs` (2) distinct responses: a gram written once says
 *   nothing about reuse, and this bounds the clustering's size.
 * - Embeddings: no pretrained sentence model is available offline, so by default a gram's vector is the
 *   mean of its words' PPMI+SVD vectors built from the same responses (harness/masks/word_vectors.ts),
 *   L2-normalised. {@link mineStrategicGramsWith} takes any other {@link GramEmbedder} instead, such as
 *   an ONNX sentence model (harness/masks/sentence_model.ts); the list records its id as `embedder`.
 * - k defaults to round(√(G/2)) for G candidate grams (the usual rule of thumb), at least 2 and at
 *   most G; clusters are seeded with k-means++ from the caller's {@link Rng} stream, so the result is
 *   a pure function of the responses, the options and the stream.
 * - Clusters are ranked by document frequency, then by size, then by their first gram's text; the
 *   top `round(topShare·c)` of the c non-empty clusters (at least one) are kept. Cluster ids in the
 *   result are these ranks.
 *
 * The result is plain JSON ({@link StrategicGrams}); {@link saveStrategicGrams} writes it with the run.
 * With no successful response (or no candidate gram) the list is empty and every mask is all zeros.
 * @module
 */
import { firstLine } from "../core/errors.ts";
import { writeAtomic } from "../core/atomic.ts";
import { seededKMeans } from "./kmeans.ts";
import { eligibleTokens } from "./planning.ts";
import type { Rng, RngState } from "../core/rng.ts";
import { decode, encode } from "../text/tokenizer.ts";
import { DEFAULT_WORD_VECTORS, type WordVectorOptions, wordVectors } from "./word_vectors.ts";

/**
 * Options of the mining pipeline; see the module documentation for the reasons behind each default.
 *
 * @example
 * ```ts
 * import { loadResults } from "@credit-bench/credit-bench";
 * import { loadStrategicGrams, type StrategicGramOptions } from "@credit-bench/credit-bench/metrics";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const options: StrategicGramOptions = (await loadStrategicGrams(`${run.dir}/strategic_grams.json`)).params;
 * console.log(options.minN, options.maxN, options.topShare);
 * ```
 */
export interface StrategicGramOptions extends WordVectorOptions {
  /** Shortest gram, in tokens. */
  minN: number;
  /** Longest gram, in tokens. */
  maxN: number;
  /** Fewest distinct responses a gram must occur in to be clustered. */
  minDocs: number;
  /** Drop grams containing a value word (a number or a one-letter name). */
  dropValues: boolean;
  /** Drop grams that start or end with a symbol (`. let us`): fragments across a phrase boundary. */
  dropEdgeSymbols: boolean;
  /** Most share of a gram's words that may be symbols (numbers count as symbols when kept). */
  maxSymbolShare: number;
  /** Number of clusters, or 0 for round(√(G/2)) with G candidate grams (always between 2 and G). */
  clusters: number;
  /** Share of clusters kept, by cluster document frequency. */
  topShare: number;
  /** Most Lloyd iterations of k-means. */
  maxIterations: number;
  /**
   * Most candidate grams clustered: the most document-frequent (ties by text); none when absent.
   * Free text (harness/analyze/) has far more candidates than this suite's vocabulary allows.
   */
  maxCandidates?: number;
}

/** The defaults: n in [3, 5] and the top 20% of clusters as in the paper, the rest as documented above. */
export const DEFAULT_STRATEGIC_GRAMS: Readonly<StrategicGramOptions> = {
  minN: 3,
  maxN: 5,
  minDocs: 2,
  dropValues: true,
  dropEdgeSymbols: true,
  maxSymbolShare: 0.5,
  clusters: 0,
  topShare: 0.2,
  maxIterations: 100,
  ...DEFAULT_WORD_VECTORS,
};

/**
 * One strategic gram.
 *
 * @example
 * ```ts
 * import { loadResults } from "@credit-bench/credit-bench";
 * import { loadStrategicGrams, type StrategicGram } from "@credit-bench/credit-bench/metrics";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const grams: StrategicGram[] = (await loadStrategicGrams(`${run.dir}/strategic_grams.json`)).grams;
 * for (const g of grams.filter((g) => g.cluster === 0)) console.log(g.gram, g.docs);
 * ```
 */
export interface StrategicGram {
  /** The gram's words, space-separated. */
  gram: string;
  /** Its cluster's rank (0: highest cluster document frequency). */
  cluster: number;
  /** Its cluster's document frequency: successful responses containing any gram of the cluster. */
  score: number;
  /** Successful responses containing this gram. */
  docs: number;
}

/** What embeds the candidate grams when the built-in PPMI+SVD word vectors are not wanted. */
export interface GramEmbedder {
  /** Recorded as the list's `embedder`. */
  readonly id: string;
  /** One vector per gram text (its words joined by single spaces), all of one length. */
  embed(texts: readonly string[]): Promise<ArrayLike<number>[]>;
}

/**
 * A mined strategic-gram list with what made it; plain JSON (`strategic_grams.json` of a run folder).
 *
 * @example
 * ```ts
 * import { loadResults } from "@credit-bench/credit-bench";
 * import { loadStrategicGrams, type StrategicGrams } from "@credit-bench/credit-bench/metrics";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const sg: StrategicGrams = await loadStrategicGrams(`${run.dir}/strategic_grams.json`);
 * console.log(`${sg.grams.length} grams in ${sg.kept} of ${sg.clusters} clusters, from ${sg.responses} responses`);
 * ```
 */
export interface StrategicGrams {
  /** Format version. */
  version: 1;
  /** The options used, and the state of the stream k-means++ drew from. */
  params: StrategicGramOptions & { rng: RngState };
  /**
   * The {@link GramEmbedder}'s id (`onnx:<SHA-256 prefix of model.onnx>` for a sentence model); absent
   * when the grams were embedded with the built-in PPMI+SVD word vectors (the params' window, dim and
   * smoothing apply only then).
   */
  embedder?: string;
  /** Successful responses mined. */
  responses: number;
  /** Distinct grams that passed the filters and were clustered. */
  candidates: number;
  /** Non-empty clusters made (at most k). */
  clusters: number;
  /** Clusters kept. */
  kept: number;
  /** The strategic grams: by cluster rank, then by document frequency (most first), then by text. */
  grams: StrategicGram[];
}

/**
 * How the miner reads token ids: which tokens may be inside a gram and what the ids say. The default,
 * {@link VOCAB_CODEC}, is the suite's vocabulary; harness/analyze/ gives one for free-text words.
 */
export interface GramCodec {
  /** 1 for a token that may be inside a gram, else 0 (same length as `tokens`). */
  eligible(tokens: ArrayLike<number>): Uint8Array;
  /** The words of token ids, joined by single spaces. */
  decode(ids: readonly number[]): string;
}

/** The suite vocabulary's codec: body tokens ({@link eligibleTokens}) and its `decode`. */
export const VOCAB_CODEC: GramCodec = { eligible: eligibleTokens, decode };

/** Value words: numbers and one-letter names (people, nodes, the unknown x), but not the article "a". */
const VALUE = /^([0-9]+|[A-Zb-z])$/, WORD = /[A-Za-z]/;

/** Whether a gram's words pass the number and symbol filters. */
function keepGram(words: readonly string[], o: StrategicGramOptions): boolean {
  if (o.dropValues && words.some((w) => VALUE.test(w))) return false;
  if (o.dropEdgeSymbols && !(WORD.test(words[0]) && WORD.test(words[words.length - 1]))) return false;
  return words.filter((w) => !WORD.test(w)).length <= o.maxSymbolShare * words.length;
}

/** The start and length of every gram occurrence inside the eligible tokens of a response. */
function* spans(
  tokens: ArrayLike<number>,
  minN: number,
  maxN: number,
  codec: GramCodec = VOCAB_CODEC,
): Generator<[number, number]> {
  const ok = codec.eligible(tokens);
  let run = 0;
  for (let end = 1; end <= tokens.length; end++) {
    run = ok[end - 1] ? run + 1 : 0;
    for (let n = minN; n <= Math.min(maxN, run); n++) yield [end - n, n];
  }
}

/** The id key of a gram. */
function key(tokens: ArrayLike<number>, start: number, n: number): string {
  return Array.from({ length: n }, (_, k) => tokens[start + k]).join(",");
}

/** The candidate grams of a corpus, and what clustering them needs. */
interface Candidates {
  /** The options, defaults filled in. */
  o: StrategicGramOptions;
  /** The list's fields known before clustering. */
  head: Pick<StrategicGrams, "version" | "params" | "embedder" | "responses" | "candidates">;
  /** The distinct grams of each response, as gram numbers (in order of first occurrence in the corpus). */
  perDoc: Uint32Array[];
  /** How many distinct grams the corpus has. */
  grams: number;
  /** Document frequency of each candidate. */
  docs: Map<string, number>;
  /** Text of each candidate. */
  text: Map<string, string>;
  /** The candidates' id keys, sorted by text. */
  keys: string[];
  /** The gram number of each candidate, in the order of `keys`. */
  numbers: number[];
}

/** Validate the options and find the candidate grams (distinct, filtered, in at least `minDocs` responses). */
function candidateGrams(
  successes: readonly ArrayLike<number>[],
  rng: Rng,
  options: Partial<StrategicGramOptions>,
  embedder: string | undefined,
  codec: GramCodec,
): Candidates {
  const o: StrategicGramOptions = { ...DEFAULT_STRATEGIC_GRAMS, ...options };
  if (!(Number.isInteger(o.minN) && o.minN >= 1 && Number.isInteger(o.maxN) && o.maxN >= o.minN)) {
    throw new RangeError(`strategic grams need integers 1 ≤ minN ≤ maxN, got ${o.minN}..${o.maxN}`);
  }
  if (!(o.topShare > 0 && o.topShare <= 1)) throw new RangeError(`topShare must be in (0, 1], got ${o.topShare}`);
  const params = { ...o, rng: rng.state() };
  // Distinct grams per response, by number (a gram's key is held once, whatever the corpus' size), and
  // document frequency per gram.
  const number = new Map<string, number>(), freq: number[] = [];
  const perDoc = successes.map((tokens) => {
    const seen = new Set<number>();
    for (const [s, n] of spans(tokens, o.minN, o.maxN, codec)) {
      const g = key(tokens, s, n);
      let i = number.get(g);
      if (i === undefined) number.set(g, i = freq.push(0) - 1);
      if (!seen.has(i)) freq[i]++, seen.add(i);
    }
    return Uint32Array.from(seen);
  });
  const frequent = [...number.keys()].filter((g) => freq[number.get(g)!] >= o.minDocs);
  const docs = new Map(frequent.map((g) => [g, freq[number.get(g)!]]));
  const text = new Map(frequent.map((g) => [g, codec.decode(g.split(",").map(Number))]));
  const byText = (a: string, b: string) => (text.get(a)! < text.get(b)! ? -1 : 1);
  let keys = frequent.filter((g) => keepGram(text.get(g)!.split(" "), o));
  if (o.maxCandidates !== undefined && keys.length > o.maxCandidates) {
    keys = keys.sort((a, b) => docs.get(b)! - docs.get(a)! || byText(a, b)).slice(0, o.maxCandidates);
  }
  keys.sort(byText);
  const head = {
    version: 1 as const,
    params,
    ...(embedder === undefined ? {} : { embedder }),
    responses: successes.length,
    candidates: keys.length,
  };
  return { o, head, perDoc, grams: freq.length, docs, text, keys, numbers: keys.map((g) => number.get(g)!) };
}

/** Cluster the candidates' vectors (`points[i]` of `found.keys[i]`), score the clusters and keep the top ones. */
function clusterGrams(found: Candidates, points: number[][], rng: Rng): StrategicGrams {
  const { o, head, perDoc, docs, text, keys: candidates, numbers } = found;
  if (candidates.length === 0) return { ...head, clusters: 0, kept: 0, grams: [] };
  const auto = Math.max(2, Math.round(Math.sqrt(candidates.length / 2)));
  const k = Math.min(o.clusters > 0 ? o.clusters : auto, candidates.length);
  const { clusters } = seededKMeans(points, k, rng, o.maxIterations);

  // Cluster document frequency: responses containing any gram of the cluster.
  const clusterOf = new Int32Array(found.grams).fill(-1); // by gram number; -1: not a candidate
  numbers.forEach((g, i) => clusterOf[g] = clusters[i]);
  const score = new Array<number>(k).fill(0), size = new Array<number>(k).fill(0), first = new Array<string>(k);
  for (const seen of perDoc) {
    const hit = new Set<number>();
    for (const g of seen) if (clusterOf[g] >= 0) hit.add(clusterOf[g]);
    for (const c of hit) score[c]++;
  }
  candidates.forEach((g, i) => {
    size[clusters[i]]++;
    first[clusters[i]] ??= text.get(g)!;
  });
  const used = [...Array(k).keys()].filter((c) => size[c] > 0);
  const ranked = used.sort((a, b) => score[b] - score[a] || size[b] - size[a] || (first[a] < first[b] ? -1 : 1));
  const rank = new Map(ranked.map((c, r) => [c, r]));
  const kept = Math.max(1, Math.round(o.topShare * ranked.length));
  const grams: StrategicGram[] = candidates
    .map((g, i) => ({
      gram: text.get(g)!,
      cluster: rank.get(clusters[i])!,
      score: score[clusters[i]],
      docs: docs.get(g)!,
    }))
    .filter((g) => g.cluster < kept)
    .sort((a, b) => a.cluster - b.cluster || b.docs - a.docs || (a.gram < b.gram ? -1 : 1));
  return { ...head, clusters: ranked.length, kept, grams };
}

/**
 * Mine strategic grams from successful responses (token ids, prompt excluded, as in
 * `RolloutContext.tokens`); the caller picks the successful ones (reward 1). Grams are embedded with
 * PPMI+SVD word vectors of the same responses; k-means++ draws from `rng`. Responses shorter than
 * `minN` body tokens contribute no gram. `codec` reads the ids (default: the suite's vocabulary).
 */
export function mineStrategicGrams(
  successes: readonly ArrayLike<number>[],
  rng: Rng,
  options: Partial<StrategicGramOptions> = {},
  codec: GramCodec = VOCAB_CODEC,
): StrategicGrams {
  const c = candidateGrams(successes, rng, options, undefined, codec);
  if (c.keys.length === 0) return clusterGrams(c, [], rng);
  const wv = wordVectors(successes, c.o, successes.map((s) => codec.eligible(s))); // the body's runs of eligible tokens
  const points = c.keys.map((g) => {
    const v = new Array<number>(wv.dim).fill(0);
    for (const id of g.split(",").map(Number)) wv.vectors.get(id)!.forEach((x, k) => (v[k] += x));
    const norm = Math.hypot(...v);
    return norm > 0 ? v.map((x) => x / norm) : v;
  });
  return clusterGrams(c, points, rng);
}

/**
 * {@link mineStrategicGrams} with the candidate grams embedded by `embedder` (e.g. a sentence model,
 * harness/masks/sentence_model.ts) instead of PPMI+SVD word vectors; the list records `embedder.id`.
 */
export async function mineStrategicGramsWith(
  successes: readonly ArrayLike<number>[],
  rng: Rng,
  embedder: GramEmbedder,
  options: Partial<StrategicGramOptions> = {},
  codec: GramCodec = VOCAB_CODEC,
): Promise<StrategicGrams> {
  const c = candidateGrams(successes, rng, options, embedder.id, codec);
  const vectors = c.keys.length ? await embedder.embed(c.keys.map((g) => c.text.get(g)!)) : [];
  if (vectors.length !== c.keys.length) {
    throw new Error(`embedder ${embedder.id} gave ${vectors.length} vectors for ${c.keys.length} grams`);
  }
  return clusterGrams(c, vectors.map((v) => Array.from(v)), rng);
}

/** Compiled gram lists: id keys and the gram lengths present. */
const COMPILED = new WeakMap<StrategicGrams, { keys: Set<string>; minN: number; maxN: number }>();

function compiled(sg: StrategicGrams) {
  let c = COMPILED.get(sg);
  if (!c) {
    const lengths = sg.grams.map((g) => g.gram.split(" ").length);
    c = {
      keys: new Set(sg.grams.map((g) => encode(g.gram).join(","))),
      minN: Math.min(...lengths),
      maxN: Math.max(...lengths),
    };
    COMPILED.set(sg, c);
  }
  return c;
}

/**
 * The mined planning-token mask of a response (token ids): 1 for every token inside an occurrence
 * of a strategic gram in the body (before the first `answer :`, special tokens never), else 0.
 */
export function strategicGramMask(sg: StrategicGrams, tokens: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(tokens.length);
  if (sg.grams.length === 0) return mask;
  const { keys, minN, maxN } = compiled(sg);
  for (const [s, n] of spans(tokens, minN, maxN)) if (keys.has(key(tokens, s, n))) mask.fill(1, s, s + n);
  return mask;
}

/** Serialise a gram list as JSON text (two-space indent, final newline): same list, same bytes. */
export function strategicGramsJson(sg: StrategicGrams): string {
  return JSON.stringify(sg, null, 2) + "\n";
}

/** Write a gram list to `path` atomically (harness/core/atomic.ts). */
export async function saveStrategicGrams(path: string, sg: StrategicGrams): Promise<void> {
  await writeAtomic(path, strategicGramsJson(sg));
}

/**
 * Read a gram list written by {@link saveStrategicGrams}; throws naming the path when it is not one.
 *
 * @example
 * ```ts
 * import { loadResults } from "@credit-bench/credit-bench";
 * import { loadStrategicGrams } from "@credit-bench/credit-bench/metrics";
 *
 * const { base } = await loadResults("results", "default");
 * const sg = base && await loadStrategicGrams(`${base.dir}/strategic_grams.json`);
 * ```
 */
export async function loadStrategicGrams(path: string): Promise<StrategicGrams> {
  const text = await Deno.readTextFile(path).catch((e) => {
    throw new Error(`${path}: cannot be read (${firstLine(e)})`);
  });
  let sg;
  try {
    sg = JSON.parse(text);
  } catch {
    throw new TypeError(`${path}: is not JSON (truncated or edited); not a strategic-gram list`);
  }
  const gram = (g: unknown) =>
    typeof (g as StrategicGram)?.gram === "string" && (g as StrategicGram).gram.trim() !== "";
  if (sg?.version !== 1 || !Array.isArray(sg.grams) || typeof sg.params !== "object" || !sg.grams.every(gram)) {
    throw new TypeError(`${path}: not a strategic-gram list (version 1 with params and grams, each a gram of words)`);
  }
  try {
    encode(sg.grams.map((g: StrategicGram) => g.gram).join(" "));
  } catch (e) {
    throw new TypeError(`${path}: a gram is not in the vocabulary (${(e as Error).message})`);
  }
  return sg as StrategicGrams;
}
