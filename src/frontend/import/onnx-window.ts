/**
 * What ONNX's windowed image ops (Conv, ConvTranspose, MaxPool, AveragePool) share: the NCHW
 * operand (a 1-D [N, C, L] one seen as [N, C, L, 1], its per-axis attributes given a width axis
 * that does nothing), their padding arithmetic, and the NCHW <-> NHWC transposes around the IR's
 * channels-last ops. Padding the IR's 'valid' / 'same' cannot say becomes explicit `pad` nodes.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { formatShape } from '../../ir/types.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW } from '../layers/data-format.js';
import { integers, only } from './attributes.js';
import type { OnnxContext, OnnxNode } from './onnx.js';


/** Cells of padding before and after x along one spatial axis. */
export interface Sides {
  before: number;
  after: number;
}

/** The window attributes ONNX's Conv, ConvTranspose, MaxPool and AveragePool share. */
export const WINDOW = { auto_pad: only('NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'), pads: integers(), strides: integers(), kernel_shape: integers() } as const;

/** The per-axis attributes, and the value each takes on the width axis a 1-D op is given (a no-op window). */
const WIDTH_AXIS: Readonly<Record<string, number>> = { strides: 1, kernel_shape: 1, dilations: 1, output_padding: 0, output_shape: 1 };

/** The attributes `image` widens for a 1-D op. */
type SpatialAttrs = { readonly pads?: readonly number[] | undefined; readonly auto_pad?: string };

/** An ONNX image op's operand, attributes and result, seen as 2-D (NCHW). */
export interface Image<A> {
  /** x as [N, C, H, W]; a 1-D [N, C, L] as [N, C, L, 1]. */
  readonly x: Node;
  /** The attributes, per-axis lists checked to have one entry per spatial axis (two per axis for pads) and widened to 2-D. */
  readonly a: A;
  /** The node's input `k` (a weight [a, b, kh, kw]); a 1-D op's [a, b, k] as [a, b, k, 1]. */
  weight(k: number): Node;
  /** An NCHW result [N, C, H, W] back in the input's rank. */
  result(y: Node): Node;
}

/**
 * The node's NCHW input 0 with one or two spatial axes of known extent (and known channels), and
 * its attributes: a 1-D op runs as the 2-D one over a width of 1, which changes no value.
 */
export function image<A extends SpatialAttrs>(n: OnnxNode, ctx: OnnxContext, a: A): Image<A> {
  const { b } = ctx;
  const x = ctx.operand(n.input[0]!);
  const shape = x.type.shape;
  if ((shape.length !== 3 && shape.length !== 4) || shape.slice(1).some((d) => d === null))
    ctx.refuseNode(n, `takes an NCHW input [N, C, H, W] or [N, C, L] with known channels and spatial extents (1 or 2 spatial axes), got ${formatShape(shape)}`);
  const oneD = shape.length === 3;
  const axes = shape.length - 2;
  const widened: Record<string, unknown> = { ...a };
  for (const [key, width] of [['pads', 0], ...Object.entries(WIDTH_AXIS)] as const) {
    const v = (a as Record<string, unknown>)[key] as readonly number[] | undefined;
    if (v === undefined) continue;
    const entries = key === 'pads' ? 2 * axes : axes;
    if (v.length !== entries) ctx.refuse(n, key, v, `must hold ${entries} ${entries === 1 ? 'entry' : 'entries'} (${axes} spatial ${axes === 1 ? 'axis' : 'axes'}${key === 'pads' ? ', begins then ends' : ''})`);
    if (oneD) widened[key] = key === 'pads' ? [v[0]!, 0, v[1]!, 0] : [v[0]!, width];
  }
  // A weight of another rank (or with a batch axis) is left as is, for the op to refuse by its shape.
  const widenWeight = (w: Node) => (oneD && w.type.shape.length === 3 && !w.type.shape.includes(null) ? b.op('reshape', [w], { shape: [...(w.type.shape as number[]), 1], whole: true }) : w);
  return {
    x: oneD ? b.op('reshape', [x], { shape: [...(shape.slice(1) as number[]), 1] }) : x,
    a: widened as A,
    weight: (k) => widenWeight(ctx.operand(n.input[k]!)),
    result: (y) => (oneD ? b.op('reshape', [y], { shape: y.type.shape.slice(1, 3) as number[] }) : y),
  };
}

