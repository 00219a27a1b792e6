/**
 * The skeleton of every WGSL kernel that works along axes (softmax, log_softmax, argmax, sums,
 * means): one invocation per line, a line being the elements of the reduced axes at one index of
 * the kept axes. The kernel's body runs per line and walks the line as often as it needs. When
 * the batch axis is reduced a line spans the batch (such a graph is not row-local, so a batch
 * runs in one piece) and the number of lines no longer grows with it.
 */
import type { Node } from '../../ir/graph.js';
import { axisGroups, type AxisGroup } from '../axis-groups.js';
import { ENTRY_PARAMS, load, shaderModule, type Kernel, type KernelContext, type Operand } from './kernel.js';
import { rowDims } from './shapes.js';

const WG = 64;

/** The WGSL u32 extent of a group: the batch axis multiplies by `params.batch`. */
const extent = (g: AxisGroup) => (g.batch ? `(params.batch * ${g.size}u)` : `${g.size}u`);

/**
 * The element offset of index `v` of the groups, row-major (outermost first). The batch is axis 0
 * here (rowDims checks), so only the outermost group can hold it and every stride is static.
 */
function offsetOf(groups: readonly AxisGroup[], v: string): string {
  let inner = 1;
  const terms: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    const index = inner === 1 ? v : `(${v} / ${inner}u)`;
    terms.push(`${i === 0 ? index : `(${index} % ${g.size}u)`} * ${g.stride}u`);
    inner *= g.size;
  }
  return terms.length ? terms.reverse().join(' + ') : '0u';
}

/** The element of line position j: `at(op, 'j')` reads or writes it in operand `op`. */
export const at = (op: Operand, j: string) => load(op, `base + element(${j})`);

/**
 * A kernel computing `node` line by line over `value` (its shape) reduced along `axes`. `body`
 * runs per line with `line` (the line's index: its result's flat index), `base` (the line's first
 * element in `value`'s layout) and `count` (its length) bound; `at(op, j)` addresses its elements.
 */
export function reduceKernel(node: Node, value: Node, axes: readonly number[], ctx: KernelContext, body: string): Kernel {
  rowDims(value, ctx.describe(node));
  const groups = axisGroups(value.type.shape, axes);
  const kept = groups.filter((g) => !g.reduced);
  const reduced = groups.filter((g) => g.reduced);
  const linesScaleWithBatch = kept.some((g) => g.batch);
  const linesPerRow = kept.reduce((p, g) => p * g.size, 1);
  const product = (gs: readonly AxisGroup[]) => (gs.length ? gs.map(extent).join(' * ') : '1u');
  const wgsl = `
fn element(j: u32) -> u32 {
  return ${offsetOf(reduced, 'j')};
}

@compute @workgroup_size(${WG})
fn main(${ENTRY_PARAMS}) {
  let line = group_index(wid, nwg) * ${WG}u + lid.x;
  if (line >= ${product(kept)}) {
    return;
  }
  let base = ${offsetOf(kept, 'line')};
  let count = ${product(reduced)};
${body}
}`;
  return {
    label: ctx.describe(node),
    wgsl: shaderModule(wgsl),
    dispatch: { batched: linesScaleWithBatch, rowsPerBatch: linesPerRow, rowsPerGroup: WG, columnGroups: 1 },
  };
}
