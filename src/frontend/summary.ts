import { formatKerasShape, sameShape, type Shape } from '../ir/types.js';
import { InputLayer } from './layers/input-layer.js';
import type { Layer, LayerCall } from './layer.js';
import type { LayersModel } from './model.js';

/**
 * Keras' model.summary() table, character for character as the Keras notebook prints it: a
 * 65-column table for chain-like models, a 98-column one with `Connected to` for graphs.
 */
export function formatSummary(model: LayersModel): string {
  const chainLike = isChainLike(model);
  const lineLength = chainLike ? 65 : 98;
  const positions = (chainLike ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]).map((p) => Math.floor(lineLength * p));
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(chainLike ? [] : ['Connected to'])];
  const lines: string[] = [`Model: "${model.name}"`, '_'.repeat(lineLength), ...formatRow(header, positions)];
  const layers = chainLike ? model.layers : layersByDepth(model);
  const modelCalls = new Set<LayerCall>([...model.calls, ...model.inputs.map((t) => t.call)]);
  for (const layer of layers) {
    const fields = [`${layer.name} (${layer.className})`, outputShapeText(layer), String(layer.countParams())];
    if (!chainLike) fields.push(connectionsText(layer, modelCalls));
    lines.push(...formatRow(fields, positions), ...formatRow(fields.map(() => ''), positions));
  }
  const trainable = model.layers.reduce((n, l) => n + l.weights.filter((w) => w.trainable).reduce((m, w) => m + w.data.length, 0), 0);
  const total = model.countParams();
  lines.push(
    `Total params: ${total} (${readableBytes(total * 4)})`,
    `Trainable params: ${trainable} (${readableBytes(trainable * 4)})`,
    `Non-trainable params: ${total - trainable} (${readableBytes((total - trainable) * 4)})`,
    '_'.repeat(lineLength),
  );
  return lines.join('\n');
}

/** A single chain: one input, one output, each call fed by the previous one, no shared layers. */
function isChainLike(model: LayersModel): boolean {
  if (model.kind === 'sequential') return true;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return false;
  let prev = model.inputs[0]!;
  for (const call of model.calls) {
    if (call.inputs.length !== 1 || call.inputs[0] !== prev || call.layer.calls.length !== 1) return false;
    prev = call.output;
  }
  return true;
}

/** Keras orders a graph's layers by depth from the outputs (deepest first), ties by discovery. */
function layersByDepth(model: LayersModel): Layer[] {
  const depth = new Map<LayerCall, number>();
  const calls = [...model.calls].reverse();
  for (const t of model.outputs) depth.set(t.call, 0);
  for (const call of calls) {
    const d = depth.get(call) ?? 0;
    for (const t of call.inputs) depth.set(t.call, Math.max(depth.get(t.call) ?? 0, d + 1));
  }
  const order = model.layers;
  const layerDepth = (l: Layer) => Math.max(...l.calls.map((c) => depth.get(c) ?? -1));
  return [...order].sort((a, b) => layerDepth(b) - layerDepth(a) || order.indexOf(a) - order.indexOf(b));
}

function outputShapeText(layer: Layer): string {
  if (layer instanceof InputLayer) return `[${formatKerasShape(layer.output.shape)}]`;
  const shapes: Shape[] = layer.calls.map((c) => c.output.shape);
  return shapes.every((s) => sameShape(s, shapes[0]!)) ? formatKerasShape(shapes[0]!) : 'multiple';
}

function connectionsText(layer: Layer, modelCalls: ReadonlySet<LayerCall>): string {
  const links: string[] = [];
  for (const call of layer.calls) {
    if (!modelCalls.has(call)) continue;
    for (const t of call.inputs) links.push(`'${t.layer.name}[${t.call.index}][0]'`);
  }
  return `[${links.join(', ')}]`;
}

/**
 * Keras' print_row: each field is cut to its column (two spaces between columns) and the rest
 * wraps onto following lines, breaking early after `),` `},` `],` or `',` as Keras does.
 */
function formatRow(fields: readonly string[], positions: readonly number[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  do {
    let line = '';
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? positions[col - 1]! : 0;
      const end = positions[col]!;
      const space = col !== positions.length - 1 ? 2 : 0;
      let cutoff = end - start - space;
      let fit = left[col]!.slice(0, cutoff);
      const breaks = ['),', '},', '],', "',"].map((s) => (fit.indexOf(s) >= 0 ? fit.indexOf(s) + s.length : -1)).filter((i) => i >= 0);
      if (breaks.length > 0) {
        cutoff = Math.min(...breaks);
        fit = fit.slice(0, cutoff);
      }
      if (col === 0) line += ' ';
      line += fit + ' '.repeat(space);
      left[col] = left[col]!.slice(cutoff);
      line += ' '.repeat(Math.max(0, end - line.length));
    }
    lines.push(line);
  } while (left.some((f) => f.length > 0));
  return lines;
}

/** Keras' readable_memory_size: `397.54 KB`, `0.00 Byte`. */
export function readableBytes(bytes: number): string {
  const units = ['Byte', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  for (const unit of units) {
    if (size / 1024 < 1) return `${size.toFixed(2)} ${unit}`;
    size /= 1024;
  }
  return `${size.toFixed(2)} PB`;
}
