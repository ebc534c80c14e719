/**
 * `shortest_path`: the cost of the cheapest route between two nodes of a small directed weighted
 * graph, the suite's long-horizon task. The prompt lists the edges and the two nodes:
 *
 *     shortest_path A B 3 , B C 2 , A C 7 , C D 1 , from A to D
 *
 * An edge `X Y w` goes from X to Y only, with weight w in 1..9; no two nodes are joined in both
 * directions. A response expands nodes in blocks `from N d :` (N reached at distance d), each
 * followed by relaxation steps that copy an edge out of N from the prompt and add its weight to d:
 * `N M w : d + w = r .` (M reached through N at distance r). It ends with the stopping decision
 * `<deduction phrase> T r .` and the answer, the cost alone: `answer : 6`.
 *
 *     from A 0 : A B 3 : 0 + 3 = 3 . A C 7 : 0 + 7 = 7 . from B 3 : B C 2 : 3 + 2 = 5 .
 *     from C 5 : C D 1 : 5 + 1 = 6 . we know that D 6 . answer : 6
 *
 * Strategies: `dijkstra` expands the closest unexpanded node (first in name order on a tie) and
 * relaxes every out-edge from it to a node not yet expanded, until the target is the closest (always
 * right when its steps are, and the longest); `greedy` walks from the source along the cheapest
 * out-edge to a node not yet on the walk until it reaches the target, writing `then` between moves
 * (short, wrong whenever the greedy path is not the shortest); `explore` writes the greedy walk, a
 * backtracking phrase, then a second walk from the source down the second-cheapest out-edge,
 * continued greedily, stopped once its cost reaches the first walk's or when it dead-ends, and keeps
 * the cheaper walk that reached the target (in between in length and accuracy). A response stays
 * within 96 words for any style: optional phrases and reflections are left out where they would not
 * fit, and the second walk of `explore` is cut to the moves that fit.
 *
 * Correctness: the answer is exactly one number, and it is right when it equals the shortest
 * distance (`data.answer`). A step `X Y w : d + w2 = r` is right when the graph has the edge X→Y
 * with weight w, the added operand w2 is w and d + w2 = r; its key is `X Y d + w2`, so a rewrite of
 * the step revises it. Arithmetic not preceded by an edge `X Y w :` is a step too, never right.
 *
 * Generated graphs (level 1: three nodes, three edges; level 2: four nodes, four or five edges) touch
 * every node, have a unique shortest path from the source to the target (of at least two edges
 * beyond three nodes), give
 * the source two or more out-edges, and have greedy walks free of ties whose first reaches the
 * target; the greedy path is the shortest in about 45% of problems.
 * @module
 */
import { defineTask, type Problem, type Rng, type StepCheck, type Style, type Trace } from "./kit/task.ts";
import { answerSection, missWhere, pickStrategy, TraceBuilder, verdict } from "./kit/trace.ts";
import { checkStep, findSteps, num } from "./kit/arith.ts";
import { longest, PLANNING_PHRASES, REFLECTION_PHRASES } from "./kit/phrases.ts";

/** A directed edge as written in the prompt: from node, to node, and a weight in 1..9. */
export type Edge = [string, string, number];

/** The data of a shortest_path problem (plain JSON). */
export interface ShortestPathData {
  /** Node names on some edge, in name order. */
  nodes: string[];
  /** Edges in prompt order. */
  edges: Edge[];
  /** Start node. */
  source: string;
  /** End node. */
  target: string;
  /** Cost of the shortest path. */
  distance: number;
  /** The canonical correct answer: the distance as a number word. */
  answer: string;
}

/** Node names, in name order; level 1 uses the first three, level 2 the first four. */
const NODE_NAMES: readonly string[] = ["A", "B", "C", "D", "E"];

const NAME = "shortest_path";
const STRATEGIES = { dijkstra: 0.45, greedy: 0.35, explore: 0.2 } as const;
type Strategy = keyof typeof STRATEGIES;
const MAX_RESPONSE_WORDS = 96;
/** Share of problems generated so that the greedy walk finds the shortest path. */
const GREEDY_RIGHT = 0.45;
const MAX_ATTEMPTS = 10_000;

