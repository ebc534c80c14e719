/**
 * `shortest_path`: the cheapest route between two nodes of a small undirected weighted graph, the
 * suite's long-horizon task. The prompt lists the edges and the two nodes:
 *
 *     shortest_path A B 3 , B C 2 , A C 7 , C D 1 , from A to D
 *
 * A response expands nodes in blocks `from N d :` (N reached at distance d), each followed by
 * relaxation steps `M d + w = r .` (M reached through N at distance r), and ends with the stopping
 * decision `T r .` and the answer `answer : A B C D = 6` (the path, then its cost).
 *
 * Strategies: `dijkstra` expands nodes in order of distance and relaxes every edge (always right
 * when its steps are, and the longest); `greedy` follows the cheapest edge to an unvisited node until
 * it reaches the target (short, wrong whenever the greedy path is not the shortest); `explore` walks
 * greedily, then goes back to the start and walks down the second-cheapest first edge, keeping the
 * cheaper of the two (in between in length and accuracy). A response stays within 90 words for any
 * style: optional phrases and reflections are left out where they would not fit.
 *
 * Correct answer: a path from the source to the target along edges of the graph whose written cost
 * equals its true cost and equals the shortest distance. Generated graphs are connected and have a
 * unique shortest path of at least two edges, so the canonical answer (`data.answer`) is the only
 * correct one; the verifier nonetheless accepts any path meeting the definition.
 * @module
 */
import type { Rng } from "../harness/rng.ts";
import { defineTask, type Problem, type StepCheck, type Style, type Trace } from "../harness/task.ts";
import { answerSection, missWhere, pickStrategy, TraceBuilder, verdict } from "../harness/trace.ts";
import { checkStep, findSteps, num } from "../harness/arith.ts";
import { longest, PLANNING_PHRASES, REFLECTION_PHRASES } from "../harness/phrases.ts";

/** An undirected edge as written in the prompt: two node names and a weight in 1..9. */
export type Edge = [string, string, number];

/** The data of a shortest_path problem (plain JSON). */
export interface ShortestPathData {
  /** Node names, in name order. */
  nodes: string[];
  /** Edges in prompt order. */
  edges: Edge[];
  /** Start node. */
  source: string;
  /** End node. */
  target: string;
  /** Length of the shortest path. */
  distance: number;
  /** The canonical correct answer, `path = cost`. */
  answer: string;
}

/** Node names, in name order; level 1 uses the first four, level 2 all five. */
const NODE_NAMES = ["A", "B", "C", "D", "E"] as const;

const NAME = "shortest_path";
const STRATEGIES = { dijkstra: 0.45, greedy: 0.35, explore: 0.2 } as const;
type Strategy = keyof typeof STRATEGIES;
const MAX_RESPONSE_WORDS = 90;
/** Share of problems generated so that the greedy walk finds the shortest path. */
const GREEDY_RIGHT = 0.45;
const MAX_ATTEMPTS = 10_000;

/** Word counts of the trace's pieces, for the length budget (phrases at their longest). */
const COST = {
  branch: longest(PLANNING_PHRASES.branching),
  back: longest(PLANNING_PHRASES.backtracking),
  header: 4, // from N d :
  step: 7, // M d + w = r .
  then: 1,
  final: longest(PLANNING_PHRASES.deduction) + 3, // <deduction> T r .
  reflect: longest(REFLECTION_PHRASES) + 7, // reflection phrase, then the step rewritten
};

/** A level's node count and range of edge counts. */
function shape(level: number): { n: number; edges: [number, number] } {
  if (level === 1) return { n: 4, edges: [4, 5] };
  if (level === 2) return { n: 5, edges: [6, 6] };
  throw new RangeError(`${NAME} has no level ${level} (levels: 1, 2)`);
}

/** Neighbours of `u` with edge weights, in prompt order. */
function neighbours(edges: readonly Edge[], u: string): { v: string; w: number }[] {
  const out: { v: string; w: number }[] = [];
  for (const [a, b, w] of edges) {
    if (a === u) out.push({ v: b, w });
    else if (b === u) out.push({ v: a, w });
  }
  return out;
}

/** The weight of edge u–v, or null when there is none. */
function weight(edges: readonly Edge[], u: string, v: string): number | null {
  return neighbours(edges, u).find((e) => e.v === v)?.w ?? null;
}

/** Every simple path from `s` to `t` with its cost. */
function simplePaths(edges: readonly Edge[], s: string, t: string): { path: string[]; cost: number }[] {
  const out: { path: string[]; cost: number }[] = [];
  const walk = (path: string[], cost: number) => {
    const u = path[path.length - 1];
    if (u === t) return void out.push({ path, cost });
    for (const { v, w } of neighbours(edges, u)) if (!path.includes(v)) walk([...path, v], cost + w);
  };
  walk([s], 0);
  return out;
}

