import type { Node } from '../../ir/graph.js';
import { convGeometry } from '../../ir/ops/conv2d-geometry.js';
import type { Shape } from '../../ir/types.js';
import type { LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { shapeThroughChannelsLast } from './data-format.js';

export interface Conv2DTransposeArgs extends Conv2DArgs {
  /**
   * Keras' output_padding: cells added after the result along height and width, each less than
   * its stride (null, the default: the size deconvLength gives). tfjs-layers has none.
   */
  outputPadding?: number | readonly [number, number] | null;
}

/**
 * The spatial size a transposed convolution produces (tfjs-layers' deconvLength, Keras'
 * deconv_output_length): without output_padding the size whose conv2d has `size` outputs;
 * with it, Keras' (size − 1) · stride + kernel − 2 · pad + output_padding, pad being kernel // 2
 * for 'same' and 0 for 'valid'.
 */
export function deconvLength(size: number, stride: number, kernel: number, padding: 'valid' | 'same', outputPadding?: number): number {
  if (outputPadding !== undefined) return (size - 1) * stride + kernel - 2 * (padding === 'same' ? Math.floor(kernel / 2) : 0) + outputPadding;
  return padding === 'valid' ? size * stride + Math.max(kernel - stride, 0) : size * stride;
}

/**
 * `activation(conv2dTranspose(x, kernel) + bias)`, as Keras / tfjs-layers Conv2DTranspose: the
 * input gradient of a conv2d with this kernel, so it lowers to `conv2d_grad_input` with the
 * output size stated (with Keras' outputPadding, the size Keras computes: TensorFlow's
 * conv2d_transpose to that shape). The kernel is [kh, kw, filters, inChannels], Keras' layout,
 * in both data formats; channelsFirst computes between transposes, as Conv2D.
 */
export class Conv2DTranspose extends Conv2D {
  override readonly className: string = 'Conv2DTranspose';
  /** Keras' output_padding per axis, or undefined (null: the size deconvLength gives). */
  readonly outputPadding: [number, number] | undefined;

  constructor(args: Conv2DTransposeArgs) {
    super(args);
    // tfjs-layers ignores dilationRate here (Keras dilates); refusing it keeps both answers equal.
    if (this.dilationRate.some((d) => d !== 1)) this.fail('NNC1006', `dilationRate ${JSON.stringify(this.dilationRate)} is not supported by Conv2DTranspose`, 'tfjs-layers computes Conv2DTranspose without dilation: use dilationRate 1.');
    if (this.groups !== 1) this.fail('NNC1006', `groups ${this.groups} is not supported by Conv2DTranspose`, 'Keras computes Conv2DTranspose with groups 1 only.');
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? undefined : this.outputPaddingPair(args.outputPadding);
  }

  private outputPaddingPair(value: number | readonly [number, number]): [number, number] {
    const pair = typeof value === 'number' ? [value, value] : Array.isArray(value) ? [...(value as number[])] : [];
    if (pair.length !== 2 || pair.some((p, i) => !Number.isInteger(p) || p < 0 || p >= this.strides[i]!))
      this.fail('NNC1006', `outputPadding ${JSON.stringify(value)} must be a non-negative integer or a pair of them, each less than its stride ${JSON.stringify(this.strides)}`, 'As Keras: output_padding adds cells after the result, fewer than the stride.');
    return pair as [number, number];
  }

  override computeOutputShape([shape]: readonly Shape[]): Shape {
    this.checkImage(shape!);
    return shapeThroughChannelsLast(shape!, this.dataFormat, (nhwc) => this.nhwcOutputShape(nhwc));
  }

  /**
   * The output [batch, height, width, filters] of a channels-last input. With output_padding the
   * conv2d over that size must have the input's size again (as TensorFlow checks: a 'same' kernel
   * of even size with output_padding 0 has one fewer).
   */
  private nhwcOutputShape([n, h, w, c]: Shape): Shape {
    const size = [h!, w!].map((d, i) => deconvLength(d, this.strides[i]!, this.kernelSize[i]!, this.padding, this.outputPadding?.[i]));
    if (this.outputPadding) {
      // No ShapeError here: a 'valid' size is at least the kernel's, and 'same' takes any size (0 has 0 cells, refused below).
      const g = convGeometry([n!, size[0]!, size[1]!, c!], this.kernelSize[0], this.kernelSize[1], this.convAttrs);
      const reads = [g.oh, g.ow];
      if (reads[0] !== h || reads[1] !== w)
        this.fail('NNC2003', `outputPadding ${JSON.stringify(this.outputPadding)} gives an output [${size.join(', ')}] whose ${this.padding} conv has [${reads.join(', ')}] cells, not the input's [${h}, ${w}]`, "Keras computes this as TensorFlow's conv2d_transpose, which refuses it too: change outputPadding or padding.");
    }
    return [n!, size[0]!, size[1]!, this.filters];
  }

  protected override build([shape]: readonly Shape[]): void {
    this.addWeight('kernel', [...this.kernelSize, this.filters, this.inChannels(shape!)], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  override lower({ b, inputs, weights }: LowerContext): Node {
    return this.throughChannelsLast(b, inputs[0]!, (x) => {
      const [, h, w] = this.nhwcOutputShape(x.type.shape) as number[];
      let y = b.op('conv2d_grad_input', [x, weights[0]!], { ...this.convAttrs, size: [h!, w!] });
      if (this.useBias) y = b.op('add', [y, weights[1]!]);
      return lowerActivation(b, y, this.activation);
    });
  }

  // Keras writes output_padding and dilation_rate; tfjs-layers leaves dilation_rate out.
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), output_padding: this.outputPadding ?? null };
  }
}
