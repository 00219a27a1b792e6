/**
 * conv2d forward against tfjs, every backend, batch 1, 7 and 64 (test/helpers/model-golden.ts).
 * The Winograd cases first check that the wasm kernel still takes the scheme they are named for
 * (conv2d.ts's emitConv: the direct form for k ≤ DIRECT_K, else Winograd's where fitsWinograd,
 * its scheme chooseScheme's for the batch's group limit), so they keep testing that path against
 * tfjs if the heuristics change.
 */
import { describe, expect, it } from 'vitest';
import { DIRECT_K } from '../../src/codegen/wasm/kernels/conv2d-direct.js';
import { nodeGeometry } from '../../src/codegen/wasm/kernels/conv2d-patches.js';
import { chooseScheme, fitsWinograd, groupLimit } from '../../src/codegen/wasm/kernels/conv2d-winograd.js';
import { epiloguePool } from '../../src/ir/ops/pool-helpers.js';
import { optimize } from '../../src/passes/index.js';
import { describeTfjsGolden } from '../helpers/model-golden.js';
import { CONV_CASES, WINOGRAD_CASES } from './conv2d-models.js';

describeTfjsGolden('conv2d: $name', CONV_CASES);

describe.each(WINOGRAD_CASES)('conv2d: $name, the kernel chosen', ({ make, scheme }) => {
  it(`every conv2d of the optimized graph runs as Winograd's F(${scheme}x${scheme}, 3x3) in the wasm bundle`, () => {
    const convs = optimize(make().toGraph()).nodes.filter((n) => n.op === 'conv2d');
    expect(convs.length).toBeGreaterThan(0);
    for (const node of convs) {
      const [x, w] = node.inputs;
      const [kh, kw, , f] = w!.type.shape as number[];
      const g = nodeGeometry(x!, kh!, kw!, node);
      // Unpooled (a pooled conv runs on a cut geometry image by image), too long a window for the direct form.
      expect(epiloguePool(node.attrs)).toBeUndefined();
      expect(g.k).toBeGreaterThan(DIRECT_K);
      expect(fitsWinograd(g, f!)).toBe(true);
      expect(chooseScheme(g, groupLimit(x!.type.shape[0])).m).toBe(scheme);
    }
  });
});

describeTfjsGolden('conv2d: $name', WINOGRAD_CASES);
