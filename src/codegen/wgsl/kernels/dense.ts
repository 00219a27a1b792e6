/**
 * Fused dense: activation(x[rows, K] x w[K, N] + b[N]) as a tiled matmul. A 16x16 workgroup
 * computes a 64-row tile (64 columns for wide layers, else 16): per step of 16 along K it stages
 * the matching slices of x and w in workgroup memory, and each thread accumulates a 4x4 (or 4x1)
 * block in registers, so every element fetched from storage is reused many times and barriers
 * are few per multiply-add. With few rows (batch 1), or small layers, a tile would idle most of
 * its threads, so a second kernel gives each output its own thread and no shared memory (a
 * matrix-vector product per row). Both sum k in order, so they agree bit for bit. Bias, activation
 * and residual run in the epilogue; a softmax activation needs whole rows, so it follows as a
 * second, in-place dispatch (a residual after it is refused). w and b may be computed. Also
 * serves a plain matmul (no bias, linear).
 */
import { NncError } from '../../../errors.js';
import type { Node } from '../../../ir/graph.js';
import { activationAttrs, denseActivation, denseOperands } from '../../../ir/ops/dense.js';
import { opRegistry } from '../../../ir/ops/index.js';
import { ENTRY_PARAMS, load, shaderModule, type Kernel, type KernelGenerator, type Operand } from '../kernel.js';
import { scalarToWgsl } from '../scalar.js';
import { isBatched, product, rowCount, rowDims } from '../shapes.js';
import { softmaxKernel } from './softmax.js';

/** Threads per workgroup side; each thread owns ROWS x cols outputs, strided by SIDE. */
const SIDE = 16;
const ROWS = 4;
/** Columns per thread: 4 when the layer is wide enough to fill a 64-column tile, else 1. */
const colsPerThread = (n: number): number => (n >= 64 ? 4 : 1);
/** The thread-per-output variant: threads per workgroup (along columns), and up to how many rows. */
const GEMV_WORKGROUP = 64;
const GEMV_ROWS = 16;
/**
 * Tiling pays for its barriers only when rows of x are long and w is wide: below these sizes
 * every batch runs the thread-per-output kernel (measured ~8x faster for branches' 24x5 layers).
 */
const TILE_MIN_K = 64;
const TILE_MIN_N = 16;

interface DenseShape {
  readonly node: Node;
  readonly k: number;
  readonly n: number;
  readonly rowsPerBatch: number;
  /** The WGSL count of batch rows: params.batch, or 1u when x has no batch axis. */
  readonly batchRows: string;
  readonly x: Operand;
  readonly w: Operand;
  readonly bias: Operand | undefined;
  /** Added after the activation, element by element. */
  readonly residual: Operand | undefined;
  readonly out: Operand;
}

/** Stores element (row, col) of the result: bias, activation, write. */
function store({ node, n, bias, residual, out }: DenseShape, row: string, col: string, acc: string): string {
  const v = `v_${row}_${col}`;
  const at = `${row} * ${n}u + ${col}`;
  return `let ${v} = ${bias ? `${acc} + ${load(bias, col)}` : acc};
    ${load(out, at)} = ${epilogue(node, v)}${residual ? ` + ${load(residual, at)}` : ''};`;
}

/** The epilogue activation: a fused node's (dense, conv2d), none for a plain matmul. */
export const activationOf = (node: Node): string => (node.op === 'matmul' ? 'linear' : denseActivation(node.attrs));

/** WGSL applying the activation to `v`, or v itself for linear / softmax (a later pass). */
export function epilogue(node: Node, v: string): string {
  const act = activationOf(node);
  if (act === 'linear' || act === 'softmax') return v;
  const def = opRegistry.get(act);
  if (!def?.scalar) throw new NncError('NNC4001', `webgpu: dense activation '${act}' has no scalar math`);
  return scalarToWgsl(def.scalar(activationAttrs(node.attrs)), [v]);
}

