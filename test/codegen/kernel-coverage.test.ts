/**
 * Every op of the registry, on every backend: a kernel, no kernel needed (sources, views,
 * projections), or an exclusion declared beside the backend's kernel table with a reason, which
 * the backend's build error (NNC4001) names. A new op without one of them fails here.
 */
import { describe, expect, it } from 'vitest';
import { compileWasm } from '../../src/codegen/wasm/module.js';
import * as wasm from '../../src/codegen/wasm/kernels/index.js';
import { buildProgram } from '../../src/codegen/wgsl/program.js';
import * as wgsl from '../../src/codegen/wgsl/kernels/index.js';
import { NncError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph, Node } from '../../src/ir/graph.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { tensorType } from '../../src/ir/types.js';
import { planMemory } from '../../src/passes/index.js';

interface Backend {
  readonly name: string;
  readonly hasKernel: (op: string) => boolean;
  readonly needsNoKernel: (op: string) => boolean;
  readonly exclusions: Readonly<Record<string, string>>;
  readonly build: (graph: Graph) => void;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'wasm',
    hasKernel: (op) => wasm.wasmKernel(op) !== undefined,
    needsNoKernel: wasm.needsNoKernel,
    exclusions: wasm.KERNEL_EXCLUSIONS,
    build: (g) => compileWasm(g, { simd: true, weights: 'embedded' }),
  },
  {
    name: 'webgpu',
    hasKernel: (op) => wgsl.kernelFor(op) !== undefined,
    needsNoKernel: wgsl.needsNoKernel,
    exclusions: wgsl.KERNEL_EXCLUSIONS,
    build: (g) => buildProgram(g, planMemory(g)),
  },
];

/** A one-op graph for each op a backend may exclude (add one when excluding another op). */
const SAMPLES: Readonly<Record<string, (b: GraphBuilder) => Node>> = {
  matmul_nt: (b) => b.op('matmul_nt', [b.input('x', tensorType([null, 3])), b.input('w', tensorType([4, 3]))]),
  matmul_tn: (b) => b.op('matmul_tn', [b.input('x', tensorType([null, 3])), b.input('y', tensorType([null, 4]))]),
  conv2d_grad_input: (b) =>
    b.op('conv2d_grad_input', [b.input('dy', tensorType([null, 3, 3, 2])), b.input('w', tensorType([2, 2, 3, 2])), b.input('x', tensorType([null, 4, 4, 3]))]),
  conv2d_grad_filter: (b) => b.op('conv2d_grad_filter', [b.input('x', tensorType([null, 4, 4, 3])), b.input('dy', tensorType([null, 3, 3, 2]))], { kernelSize: [2, 2] }),
  depthwise_conv2d_grad_input: (b) =>
    b.op('depthwise_conv2d_grad_input', [b.input('dy', tensorType([null, 3, 3, 6])), b.input('w', tensorType([2, 2, 3, 2])), b.input('x', tensorType([null, 4, 4, 3]))]),
  depthwise_conv2d_grad_filter: (b) => b.op('depthwise_conv2d_grad_filter', [b.input('x', tensorType([null, 4, 4, 3])), b.input('dy', tensorType([null, 3, 3, 6]))], { kernelSize: [2, 2] }),
  max_pool2d_grad: (b) => b.op('max_pool2d_grad', [b.input('x', tensorType([null, 4, 4, 2])), b.input('dy', tensorType([null, 2, 2, 2]))]),
  resize2d_grad: (b) => b.op('resize2d_grad', [b.input('dy', tensorType([null, 4, 6, 2]))], { size: [2, 3], mode: 'bilinear' }),
  gather: (b) => b.op('gather', [b.input('x', tensorType([null, 3])), b.input('i', { dtype: 'i32', shape: [2] })], { axis: 1 }),
  gather_grad: (b) => b.op('gather_grad', [b.input('g', tensorType([null, 2])), b.input('i', { dtype: 'i32', shape: [2] })], { axis: 1, extent: 3 }),
  avg_pool2d_grad: (b) => b.op('avg_pool2d_grad', [b.input('dy', tensorType([null, 2, 2, 2])), b.input('x', tensorType([null, 4, 4, 2]))]),
};

function sample(op: string): Graph {
  const make = SAMPLES[op];
  if (!make) throw new Error(`add a one-op graph for the excluded op '${op}' to SAMPLES`);
  const b = new GraphBuilder();
  b.output('y', make(b));
  return b.build();
}

function buildError(backend: Backend, graph: Graph): NncError {
  try {
    backend.build(graph);
  } catch (e) {
    if (e instanceof NncError) return e;
    throw e;
  }
  throw new Error(`${backend.name} built a graph it has no kernel for`);
}

describe.each(BACKENDS)('$name kernel coverage', (backend) => {
  it('has a kernel, needs none, or declares an exclusion for every registry op', () => {
    const uncovered = [...opRegistry.keys()].filter((op) => !backend.hasKernel(op) && !backend.needsNoKernel(op) && !(op in backend.exclusions));
    expect(uncovered, `ops with neither a ${backend.name} kernel nor an exclusion`).toEqual([]);
  });

  it('excludes only registry ops that have no kernel, each with a reason', () => {
    for (const [op, reason] of Object.entries(backend.exclusions)) {
      expect(opRegistry.has(op), `excluded op '${op}' is in the registry`).toBe(true);
      expect(backend.hasKernel(op), `'${op}' has a kernel: drop its exclusion`).toBe(false);
      expect(reason.length).toBeGreaterThan(0);
    }
  });

  for (const [op, reason] of Object.entries(backend.exclusions))
    it(`refuses '${op}' with NNC4001 naming the op and the reason`, () => {
      const error = buildError(backend, sample(op));
      expect(error.code).toBe('NNC4001');
      expect(error.message).toContain(`'${op}'`);
      expect(error.message).toContain(reason);
    });
});
