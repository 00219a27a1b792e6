import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';

/**
 * A grouped convolution (Keras' Conv2D `groups`, ONNX's `group`) as one IR conv per group,
 * concatenated along the channels: group j reads input channels [j·C/g, (j+1)·C/g) of the NHWC x
 * and the kernel's slice j along `kernelAxis` (the axis of the groups' output or input channels),
 * and yields output channels [j·O/g, (j+1)·O/g). One group is the conv itself.
 */
export function grouped(b: GraphBuilder, groups: number, x: Node, kernel: Node, kernelAxis: number, one: (x: Node, kernel: Node) => Node): Node {
  if (groups === 1) return one(x, kernel);
  const slice = (v: Node, axis: number, j: number) => {
    const size = (v.type.shape[axis] as number) / groups;
    return b.op('slice', [v], { axis, begin: j * size, size });
  };
  return b.op('concat', Array.from({ length: groups }, (_, j) => one(slice(x, 3, j), slice(kernel, kernelAxis, j))), { axis: 3 });
}
