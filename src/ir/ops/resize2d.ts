import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { RESIZE_ATTRS, forEachResizeTap, resizeGeometry } from './resize-geometry.js';

/**
 * Resizes x [n, h, w, c] to [n, size[0], size[1], c] by nearest-neighbour or bilinear
 * interpolation, as tfjs' ResizeNearestNeighbor / ResizeBilinear (and ONNX Resize's modes of the
 * same names); Keras UpSampling2D is this with size = scale · (h, w), coordinateMode asymmetric.
 */
export const resize2d: OpDef = {
  name: 'resize2d',
  summary: 'NHWC nearest / bilinear resize to `size`, tfjs / ONNX coordinate modes',
  arity: 1,
  attrs: RESIZE_ATTRS,
  // Each image is resized on its own.
  traits: { rowLocal: true },
  inferType([x], attrs) {
    const g = resizeGeometry(x!.shape, attrs.size as number[], attrs, 'resize2d');
    return { dtype: x!.dtype, shape: [x!.shape[0]!, g.oh, g.ow, g.c] };
  },
  evaluate([x], attrs, out) {
    const g = resizeGeometry(x!.shape, attrs.size as number[], attrs, 'resize2d');
    const batch = x!.shape[0]!;
    const y = tensor([batch, g.oh, g.ow, g.c]);
    const acc = new Float64Array(g.oh * g.ow * g.c);
    for (let n = 0; n < batch; n++) {
      acc.fill(0);
      const image = n * g.h * g.w * g.c;
      // Summed in f64 and rounded once, as tfjs' cpu kernel computes its lerps.
      forEachResizeTap(g, (o, i, weight) => {
        for (let ch = 0; ch < g.c; ch++) acc[o * g.c + ch]! += weight * x!.data[image + i * g.c + ch]!;
      });
      y.data.set(acc, n * acc.length);
    }
    return tensor(out.shape.map((d, i) => d ?? y.shape[i]!), y.data);
  },
  // Linear in x: its adjoint scatters each output pixel back to the cells it read.
  gradient: (b, node, g) => [b.op('resize2d_grad', [g], { ...node.attrs, size: node.inputs[0]!.type.shape.slice(1, 3) as number[] })],
};
