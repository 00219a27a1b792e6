/**
 * Keras' GRU with reset_after=True (Keras 2's default), which tfjs-layers does not implement
 * (its GRUCell refuses reset_after): Keras' GRUCell.call written step by step with tfjs ops, so
 * nnc's resetAfter GRU has an oracle. Weights as Keras saves them: kernel [F, 3U],
 * recurrent_kernel [U, 3U], bias [2, 3U] (input row, recurrent row); gates z, r, h.
 */
import * as tf from '@tensorflow/tfjs';

type Activation = (x: tf.Tensor) => tf.Tensor;

const ACTIVATIONS: Record<string, Activation> = {
  linear: (x) => x,
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  relu: (x) => tf.relu(x),
  // Keras 2 / tfjs: clip(0.2 x + 0.5, 0, 1).
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
};

export interface GruResetAfterArgs {
  units: number;
  activation: string;
  recurrentActivation: string;
  useBias: boolean;
  returnSequences: boolean;
  /** Return [output, final h], as Keras' return_state. */
  returnState?: boolean;
  goBackwards: boolean;
  /** Only act while training; the twin predicts. */
  dropout?: number;
  recurrentDropout?: number;
  name: string;
}

export class TfjsGruResetAfter extends tf.layers.Layer {
  static className = 'GRU';
  private readonly config: GruResetAfterArgs;
  private readonly act: Activation;
  private readonly gate: Activation;

  constructor(args: GruResetAfterArgs) {
    super({ name: args.name });
    this.config = args;
    const pick = (name: string): Activation => {
      const f = ACTIVATIONS[name];
      if (!f) throw new Error(`tfjs GRU twin: no activation ${name}`);
      return f;
    };
    this.act = pick(args.activation);
    this.gate = pick(args.recurrentActivation);
  }

  override build(shape: tf.Shape | tf.Shape[]): void {
    const first = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
    const units = this.config.units;
    const zeros = tf.initializers.zeros();
    this.addWeight('kernel', [first[2]!, 3 * units], 'float32', zeros);
    this.addWeight('recurrent_kernel', [units, 3 * units], 'float32', zeros);
    if (this.config.useBias) this.addWeight('bias', [2, 3 * units], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const first = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
    const output = this.config.returnSequences ? [first[0]!, first[1]!, this.config.units] : [first[0]!, this.config.units];
    return this.config.returnState ? [output, [first[0]!, this.config.units]] : output;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[0]!;
      const [batch, steps] = x.shape as number[];
      const units = this.config.units;
      const [kernel, recurrent, bias] = this.getWeights();
      const [inputBias, recurrentBias] = bias ? tf.unstack(bias) : [undefined, undefined];
      let h: tf.Tensor = list[1] ?? tf.zeros([batch!, units]);
      const outputs: tf.Tensor[] = [];
      for (let s = 0; s < steps!; s++) {
        const t = this.config.goBackwards ? steps! - 1 - s : s;
        const xt = tf.squeeze(tf.slice(x, [0, t, 0], [-1, 1, -1]), [1]);
        let matrixX = tf.matMul(xt, kernel!);
        if (inputBias) matrixX = tf.add(matrixX, inputBias);
        let matrixInner = tf.matMul(h, recurrent!);
        if (recurrentBias) matrixInner = tf.add(matrixInner, recurrentBias);
        const [xz, xr, xh] = tf.split(matrixX, 3, 1);
        const [rz, rr, rh] = tf.split(matrixInner, 3, 1);
        const z = this.gate(tf.add(xz!, rz!));
        const r = this.gate(tf.add(xr!, rr!));
        const hh = this.act(tf.add(xh!, tf.mul(r, rh!)));
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
        outputs.push(h);
      }
      const output = this.config.returnSequences ? tf.stack(outputs, 1) : h;
      return this.config.returnState ? [output, h] : output;
    });
  }
}
