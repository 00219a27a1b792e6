/**
 * What a kernel generator produces and what it may ask about the program being built. Every
 * shader binds the same three resources (the activation arena, the packed weights and the batch
 * uniform), so one bind group serves the whole dispatch plan.
 */
import type { Node } from '../../ir/graph.js';
import { helpersFor } from './scalar.js';

/**
 * How many workgroups a kernel needs for a batch of B rows:
 * ceil(B * rowsPerBatch / rowsPerGroup) row groups (spread over x and y, since one dimension
 * holds at most 65,535) times `columnGroups` along z. A kernel producing a value without a batch
 * axis runs once: B is 1 for it whatever the batch.
 */
export interface Dispatch {
  /** Whether the value produced has the batch axis (false: computed once). */
  readonly batched: boolean;
  readonly rowsPerBatch: number;
  readonly rowsPerGroup: number;
  readonly columnGroups: number;
}

export interface Kernel {
  /** Names the op and node, for error messages and GPU debug labels. */
  readonly label: string;
  readonly wgsl: string;
  readonly dispatch: Dispatch;
  /** A variant the runtime runs instead while B * rowsPerBatch <= upTo (few rows, e.g. batch 1). */
  readonly fewRows?: { readonly upTo: number; readonly wgsl: string; readonly dispatch: Dispatch };
}

/** Where a value lives: a WGSL array and the u32 expression of its first element's index. */
export interface Operand {
  readonly array: 'arena' | 'weights';
  readonly base: string;
}

export interface KernelContext {
  operand(node: Node): Operand;
  /** A name for diagnostics: `dense %3 (layer 'dense_1')`. */
  describe(node: Node): string;
  /** The projection of each result of a multi-result node (undefined where none reads it). */
  projections(node: Node): readonly (Node | undefined)[];
}

/** Emits the kernels (usually one) that compute `node`; views and no-ops emit none. */
export type KernelGenerator = (node: Node, ctx: KernelContext) => Kernel[];

/** The WGSL expression reading element `index` of an operand. */
export function load(op: Operand, index: string): string {
  return `${op.array}[${op.base} + ${index}]`;
}

export const BINDINGS = `struct Params {
  batch: u32,
}

@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// Row groups are spread over x and y because one dispatch dimension holds at most 65,535.
fn group_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}`;

/** A complete shader module: bindings, the scalar helpers the body calls, then the body. */
export function shaderModule(body: string): string {
  const helpers = helpersFor(body);
  return `${BINDINGS}\n\n${helpers ? `${helpers}\n\n` : ''}${body.trim()}\n`;
}

/** Builtins every entry point takes. */
export const ENTRY_PARAMS = `@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>`;