/** One move of a walk: the node reached and the edge's weight. */
interface Move {
  v: string;
  w: number;
}

/** The cheapest edge from `u` to a node outside `avoid` (first in prompt order on a tie), with whether it ties. */
function cheapest(edges: readonly Edge[], u: string, avoid: readonly string[]): { move: Move; tie: boolean } | null {
  const options = neighbours(edges, u).filter((e) => !avoid.includes(e.v));
  if (!options.length) return null;
  const best = Math.min(...options.map((e) => e.w));
  return { move: options.find((e) => e.w === best)!, tie: options.filter((e) => e.w === best).length > 1 };
}

/** A greedy walk's plan: its moves, whether it reaches the target, and whether any choice was a tie. */
interface Walk {
  moves: Move[];
  reached: boolean;
  tie: boolean;
}

/**
 * The greedy walk from `source`: `first` (when given) then the cheapest edge to a node not yet on
 * the walk, until the target, a dead end, or `maxMoves` moves.
 */
function greedyWalk(d: ShortestPathData, maxMoves: number, first?: { move: Move; tie: boolean }): Walk {
  const path = [d.source];
  const walk: Walk = { moves: [], reached: false, tie: false };
  let next = first ?? cheapest(d.edges, d.source, path);
  while (next && walk.moves.length < maxMoves) {
    walk.moves.push(next.move);
    walk.tie ||= next.tie;
    path.push(next.move.v);
    if (next.move.v === d.target) return { ...walk, reached: true };
    next = cheapest(d.edges, next.move.v, path);
  }
  return walk;
}

/**
 * The explore strategy's two walks: the greedy one, then the one down the second-cheapest first edge
 * (at most n - 2 moves; null when the source has a single edge).
 */
function exploreWalks(d: ShortestPathData): [Walk, Walk | null] {
  const first = greedyWalk(d, d.nodes.length - 1);
  const second = cheapest(d.edges, d.source, [d.source, first.moves[0].v]);
  return [first, second && greedyWalk(d, d.nodes.length - 2, second)];
}

/** Cost of a list of moves. */
function cost(moves: readonly Move[]): number {
  return moves.reduce((s, m) => s + m.w, 0);
}

/** The problem of a graph: prompt, shortest distance and canonical answer (the first shortest path found). */
export function makeProblem(level: number, edges: Edge[], source: string, target: string): Problem<ShortestPathData> {
  const paths = simplePaths(edges, source, target);
  if (!paths.length) throw new RangeError(`${NAME}: ${target} cannot be reached from ${source}`);
  const best = paths.reduce((a, b) => (b.cost < a.cost ? b : a));
  const nodes = [...new Set(edges.flatMap(([a, b]) => [a, b]))].sort();
  const prompt = `${NAME} ${edges.map(([a, b, w]) => `${a} ${b} ${w}`).join(" , ")} , from ${source} to ${target}`;
  const answer = `${best.path.join(" ")} = ${best.cost}`;
  return { task: NAME, level, prompt, data: { nodes, edges, source, target, distance: best.cost, answer } };
}

/** A graph with its source and target, before its shortest path is known. */
type Graph = Omit<ShortestPathData, "distance" | "answer">;

/** A random graph on `names`: the edge set, endpoint order, weights, edge order, source and target. */
function drawGraph(rng: Rng, names: readonly string[], edgeCount: number): Graph {
  const pairs: [string, string][] = names.flatMap((a, i) => names.slice(i + 1).map((b): [string, string] => [a, b]));
  const edges = rng.shuffle(pairs).slice(0, edgeCount).map(([a, b]): Edge => {
    const w = rng.range(1, 9);
    return rng.bernoulli(0.5) ? [a, b, w] : [b, a, w];
  });
  const [source, target] = rng.shuffle(names);
  return { nodes: [...names], edges, source, target };
}

/** Whether every node of a graph can be reached from its source. */
function connected(g: Graph): boolean {
  const seen = new Set([g.source]);
  const todo = [g.source];
  for (let u = todo.pop(); u !== undefined; u = todo.pop()) {
    for (const { v } of neighbours(g.edges, u)) if (!seen.has(v)) todo.push(v), seen.add(v);
  }
  return seen.size === g.nodes.length;
}

/**
 * Whether a generated problem is usable: a unique shortest path of two or more edges, a source with
 * two or more edges, greedy walks free of ties whose first reaches the target, and the greedy walk
 * right exactly when `greedyRight`.
 */
