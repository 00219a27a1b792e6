import * as tf from '@tensorflow/tfjs';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { describe, expect, it } from 'vitest';
import { loadGraphForCli } from '../../src/cli/load-model.js';
import { NncError } from '../../src/errors.js';
import { Random } from '../../src/frontend/random.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { b64, constNode, floatWeight as floatWeightOf, tfNode, writeConvertedMlp, writeGraphModel } from '../helpers/tfjs-graph-model.js';

const rng = new Random(11);
const floatWeight = (name: string, shape: number[]) => floatWeightOf(rng, name, shape);

describe('tfjs graph model import', () => {
  it('imports a converted MLP (_FusedMatMul with BiasAdd+Relu, Reshape, MatMul, BiasAdd, Softmax) equal to tfjs-converter', async () => {
    await tfjsReady();
    const { path, json, bin } = writeConvertedMlp(rng);
    const graph = loadTfjsGraphModel(path);
    verifyGraph(graph, { requireWeightData: true });
    const x = Float32Array.from({ length: 6 * 12 }, () => rng.uniform(-1, 1));
    const oracle = await loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: bin }));
    const want = (await (oracle.execute(tf.tensor(x, [6, 3, 4])) as tf.Tensor).data()) as Float32Array;
    const got = interpret(graph, { x: { shape: [6, 3, 4], data: x } });
    expect(Object.keys(got)).toEqual(['probs']);
    expect(maxAbsDiff(got.probs!.data, want)).toBeLessThanOrEqual(1e-5);
    expect((await loadGraphForCli(path)).graph.nodes.length).toBe(graph.nodes.length);
  });

  it('lists every unsupported op, including unsupported fused epilogues', () => {
    const { path } = writeGraphModel(
      [
        tfNode('x', 'Placeholder', [], { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } }),
        constNode('w'),
        tfNode('conv', 'Conv3D', ['x', 'w']),
        tfNode('fused', '_FusedMatMul', ['x', 'w', 'w'], { fused_ops: { list: { s: [b64('BiasAdd'), b64('Prelu')] } } }),
      ],
      [floatWeight('w', [4, 4])],
    );
    try {
      loadTfjsGraphModel(path);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(NncError);
      expect((e as NncError).message).toContain('2 problem(s)');
      expect((e as NncError).message).toContain('node conv');
      expect((e as NncError).message).toContain('_FusedMatMul [BiasAdd, Prelu]');
    }
  });
});

describe('tfjs graph model element types', () => {
  it('an int32 weight stays int32 data; int32 AddV2 and Sub, Cast float to int32 (truncating) and Less give i32 and bool, equal to tfjs-converter', async () => {
    await tfjsReady();
    const T = (type: string) => ({ T: { type } });
    const { path, json, bin } = writeGraphModel(
      [
        tfNode('x', 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } }),
        tfNode('k', 'Placeholder', [], { dtype: { type: 'DT_INT32' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } }),
        tfNode('w', 'Const', [], { dtype: { type: 'DT_INT32' } }),
        tfNode('xi', 'Cast', ['x'], { SrcT: { type: 'DT_FLOAT' }, DstT: { type: 'DT_INT32' }, Truncate: { b: false } }),
        tfNode('s', 'AddV2', ['xi', 'w'], T('DT_INT32')),
        tfNode('lt', 'Less', ['s', 'k'], T('DT_INT32')),
        tfNode('d', 'Sub', ['s', 'k'], T('DT_INT32')),
      ],
      [{ name: 'w', shape: [4], dtype: 'int32', values: [2147483000, -3, 0, 5] }],
    );
    const graph = loadTfjsGraphModel(path);
    verifyGraph(graph, { requireWeightData: true });
    expect(graph.weights.get('w')).toBeInstanceOf(Int32Array);
    const x = Float32Array.from([2.7, -2.7, 0.5, -7.9]);
    const k = Int32Array.from([0, -5, 1, -3]);
    const oracle = await loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: bin }));
    const [d, lt] = (await oracle.executeAsync({ x: tf.tensor(x, [1, 4]), k: tf.tensor(k, [1, 4], 'int32') }, ['d', 'lt'])) as tf.Tensor[];
    const got = interpret(graph, { x: { shape: [1, 4], data: x }, k: { shape: [1, 4], data: k } });
    expect(got.d!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(got.d!.data)).toEqual(Array.from(await d!.data()));
    expect(Array.from(got.d!.data)).toEqual([2147483002, 0, -1, 1]);
    expect(got.lt!.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.lt!.data)).toEqual(Array.from(await lt!.data(), Number));
    expect(Array.from(got.lt!.data)).toEqual([0, 0, 1, 0]);
  });
});
