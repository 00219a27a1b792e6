import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { foldConstants } from '../../src/passes/fold-constants.js';
import { layout } from '../../src/passes/layout.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { expectPass, ir } from './pass-case.js';

const layoutThenSweep = (g: Graph) => eliminateDeadCode(layout(g));

/** The pass changes no value: every output equal (bit for bit) before and after, at batch 3. */
function expectSameValues(before: Graph, after: Graph): void {
  const { tensors } = randomInputs(before, 3);
  const [want, got] = [interpret(before, tensors), interpret(after, tensors)];
  for (const o of before.outputs) expect(maxAbsDiff(got[o.name]!.data, want[o.name]!.data), o.name).toBe(0);
}

const weights = (entries: Record<string, number[]>) => new Map(Object.entries(entries).map(([k, v]) => [k, Float32Array.from(v)]));
const seq = (n: number, scale = 0.1) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) * scale * 10);

describe('layout', () => {
  it('NCHW -> conv -> relu -> conv -> NCHW keeps only the boundary transposes', () => {
    const w = weights({ k1: seq(3 * 3 * 3 * 4), k2: seq(3 * 3 * 4 * 2) });
    const input = ir`
      %x = input : f32[?,3,5,5]
      %k1 = weight : f32[3,3,3,4]
      %k2 = weight : f32[3,3,4,2]
      %0 = transpose %x {perm=[0,2,3,1]} : f32[?,5,5,3]
      %1 = conv2d %0, %k1 : f32[?,3,3,4]
      %2 = transpose %1 {perm=[0,3,1,2]} : f32[?,4,3,3]
      %3 = relu %2 : f32[?,4,3,3]
      %4 = transpose %3 {perm=[0,2,3,1]} : f32[?,3,3,4]
      %5 = conv2d %4, %k2 : f32[?,1,1,2]
      %6 = transpose %5 {perm=[0,3,1,2]} : f32[?,2,1,1]
      output "y" = %6
    `;
    const after = expectPass(
      layoutThenSweep,
      input,
      ir`
        %x = input : f32[?,3,5,5]
        %k1 = weight : f32[3,3,3,4]
        %k2 = weight : f32[3,3,4,2]
        %0 = transpose %x {perm=[0,2,3,1]} : f32[?,5,5,3]
        %1 = conv2d %0, %k1 : f32[?,3,3,4]
        %2 = relu %1 : f32[?,3,3,4]
        %3 = conv2d %2, %k2 : f32[?,1,1,2]
        %4 = transpose %3 {perm=[0,3,1,2]} : f32[?,2,1,1]
        output "y" = %4
      `,
      w,
    );
    expectSameValues(parseGraph(input, { weights: w }), after);
  });

  it('moves a transpose through an add of a per-channel [C,1,1] weight, which becomes [C] in the new order', () => {
    const w = weights({ bias: [0.5, -1, 2] });
    const input = ir`
      %x = input : f32[?,4,4,3]
      %bias = weight : f32[3,1,1]
      %0 = transpose %x {perm=[0,3,1,2]} : f32[?,3,4,4]
      %1 = add %0, %bias : f32[?,3,4,4]
      %2 = transpose %1 {perm=[0,2,3,1]} : f32[?,4,4,3]
      output "y" = %2
    `;
    const after = expectPass(
      layoutThenSweep,
      input,
      ir`
        %x = input : f32[?,4,4,3]
        %bias.transpose = weight : f32[3]
        %0 = add %x, %bias.transpose : f32[?,4,4,3]
        output "y" = %0
      `,
      w,
    );
    expect(Array.from(after.weights.get('bias.transpose')!)).toEqual([0.5, -1, 2]);
    expectSameValues(parseGraph(input, { weights: w }), after);
  });

  it('after fold-constants: permutes a folded constant with more than one non-1 axis, and a literal', () => {
    const input = ir`
      %x = input : f32[?,2,3]
      %c = const {value=[1,2,3,4,5,6]} : f32[2,3]
      %s = const {value=[2]} : f32[]
      %0 = transpose %x {perm=[0,2,1]} : f32[?,3,2]
      %1 = transpose %c {perm=[1,0]} : f32[3,2]
      %2 = mul %0, %s : f32[?,3,2]
      %3 = add %2, %1 : f32[?,3,2]
      output "y" = %3
    `;
    const after = expectPass(
      (g) => eliminateDeadCode(layout(foldConstants(g))),
      input,
      ir`
        %x = input : f32[?,2,3]
        %0 = const {value=[2]} : f32[]
        %1 = mul %x, %0 : f32[?,2,3]
        %2 = const {value=[1,2,3,4,5,6]} : f32[2,3]
        %3 = add %1, %2 : f32[?,2,3]
        %4 = transpose %3 {perm=[0,2,1]} : f32[?,3,2]
        output "y" = %4
      `,
    );
    expectSameValues(parseGraph(input), after);
  });

  it('composes transposes, and keeps one that has another user or is broadcast', () => {
    const input = ir`
      %x = input : f32[?,2,3,4]
      %b = input : f32[?,4,2,3]
      %0 = transpose %x {perm=[0,3,1,2]} : f32[?,4,2,3]
      %1 = transpose %0 {perm=[0,1,3,2]} : f32[?,4,3,2]
      %2 = tanh %0 : f32[?,4,2,3]
      %3 = add %0, %b : f32[?,4,2,3]
      %4 = transpose %x {perm=[0,1,2,3]} : f32[?,2,3,4]
      output "a" = %1
      output "b" = %2
      output "c" = %3
      output "d" = %4
    `;
    const after = expectPass(
      layoutThenSweep,
      input,
      ir`
        %x = input : f32[?,2,3,4]
        %b = input : f32[?,4,2,3]
        %0 = transpose %x {perm=[0,3,1,2]} : f32[?,4,2,3]
        %1 = transpose %x {perm=[0,3,2,1]} : f32[?,4,3,2]
        %2 = tanh %0 : f32[?,4,2,3]
        %3 = add %0, %b : f32[?,4,2,3]
        output "a" = %1
        output "b" = %2
        output "c" = %3
        output "d" = %x
      `,
    );
    expectSameValues(parseGraph(input), after);
  });
});

