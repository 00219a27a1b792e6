import { expect } from 'vitest';
import type { LayersModel } from '../../src/frontend/model.js';
import { saveTfjsModel } from './save-tfjs.js';
import { buildTfjsTwin, tfjsReady } from './tfjs-twin.js';

type Config = Record<string, unknown>;

/**
 * Each layer's getConfig() against the config tfjs writes for its twin, key by key (a wrapper's
 * `layer` compared the same way). tfjs writes initializer seeds and class spellings of its own,
 * and leaves `implementation` unset; the keys that say what a layer computes must agree.
 * Returns how many layers were compared.
 */
export async function expectConfigsMatchTfjs(m: LayersModel): Promise<number> {
  await tfjsReady();
  const twin = buildTfjsTwin(m);
  const { json } = await saveTfjsModel<{ modelTopology: { config: { layers: { class_name: string; config: Config }[] } } }>(twin);
  twin.dispose();
  const theirs = new Map(json.modelTopology.config.layers.map((l) => [l.config.name, l]));
  const expectSameKeys = (ours: Config, want: Config, where: string): void => {
    for (const key of Object.keys(want).filter((k) => !/initializer|regularizer|constraint|implementation/.test(k)))
      if (key === 'layer') {
        const [a, b] = [ours.layer, want.layer] as { class_name: string; config: Config }[];
        expect(a!.class_name, `${where}.layer`).toBe(b!.class_name);
        expectSameKeys(a!.config, b!.config, `${where}.layer`);
      } else expect(ours[key], `${where}.${key}`).toEqual(want[key]);
  };
  let compared = 0;
  for (const layer of m.layers) {
    if (layer.className === 'InputLayer') continue;
    const entry = theirs.get(layer.name)!;
    expect(entry.class_name, layer.name).toBe(layer.className);
    expectSameKeys(layer.getConfig(), entry.config, layer.name);
    compared++;
  }
  return compared;
}
