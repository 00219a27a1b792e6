import type { Node } from '../../ir/graph.js';
import type { ActivationName } from '../../ir/activations.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import { kernelLayerConfig } from './kernel-config.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { checkActivation, lowerActivation } from './activation-lowering.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/** `activation(x · kernel + bias)` on the last axis, as Keras Dense. */
export class Dense extends Layer {
  readonly className = 'Dense';
  override readonly lastAxisOnly = true;
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: InitializerName;
  private readonly biasInitializer: InitializerName;

  constructor(args: DenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) this.fail('NNC1006', `units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const last = shape![shape!.length - 1];
    if (shape!.length < 2 || last === null || last === undefined)
      this.fail('NNC2003', `needs an input with a known last axis, got ${formatKerasShape(shape!)}`);
    return [...shape!.slice(0, -1), this.units];
  }

  protected override build([shape]: readonly Shape[]): void {
    const inUnits = shape![shape!.length - 1] as number;
    this.addWeight('kernel', [inUnits, this.units], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.units], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    let y = b.op('matmul', [inputs[0]!, weights[0]!]);
    if (this.useBias) y = b.op('add', [y, weights[1]!]);
    return lowerActivation(b, y, this.activation);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      units: this.units,
      ...kernelLayerConfig(this.activation, this.useBias),
    };
  }
}
