import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import type { LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { shapeThroughChannelsLast } from './data-format.js';

export interface Conv2DTransposeArgs extends Conv2DArgs {
  /** Keras' output_padding; tfjs-layers has none, and nnc refuses any but the default (null). */
  outputPadding?: null;
}

/**
 * The spatial size a transposed convolution produces (tfjs-layers' deconvLength, Keras'
 * deconv_output_length without output_padding): the size whose conv2d has `size` outputs.
 */
export function deconvLength(size: number, stride: number, kernel: number, padding: 'valid' | 'same'): number {
  return padding === 'valid' ? size * stride + Math.max(kernel - stride, 0) : size * stride;
}

/**
 * `activation(conv2dTranspose(x, kernel) + bias)`, as Keras / tfjs-layers Conv2DTranspose: the
 * input gradient of a conv2d with this kernel, so it lowers to `conv2d_grad_input` with the
 * output size stated. The kernel is [kh, kw, filters, inChannels], Keras' layout, in both data
 * formats; channelsFirst computes between transposes, as Conv2D.
 */
export class Conv2DTranspose extends Conv2D {
  override readonly className: string = 'Conv2DTranspose';

  constructor(args: Conv2DTransposeArgs) {
    super(args);
    // tfjs-layers ignores dilationRate here (Keras dilates); refusing it keeps both answers equal.
    if (this.dilationRate.some((d) => d !== 1)) this.fail('NNC1006', `dilationRate ${JSON.stringify(this.dilationRate)} is not supported by Conv2DTranspose`, 'tfjs-layers computes Conv2DTranspose without dilation: use dilationRate 1.');
    if (args.outputPadding !== undefined && args.outputPadding !== null)
      this.fail('NNC1006', `outputPadding ${JSON.stringify(args.outputPadding)} is not supported`, 'tfjs-layers has no outputPadding: leave it unset (null), as Keras does by default.');
  }

  override computeOutputShape([shape]: readonly Shape[]): Shape {
    this.checkImage(shape!);
    return shapeThroughChannelsLast(shape!, this.dataFormat, (nhwc) => this.nhwcOutputShape(nhwc));
  }

  /** The output [batch, height, width, filters] of a channels-last input. */
  private nhwcOutputShape([n, h, w]: Shape): Shape {
    return [n!, deconvLength(h!, this.strides[0], this.kernelSize[0], this.padding), deconvLength(w!, this.strides[1], this.kernelSize[1], this.padding), this.filters];
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
    return { ...super.getConfig(), output_padding: null };
  }
}
