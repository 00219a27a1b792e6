import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { RESIZE_ATTRS, forEachResizeTap, resizeGeometry } from './resize-geometry.js';

/**
 * resize2d's gradient: dy [n, oh, ow, c] scattered back to x's [n, size[0], size[1], c], each
 * output pixel adding weight · dy to every cell it read (tfjs' ResizeBilinearGrad /
 * ResizeNearestNeighborGrad). The attributes are the forward op's, with `size` x's.
 */
export const resize2dGrad: OpDef = {
  name: 'resize2d_grad',
  summary: "resize2d's adjoint: dy scattered back to x's size",
  arity: 1,
  attrs: RESIZE_ATTRS,
  traits: { rowLocal: true },
  inferType([dy], attrs) {
    const size = attrs.size as number[];
    if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`resize2d_grad size must be x's [height, width], got ${JSON.stringify(size)}`);
    if (dy!.shape.length !== 4 || dy!.shape.slice(1).some((d) => d === null)) throw new ShapeError(`resize2d_grad takes dy [batch, height, width, channels], got rank ${dy!.shape.length}`);
    const x = [dy!.shape[0]!, ...size, dy!.shape[3]!];
    // Checks the attributes as the forward resize of x to dy's spatial size would.
    resizeGeometry(x, dy!.shape.slice(1, 3) as number[], attrs, 'resize2d_grad');
    return { dtype: dy!.dtype, shape: x };
  },
  evaluate([dy], attrs, out) {
    const [batch, oh, ow, c] = dy!.shape as [number, number, number, number];
    const [h, w] = attrs.size as [number, number];
    const g = resizeGeometry([batch, h, w, c], [oh, ow], attrs, 'resize2d_grad');
    const dx = tensor([batch, h, w, c]);
    for (let n = 0; n < batch; n++) {
      const [inBase, outBase] = [n * h * w * c, n * oh * ow * c];
      forEachResizeTap(g, (o, i, weight) => {
        for (let ch = 0; ch < c; ch++) dx.data[inBase + i * c + ch]! += weight * dy!.data[outBase + o * c + ch]!;
      });
    }
    return tensor(out.shape.map((d, i) => d ?? dx.shape[i]!), dx.data);
  },
  gradient: (b, node, g) => [b.op('resize2d', [g], { ...node.attrs, size: node.inputs[0]!.type.shape.slice(1, 3) as number[] })],
};