/** Word counts of the trace's pieces, for the length budget (phrases at their longest). */
const COST = {
  branch: longest(PLANNING_PHRASES.branching),
  back: longest(PLANNING_PHRASES.backtracking),
  header: 4, // from N d :
  step: 10, // N M w : d + w = r .
  then: 1,
  close: longest(PLANNING_PHRASES.deduction) + 3 + 3, // <deduction> T r . answer : r
  reflect: longest(REFLECTION_PHRASES) + 10, // reflection phrase, then the step rewritten
};

/** A level's node count and range of edge counts. */
function shape(level: number): { n: number; edges: [number, number] } {
  if (level === 1) return { n: 3, edges: [3, 3] };
  if (level === 2) return { n: 4, edges: [4, 5] };
  throw new RangeError(`${NAME} has no level ${level} (levels: 1, 2)`);
}

/** One move along an edge: from `u` to `v` with weight `w`. */
interface Move {
  u: string;
  v: string;
  w: number;
}

/** The out-edges of `u` as moves, in prompt order. */
function outEdges(edges: readonly Edge[], u: string): Move[] {
  return edges.filter(([a]) => a === u).map(([, v, w]) => ({ u, v, w }));
}

/** Every simple path's cost from `s` to `t`, with its edge count. */
function pathCosts(edges: readonly Edge[], s: string, t: string): { cost: number; moves: number }[] {
  const out: { cost: number; moves: number }[] = [];
  const walk = (path: string[], cost: number) => {
    const u = path[path.length - 1];
    if (u === t) return void out.push({ cost, moves: path.length - 1 });
    for (const { v, w } of outEdges(edges, u)) if (!path.includes(v)) walk([...path, v], cost + w);
  };
  walk([s], 0);
  return out;
}

