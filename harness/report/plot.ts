/**
 * Figures as SVG: a Vega-Lite spec per {@link Figure} (methods as coloured lines of the mean over
 * seeds, bands of its 95% bootstrap interval over seeds, one panel per split where the metric
 * has them), compiled with `vega-lite` and rendered headless by `vega`. The SVG is a pure function
 * of the figure: clip and gradient ids restart for every figure, and without a canvas package text
 * is measured by vega's fixed estimate.
 * @module
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Figure } from "./series.ts";

/** The Vega-Lite spec of `fig`. */
export function figureSpec(fig: Figure): TopLevelSpec {
  const x = { field: "step", type: "quantitative", title: "RL step", axis: { tickMinStep: 1, format: "d" } } as const;
  const color = {
    field: "method",
    type: "nominal",
    scale: { domain: fig.methods },
    title: "method",
    legend: { symbolType: "stroke", symbolStrokeWidth: 2, symbolOpacity: 1 },
  } as const;
  const y = { type: "quantitative", title: fig.y, scale: { zero: false } } as const;
  const layer = [
    {
      mark: { type: "area", opacity: 0.2 },
      encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" }, color },
    },
    {
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: { x, y: { ...y, field: "mean" }, color },
    },
  ];
  const title = {
    text: fig.title,
    subtitle: fig.subtitle ?? "lines: mean over seeds; bands: its 95% bootstrap interval (none for one seed)",
  };
  const common = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", title, data: { values: fig.points } };
  if (fig.panels === null) return { ...common, width: 360, height: 220, layer } as TopLevelSpec;
  return {
    ...common,
    facet: { column: { field: "panel", type: "nominal", sort: fig.panels, title: null } },
    spec: { width: 300, height: 220, layer },
  } as TopLevelSpec;
}

/** `fig` rendered to an SVG document. */
export function renderFigure(fig: Figure): Promise<string> {
  return renderSpec(figureSpec(fig));
}

/** A Vega-Lite spec rendered to an SVG document. */
export async function renderSpec(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
