/**
 * The WGSL of every fixture model, kept as golden text (fixtures/golden/webgpu/<model>.wgsl,
 * regenerated with NNC_UPDATE_GOLDEN=1): a change to generated shaders shows in review. Also
 * checks that emitting twice gives byte-identical bundles.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { buildProgram } from '../../src/codegen/wgsl/program.js';
import { webgpuTarget } from '../../src/codegen/wgsl/target.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { optimize, planMemory } from '../../src/passes/index.js';
import { expectGolden } from '../helpers/golden.js';

describe.each(FIXTURES)('webgpu codegen: $name', (fixture) => {
  const graph = optimize(loadModelFile(fixture.path).model.toGraph());

  it('emits the golden WGSL', () => {
    const program = buildProgram(graph, planMemory(graph));
    const text = program.dispatches.map((d) => `// dispatch: ${d.label} (shader ${d.shader})`).join('\n');
    expectGolden(`webgpu/${fixture.name}.wgsl`, `${text}\n\n${program.shaders.map((s, i) => `// shader ${i}\n${s}`).join('\n')}`);
  });

  it('emits byte-identical bundles twice', async () => {
    const options = { singleFile: false, weights: 'external' } as const;
    const [a, b] = [await webgpuTarget.emit(graph, options), await webgpuTarget.emit(graph, options)];
    expect(a.map((f) => f.path)).toEqual(['model.webgpu.js', 'model.webgpu.d.ts', 'model.webgpu.bin', 'manifest.json']);
    expect(b).toEqual(a);
  });
});
