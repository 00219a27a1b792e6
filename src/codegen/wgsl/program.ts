/**
 * The dispatch plan: lowers an optimized graph and its memory plan into the data the host runtime
 * needs — unique shader sources, the ordered dispatches, where each input and output lives in
 * the activation arena, and the weights packed into one buffer.
 */
import { loopOnlyInputs, loopOnlyOutputs } from '../../ir/time-loop.js';
import { NncError, NncErrorList } from '../../errors.js';
import type { Graph, Node } from '../../ir/graph.js';
import { valueNames } from '../../ir/printer.js';
import { isConstantOp, nonRowLocalNodes, isSourceOp, isViewOp } from '../../ir/traits.js';
import type { MemoryPlan } from '../../passes/memory-plan-types.js';
import type { Dispatch, KernelContext, Operand } from './kernel.js';
import { exclusionSuffix } from '../exclusions.js';
import { KERNEL_EXCLUSIONS, kernelFor, needsNoKernel } from './kernels/index.js';
import { isBatched, product, rowDims } from './shapes.js';

/**
 * A model input or output: its place in the arena, in f32 elements: offsetFixed + batch *
 * offsetPerRow (memory-plan-types.ts). Without a batch axis it holds elementsPerRow values
 * whatever the batch.
 */
export interface TensorPlacement {
  readonly name: string;
  readonly offsetFixed: number;
  readonly offsetPerRow: number;
  readonly elementsPerRow: number;
  readonly batched: boolean;
  /** One step of a sequence of any length (elementsPerRow is per step): the caller's array holds `steps` of them per row. */
  readonly steps?: true;
}

/** A state the time loop carries (graph.loop): where a step reads it, writes it, and finds its initial value. */
export interface LoopState {
  readonly input: TensorPlacement;
  readonly output: TensorPlacement;
  readonly initial?: TensorPlacement;
}

export interface PlannedDispatch extends Dispatch {
  readonly label: string;
  /** Index into `shaders`. */
  readonly shader: number;
  /** The variant run while B * rowsPerBatch <= upTo. */
  readonly fewRows?: Dispatch & { readonly upTo: number; readonly shader: number };
}

export interface ShaderProgram {
  /** Arena size in f32 elements: fixed, plus per batch row. */
  readonly arenaFixedFloats: number;
  readonly arenaFloatsPerRow: number;
  /**
   * Why a batch must run in one piece (an op reads across the batch, or an input has no batch
   * axis), completing "this model ..."; null when it may run in chunks of rows.
   */
  readonly onePiece: string | null;
  readonly weights: Float32Array;
  readonly inputs: readonly TensorPlacement[];
  readonly outputs: readonly TensorPlacement[];
  /** For one step of a time loop: the states predict carries between steps (not among inputs and outputs). */
  readonly states?: readonly LoopState[];
  /** For one step of a time loop: the inputs that get step steps − 1 − t of the sequence input \`of\`. */
  readonly reversed?: readonly { readonly input: TensorPlacement; readonly of: string }[];
  readonly shaders: readonly string[];
  readonly dispatches: readonly PlannedDispatch[];
}

/** Packs every weight and const into one f32 array; returns each node's element offset. */
function packWeights(graph: Graph): { data: Float32Array; offsets: Map<Node, number> } {
  const offsets = new Map<Node, number>();
  const chunks: ArrayLike<number>[] = [];
  let size = 0;
  for (const n of graph.nodes) {
    if (!isConstantOp(n.op)) continue;
    const values = n.op === 'weight' ? graph.weights.get(n.name!) : (n.attrs.value as readonly number[]);
    if (!values) throw new NncError('NNC2007', `weight %${n.name} has no data`, { location: { node: `%${n.name}` } });
    offsets.set(n, size);
    chunks.push(values);
    size += values.length;
  }
  // A storage binding may not be empty.
  const data = new Float32Array(Math.max(size, 4));
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { data, offsets };
}

/** The wasm bundle's wording for why a batch cannot run in chunks; null when it can. */
function onePiece(graph: Graph, describe: (node: Node) => string): string | null {
  const across = nonRowLocalNodes(graph);
  if (across.length > 0) return `reads across the batch (${describe(across[0]!)})`;
  const unbatched = graph.inputs.filter((n) => !isBatched(n)).map((n) => JSON.stringify(n.name));
  if (unbatched.length === 0) return null;
  return `has ${unbatched.length === 1 ? 'an input' : 'inputs'} without a batch axis (${unbatched.join(', ')})`;
}