function tiled(shape: DenseShape): { wgsl: string; tileRows: number; tileCols: number } {
  const { k, n, rowsPerBatch, batchRows, x: X, w: W } = shape;
  const cols = colsPerThread(n);
  const tileRows = SIDE * ROWS;
  const tileCols = SIDE * cols;
  // The per-thread block is unrolled here: scalar accumulators and straight-line loads keep the
  // shader simple for every compiler (no dynamically indexed private arrays).
  const rowIds = [...Array(ROWS).keys()];
  const colIds = [...Array(cols).keys()];
  const each = (f: (i: number, j: number) => string) => rowIds.flatMap((i) => colIds.map((j) => f(i, j)));
  const body = `
const K = ${k}u;
const N = ${n}u;
var<workgroup> tile_x: array<array<f32, ${SIDE}>, ${tileRows}>;
var<workgroup> tile_w: array<array<f32, ${tileCols}>, ${SIDE}>;

@compute @workgroup_size(${SIDE}, ${SIDE})
fn main(${ENTRY_PARAMS}) {
  let rows = ${batchRows} * ${rowsPerBatch}u;
  let first_row = group_index(wid, nwg) * ${tileRows}u;
  if (first_row >= rows) {
    return;
  }
  let first_col = wid.z * ${tileCols}u;
${rowIds.map((i) => `  let row${i} = first_row + lid.y + ${i * SIDE}u;`).join('\n')}
${colIds.map((j) => `  let col${j} = first_col + lid.x + ${j * SIDE}u;`).join('\n')}
${each((i, j) => `  var acc${i}${j} = 0.0;`).join('\n')}
  for (var t = 0u; t < K; t += ${SIDE}u) {
    let kx = t + lid.x;
    let kw = t + lid.y;
${rowIds.map((i) => `    tile_x[lid.y + ${i * SIDE}u][lid.x] = select(0.0, ${load(X, `row${i} * K + kx`)}, row${i} < rows && kx < K);`).join('\n')}
${colIds.map((j) => `    tile_w[lid.y][lid.x + ${j * SIDE}u] = select(0.0, ${load(W, `kw * N + col${j}`)}, kw < K && col${j} < N);`).join('\n')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${SIDE}u; kk++) {
${rowIds.map((i) => `      let x${i} = tile_x[lid.y + ${i * SIDE}u][kk];`).join('\n')}
${colIds.map((j) => `      let w${j} = tile_w[kk][lid.x + ${j * SIDE}u];`).join('\n')}
${each((i, j) => `      acc${i}${j} += x${i} * w${j};`).join('\n')}
    }
    workgroupBarrier();
  }
${each((i, j) => `  if (row${i} < rows && col${j} < N) {\n    ${store(shape, `row${i}`, `col${j}`, `acc${i}${j}`)}\n  }`).join('\n')}
}`;
  return { wgsl: shaderModule(body), tileRows, tileCols };
}

function matrixVector(shape: DenseShape): string {
  const { k, n, rowsPerBatch, batchRows, x: X, w: W } = shape;
  const body = `
const K = ${k}u;
const N = ${n}u;

@compute @workgroup_size(${GEMV_WORKGROUP})
fn main(${ENTRY_PARAMS}) {
  let row = group_index(wid, nwg);
  let col = wid.z * ${GEMV_WORKGROUP}u + lid.x;
  if (row >= ${batchRows} * ${rowsPerBatch}u || col >= N) {
    return;
  }
  var acc = 0.0;
  for (var kk = 0u; kk < K; kk++) {
    acc += ${load(X, 'row * K + kk')} * ${load(W, 'kk * N + col')};
  }
  ${store(shape, 'row', 'col', 'acc')}
}`;
  return shaderModule(body);
}

export const denseKernel: KernelGenerator = (node, ctx) => {
  const { x, w, bias: b, residual } = denseOperands(node.inputs, node.op === 'dense' ? node.attrs : {});
  if (residual && activationOf(node) === 'softmax')
    throw new NncError('NNC4001', `webgpu: ${ctx.describe(node)} adds a residual after a softmax activation`, { hint: 'Keep the add a node of its own (the fuse pass does).' });
  const [k, n] = w.type.shape as [number, number];
  const rowsPerBatch = product(rowDims(x, ctx.describe(node))) / k;
  const batched = isBatched(x);
  const shape: DenseShape = { node, k, n, rowsPerBatch, batchRows: rowCount(x), x: ctx.operand(x), w: ctx.operand(w), bias: b && ctx.operand(b), residual: residual && ctx.operand(residual), out: ctx.operand(node) };
  const perOutput = { wgsl: matrixVector(shape), dispatch: { batched, rowsPerBatch, rowsPerGroup: 1, columnGroups: Math.ceil(n / GEMV_WORKGROUP) } };
  const label = ctx.describe(node);
  const kernels: Kernel[] = [];
  if (k < TILE_MIN_K || n < TILE_MIN_N) kernels.push({ label, ...perOutput });
  else {
    const { wgsl, tileRows, tileCols } = tiled(shape);
    const dispatch = { batched, rowsPerBatch, rowsPerGroup: tileRows, columnGroups: Math.ceil(n / tileCols) };
    kernels.push({ label, wgsl, dispatch, fewRows: { upTo: GEMV_ROWS, ...perOutput } });
  }
  if (activationOf(node) === 'softmax') kernels.push(softmaxKernel(node, node, ctx, -1));
  return kernels;
};
