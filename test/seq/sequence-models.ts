/** Small sequence models for the golden tests: a chain of layers, or a layer given initial states as model inputs. */
import type { Layer } from '../../src/frontend/layer.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';

/** Input [steps, features] through the layers in order. */
export const chain = (shape: number[], ...stack: Layer[]) => (): LayersModel => {
  const x = input({ shape });
  return model({ inputs: x, outputs: stack.reduce((t, l) => l.apply(t), x) });
};

/** A recurrent layer given its initial states as extra model inputs. */
export const withStates = (shape: number[], states: number, make: () => Layer) => (): LayersModel => {
  const x = input({ shape });
  const units = 5;
  const hs = Array.from({ length: states }, () => input({ shape: [units] }));
  return model({ inputs: [x, ...hs], outputs: make().apply([x, ...hs]) });
};

