/**
 * How TensorFlow writes a dilated convolution (tf.nn.convolution's _WithSpaceToBatch, which Keras'
 * Conv2D with dilation_rate uses): SpaceToBatchND(x, block, paddings) -> Conv2D (VALID, stride 1)
 * -> BatchToSpaceND(·, block, crops). Rewritten here, before import, into the one convolution it
 * computes. With P the paddings and C the crops along an axis and B the block:
 *
 *   y[Y] = Σ_a xp[Y + C₀ + a·B] · w[a]     (xp = x padded by P, Y < len(xp) - (k-1)·B - C₀ - C₁)
 *
 * which is a VALID convolution with dilation B of x padded by (P₀ - C₀, P₁ - C₁): cropping C₀
 * outputs at the start drops C₀ padded cells, cropping C₁ at the end leaves the last C₁ unread.
 * So the three nodes become the convolution node with padding EXPLICIT (P - C) and dilations B,
 * under the BatchToSpaceND's name. Only that form is taken (the convolution's only reader is the
 * BatchToSpaceND and it reads only the SpaceToBatchND, both with one block, P ≥ C); TensorFlow's
 * requirement that len(xp) be a multiple of B is checked when x's shape is known (conv build).
 * A SpaceToBatchND or BatchToSpaceND in any other form is refused with the reason.
 */
import type { ManifestTensor } from './shared.js';
import { dataInputs, refName, type TfAttr, type TfNode } from './tfjs-graph-common.js';

/** The SpaceToBatchND a rewritten convolution came from: what the divisibility check needs. */
export interface SpaceToBatchPattern {
  readonly spaceToBatch: string;
  readonly block: readonly [number, number];
  /** [top, bottom, left, right] */
  readonly paddings: readonly number[];
}

export interface DilatedRewrite {
  readonly nodes: TfNode[];
  readonly patterns: ReadonlyMap<string, SpaceToBatchPattern>;
  /** SpaceToBatchND / BatchToSpaceND nodes left alone, with why. */
  readonly refused: ReadonlyMap<TfNode, string>;
}

const CONVOLUTIONS = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (values: number[]): TfAttr => ({ list: { i: values.map(String) } });

export function rewriteDilatedConvolutions(nodes: readonly TfNode[], consts: ReadonlyMap<string, ManifestTensor>, attrs: (n: TfNode) => ReadonlyMap<string, unknown>): DilatedRewrite {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of dataInputs(n)) readers.set(refName(i), (readers.get(refName(i)) ?? 0) + 1);
  const removed = new Set<TfNode>();
  const replaced = new Map<TfNode, TfNode>();
  const patterns = new Map<string, SpaceToBatchPattern>();
  const refused = new Map<TfNode, string>();
  const intConst = (ref: string | undefined, length: number): number[] | undefined => {
    const c = ref === undefined ? undefined : consts.get(refName(ref));
    return c?.dtype === 'i32' && c.data.length === length ? Array.from(c.data) : undefined;
  };

  for (const b2s of nodes.filter((n) => n.op === 'BatchToSpaceND')) {
    const [convRef, blockRef, cropsRef] = dataInputs(b2s);
    const conv = byName.get(refName(convRef ?? ''));
    const s2b = conv && CONVOLUTIONS.has(conv.op) ? byName.get(refName(dataInputs(conv)[0] ?? '')) : undefined;
    const why = (() => {
      if (!conv || !s2b || s2b.op !== 'SpaceToBatchND') return 'supported only as SpaceToBatchND -> Conv2D / DepthwiseConv2dNative (or their fused forms) -> BatchToSpaceND (a dilated convolution)';
      if (readers.get(conv.name) !== 1 || readers.get(s2b.name) !== 1) return 'the convolution between SpaceToBatchND and BatchToSpaceND must have no other reader';
      const block = intConst(blockRef, 2);
      const sameBlock = intConst(dataInputs(s2b)[1], 2);
      const paddings = intConst(dataInputs(s2b)[2], 4);
      const crops = intConst(cropsRef, 4);
      if (!block || !sameBlock || !paddings || !crops) return 'block_shape ([2]), paddings and crops ([2, 2]) must be int32 constants';
      if (block.join() !== sameBlock.join() || block.some((d) => d < 1)) return `SpaceToBatchND and BatchToSpaceND must use one positive block_shape, got [${sameBlock}] and [${block}]`;
      const a = attrs(conv);
      const unit = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((d) => d === 1));
      if (a.get('padding') !== 'VALID' || !unit(a.get('strides')) || !unit(a.get('dilations')) || (a.get('data_format') ?? 'NHWC') !== 'NHWC')
        return `the convolution ${conv.name} must be NHWC, VALID, with strides and dilations 1 (as TensorFlow writes a dilated convolution)`;
      const pads = paddings.map((p, i) => p - crops[i]!);
      if (paddings.some((p) => p < 0) || pads.some((p) => p < 0)) return `crops [${crops}] must not exceed paddings [${paddings}] (nnc does not crop x)`;
      removed.add(s2b).add(conv);
      replaced.set(b2s, {
        name: b2s.name,
        op: conv.op,
        input: [dataInputs(s2b)[0]!, ...(conv.input ?? []).slice(1)],
        attr: { ...conv.attr, padding: { s: b64('EXPLICIT') }, explicit_paddings: ints([0, 0, ...pads, 0, 0]), dilations: ints([1, block[0]!, block[1]!, 1]) },
      });
      patterns.set(b2s.name, { spaceToBatch: s2b.name, block: [block[0]!, block[1]!], paddings });
      return undefined;
    })();
    if (why) refused.set(b2s, why);
  }
  for (const s2b of nodes) if (s2b.op === 'SpaceToBatchND' && !removed.has(s2b)) refused.set(s2b, 'supported only as the start of a dilated convolution (SpaceToBatchND -> Conv2D -> BatchToSpaceND)');
  return { nodes: nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n), patterns, refused };
}

/** Why SpaceToBatchND could not run on x of this shape (TensorFlow's padded sizes must be multiples of the block); undefined when it can. */
export function spaceToBatchMisfit(shape: readonly (number | null)[], p: SpaceToBatchPattern): string | undefined {
  for (const i of [0, 1]) {
    const size = shape[i + 1];
    const padded = size === null || size === undefined ? NaN : size + p.paddings[i * 2]! + p.paddings[i * 2 + 1]!;
    if (!(padded % p.block[i]! === 0))
      return `SpaceToBatchND ${p.spaceToBatch}: axis ${i + 1} padded to ${padded} cells is not a multiple of the block ${p.block[i]} (TensorFlow refuses this input)`;
  }
  return undefined;
}
