// Renders a Vega-Lite spec to an SVG string at build time (Vega's headless View), so the page needs no script or network.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of any URL.
    return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}
