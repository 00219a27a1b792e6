import { firstMax, pooling2dOp } from './pool-helpers.js';

/** The largest value of each pooling window, per channel (channels-last x: [N, H, W, C]). */
export const maxPool2d = pooling2dOp(
  'max_pool2d',
  'max over each `pool` window of x [N,H,W,C] moved by `strides` (`padding` valid or same)',
  'max',
  (data, cells, C, c) => data[cells[firstMax(data, cells, C, c)]! * C + c]!,
  // The whole gradient goes to the first maximum of each window (TF's MaxPoolGrad).
  (b, node, g) => [b.op('max_pool2d_grad', [node.inputs[0]!, g], node.attrs)],
);
