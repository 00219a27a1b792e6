/**
 * The report page: one self-contained HTML file (inline CSS and SVG; no script, no fonts, no
 * requests), so it opens from disk, from a CI artifact or from a mail attachment alike.
 */
import { describeShape, type BundleSignature } from '../bundle/signature.js';
import { esc, formatBytes } from './svg.js';
import type { SizeRow } from './sizes.js';

export interface TrainingSection {
  /** Inline SVG charts of the per-epoch curves. */
  readonly curves: string;
  readonly epochSeconds: readonly number[];
  /** Test-split results by name ('loss', 'acc', ...), when the fit had a test split. */
  readonly test?: Readonly<Record<string, number>>;
}

export interface ReportPage {
  readonly title: string;
  readonly version: string;
  readonly options: Readonly<Record<string, string>>;
  readonly signature: BundleSignature;
  /** What `nnc build` printed: the written files and the usage snippet of each target. */
  readonly buildOutput: string;
  readonly before: { readonly svg: string; readonly nodes: number };
  readonly after: { readonly svg: string; readonly nodes: number };
  readonly memory: { readonly svg: string; readonly caption: string };
  readonly files: readonly SizeRow[];
  /** Each .wasm file's code and data sections (none when no target wrote a separate module). */
  readonly wasmSections: readonly SizeRow[];
  readonly weights: readonly SizeRow[];
  readonly training?: TrainingSection;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1d2430}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d6dae0}
table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eceef1;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f5f6f8;padding:8px 12px;overflow:auto}.scroll{overflow:auto;max-height:900px;border:1px solid #eceef1}
svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1d2430}
.graph .node rect{fill:#e8f0fb;stroke:#4a6fa5}.graph .node.leaf rect{fill:#f3f4f6;stroke:#9aa3ad}.graph .sink rect{fill:#fff4e0;stroke:#c98a1c}
.graph text{text-anchor:middle}.graph .attr{fill:#4b5563}.graph .shape{fill:#6b7280;font-size:10px}
.graph .edge{fill:none;stroke:#8a94a0}.graph marker path{fill:#8a94a0}
.graph .node.fused>rect{fill:#dde9f8;stroke-width:1.5}.graph .absorbed rect{fill:#fff;stroke:#9fb3cf}.graph .absorbed text{fill:#374151;font-size:10px}
.graph .ref rect{fill:#fff;stroke:#8a94a0;stroke-dasharray:3 2}.graph .ref text{fill:#4b5563}.graph .break{stroke:#d6dae0;stroke-dasharray:6 4}
.memory .value,.memory .scratch{stroke:#fff;stroke-width:.5}.memory .scratch{opacity:.6}.memory .axis{stroke:#1d2430}.memory .peak{stroke:#c0392b;stroke-dasharray:4 3}
.curve .frame{fill:none;stroke:#d6dae0}.curve polyline{fill:none;stroke-width:2}.curve .train polyline{stroke:#2b6cb0}.curve .train circle{fill:#2b6cb0}
.curve .val polyline{stroke:#d97706}.curve .val circle{fill:#d97706}.curve .legend.train{fill:#2b6cb0}.curve .legend.val{fill:#d97706}
`;

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function sizeTable(rows: readonly SizeRow[], what: string): string {
  const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
  return table(
    [what, 'bytes', 'gzipped'],
    [...rows.map((r) => [r.name, formatBytes(r.raw), formatBytes(r.gzip)]), ['total', formatBytes(total.raw), formatBytes(total.gzip)]],
    [false, true, true],
  );
}

function sectionTable(rows: readonly SizeRow[]): string {
  return table(['module: section', 'bytes', 'gzipped'], rows.map((r) => [r.name, formatBytes(r.raw), formatBytes(r.gzip)]), [false, true, true]);
}

function signatureTable(signature: BundleSignature): string {
  const rows = [
    ...signature.inputs.map((t) => ['input', t.name, describeShape(t.shape), t.dtype, t.array]),
    ...signature.outputs.map((t) => ['output', t.name, describeShape(t.shape), t.dtype, t.array]),
  ];
  return table(['', 'name', 'shape', 'dtype', 'typed array'], rows, [false, false, false, false, false]);
}

function trainingSection(t: TrainingSection): string {
  const seconds = t.epochSeconds.map((s, i) => [String(i + 1), s.toFixed(2)]);
  const test = t.test ? `<h3>Test split</h3>${table(['', 'value'], Object.entries(t.test).map(([k, v]) => [k, v.toPrecision(4)]), [false, true])}` : '';
  return (
    `<section id="training"><h2>Training</h2><div class="curves">${t.curves}</div>${test}` +
    `<h3>Seconds per epoch</h3>${table(['epoch', 'seconds'], seconds, [true, true])}</section>`
  );
}

export function renderPage(p: ReportPage): string {
  const options = table(['option', 'value'], Object.entries(p.options), [false, false]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>nnc report: ${esc(p.title)}</title><style>${STYLE}</style></head><body>
<h1>nnc build report: ${esc(p.title)}</h1>
<section id="build"><p>nnc ${esc(p.version)}</p>${options}<h3>Signature</h3>${signatureTable(p.signature)}<h3>Build output and usage</h3><pre>${esc(p.buildOutput)}</pre></section>
${p.training ? trainingSection(p.training) : ''}
<section id="sizes"><h2>Sizes</h2><h3>Files</h3>${sizeTable(p.files, 'file')}${p.wasmSections.length ? `<h3>Code and data in each WebAssembly module</h3>${sectionTable(p.wasmSections)}` : ''}<h3>Weights per layer (after the passes)</h3>${sizeTable(p.weights, 'layer')}</section>
<section id="memory-plan"><h2>Memory plan</h2><p>${esc(p.memory.caption)}</p><div class="scroll">${p.memory.svg}</div></section>
<section id="graph-before"><h2>Graph before the passes (${p.before.nodes} nodes)</h2><div class="scroll">${p.before.svg}</div></section>
<section id="graph-after"><h2>Graph after the passes (${p.after.nodes} nodes)</h2><p>A fused kernel (or folded weight) lists the nodes of the graph before the passes it stands for, by their value names there; its attributes say how (activation, residual, pool, an elementwise expression). A large graph is drawn in segments: an arrow from a ↪ box reads the value of that name from a segment above.</p><div class="scroll">${p.after.svg}</div></section>
</body></html>
`;
}
