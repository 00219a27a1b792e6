import { pooling2dOp } from './pool-helpers.js';

/** The mean of each pooling window's real cells, per channel (channels-last x: [N, H, W, C]). */
export const avgPool2d = pooling2dOp(
  'avg_pool2d',
  'mean over each `pool` window of x [N,H,W,C] moved by `strides`, padded cells not counted',
  'avg',
  (data, cells, C, c) => {
    // Summed in float64 and divided once, as tfjs' cpu kernel does.
    let sum = 0;
    for (const cell of cells) sum += data[cell * C + c]!;
    return sum / cells.length;
  },
  (b, node, g) => [b.op('avg_pool2d_grad', [g, node.inputs[0]!], node.attrs)],
);