/** The cheapest out-edge of `u` to a node outside `avoid` (first in prompt order on a tie), with whether it ties. */
function cheapest(edges: readonly Edge[], u: string, avoid: readonly string[]): { move: Move; tie: boolean } | null {
  const options = outEdges(edges, u).filter((e) => !avoid.includes(e.v));
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
 * The greedy walk from `source`: `first` (when given) then the cheapest out-edge to a node not yet on
 * the walk, until the target, a dead end (no such edge), or `maxMoves` moves.
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

/** Words a walk of `moves` moves takes: its header, its steps and a `then` before each further move. */
function walkWords(moves: number): number {
  return COST.header + moves * COST.step + Math.max(moves - 1, 0) * COST.then;
}

/**
 * The explore strategy's two walks: the greedy one, then the one down the second-cheapest out-edge
 * of the source (at most n - 2 moves, and no more than fit the budget after the first; null when
 * the source has a single out-edge or the first walk none).
 */
function exploreWalks(d: ShortestPathData): [Walk, Walk | null] {
  const first = greedyWalk(d, d.nodes.length - 1);
  if (!first.moves.length) return [first, null];
  const second = cheapest(d.edges, d.source, [d.source, first.moves[0].v]);
  const fixed = walkWords(first.moves.length) + COST.back + COST.close;
  let max = d.nodes.length - 2;
  while (max > 0 && fixed + walkWords(max) > MAX_RESPONSE_WORDS) max--;
  return [first, second && max > 0 ? greedyWalk(d, max, second) : null];
}

/** The problem of a directed graph: prompt, shortest distance and canonical answer. */
export function makeProblem(level: number, edges: Edge[], source: string, target: string): Problem<ShortestPathData> {
  const costs = pathCosts(edges, source, target);
  if (!costs.length) throw new RangeError(`${NAME}: ${target} cannot be reached from ${source}`);
  const distance = Math.min(...costs.map((c) => c.cost));
  const nodes = [...new Set(edges.flatMap(([a, b]) => [a, b]))].sort();
  const prompt = `${NAME} ${edges.map(([a, b, w]) => `${a} ${b} ${w}`).join(" , ")} , from ${source} to ${target}`;
  return { task: NAME, level, prompt, data: { nodes, edges, source, target, distance, answer: String(distance) } };
}

/**
 * A random directed graph on `names`: `edgeCount` distinct node pairs, each in a random direction
 * (so never both directions), weights in 1..9, in random order, then a source and a target.
 */
function drawGraph(rng: Rng, names: readonly string[], edgeCount: number) {
  const pairs: [string, string][] = names.flatMap((a, i) => names.slice(i + 1).map((b): [string, string] => [a, b]));
  const edges = rng.shuffle(pairs).slice(0, edgeCount).map(([a, b]): Edge => {
    const w = rng.range(1, 9);
    return rng.bernoulli(0.5) ? [a, b, w] : [b, a, w];
  });
  const [source, target] = rng.shuffle(names);
  return { edges, source, target };
}

/**
 * Whether a generated problem is usable: every one of the level's `n` nodes on some edge, a unique
 * shortest path of two or more edges (one or more on three nodes, where the greedy walk can only go
 * wrong by detouring past a direct edge), a source with two or more out-edges, greedy walks free of ties
 * whose first reaches the target, and the greedy walk right exactly when `greedyRight`.
 */
function usable(d: ShortestPathData, n: number, greedyRight: boolean): boolean {
  const best = pathCosts(d.edges, d.source, d.target).filter((c) => c.cost === d.distance);
  if (d.nodes.length !== n || best.length !== 1 || best[0].moves < (n > 3 ? 2 : 1)) return false;
  if (outEdges(d.edges, d.source).length < 2) return false;
  const [first, second] = exploreWalks(d);
  const greedyCost = first.moves.reduce((s, m) => s + m.w, 0);
  return first.reached && !first.tie && !second?.tie && (greedyCost === d.distance) === greedyRight;
}

/** The answer's canonical form: its single number word, or null. */
function parseAnswer(ws: readonly string[] | null): string | null {
  const v = ws?.length === 1 ? num(ws[0]) : null;
  return v === null ? null : String(v);
}

/**
 * The relaxation steps of a body: every `a op b = c`, widened to the edge `X Y w :` before it when
 * there is one. A step with an edge is keyed `X Y a op b` and ok when X→Y is an edge of weight w, the
 * operation is `+`, b is w and the arithmetic is right; a step without one is keyed `a op b`, never ok.
 */
function bodySteps(d: ShortestPathData, body: readonly string[]): StepCheck[] {
  return findSteps(body).map((s) => {
    const check = checkStep(s);
    const [x, y, wWord, colon] = body.slice(Math.max(s.start - 4, 0), s.start);
    const w = num(wWord);
    if (s.start < 4 || colon !== ":" || !NODE_NAMES.includes(x) || !NODE_NAMES.includes(y) || w === null) {
      return { ...check, ok: false };
    }
    const edge = d.edges.some(([a, b, ew]) => a === x && b === y && ew === w);
    return {
      start: s.start - 4,
      end: s.end,
      key: `${x} ${y} ${check.key}`,
      ok: edge && s.op === "+" && s.b === w && check.ok,
    };
  });
}

/**
 * A trace builder that keeps the response within {@link MAX_RESPONSE_WORDS}: it starts with a
 * reserve, the most words the strategy's mandatory pieces can take, and writes an optional phrase or
 * a reflection only while the words so far, the extra words and what is left of the reserve fit.
 */
class Writer {
  readonly tb: TraceBuilder;
  /** The style the builder reads; its reflect and check rates drop to 0 when a reflection would not fit. */
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

  /** The step `u v w : d + w = r .` along a move; returns the result the teacher goes on with. */
  relax(m: Move, d: number): number {
    const room = this.#fits(COST.reflect);
    this.#live.reflect = room ? this.style.reflect : 0;
    this.#live.check = room ? this.style.check : 0;
    this.#left -= COST.step;
    return this.tb.step(`${m.u} ${m.v} ${m.w} : ${d} + ${m.w}`, d + m.w, (r) => missWhere(r, d + m.w, (v) => v >= 1));
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

  /** `<deduction phrase> T r .`, then `answer : r`. */
  close(d: ShortestPathData, r: number, strategy: Strategy): Trace {
    this.tb.phrase("deduction").plan(`${d.target} ${r} .`);
    return this.tb.finish(String(r), strategy, r === d.distance);
  }
}

/** Dijkstra: expand the closest unexpanded node (first in name order on a tie) until the target is closest. */
function dijkstra(d: ShortestPathData, rng: Rng, style: Style): Trace {
  // At most every node but the target is expanded, and every edge neither out of the target nor into the source relaxed.
  const steps = d.edges.filter(([a, b]) => a !== d.target && b !== d.source).length;
  const w = new Writer(rng, style, (d.nodes.length - 1) * COST.header + steps * COST.step + COST.close);
  const dist = new Map<string, number>([[d.source, 0]]);
  const done = new Set<string>();
  const open = () => d.nodes.filter((v) => dist.has(v) && !done.has(v));
  let u = d.source;
  while (u !== d.target) {
    done.add(u);
    const du = dist.get(u)!;
    w.header(u, du);
    for (const m of outEdges(d.edges, u)) {
      if (done.has(m.v)) continue;
      const r = w.relax(m, du), old = dist.get(m.v);
      if (old === undefined || r < old) dist.set(m.v, r);
    }
    u = open().reduce((a, b) => (dist.get(b)! < dist.get(a)! ? b : a));
  }
  return w.close(d, dist.get(d.target)!, "dijkstra");
}

/**
 * Write a walk's moves from the source; stop early (before the target) once the running cost reaches
 * `bound`. Returns the running cost and whether it reached the target.
 */
function writeWalk(d: ShortestPathData, w: Writer, walk: Walk, bound: number): { cost: number; reached: boolean } {
  let c = 0;
  w.header(d.source, 0);
  for (const [i, m] of walk.moves.entries()) {
    if (i > 0) w.then();
    c = w.relax(m, c);
    if (m.v === d.target) return { cost: c, reached: true };
    if (c >= bound) break;
  }
  return { cost: c, reached: false };
}

/** Greedy: follow the cheapest out-edge to an unvisited node until the target. */
function greedy(d: ShortestPathData, rng: Rng, style: Style): Trace {
  const plan = greedyWalk(d, d.nodes.length - 1);
  const w = new Writer(rng, style, walkWords(plan.moves.length) + COST.close);
  return w.close(d, writeWalk(d, w, plan, Infinity).cost, "greedy");
}

/**
 * Explore: the greedy walk, then back to the start down the second-cheapest out-edge; keep the
 * cheaper walk that reached the target (the first when the second dead-ends or is cut short).
 */
function explore(d: ShortestPathData, rng: Rng, style: Style): Trace {
  const [first, second] = exploreWalks(d);
  const back = second ? COST.back + walkWords(second.moves.length) : 0;
  const w = new Writer(rng, style, walkWords(first.moves.length) + back + COST.close);
  const a = writeWalk(d, w, first, Infinity);
  if (!second) return w.close(d, a.cost, "explore");
  w.back();
  const b = writeWalk(d, w, second, a.reached ? a.cost : Infinity);
  return w.close(d, b.reached && (!a.reached || b.cost < a.cost) ? b.cost : a.cost, "explore");
}

/** The shortest_path task. */
export default defineTask<ShortestPathData>({
  name: NAME,
  summary: "Shortest path cost in a small directed weighted graph: expand nodes by distance, adding edge weights.",
  levels: [1, 2],
  strategies: STRATEGIES,
  maxResponseWords: MAX_RESPONSE_WORDS,

  generate(rng: Rng, _index: number, level: number): Problem<ShortestPathData> {
    const { n, edges: [lo, hi] } = shape(level);
    const greedyRight = rng.bernoulli(GREEDY_RIGHT);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = drawGraph(rng, NODE_NAMES.slice(0, n), rng.range(lo, hi));
      if (!pathCosts(g.edges, g.source, g.target).length) continue;
      const p = makeProblem(level, g.edges, g.source, g.target);
      if (usable(p.data, n, greedyRight)) return p;
    }
    throw new Error(`${NAME}: no usable graph at level ${level} in ${MAX_ATTEMPTS} draws`);
  },

  verify(problem: Problem<ShortestPathData>, response: string) {
    const sec = answerSection(response);
    const correct = (c: string) => Number(c) === problem.data.distance;
    return verdict(sec, parseAnswer(sec.answer), correct, bodySteps(problem.data, sec.body));
  },

  demonstrate(problem: Problem<ShortestPathData>, rng: Rng, style: Style): Trace {
    const strategy = pickStrategy(rng, style, STRATEGIES);
    return { dijkstra, greedy, explore }[strategy](problem.data, rng, style);
  },
});