function usable(d: ShortestPathData, greedyRight: boolean): boolean {
  const best = simplePaths(d.edges, d.source, d.target).filter((q) => q.cost === d.distance);
  if (best.length !== 1 || best[0].path.length < 3 || neighbours(d.edges, d.source).length < 2) return false;
  const [first, second] = exploreWalks(d);
  return first.reached && !first.tie && !second?.tie && (cost(first.moves) === d.distance) === greedyRight;
}

/** The answer's canonical form `N1 … Nk = c` (two or more node names, then a number), or null. */
function parseAnswer(ws: readonly string[] | null): string | null {
  if (!ws || ws.length < 4 || ws[ws.length - 2] !== "=" || num(ws[ws.length - 1]) === null) return null;
  const path = ws.slice(0, -2);
  return path.every((w) => (NODE_NAMES as readonly string[]).includes(w)) ? ws.join(" ") : null;
}

/** Whether a canonical answer is a path from source to target whose written cost is its cost and the shortest. */
function isCorrect(d: ShortestPathData, canonical: string): boolean {
  const ws = canonical.split(" ");
  const path = ws.slice(0, -2), written = Number(ws[ws.length - 1]);
  if (path[0] !== d.source || path[path.length - 1] !== d.target) return false;
  let total = 0;
  for (let i = 1; i < path.length; i++) {
    const w = weight(d.edges, path[i - 1], path[i]);
    if (w === null) return false;
    total += w;
  }
  return total === written && written === d.distance;
}

/**
 * The relaxation steps of a body: every `a op b = c`, widened to the node word before it when there
 * is one (`C 3 + 2 = 5`); the key is the step without its result (`C 3 + 2`), ok when the arithmetic is right.
 */
function bodySteps(body: readonly string[]): StepCheck[] {
  return findSteps(body).map((s) => {
    const check = checkStep(s);
    const node = body[s.start - 1];
    return s.start > 0 && (NODE_NAMES as readonly string[]).includes(node)
      ? { ...check, start: s.start - 1, key: `${node} ${check.key}` }
      : check;
  });
}

/** Words a walk of `moves` moves takes: its header, its steps and a `then` before each further move. */
function walkWords(moves: number): number {
  return COST.header + moves * COST.step + Math.max(moves - 1, 0) * COST.then;
}

/** Words of the close: the stop `<deduction> T r .`, then `answer : path = r`, at most. */
function closeWords(d: ShortestPathData): number {
  return COST.final + 4 + d.nodes.length;
}

/**
 * A trace builder that keeps the response within {@link MAX_RESPONSE_WORDS}: it starts with a
 * reserve, the most words the strategy's mandatory pieces can take, and writes an optional phrase or
 * a reflection only while the words so far, the extra words and what is left of the reserve fit.
 */
class Writer {
  readonly tb: TraceBuilder;
  /** The style the builder reads; its reflect rate drops to 0 when a reflection would not fit. */
  readonly #live: Style;
  /** Words still reserved for mandatory pieces. */
  #left: number;

  constructor(rng: Rng, readonly style: Style, left: number) {
    this.#live = { ...style };
    this.tb = new TraceBuilder(rng, this.#live);
    this.#left = left;
  }

  #fits(extra: number): boolean {
    return this.tb.words.length + extra + this.#left <= MAX_RESPONSE_WORDS;
  }