export function buildProgram(graph: Graph, plan: MemoryPlan): ShaderProgram {
  const { data: weights, offsets } = packWeights(graph);
  // Kernels are named as `nnc ir` prints their node.
  const names = valueNames(graph);
  const describe = (node: Node): string => `${node.op} %${names.get(node)}${node.layer ? ` (layer '${node.layer}')` : ''}`;

  const arenaOffset = (node: Node): { fixed: number; perRow: number } => {
    const slot = plan.slots.get(node);
    if (slot) return { fixed: slot.offset.fixedBytes / 4, perRow: slot.offset.bytesPerRow / 4 };
    if (isViewOp(node.op)) return arenaOffset(node.inputs[0]!);
    throw new NncError('NNC2007', `the memory plan has no slot for ${describe(node)}`);
  };

  const projections = graph.projections();
  const ctx: KernelContext = {
    describe,
    projections: (node) => projections.get(node) ?? [],
    operand(node): Operand {
      const w = offsets.get(node);
      if (w !== undefined) return { array: 'weights', base: `${w}u` };
      const { fixed, perRow } = arenaOffset(node);
      const terms = [...(perRow ? [`params.batch * ${perRow}u`] : []), ...(fixed ? [`${fixed}u`] : [])];
      return { array: 'arena', base: terms.length > 0 ? terms.join(' + ') : '0u' };
    },
  };

  // WGSL kernels are float32 only: an i32 or bool value anywhere is refused, naming the node.
  const nonFloat = (n: (typeof graph.nodes)[number]) => n.type.dtype !== 'f32';
  const unsupported = graph.nodes.filter((n) => (!needsNoKernel(n.op) && !kernelFor(n.op)) || nonFloat(n));
  if (unsupported.length > 0) {
    const errors = unsupported.map((n) =>
      nonFloat(n)
        ? new NncError('NNC4001', `webgpu supports f32 values only; '${n.op}' gives ${n.type.dtype}`, {
            location: { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) },
            hint: 'Build the WebAssembly target, which runs i32 and bool elementwise ops.',
          })
        : new NncError('NNC4001', `webgpu has no kernel for '${n.op}'${exclusionSuffix(KERNEL_EXCLUSIONS, n.op)}`, { location: { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) } }),
    );
    throw errors.length === 1 ? errors[0]! : new NncErrorList('NNC4001', errors);
  }

  const shaders: string[] = [];
  const shaderIndex = new Map<string, number>();
  const dispatches: PlannedDispatch[] = [];
  const intern = (wgsl: string): number => {
    let index = shaderIndex.get(wgsl);
    if (index === undefined) {
      index = shaders.push(wgsl) - 1;
      shaderIndex.set(wgsl, index);
    }
    return index;
  };
  for (const node of graph.nodes) {
    if (isSourceOp(node.op)) continue;
    for (const k of kernelFor(node.op)!(node, ctx)) {
      const few = k.fewRows && { upTo: k.fewRows.upTo, shader: intern(k.fewRows.wgsl), ...k.fewRows.dispatch };
      dispatches.push({ label: k.label, shader: intern(k.wgsl), ...k.dispatch, ...(few ? { fewRows: few } : {}) });
    }
  }

  const loop = graph.loop;
  const stepped = new Set([...(loop?.sequences ?? []), ...(loop?.perStep ?? [])]);
  const place = (name: string, node: Node): TensorPlacement => {
    if (offsets.has(node)) throw new NncError('NNC4001', `webgpu: output '${name}' is a constant; nothing computes it`);
    const { fixed, perRow } = arenaOffset(node);
    return { name, offsetFixed: fixed, offsetPerRow: perRow, elementsPerRow: product(rowDims(node, `'${name}'`)), batched: isBatched(node), ...(stepped.has(name) ? { steps: true as const } : {}) };
  };
  const hiddenInputs = loop ? loopOnlyInputs(loop) : new Set<string>();
  const hiddenOutputs = loop ? loopOnlyOutputs(loop) : new Set<string>();
  const outputNode = (name: string) => graph.outputs.find((o) => o.name === name)!.node;

  return {
    arenaFixedFloats: plan.peak.fixedBytes / 4,
    arenaFloatsPerRow: Math.max(plan.peak.bytesPerRow / 4, 1),
    onePiece: onePiece(graph, describe),
    weights,
    inputs: graph.inputs.filter((n) => !hiddenInputs.has(n.name!)).map((n) => place(n.name!, n)),
    outputs: graph.outputs.filter((o) => !hiddenOutputs.has(o.name)).map((o) => place(o.name, o.node)),
    ...(loop
      ? {
          states: loop.carries.map((c) => ({
            input: place(c.name, graph.inputs.find((n) => n.name === c.name)!),
            output: place(c.name, outputNode(c.name)),
            ...(c.initial === undefined ? {} : { initial: place(c.initial, outputNode(c.initial)) }),
          })),
          reversed: loop.reversed.map((r) => ({ input: place(r.name, graph.inputs.find((n) => n.name === r.name)!), of: r.of })),
        }
      : {}),
    shaders,
    dispatches,
  };
}
