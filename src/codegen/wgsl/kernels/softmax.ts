/**
 * Softmax (and log_softmax), max subtracted first as tfjs does. Short rows (up to 64 elements, the usual class
 * count) take one thread per row: three passes over the row, no shared memory or barriers. Longer
 * rows take one workgroup each: the threads stride over the row for the max, then for the sum of
 * exp(x - max), each combined by a tree reduction in workgroup memory, then write. Every element
 * is read before it is written, so both run in place too (the dense softmax epilogue).
 */
import type { Node } from '../../../ir/graph.js';
import { ENTRY_PARAMS, load, shaderModule, type Kernel, type KernelContext, type KernelGenerator, type Operand } from '../kernel.js';
import { F32_MAX } from '../scalar.js';
import { isBatched, product, rowAxis, rowCount } from '../shapes.js';

const WG = 64;
/** Rows up to this long are reduced by one thread. */
const THREAD_ROW_LIMIT = 64;

/**
 * Rows along an axis: `n` elements each, `inner` apart; `rows` such rows per batch row, and
 * `batchRows` the WGSL count of batch rows (`params.batch`, or 1u for a value without a batch axis).
 */
export interface RowLayout {
  readonly n: number;
  readonly inner: number;
  readonly rows: number;
  readonly batchRows: string;
}

/**
 * A shader in which one thread handles one row: declares N and INNER, returns early past the
 * last row, and binds `row` and `base` (the row's first element) before `body`.
 */
export function threadPerRowShader({ n, inner, rows, batchRows }: RowLayout, workgroup: number, body: string): string {
  return `
const N = ${n}u;
const INNER = ${inner}u;

@compute @workgroup_size(${workgroup})
fn main(${ENTRY_PARAMS}) {
  let row = group_index(wid, nwg) * ${workgroup}u + lid.x;
  if (row >= ${batchRows} * ${rows}u) {
    return;
  }
  let base = (row / INNER) * N * INNER + row % INNER;
${body}
}`;
}

/** Element j of the softmax row starting at `base` (its elements lie `inner` apart). */
const at = (op: Operand) => load(op, 'base + j * INNER');

/** softmax writes exp(x - max) / total; log_softmax writes x - max - log(total). */
export type SoftmaxMode = 'softmax' | 'log_softmax';

const result = (mode: SoftmaxMode, x: string) => (mode === 'softmax' ? `exp(${x} - row_max) / total` : `${x} - row_max - log(total)`);

function threadPerRow(layout: RowLayout, x: Operand, out: Operand, mode: SoftmaxMode): string {
  return threadPerRowShader(
    layout,
    WG,
    `  var row_max = -${F32_MAX};
  for (var j = 0u; j < N; j++) {
    row_max = max(row_max, ${at(x)});
  }
  var total = 0.0;
  for (var j = 0u; j < N; j++) {
    total += exp(${at(x)} - row_max);
  }
  for (var j = 0u; j < N; j++) {
    ${at(out)} = ${result(mode, at(x))};
  }`,
  );
}

function workgroupPerRow({ n, inner, rows, batchRows }: RowLayout, x: Operand, out: Operand, mode: SoftmaxMode): string {
  const reduce = (combine: (a: string, b: string) => string) => `  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      red[lid.x] = ${combine('red[lid.x]', 'red[lid.x + s]')};
    }
    workgroupBarrier();
  }`;
  return `
const N = ${n}u;
const INNER = ${inner}u;
var<workgroup> red: array<f32, ${WG}>;

@compute @workgroup_size(${WG})
fn main(${ENTRY_PARAMS}) {
  let row = group_index(wid, nwg);
  if (row >= ${batchRows} * ${rows}u) {
    return;
  }
  let base = (row / INNER) * N * INNER + row % INNER;
  var m = -${F32_MAX};
  for (var j = lid.x; j < N; j += ${WG}u) {
    m = max(m, ${at(x)});
  }
  red[lid.x] = m;
  workgroupBarrier();
${reduce((a, b) => `max(${a}, ${b})`)}
  let row_max = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = lid.x; j < N; j += ${WG}u) {
    sum += exp(${at(x)} - row_max);
  }
  red[lid.x] = sum;
  workgroupBarrier();
${reduce((a, b) => `${a} + ${b}`)}
  let total = red[0];
  for (var j = lid.x; j < N; j += ${WG}u) {
    ${at(out)} = ${result(mode, at(x))};
  }
}`;
}

/** (log_)softmax of `src` along `axis`, written to `node`'s storage (src may be node itself). */
export function softmaxKernel(node: Node, src: Node, ctx: KernelContext, axis: number, mode: SoftmaxMode = 'softmax'): Kernel {
  const { dims, axis: a } = rowAxis(node, axis, ctx.describe(node), mode);
  const layout: RowLayout = { n: dims[a - 1]!, inner: product(dims.slice(a)), rows: product(dims) / dims[a - 1]!, batchRows: rowCount(node) };
  const short = layout.n <= THREAD_ROW_LIMIT;
  const body = (short ? threadPerRow : workgroupPerRow)(layout, ctx.operand(src), ctx.operand(node), mode);
  return {
    label: ctx.describe(node),
    wgsl: shaderModule(body),
    dispatch: { batched: isBatched(node), rowsPerBatch: layout.rows, rowsPerGroup: short ? WG : 1, columnGroups: 1 },
  };
}

export const softmaxOpKernel: KernelGenerator = (node, ctx) => [softmaxKernel(node, node.inputs[0]!, ctx, node.attrs.axis as number)];