/** A pair attribute for the two spatial axes (default `fallback`), refused by name unless each entry is an integer ≥ `min`. */
export function spatialPair(n: OnnxNode, ctx: OnnxContext, name: string, value: readonly number[] | undefined, fallback: number, min = 1): [number, number] {
  const v = value ?? [fallback, fallback];
  if (v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < min)) ctx.refuse(n, name, v, min === 1 ? 'must hold positive integers' : `must hold integers ≥ ${min}`);
  return [v[0]!, v[1]!];
}

/** SAME_UPPER / SAME_LOWER padding of one axis: ceil(size / stride) outputs, the odd cell after (upper) or before (lower). */
export function samePads(size: number, span: number, stride: number, lower: boolean): Sides {
  return splitPads(Math.max(0, (Math.ceil(size / stride) - 1) * stride + span - size), lower);
}

/** `total` cells of padding split in two, the odd one after (upper) or before (lower). */
export function splitPads(total: number, lower: boolean): Sides {
  const small = Math.floor(total / 2);
  return lower ? { before: total - small, after: small } : { before: small, after: total - small };
}

/** The padding of each spatial axis an op's auto_pad and pads say. */
export function windowPads(n: OnnxNode, ctx: OnnxContext, a: SpatialAttrs, size: [number, number], span: [number, number], strides: [number, number]): [Sides, Sides] {
  if (a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER') {
    const lower = a.auto_pad === 'SAME_LOWER';
    return [0, 1].map((i) => samePads(size[i]!, span[i]!, strides[i]!, lower)) as [Sides, Sides];
  }
  return explicitPads(n, ctx, a);
}

/** The padding `pads` states (none for auto_pad VALID). */
export function explicitPads(n: OnnxNode, ctx: OnnxContext, a: SpatialAttrs): [Sides, Sides] {
  const pads = a.auto_pad === 'VALID' ? [0, 0, 0, 0] : (a.pads ?? [0, 0, 0, 0]);
  if (pads.length !== 4 || pads.some((p) => p < 0)) ctx.refuse(n, 'pads', pads, 'must hold four non-negative integers [top, left, bottom, right]');
  return [
    { before: pads[0]!, after: pads[2]! },
    { before: pads[1]!, after: pads[3]! },
  ];
}

export const noPadding = (pads: readonly Sides[]) => pads.every((p) => p.before === 0 && p.after === 0);
/** Whether the pads are the IR's 'same' (SAME_UPPER's). */
export const isIrSame = (pads: readonly Sides[], size: [number, number], span: [number, number], strides: [number, number]) =>
  pads.every((p, i) => {
    const same = samePads(size[i]!, span[i]!, strides[i]!, false);
    return p.before === same.before && p.after === same.after;
  });

/** Zero-pads the spatial axes 1 and 2 of an NHWC value. */
export function padSpatial(b: GraphBuilder, x: Node, pads: readonly Sides[]): Node {
  return pads.reduce((y, p, i) => (p.before + p.after === 0 ? y : b.op('pad', [y], { axis: i + 1, before: p.before, after: p.after })), x);
}

/**
 * Pads the spatial axes of an NHWC value with `fill` (exactly: zeros, plus a constant that is
 * `fill` on the border and 0 inside, so x + 0 = x and 0 + fill = fill).
 */
export function padSpatialWith(n: OnnxNode, ctx: OnnxContext, x: Node, pads: readonly Sides[], fill: number): Node {
  const padded = padSpatial(ctx.b, x, pads);
  if (fill === 0 || noPadding(pads)) return padded;
  const [h, w] = [padded.type.shape[1] as number, padded.type.shape[2] as number];
  const [top, left] = [pads[0]!.before, pads[1]!.before];
  const [inH, inW] = [x.type.shape[1] as number, x.type.shape[2] as number];
  const border = ctx.derivedWeight(`${n.name || n.output[0]}/pad_${fill}`, [h, w, 1], () =>
    Float32Array.from({ length: h * w }, (_, k) => {
      const [r, c] = [Math.floor(k / w), k % w];
      return r >= top && r < top + inH && c >= left && c < left + inW ? 0 : fill;
    }),
  );
  return ctx.b.op('add', [padded, border]);
}

export const toNhwc = (b: GraphBuilder, x: Node) => b.op('transpose', [x], { perm: [...NCHW_TO_NHWC] });
export const toNchw = (b: GraphBuilder, x: Node) => b.op('transpose', [x], { perm: [...NHWC_TO_NCHW] });
