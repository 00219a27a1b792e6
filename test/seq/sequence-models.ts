/** Small sequence models for the golden tests: a chain of layers, or a layer given initial states as model inputs; and padded inputs for masks. */
import type { Layer } from '../../src/frontend/layer.js';
import type { Graph } from '../../src/ir/graph.js';
import { tensor, typedTensor } from '../../src/ir/tensor.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';

/** Input [steps, features] through the layers in order. */
export const chain = (shape: (number | null)[], ...stack: Layer[]) => (): LayersModel => {
  const x = input({ shape });
  return model({ inputs: x, outputs: stack.reduce((t, l) => l.apply(t), x) });
};

/** A recurrent layer given its initial states as extra model inputs. */
export const withStates = (shape: (number | null)[], states: number, make: () => Layer) => (): LayersModel => {
  const x = input({ shape });
  const units = 5;
  const hs = Array.from({ length: states }, () => input({ shape: [units] }));
  return model({ inputs: [x, ...hs], outputs: make().apply([x, ...hs]) });
};

/**
 * Random inputs with padded steps set to `padding` (every feature of the step), as users pad them:
 * row b keeps its first 1 + (5b mod steps) steps, and every third row also pads step 1.
 */
export const padded =
  (padding: number) =>
  (graph: Graph, batch: number): ReturnType<typeof randomInputs> => {
    const { flat } = randomInputs(graph, batch, batch);
    const tensors: ReturnType<typeof randomInputs>['tensors'] = {};
    for (const x of graph.inputs) {
      const [, steps, ...rest] = x.type.shape as number[];
      const perStep = rest.reduce((n, d) => n * d, 1);
      const data = flat[x.name!]!;
      for (let row = 0; row < batch; row++) {
        const kept = 1 + ((5 * row) % steps!);
        for (let t = 0; t < steps!; t++)
          if (t >= kept || (row % 3 === 0 && steps! > 2 && t === 1)) data.fill(padding, (row * steps! + t) * perStep, (row * steps! + t + 1) * perStep);
      }
      const shape = [batch, steps!, ...rest];
      tensors[x.name!] = x.type.dtype === 'i32' ? typedTensor(shape, 'i32', data) : tensor(shape, data);
    }
    return { tensors, flat };
  };
