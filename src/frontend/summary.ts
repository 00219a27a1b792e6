import { formatKerasShape } from '../ir/types.js';
import { InputLayer } from './layers/input-layer.js';
import type { Layer, LayerCall } from './layer.js';
import type { LayersModel } from './model.js';

/**
 * Keras 2.13's model.summary() table (tf.keras 2.13–2.15, the versions that print totals with
 * their memory size), character for character: a 65-column table for chain-like models, a
 * 98-column one with `Connected to` for graphs, `=` rules under the header and above the totals,
 * layers in `model.layers` order.
 */
export function formatSummary(model: LayersModel): string {
  const chainLike = isChainLike(model);
  const lineLength = chainLike ? 65 : 98;
  const positions = (chainLike ? [0.45, 0.85, 1] : [0.3, 0.6, 0.7, 1]).map((p) => Math.floor(lineLength * p));
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(chainLike ? [] : ['Connected to'])];
  const lines: string[] = [`Model: "${model.name}"`, '_'.repeat(lineLength), ...formatRow(header, positions), '='.repeat(lineLength)];
  const layers = model.layers;
  const modelCalls = new Set<LayerCall>([...model.calls, ...model.inputs.map((t) => t.call)]);
  for (const layer of layers) {
    const fields = [`${layer.name} (${layer.className})`, outputShapeText(layer), String(layer.countParams())];
    if (!chainLike) fields.push(connectionsText(layer, modelCalls));
    lines.push(...formatRow(fields, positions), ...formatRow(fields.map(() => ''), positions));
  }
  const trainable = model.layers.reduce((n, l) => n + l.weights.filter((w) => w.trainable).reduce((m, w) => m + w.data.length, 0), 0);
  const total = model.countParams();
  lines.push(
    '='.repeat(lineLength),
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

function outputShapeText(layer: Layer): string {
  if (layer instanceof InputLayer) return `[${formatKerasShape(layer.output.shape)}]`;
  // Keras prints a layer's output_shape: a tuple, or a list of them for a layer with several outputs.
  const texts = layer.calls.map((c) => (c.outputs.length === 1 ? formatKerasShape(c.output.shape) : `[${c.outputs.map((t) => formatKerasShape(t.shape)).join(', ')}]`));
  return texts.every((t) => t === texts[0]) ? texts[0]! : 'multiple';
}

function connectionsText(layer: Layer, modelCalls: ReadonlySet<LayerCall>): string {
  const links: string[] = [];
  for (const call of layer.calls) {
    if (!modelCalls.has(call)) continue;
    for (const t of call.inputs) links.push(`'${t.layer.name}[${t.call.index}][${t.index}]'`);
  }
  return `[${links.join(', ')}]`;
}

/**
 * Keras' print_row: each field is cut to its column (three spaces before the next) and the rest
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
      const last = col === positions.length - 1;
      const space = last ? 0 : 2;
      // Keras 2.13 also leaves one column free before the next one starts.
      let cutoff = end - start - space - (last ? 0 : 1);
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
