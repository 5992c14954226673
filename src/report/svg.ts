/**
 * Charts as SVG text: a Vega-Lite spec compiled to Vega and rendered
 * headless in Node, so the HTML report carries finished pictures and no
 * script. The loader refuses every URL: a chart draws only the data inlined
 * in its spec, and rendering never touches the network.
 */
import { loader, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Fonts and sizes every chart shares; a generic font so no file is ever fetched. */
const CONFIG = {
  font: 'sans-serif',
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' },
} as const;

const offline = loader();
offline.load = (uri: string): Promise<string> => Promise.reject(new Error(`charts load no URL (asked for ${uri})`));

/** The chart of `spec` as one <svg> element. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = compile({ ...spec, config: { ...CONFIG, ...spec.config } } as TopLevelSpec).spec;
  const view = new View(parse(vega), { renderer: 'none', loader: offline });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
