import binaryen from 'binaryen';
import type { Graph, Node } from '../../ir/graph.js';
import { isConstantOp, viewedValue } from '../../ir/traits.js';
import { dataOf, type TensorData } from '../../ir/tensor.js';
import type { AffineBytes, RowBlocks } from '../../passes/memory-plan-types.js';
import type { ConstantPool, MemoryLayout } from './layout.js';
import { ensureMathFunction, type MathFn } from './math.js';

type Expr = binaryen.ExpressionRef;

/** The parts of binaryen.js's C API that its typings leave out. */
const binaryenC = binaryen as unknown as {
  readonly RelaxedMaddVecF32x4: number;
  _BinaryenSIMDTernary(module: number, op: number, a: Expr, b: Expr, c: Expr): Expr;
};

/**
 * What a kernel sees while it emits the body of its function `(param $rows i32)`: the module,
 * whether SIMD128 is on, fresh locals and labels, and the address of any value in memory.
 */
export class KernelContext {
  private readonly vars: binaryen.Type[] = [];
  private labels = 0;

  constructor(
    readonly m: binaryen.Module,
    readonly simd: boolean,
    readonly graph: Graph,
    private readonly layout: MemoryLayout,
    private readonly pool: ConstantPool,
    /** The node whose kernel is being emitted (its scratch is `scratch()`). */
    private readonly node: Node | undefined,
    /** The module's vector constants (vectorConstant): one pool per module, emitted by compileWasm. */
    private readonly lanes: LaneConstants,
    /** Whether f32x4 multiply-adds may fuse (relaxed SIMD; see WasmModuleOptions.relaxedSimd). */
    readonly fusedMultiplyAdd = false,
  ) {}

  /**
   * acc + a·b over f32x4 lanes: relaxed SIMD's multiply-add where the module may use it (one
   * fused instruction on a CPU with FMA, rounding once), else a multiply and an add.
   */
  maddF32x4(acc: Expr, a: Expr, b: Expr): Expr {
    const { m } = this;
    if (!this.fusedMultiplyAdd) return m.f32x4.add(acc, m.f32x4.mul(a, b));
    // binaryen.js has the operation but no wrapper for it: its C API builds the expression.
    return binaryenC._BinaryenSIMDTernary(m.ptr, binaryenC.RelaxedMaddVecF32x4, a, b, acc);
  }

  /** The batch rows of this call (the function's only parameter). */
  rows(): Expr {
    return this.m.local.get(0, binaryen.i32);
  }

  /** A fresh local of `type`; returns its index. */
  local(type: binaryen.Type): number {
    this.vars.push(type);
    return this.vars.length; // param 0 is $rows
  }

  /** The locals declared so far, for addFunction. */
  get varTypes(): readonly binaryen.Type[] {
    return this.vars;
  }

  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  i32(v: number): Expr {
    return this.m.i32.const(v);
  }

  /** Byte address of a value: constants are static, activations at arena + fixed + rows * per row. */
  addr(view: Node): Expr {
    const node = viewedValue(view);
    if (isConstantOp(node.op)) return this.i32(this.constant(`value:${node.id}`, () => constantValues(this.graph, node)));
    return this.arenaAddress(this.layout.slot(node).offset);
  }

  /**
   * How a value lies in memory when it is a split piece read in place (its address is the first
   * block's); undefined for a contiguous value. Only kernels that declare `readsBlocks` get these.
   */
  blocks(view: Node): RowBlocks | undefined {
    const node = viewedValue(view);
    return isConstantOp(node.op) ? undefined : this.layout.slot(node).blocks;
  }

  /** Byte address of the scratch memory the current node's kernel asked for (WasmKernel.scratch), `bytes` into it. */
  scratch(bytes = 0): Expr {
    if (!this.node) throw new Error('scratch() outside a node kernel');
    const { offset } = this.layout.scratch(this.node);
    return this.arenaAddress({ ...offset, fixedBytes: offset.fixedBytes + bytes });
  }

  /**
   * The scratch the current node's kernel shares with others (WasmKernel.sharedScratch): its
   * address, whether this kernel fills it (the first of them) and how many share it.
   */
  shared(): { readonly addr: () => Expr; readonly fills: boolean; readonly members: number } {
    if (!this.node) throw new Error('shared() outside a node kernel');
    const { slot, fills, members } = this.layout.shared(this.node);
    return { addr: () => this.arenaAddress(slot.offset), fills, members };
  }

