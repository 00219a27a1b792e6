/**
 * `model.layers` of Functional models in Keras' order, checked against tfjs-layers (which
 * implements Keras' `_map_graph_network`) on the same topologies built with the same names.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { input, layers, model } from '../../src/index.js';
import type { SymbolicTensor } from '../../src/frontend/layer.js';

/** Builds one topology in nnc and in tfjs side by side, layer names shared. */
function both() {
  const made: [SymbolicTensor, tf.SymbolicTensor][] = [];
  const pair = (n: SymbolicTensor, t: tf.SymbolicTensor) => made.push([n, t]) - 1;
  const shared = new Map<string, [ReturnType<typeof layers.dense>, tf.layers.Layer]>();
  return {
    input: (name: string, width = 4) => pair(input({ shape: [width], name }), tf.input({ shape: [width], name })),
    dense: (name: string, from: number) => {
      let l = shared.get(name);
      if (!l) shared.set(name, (l = [layers.dense({ units: 4, name }), tf.layers.dense({ units: 4, name })]));
      return pair(l[0].apply(made[from]![0]) as SymbolicTensor, l[1].apply(made[from]![1]) as tf.SymbolicTensor);
    },
    add: (name: string, from: number[]) =>
      pair(layers.add({ name }).apply(from.map((i) => made[i]![0])) as SymbolicTensor, tf.layers.add({ name }).apply(from.map((i) => made[i]![1])) as tf.SymbolicTensor),
    models: (inputs: number[], outputs: number[]) => ({
      ours: model({ inputs: inputs.map((i) => made[i]![0]), outputs: outputs.map((i) => made[i]![0]) }),
      theirs: tf.model({ inputs: inputs.map((i) => made[i]![1]), outputs: outputs.map((i) => made[i]![1]) }),
    }),
  };
}

describe('model.layers order (Keras / tfjs)', () => {
  it('branches of different lengths, several inputs and outputs, and a shared layer list as tfjs lists them', () => {
    const cases = [
      () => {
        const g = both();
        const a = g.input('a');
        const b = g.input('b');
        const a2 = g.dense('a2', g.dense('a1', a));
        return g.models([a, b], [g.add('sum', [a2, b])]);
      },
      () => {
        const g = both();
        const a = g.input('a');
        const b = g.input('b');
        const trunk = g.dense('trunk', g.add('join', [a, g.dense('b1', b)]));
        return g.models([a, b], [g.dense('head1', trunk), g.dense('head2', g.dense('mid', trunk))]);
      },
      () => {
        const g = both();
        const a = g.input('left');
        const b = g.input('right');
        const ea = g.dense('encoder', a);
        const eb = g.dense('encoder', b);
        return g.models([a, b], [g.add('merge', [g.dense('deep', ea), eb])]);
      },
    ];
    for (const make of cases) {
      const { ours, theirs } = make();
      expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
      expect(ours.getWeights().map((w) => w.shape)).toEqual(theirs.getWeights().map((w) => w.shape));
    }
  });
});
