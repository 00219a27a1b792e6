import { ShapeError, type OpDef } from '../registry.js';
import { typedTensor } from '../tensor.js';

// Source ops have no operands; their type is stated on the node, and the interpreter supplies
// their value (model inputs from the caller, weights from the graph's weight table, consts from
// their `value` attribute).
const sourceOp = (name: string, summary: string, source: 'input' | 'constant', attrs: OpDef['attrs'] = {}): OpDef => ({
  name,
  summary,
  arity: 0,
  attrs,
  traits: { source, rowLocal: true },
  inferType() {
    throw new ShapeError(`${name} nodes carry their own type`);
  },
  evaluate(_inputs, a, out) {
    if (name !== 'const') throw new ShapeError(`${name} nodes are supplied by the interpreter`);
    return typedTensor(out.shape as number[], out.dtype, a.value as number[]);
  },
});

export const input = sourceOp('input', 'a model input (named)', 'input');
export const weight = sourceOp('weight', 'a named parameter; data lives in the graph weight table', 'constant');
export const constant = sourceOp('const', 'a small literal tensor', 'constant', { value: { kind: 'floats' } });
