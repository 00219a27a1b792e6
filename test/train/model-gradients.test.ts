/**
 * Whole-model gradients (the chain rule across layers, fan-out summed at shared layers and skip
 * connections) for every fixture model, against tfjs's tf.variableGrads on the same model with
 * the same weights. Loss: Σ over outputs of mean((y - t)²) for fixed random targets t.
 * Tolerance: |Δ| ≤ 1e-4 · max(1e-3, max |g|) per weight tensor (float32 sums in another order).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { Random } from '../../src/frontend/random.js';
import { copyInto, GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { concreteShape } from '../../src/ir/types.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';

const BATCH = 3;

describe('model gradients vs tf.variableGrads', () => {
  beforeAll(() => tfjsReady());

  for (const fixture of FIXTURES) {
    it(fixture.name, () => {
      const { model } = loadModelFile(fixture.path, { typeCheck: false });
      const graph = model.toGraph();
      const rng = new Random(5);
      const targets = graph.outputs.map((o) => Float32Array.from({ length: concreteShape(o.node.type.shape, BATCH).reduce((a, d) => a * d, 1) }, () => rng.uniform(-1, 1)));

      // nnc: the model, then the loss, then the gradient graph.
      const b = new GraphBuilder();
      const map = copyInto(b, graph);
      const target = (i: number) => b.input(`target_${i}`, graph.outputs[i]!.node.type);
      const terms = graph.outputs.map((o, i) =>
        b.op('reduce_mean', [b.op('elementwise', [map.get(o.node)!, target(i)], { expr: 'mul(sub($0,$1),sub($0,$1))' })]),
      );
      b.output('loss', terms.reduce((acc, t) => b.op('add', [acc, t])));
      const names = graph.weightNodes.map((w) => w.name!);
      const { tensors, flat } = randomInputs(graph, BATCH);
      const feeds = { ...tensors };
      graph.outputs.forEach((o, i) => (feeds[`target_${i}`] = { shape: concreteShape(o.node.type.shape, BATCH), data: targets[i]! }));
      const ours = interpret(gradientGraph(b.build(), 'loss', names), feeds);

      // tfjs: the twin, the same loss, variableGrads.
      const twin = buildTfjsTwin(model);
      const xs = model.inputs.map((t) => tf.tensor(flat[t.layer.name]!, [BATCH, ...(t.shape.slice(1) as number[])]));
      const vars = twin.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const ys = twin.apply(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
        const list = Array.isArray(ys) ? ys : [ys];
        return list.map((y, i) => tf.mean(tf.square(tf.sub(y, tf.tensor(targets[i]!, y.shape))))).reduce((a, c) => tf.add(a, c)) as tf.Scalar;
      }, vars);
      expect(Math.abs(ours.loss!.data[0]! - value.dataSync()[0]!)).toBeLessThan(1e-5);
      expect(twin.trainableWeights.map((w) => w.originalName).sort()).toEqual([...names].sort());
      twin.trainableWeights.forEach((w, i) => {
        const theirs = grads[vars[i]!.name]!.dataSync();
        const mine = ours[`grad:${w.originalName}`]!.data;
        const scale = Math.max(1e-3, ...Array.from(theirs, Math.abs));
        let worst = 0;
        for (let k = 0; k < mine.length; k++) worst = Math.max(worst, Math.abs(mine[k]! - theirs[k]!));
        expect(worst, w.originalName).toBeLessThanOrEqual(1e-4 * scale);
      });
      twin.dispose();
    });
  }
});
