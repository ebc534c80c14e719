/**
 * Seeded k-means: k-means++ seeding drawn from an {@link Rng} stream, then Lloyd iterations by
 * `ml-kmeans` from those explicit starting centroids, so the clustering is a pure function of the
 * points, k and the stream (ml-kmeans's own seeding uses its own generator, never called here).
 * @module
 */
import { kmeans } from "ml-kmeans";
import type { Rng } from "../core/rng.ts";

/** A clustering of points. */
export interface Clustering {
  /** The cluster (0..k−1) of each point. */
  clusters: number[];
  /** The final centroids. */
  centroids: number[][];
  /** Lloyd iterations run. */
  iterations: number;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/**
 * k-means++ starting centroids (Arthur & Vassilvitskii 2007) drawn from `rng`: the first a uniform
 * point, each next one a point drawn with probability proportional to its squared distance to the
 * nearest centroid so far (uniform among the points not yet chosen when every distance is 0).
 */
export function kmeansPlusPlus(points: readonly number[][], k: number, rng: Rng): number[][] {
  if (!Number.isInteger(k) || k < 1 || k > points.length) {
    throw new RangeError(`k-means++ needs 1 ≤ k ≤ ${points.length} points, got k = ${k}`);
  }
  const chosen = [rng.int(points.length)];
  const nearest = points.map((p) => squaredDistance(p, points[chosen[0]]));
  while (chosen.length < k) {
    const total = nearest.reduce((a, b) => a + b, 0);
    const next = total > 0
      ? rng.weighted(nearest)
      : rng.pick(points.map((_, i) => i).filter((i) => !chosen.includes(i)));
    chosen.push(next);
    points.forEach((p, i) => (nearest[i] = Math.min(nearest[i], squaredDistance(p, points[next]))));
  }
  return chosen.map((i) => points[i].slice());
}

/**
 * Cluster points into k clusters: {@link kmeansPlusPlus} seeding from `rng`, then at most
 * `maxIterations` Lloyd iterations (squared Euclidean distance; an emptied cluster keeps its centroid).
 */
export function seededKMeans(points: readonly number[][], k: number, rng: Rng, maxIterations = 100): Clustering {
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}`);
  }
  const start = kmeansPlusPlus(points, k, rng);
  const result = kmeans(points as number[][], k, { initialization: start, maxIterations });
  return { clusters: result.clusters, centroids: result.centroids, iterations: result.iterations };
}