  /** `[branching phrase] from N d :` */
  header(node: string, d: number): void {
    if (this.#fits(COST.branch)) this.tb.maybePhrase("branching");
    this.#left -= COST.header;
    this.tb.plan(`from ${node} ${d} :`);
  }

  /** The step `v d + w = r .`; returns the result the teacher goes on with. */
  relax(v: string, d: number, w: number): number {
    this.#live.reflect = this.#fits(COST.reflect) ? this.style.reflect : 0;
    this.#left -= COST.step;
    return this.tb.step(`${v} ${d} + ${w}`, d + w, (r) => missWhere(r, d + w, (v) => v >= 1));
  }

  /** `then`, before each further move of a walk. */
  then(): void {
    this.#left -= COST.then;
    this.tb.plan("then");
  }

  /** A backtracking phrase, before going back to the start. */
  back(): void {
    this.#left -= COST.back;
    this.tb.phrase("backtracking");
  }

  /** `<deduction phrase> T r .`, then the answer. */
  close(d: ShortestPathData, path: readonly string[], r: number, strategy: Strategy): Trace {
    const answer = `${path.join(" ")} = ${r}`;
    this.tb.phrase("deduction").plan(`${d.target} ${r} .`);
    return this.tb.finish(answer, strategy, isCorrect(d, answer));
  }
}

/** Dijkstra: expand the closest unexpanded node (first in name order on a tie) until the target is closest. */
function dijkstra(d: ShortestPathData, rng: Rng, style: Style): Trace {
  const n = d.nodes.length;
  const w = new Writer(rng, style, (n - 1) * COST.header + d.edges.length * COST.step + closeWords(d));
  const dist = new Map<string, number>([[d.source, 0]]);
  const via = new Map<string, string>();
  const done = new Set<string>();
  const open = () => d.nodes.filter((v) => dist.has(v) && !done.has(v));
  let u = d.source;
  while (u !== d.target) {
    done.add(u);
    const du = dist.get(u)!;
    w.header(u, du);
    for (const e of neighbours(d.edges, u)) {
      if (done.has(e.v)) continue;
      const r = w.relax(e.v, du, e.w), old = dist.get(e.v);
      if (old === undefined || r < old) {
        dist.set(e.v, r);
        via.set(e.v, u);
      }
    }
    u = open().reduce((a, b) => (dist.get(b)! < dist.get(a)! ? b : a));
  }
  const path = [d.target];
  while (path[0] !== d.source) path.unshift(via.get(path[0])!);
  return w.close(d, path, dist.get(d.target)!, "dijkstra");
}

/**
 * Write a walk's moves from the source; stop early (before the target) once the running cost reaches
 * `bound`. Returns the path and running cost, and whether it reached the target.
 */
function writeWalk(d: ShortestPathData, w: Writer, walk: Walk, bound: number) {
  const path = [d.source];
  let c = 0;
  w.header(d.source, 0);
  for (const [i, m] of walk.moves.entries()) {
    if (i > 0) w.then();
    c = w.relax(m.v, c, m.w);
    path.push(m.v);
    if (m.v === d.target) return { path, cost: c, reached: true };
    if (c >= bound) break;
  }
  return { path, cost: c, reached: false };
}

/** Greedy: follow the cheapest edge to an unvisited node until the target. */
function greedy(d: ShortestPathData, rng: Rng, style: Style): Trace {
  const plan = greedyWalk(d, d.nodes.length - 1);
  const w = new Writer(rng, style, walkWords(plan.moves.length) + closeWords(d));
  const walk = writeWalk(d, w, plan, Infinity);
  return w.close(d, walk.path, walk.cost, "greedy");
}

/** Explore: the greedy walk, then back to the start down the second-cheapest edge; keep the cheaper. */
function explore(d: ShortestPathData, rng: Rng, style: Style): Trace {
  const [first, second] = exploreWalks(d);
  const back = second ? COST.back + walkWords(second.moves.length) : 0;
  const w = new Writer(rng, style, walkWords(first.moves.length) + back + closeWords(d));
  const a = writeWalk(d, w, first, Infinity);
  if (!second) return w.close(d, a.path, a.cost, "explore");
  w.back();
  const b = writeWalk(d, w, second, a.reached ? a.cost : Infinity);
  const best = b.reached && (!a.reached || b.cost < a.cost) ? b : a;
  return w.close(d, best.path, best.cost, "explore");
}

/** The shortest_path task. */
export default defineTask<ShortestPathData>({
  name: NAME,
  summary: "Shortest path in a small weighted graph: expand nodes by distance, adding edge weights, until the target.",
  levels: [1, 2],
  strategies: STRATEGIES,
  maxResponseWords: MAX_RESPONSE_WORDS,

  generate(rng: Rng, _index: number, level: number): Problem<ShortestPathData> {
    const { n, edges: [lo, hi] } = shape(level);
    const greedyRight = rng.bernoulli(GREEDY_RIGHT);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = drawGraph(rng, NODE_NAMES.slice(0, n), rng.range(lo, hi));
      if (!connected(g)) continue;
      const p = makeProblem(level, g.edges, g.source, g.target);
      if (usable(p.data, greedyRight)) return p;
    }
    throw new Error(`${NAME}: no usable graph at level ${level} in ${MAX_ATTEMPTS} draws`);
  },

  verify(problem: Problem<ShortestPathData>, response: string) {
    const sec = answerSection(response);
    return verdict(sec, parseAnswer(sec.answer), (c) => isCorrect(problem.data, c), bodySteps(sec.body));
  },

  demonstrate(problem: Problem<ShortestPathData>, rng: Rng, style: Style): Trace {
    const strategy = pickStrategy(rng, style, STRATEGIES);
    return { dijkstra, greedy, explore }[strategy](problem.data, rng, style);
  },
});
