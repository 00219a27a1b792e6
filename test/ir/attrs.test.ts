import { describe, expect, it } from 'vitest';
import { attrProblems, withDefaults } from '../../src/ir/attrs.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { Graph, type Node } from '../../src/ir/graph.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { tensorType } from '../../src/ir/types.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { ir } from '../passes/pass-case.js';

/** The NNC2007 a one-node graph `%0 = <line>` over %x: f32[?,4] (and %w: f32[4,3]) gets from the verifier. */
function verifierError(line: string) {
  const graph = parseGraph(`%x = input : f32[?,4]\n%w = weight : f32[4,3]\n%0 = ${line}\noutput "y" = %0\n`);
  return catchNnc(() => verifyGraph(graph));
}

describe('typed attributes', () => {
  it('the builder completes every node with the defaults of its op', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4]));
    const w = b.weight('w', tensorType([4, 3]));
    expect(b.op('softmax', [x]).attrs).toEqual({ axis: -1 });
    expect(b.op('reduce_sum', [x]).attrs).toEqual({ axes: [], keepdims: false });
    expect(b.op('unreduce', [b.op('reduce_sum', [x], { axes: [1] }), x], { axes: [1] }).attrs).toEqual({ axes: [1], keepdims: false, mean: false });
    expect(b.op('dense', [x, w]).attrs).toEqual({ activation: 'linear', alpha: 0, residual: false });
    expect(b.op('elu', [x]).attrs).toEqual({ alpha: 1 });
    expect(b.op('leaky_relu', [x], { alpha: 0.5 }).attrs).toEqual({ alpha: 0.5 });
    expect(b.op('pad', [x], { axis: 1, after: 2 }).attrs).toEqual({ axis: 1, before: 0, after: 2 });
    // raw (the parser's and the passes' path) completes them too.
    expect(b.raw('argmax', [x], {}, tensorType([null])).attrs).toEqual({ axis: -1, keepdims: false, last: false });
  });

  it('the builder refuses unknown attributes, wrong kinds and missing required ones (NNC2007, with the layer)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4]));
    b.currentLayer = 'dense_7';
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['relu', { alpha: 1 }, /relu: unknown attribute 'alpha' = 1 \(relu takes no attributes\)/],
      ['softmax', { axis: 0.5 }, /softmax: attribute 'axis' must be an int \(an integer number\), got 0\.5/],
      ['dropout', {}, /dropout: missing attribute 'rate' \(float\)/],
      ['elementwise', { expr: 'nope($0)' }, /elementwise: attribute 'expr' must be an expr .*, got "nope\(\$0\)"/],
    ];
    for (const [op, attrs, message] of cases) {
      const e = catchNnc(() => b.op(op, [x], attrs as never));
      expect(e.code).toBe('NNC2007');
      expect(e.detail).toMatch(message);
      expect(e.location.layer).toBe('dense_7');
    }
  });

  it('the verifier names the node, the attribute, the expected kind and the value (NNC2007)', () => {
    const cases: [string, RegExp][] = [
      ['relu %x {alpha=0.1} : f32[?,4]', /relu: unknown attribute 'alpha' = 0\.1 \(relu takes no attributes\)/],
      ['softmax %x {axis=1, dim=1} : f32[?,4]', /unknown attribute 'dim' = 1 \(softmax takes 'axis'\)/],
      ['softmax %x {axis=1.5} : f32[?,4]', /attribute 'axis' must be an int \(an integer number\), got 1\.5/],
      ['softmax %x {axis="1"} : f32[?,4]', /attribute 'axis' must be an int \(an integer number\), got "1"/],
      ['reshape %x {shape=[2,2.5]} : f32[?,2,2]', /attribute 'shape' must be ints \(an array of integers\), got \[2,2\.5\]/],
      ['reshape %x {shape=4} : f32[?,4]', /attribute 'shape' must be ints \(an array of integers\), got 4/],
      ['reduce_sum %x {keepdims=1} : f32[4]', /attribute 'keepdims' must be a bool \(true or false\), got 1/],
      ['leaky_relu %x {alpha=true} : f32[?,4]', /attribute 'alpha' must be a float \(a number\), got true/],
      ['dense %x, %w {activation=1} : f32[?,3]', /attribute 'activation' must be a string, got 1/],
      ['elementwise %x {expr="mul($0,"} : f32[?,4]', /attribute 'expr' must be an expr \(a scalar expression such as "mul\(\$0,2\)"\), got "mul\(\$0,"/],
      ['elementwise %x {expr=2} : f32[?,4]', /attribute 'expr' must be an expr .*, got 2/],
      ['dropout %x : f32[?,4]', /dropout: missing attribute 'rate' \(float\)/],
      ['slice %x {axis=1, begin=0} : f32[?,4]', /slice: missing attribute 'size' \(int\)/],
    ];
    for (const [line, message] of cases) {
      const e = verifierError(line);
      expect(e.code, line).toBe('NNC2007');
      expect(e.location.node, line).toBe('%0');
      expect(e.detail, line).toMatch(message);
    }
  });

  it('the verifier requires complete nodes: a defaulted attribute left out of a hand-made node is missing', () => {
    const x: Node = { id: 0, op: 'input', inputs: [], attrs: {}, type: tensorType([null, 4]), name: 'x' };
    const y: Node = { id: 1, op: 'softmax', inputs: [x], attrs: {}, type: x.type };
    const e = catchNnc(() => verifyGraph(new Graph([x, y], [{ name: 'y', node: y }], new Map())));
    expect(e.code).toBe('NNC2007');
    expect(e.detail).toBe("softmax: missing attribute 'axis' (int)");
  });

  it('every declared default is a value of its kind, and every op accepts its own defaults', () => {
    for (const def of opRegistry.values()) {
      const required = Object.entries(def.attrs).filter(([, s]) => s.default === undefined);
      const problems = attrProblems(def, withDefaults(def, {}));
      // Only the required attributes (no default) may be reported, and only as missing.
      expect(problems, def.name).toEqual(required.map(([k, s]) => `missing attribute '${k}' (${s.kind})`));
    }
  });

  it('the printer leaves defaults out (but shows an axis), the parser puts them back', () => {
    const text = ir`
      %x = input : f32[?,4]
      %w = weight : f32[4,3]
      %0 = leaky_relu %x {alpha=0.2} : f32[?,4]
      %1 = elu %0 {alpha=0.5} : f32[?,4]
      %2 = softmax %1 {axis=-1} : f32[?,4]
      %3 = concat %2, %1 : f32[?,8]
      %4 = dense %x, %w {activation="linear", alpha=0} : f32[?,3]
      %5 = reduce_sum %4 {axes=[], keepdims=false} : f32[]
      output "y" = %3
      output "z" = %5
    `;
    const graph = parseGraph(text);
    verifyGraph(graph);
    expect(graph.nodes.map((n) => n.attrs)).toEqual([
      {},
      {},
      { alpha: 0.2 },
      { alpha: 0.5 },
      { axis: -1 },
      { axis: -1 },
      { activation: 'linear', alpha: 0, residual: false },
      { axes: [], keepdims: false },
    ]);
    const printed = ir`
      %x = input : f32[?,4]
      %w = weight : f32[4,3]
      %0 = leaky_relu %x : f32[?,4]
      %1 = elu %0 {alpha=0.5} : f32[?,4]
      %2 = softmax %1 {axis=-1} : f32[?,4]
      %3 = concat %2, %1 {axis=-1} : f32[?,8]
      %4 = dense %x, %w : f32[?,3]
      %5 = reduce_sum %4 : f32[]
      output "y" = %3
      output "z" = %5
    `;
    expect(printGraph(graph)).toBe(printed);
    expect(printGraph(parseGraph(printed))).toBe(printed);
  });
});
