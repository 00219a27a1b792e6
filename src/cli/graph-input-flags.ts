/**
 * `--freeze NAME=VALUES` and `--shape NAME=DIMS` (each may repeat): what an ONNX model leaves to
 * its caller, given at build time. A frozen input becomes a constant (a shape-determining input:
 * Reshape's target, Pad's pads, ...); --shape sizes an input's symbolic axes ('?' keeps the first
 * as the batch axis).
 */
import { NncError } from '../errors.js';
import { readFrozenValue } from '../frontend/import/frozen-values.js';
import type { FrozenValue, OnnxImportOptions } from '../frontend/import/onnx.js';

export const GRAPH_INPUT_ARGS = {
  freeze: { type: 'string', multiple: true },
  shape: { type: 'string', multiple: true },
} as const;

export const GRAPH_INPUT_HELP = [
  '  --freeze NAME=VALUES       ONNX: make graph input NAME a constant: values inline (1,-1,4) or a .npy,',
  '                             .pb (TensorProto) or .json file (repeatable)',
  '  --shape NAME=DIMS          ONNX: the sizes of input NAME\'s symbolic axes, e.g. x=?,3,224,224 (? keeps',
  '                             the first axis as the batch; repeatable)',
];

/** NAME=VALUE pairs of one flag, each name once. */
function pairs(command: string, flag: string, given: readonly string[] | undefined): [string, string][] {
  const seen = new Set<string>();
  return (given ?? []).map((text) => {
    const at = text.indexOf('=');
    if (at <= 0 || at === text.length - 1) throw new NncError('NNC4003', `nnc ${command}: --${flag} takes NAME=${flag === 'freeze' ? 'VALUES' : 'DIMS'}, got '${text}'`, { hint: `Run \`nnc ${command} --help\`.` });
    const name = text.slice(0, at);
    if (seen.has(name)) throw new NncError('NNC4003', `nnc ${command}: --${flag} names '${name}' twice`);
    seen.add(name);
    return [name, text.slice(at + 1)];
  });
}

function dims(command: string, name: string, text: string): (number | null)[] {
  return text.split(',').map((d, i) => {
    const s = d.trim();
    if (s === '?' && i === 0) return null;
    if (!/^\d+$/.test(s) || Number(s) < 1)
      throw new NncError('NNC4003', `nnc ${command}: --shape ${name}=${text}: each size must be a positive integer ('?' only first, for the batch axis)`, { hint: 'For example --shape x=?,3,224,224.' });
    return Number(s);
  });
}

/** The import options the flags give (empty when neither is used). */
export function parseGraphInputFlags(command: string, values: { freeze?: string[]; shape?: string[] }): OnnxImportOptions {
  const freeze: Record<string, FrozenValue> = Object.fromEntries(pairs(command, 'freeze', values.freeze).map(([name, text]) => [name, readFrozenValue(text)]));
  const shapes = Object.fromEntries(pairs(command, 'shape', values.shape).map(([name, text]) => [name, dims(command, name, text)]));
  return { ...(Object.keys(freeze).length > 0 ? { freeze } : {}), ...(Object.keys(shapes).length > 0 ? { shapes } : {}) };
}