describe('layout in the pipeline', () => {
  it('a channelsFirst conv/relu/conv/pool stack keeps two transposes: into NHWC at the input, back before the flatten', async () => {
    const { layers, sequential } = await import('../../src/index.js');
    const { optimize } = await import('../../src/passes/index.js');
    const cf = 'channelsFirst' as const;
    const m = sequential({
      layers: [
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', dataFormat: cf, inputShape: [3, 8, 8] }),
        layers.conv2d({ filters: 4, kernelSize: 3, dataFormat: cf }),
        layers.maxPooling2d({ dataFormat: cf }),
        layers.zeroPadding2d({ dataFormat: cf }),
        layers.globalAveragePooling2d({ dataFormat: cf }),
      ],
    });
    const before = m.toGraph();
    expect(before.nodes.filter((n) => n.op === 'transpose')).toHaveLength(6);
    const after = optimize(before, { verify: true });
    expect(after.nodes.filter((n) => n.op === 'transpose').map((n) => n.attrs.perm)).toEqual([
      [0, 2, 3, 1],
      [0, 3, 1, 2],
    ]);
    expectSameValues(before, after);
  });
  it('a channelsFirst zeroPadding2d and cropping2d between convs move their transposes on: only the two at the ends stay', async () => {
    const { layers, sequential } = await import('../../src/index.js');
    const { optimize } = await import('../../src/passes/index.js');
    const cf = 'channelsFirst' as const;
    const m = sequential({
      layers: [
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', dataFormat: cf, inputShape: [3, 8, 7] }),
        layers.zeroPadding2d({ padding: [[1, 2], [0, 1]], dataFormat: cf }),
        layers.conv2d({ filters: 5, kernelSize: 3, dataFormat: cf }),
        layers.cropping2d({ cropping: [[1, 0], [0, 2]], dataFormat: cf }),
        layers.conv2d({ filters: 2, kernelSize: 1, dataFormat: cf }),
      ],
    });
    const before = m.toGraph();
    const after = optimize(before, { verify: true });
    expect(after.nodes.filter((n) => n.op === 'transpose').map((n) => n.attrs.perm)).toEqual([
      [0, 2, 3, 1],
      [0, 3, 1, 2],
    ]);
    // The pads and slices now run on the channels-last values: height and width are axes 1 and 2.
    expect(after.nodes.filter((n) => n.op === 'pad' || n.op === 'slice').map((n) => [n.op, n.attrs.axis])).toEqual([
      ['pad', 1],
      ['pad', 2],
      ['slice', 1],
      ['slice', 2],
    ]);
    expectSameValues(before, after);
  });
});
