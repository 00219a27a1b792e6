/**
 * TensorFlow's per-image ops beside the convolutions, as IR: FusedBatchNorm (V1, V2, V3) at
 * inference -> batch_norm, ResizeNearestNeighbor / ResizeBilinear -> resize2d. NHWC only.
 */
import type { Node } from '../../ir/graph.js';
import { boolean, ignored, number, only } from './attributes.js';
import { FLOAT_T, constValues, dataInputs, op, type TfContext, type TfNode } from './tfjs-graph-common.js';

/**
 * FusedBatchNorm(V3)(x, scale, offset, mean, variance) with is_training false, as tfjs-converter
 * runs it: (x - mean) · scale / sqrt(variance + epsilon) + offset along the channel (last) axis.
 * is_training defaults to true in TensorFlow, so a node that does not say false is refused; so is
 * one without epsilon, whose default TensorFlow (0.0001) and tfjs-converter (0.001) disagree on.
 */
export const fusedBatchNormOp = op(
  {
    ...FLOAT_T,
    // V2 / V3's dtype of scale, offset, mean and variance (float32, as T).
    U: only('DT_FLOAT'),
    data_format: only('NHWC'),
    epsilon: number(),
    is_training: boolean(true),
    // The weight of the batch statistics in the moving ones: read only while training.
    exponential_avg_factor: ignored,
  },
  (n, ctx, a) => {
    if (a.is_training) ctx.refuse(n, 'is_training', true, 'is not supported (only false: nnc imports inference graphs, which normalize with the moving statistics)');
    const epsilon = a.epsilon ?? ctx.refuse(n, 'epsilon', undefined, 'must be stated (TensorFlow reads a missing epsilon as 0.0001, tfjs-converter as 0.001)');
    const [x, scale, offset, mean, variance] = [0, 1, 2, 3, 4].map((i) => ctx.operand(dataInputs(n)[i]));
    return ctx.b.op('batch_norm', [x!, mean!, variance!, scale!, offset!], { epsilon });
  },
);

/**
 * resize2d's coordinate transform and rounding for TensorFlow's (align_corners, half_pixel_centers),
 * as tfjs' kernels compute them: align_corners reads (in - 1) / (out - 1) and, for nearest, rounds
 * with Math.round; half_pixel_centers shifts by half a cell (nearest only after scaling). Both at
 * once TensorFlow refuses.
 */
function resizeModes(n: TfNode, ctx: TfContext, mode: 'nearest' | 'bilinear', alignCorners: boolean, halfPixel: boolean): { coordinateMode: string; nearestMode: string } {
  if (alignCorners && halfPixel) ctx.refuse(n, 'half_pixel_centers', true, 'is not supported with align_corners true (TensorFlow refuses the pair)');
  if (alignCorners) return { coordinateMode: 'align_corners', nearestMode: mode === 'nearest' ? 'round_prefer_ceil' : 'floor' };
  if (halfPixel) return { coordinateMode: mode === 'nearest' ? 'tf_half_pixel_for_nn' : 'half_pixel', nearestMode: 'floor' };
  return { coordinateMode: 'asymmetric', nearestMode: 'floor' };
}

/** ResizeNearestNeighbor / ResizeBilinear(images, size) with size an int32 constant [height, width]. */
const resize = (mode: 'nearest' | 'bilinear') =>
  op({ ...FLOAT_T, align_corners: boolean(false), half_pixel_centers: boolean(false) }, (n, ctx, a): Node => {
    const [xRef, sizeRef] = dataInputs(n);
    const x = ctx.operand(xRef);
    const size = constValues(n, ctx, sizeRef);
    if (size.length !== 2 || size.some((d) => d < 1)) ctx.refuseNode(n, `size must be [height, width] of positive integers, got [${size.join(', ')}]`);
    if (x.type.shape.length !== 4) ctx.refuseNode(n, `the images must be NHWC [batch, height, width, channels], got rank ${x.type.shape.length}`);
    return ctx.b.op('resize2d', [x], { size, mode, ...resizeModes(n, ctx, mode, a.align_corners, a.half_pixel_centers) });
  });

export const resizeNearestNeighborOp = resize('nearest');
export const resizeBilinearOp = resize('bilinear');