  private arenaAddress(offset: AffineBytes): Expr {
    const fixed = this.i32(this.layout.arenaBase + offset.fixedBytes);
    return offset.bytesPerRow === 0 ? fixed : this.m.i32.add(fixed, this.m.i32.mul(this.rows(), this.i32(offset.bytesPerRow)));
  }

  /** Address of kernel-owned constant data (e.g. packed weights), stored once per key. */
  constant(key: string, make: () => TensorData): number {
    return this.pool.address(key, make);
  }

  /**
   * A v128 of four equal lanes, loaded from the SIMD module's lane constants (zero is built in
   * place). V8 builds a v128 constant anew at each use, with ~3 instructions, and does not hoist
   * it out of a loop (a constant in a local is still a constant to it): a tanh in a vector loop
   * spent 42 of its ~95 instructions per vector on its 14 constants. A load is one.
   */
  vectorConstant(lane: 'f32' | 'i32', value: number): Expr {
    const { m } = this;
    if (Object.is(value, 0)) return lane === 'f32' ? m.f32x4.splat(m.f32.const(0)) : m.i32x4.splat(m.i32.const(0));
    return m.v128.load(this.lanes.offset(lane, value), 16, m.global.get(LANES_GLOBAL, binaryen.i32));
  }

  math(fn: MathFn): string {
    return ensureMathFunction(this.m, fn);
  }
}

/** The global holding where the lane constants start (set once the module's memory is laid out). */
export const LANES_GLOBAL = 'lane_constants';

/**
 * The SIMD module's vector constants, 16 bytes each, one per distinct value. They live after the
 * constant region and its overread slack, in a data segment of their own: the SIMD and the scalar
 * module share one memory layout and one constant region (model.weights.bin), which only the
 * SIMD module's kernels read these from.
 */
export class LaneConstants {
  private readonly offsets = new Map<string, number>();
  private readonly values: { lane: 'f32' | 'i32'; value: number }[] = [];

  /** Byte offset of the constant from the first one, added on first use. */
  offset(lane: 'f32' | 'i32', value: number): number {
    const key = `${lane}:${Object.is(value, -0) ? '-0' : value}`;
    let at = this.offsets.get(key);
    if (at === undefined) {
      at = this.values.length * 16;
      this.offsets.set(key, at);
      this.values.push({ lane, value });
    }
    return at;
  }

  /** The constants' bytes, in offset order. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.values.length * 16);
    this.values.forEach(({ lane, value }, i) => {
      const lanes = lane === 'f32' ? new Float32Array(4) : new Int32Array(4);
      out.set(new Uint8Array(lanes.fill(value).buffer), i * 16);
    });
    return out;
  }
}

/** The data of a float32 constant (what products and biases read). */
export function constantData(graph: Graph, view: Node): Float32Array {
  const data = constantValues(graph, view);
  if (!(data instanceof Float32Array)) throw new Error(`%${view.name ?? view.id} is ${view.type.dtype}, not f32`);
  return data;
}

/** The data of a constant of any dtype, in its dtype's storage. */
export function constantValues(graph: Graph, view: Node): TensorData {
  const node = viewedValue(view);
  if (node.op === 'const') return dataOf(node.type.dtype, node.attrs.value as readonly number[]);
  const data = graph.weights.get(node.name!);
  if (!data) throw new Error(`weight %${node.name} has no data`);
  return data;
}

/** A loop `for (i = start; i < end; i += step)` over i32 locals; `end` is re-read each iteration. */
export function forLoop(ctx: KernelContext, i: number, start: Expr, end: () => Expr, step: number, body: Expr[]): Expr {
  const { m } = ctx;
  const brk = ctx.label('done');
  const cont = ctx.label('loop');
  const get = () => m.local.get(i, binaryen.i32);
  return m.block(brk, [
    m.local.set(i, start),
    m.loop(
      cont,
      m.block(null, [
        m.br(brk, m.i32.ge_s(m.i32.add(get(), ctx.i32(step - 1)), end())),
        ...body,
        m.local.set(i, m.i32.add(get(), ctx.i32(step))),
        m.br(cont),
      ]),
    ),
  ]);
}
