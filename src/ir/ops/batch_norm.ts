import type { Attrs, Node } from '../graph.js';
import { ShapeError, type ChannelAffine, type OpDef, type TrainingForm } from '../registry.js';
import type { TensorData } from '../tensor.js';
import { sameShape } from '../types.js';
import * as s from '../scalar-expr.js';
import { elementwiseOp } from './elementwise-helpers.js';

/**
 * Batch normalization over the last axis, as tf.batchNorm:
 * (x - mean) · gamma / sqrt(variance + epsilon) + beta. Operands: x, mean, variance, then gamma
 * when `scale` and beta when `center`, each broadcast along x's last axis. As an elementwise op
 * it gets its kernels, fusion and gradient (into every operand) from its scalar math.
 */
function batchNormExpr(a: Attrs): s.ScalarExpr {
  let k = 3;
  let y = s.sub(s.arg(0), s.arg(1));
  if (a.scale) y = s.mul(y, s.arg(k++));
  y = s.div(y, s.sqrt(s.add(s.arg(2), s.lit(a.epsilon as number))));
  return a.center ? s.add(y, s.arg(k)) : y;
}

/**
 * Training (Keras' `training=True`, as tfjs-layers): normalize with the batch's mean and biased
 * variance over every axis but the last, and move the moving statistics towards them as tfjs
 * does, moving - (moving - batch) · (1 - momentum), with the biased batch variance (tfjs-layers;
 * Keras' fused kernel would use the unbiased one). Gradients flow through the batch statistics
 * by the ops they are made of.
 */
const batchNormTraining: TrainingForm = {
  stateOperands: () => [1, 2],
  lower({ b }, node, [x, movingMean, movingVariance, ...affine]) {
    const axes = Array.from({ length: x!.type.shape.length - 1 }, (_, i) => i);
    const mean = b.op('reduce_mean', [x!], { axes });
    const centered = b.op('sub', [x!, mean]);
    const variance = b.op('reduce_mean', [b.op('mul', [centered, centered])], { axes });
    const value = b.op('batch_norm', [x!, mean, variance, ...affine], node.attrs);
    const decay = 1 - (node.attrs.momentum as number);
    const move = (moving: Node, batch: Node) => b.op('elementwise', [moving, batch], { expr: `sub($0,mul(sub($0,$1),${decay}))` });
    return { value, state: [move(movingMean!, mean), move(movingVariance!, variance)] };
  },
};

/**
 * With constant statistics (and gamma, beta) of shape [C]: scale = gamma / sqrt(variance + epsilon),
 * shift = beta - mean · scale. Operands of another shape ([C, 1, 1] once the layout pass has moved
 * a batch norm over axis 1 through its transposes) broadcast along another axis: no map along the last.
 */
const channelAffine = (node: Node, [, mean, variance, ...affine]: readonly (TensorData | undefined)[]): ChannelAffine | undefined => {
  const channels = node.type.shape.at(-1)!;
  if (!mean || !variance || affine.some((a) => !a) || !node.inputs.slice(1).every((i) => sameShape(i.type.shape, [channels]))) return undefined;
  const gamma = node.attrs.scale ? affine[0] : undefined;
  const beta = node.attrs.center ? affine[affine.length - 1] : undefined;
  const eps = node.attrs.epsilon as number;
  const scale = Float64Array.from(variance, (v, c) => (gamma ? gamma[c]! : 1) / Math.sqrt(v + eps));
  const shift = Float64Array.from(mean, (m, c) => (beta ? beta[c]! : 0) - m * scale[c]!);
  return { scale, shift };
};

const base = elementwiseOp('batch_norm', '(x - mean) · gamma / sqrt(variance + epsilon) + beta along the last axis', 5, batchNormExpr, {
  epsilon: { kind: 'float', default: 1e-3 },
  momentum: { kind: 'float', default: 0.99 },
  center: { kind: 'bool', default: true },
  scale: { kind: 'bool', default: true },
});

export const batchNorm = {
  ...base,
  arity: [3, 5] as const,
  inferType(inputs, attrs) {
    const want = 3 + Number(attrs.scale) + Number(attrs.center);
    if (inputs.length !== want)
      throw new ShapeError(`batch_norm with scale=${attrs.scale}, center=${attrs.center} takes ${want} operands (x, mean, variance${attrs.scale ? ', gamma' : ''}${attrs.center ? ', beta' : ''}), got ${inputs.length}`);
    return base.inferType(inputs, attrs);
  },
  traits: { ...base.traits, channelAffine },
  training: batchNormTraining,
} satisfies OpDef;
