import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NncErrorList } from '../../src/errors.js';
import { layers } from '../../src/frontend/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';

const dir = mkdtempSync(join(tmpdir(), 'nnc-unknown-layer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a model file into the temp dir and returns its path. */
function modelFile(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const KNOWN = Object.keys(layers);

describe('unknown layers in model files', () => {
  it('.ts: reports every unknown layer at once, each at its line, with the layers nnc has', () => {
    const path = modelFile('two-unknown.ts', [
      "import { layers, sequential } from 'nnc';",
      '',
      'export default sequential({',
      '  layers: [',
      '    layers.conv3d({ filters: 8, kernelSize: 3, inputShape: [28, 28, 1] }),',
      '    layers.flatten(),',
      '    layers.convLstm2d({ units: 4 }),',
      '  ],',
      '});',
    ]);
    const e = catchNnc(() => loadModelFile(path));
    expect(e.code).toBe('NNC1008');
    expect(e).toBeInstanceOf(NncErrorList);
    const list = (e as NncErrorList).errors;
    expect(list.map((x) => [x.detail, x.location.line, x.location.column])).toEqual([
      ['layers.conv3d', 5, 12],
      ['layers.convLstm2d', 7, 12],
    ]);
    expect(e.message).toContain(`${path}:5:12`);
    expect(e.message).toContain(`${path}:7:12`);
    // The list of layers comes from the layers object itself.
    for (const name of KNOWN) expect(e.hint).toContain(`layers.${name}`);
    expect(e.message).not.toMatch(/TS2339|does not exist on type/);
  });

  it('.js: reports the unknown layer at its line, without compiler-generated names', () => {
    const path = modelFile('conv.js', [
      "import { layers, sequential } from 'nnc';",
      '',
      'const model = sequential({',
      '  layers: [layers.conv3d({ filters: 8, kernelSize: 3, inputShape: [28, 28, 1] }), layers.dense({ units: 10 })],',
      '});',
      'export default model;',
    ]);
    const e = catchNnc(() => loadModelFile(path));
    expect(e.code).toBe('NNC1008');
    expect(e.location).toMatchObject({ file: path, line: 4, column: 19 });
    expect(e.detail).toBe('layers.conv3d');
    expect(e.message).not.toContain('nnc_1');
    expect(e.message).not.toContain('is not a function');
    expect(e.hint).toContain('layers.dense');
  });

  it('.js: a layer looked up by a computed name fails as it runs, at the user line', () => {
    const path = modelFile('computed.js', [
      "const { layers, sequential } = require('nnc');",
      "const kind = ['conv', '3d'].join('');",
      'module.exports.default = sequential({',
      '  layers: [',
      '    layers[kind]({ filters: 8 }),',
      '  ],',
      '});',
    ]);
    const e = catchNnc(() => loadModelFile(path));
    expect(e.code).toBe('NNC1008');
    expect(e.detail).toBe('layers.conv3d');
    expect(e.location).toMatchObject({ file: path, line: 5 });
    expect(e.message).not.toContain('nnc_1');
  });

  it('suggests the right casing, and follows namespace imports and element access', () => {
    const path = modelFile('namespace.ts', [
      "import * as nnc from 'nnc';",
      "export default nnc.sequential({ layers: [nnc.layers.Dense({ units: 2, inputShape: [3] }), nnc.layers['convLstm2d']({})] });",
    ]);
    const e = catchNnc(() => loadModelFile(path)) as NncErrorList;
    expect(e.code).toBe('NNC1008');
    expect(e.errors.map((x) => x.detail)).toEqual(['layers.Dense (did you mean layers.dense?)', 'layers.convLstm2d']);
  });

  it('does not mistake a local `layers` for nnc\'s', () => {
    const path = modelFile('shadow.ts', [
      "import { layers, sequential } from 'nnc';",
      'function widths(layers: { conv3d: number[] }): number[] {',
      '  return layers.conv3d;',
      '}',
      'export default sequential({ layers: widths({ conv3d: [4, 2] }).map((units, i) => layers.dense({ units, ...(i === 0 ? { inputShape: [3] } : {}) })) });',
    ]);
    expect(loadModelFile(path).model.layers.length).toBe(2);
  });

  it('.ts: an alias of `layers` is caught by the type check, in nnc\'s words', () => {
    const only = modelFile('alias.ts', [
      "import { layers, sequential } from 'nnc';",
      'const L = layers;',
      'export default sequential({ layers: [L.conv3d({ inputShape: [3] })] });',
    ]);
    const e = catchNnc(() => loadModelFile(only));
    expect(e.code).toBe('NNC1008');
    expect(e.location).toMatchObject({ line: 3, column: 40 });
    expect(e.detail).toBe('layers.conv3d');

    const mixed = modelFile('alias-and-type-error.ts', [
      "import { layers, sequential } from 'nnc';",
      'const L = layers;',
      "const units: number = 'ten';",
      'export default sequential({ layers: [L.conv3d({ inputShape: [3] }), layers.dense({ units })] });',
    ]);
    const m = catchNnc(() => loadModelFile(mixed));
    expect(m.code).toBe('NNC1001');
    expect(m.message).toContain(`${mixed}:3:7 TS2322`);
    expect(m.message).toContain(`${mixed}:4:40 unknown layer layers.conv3d`);
    expect(m.message).not.toMatch(/Property 'conv3d' does not exist/);
    expect(m.hint).toContain('layers.dense');
  });
});
