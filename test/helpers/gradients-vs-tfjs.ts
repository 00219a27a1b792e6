/**
 * Training checks shared by the layer families: the gradient of a mean-squared-error loss with
 * respect to every weight, from the reference interpreter and the wasm training executor, against
 * tfjs's tf.variableGrads on the twin model with the same weights (|Δ| ≤ tolerance ·
 * max(1e-3, max |g|) per weight tensor), then one SGD step's new weights against w − lr · g from
 * tfjs; and central finite differences for what tfjs cannot differentiate.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { copyInto, GraphBuilder } from '../../src/ir/builder.js';
import { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { concreteShape } from '../../src/ir/types.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { randomInputs } from './random-inputs.js';
import { buildTfjsTwin, tfjsReady } from './tfjs-twin.js';

/** The model's graph followed by Σ over outputs of mean((y − t)²), targets as inputs `target_i`. */
export function lossGraph(graph: Graph): Graph {
  const b = new GraphBuilder();
  const map = copyInto(b, graph);
  const terms = graph.outputs.map((o, i) =>
    b.op('reduce_mean', [b.op('elementwise', [map.get(o.node)!, b.input(`target_${i}`, o.node.type)], { expr: 'mul(sub($0,$1),sub($0,$1))' })]),
  );
  b.output('loss', terms.reduce((acc, t) => b.op('add', [acc, t])));
  return b.build();
}

function worstOf(mine: ArrayLike<number>, theirs: ArrayLike<number>): number {
  expect(mine.length).toBe(theirs.length);
  let worst = 0;
  for (let k = 0; k < mine.length; k++) worst = Math.max(worst, Math.abs(mine[k]! - theirs[k]!));
  return worst;
}

/** Interpreter and wasm gradients of every weight, and an SGD step (lr 0.1), against tfjs. Call after tfjsReady() and loadWasmBackend(). */
export function expectGradientsMatchTfjs(m: LayersModel, batch: number, tolerance: number): void {
  const graph = m.toGraph();
  const rng = new Random(11);
  const targets = graph.outputs.map((o) => Float32Array.from({ length: concreteShape(o.node.type.shape, batch).reduce((a, d) => a * d, 1) }, () => rng.uniform(-1, 1)));
  const names = graph.weightNodes.map((w) => w.name!);
  const grads = gradientGraph(lossGraph(graph), 'loss', names);
  const { tensors, flat } = randomInputs(graph, batch);
  const feeds = { ...tensors };
  graph.outputs.forEach((o, i) => (feeds[`target_${i}`] = tensor(concreteShape(o.node.type.shape, batch), targets[i]!)));
  const ours = { interpreter: interpret(grads, feeds), wasm: wasmExecutor(grads).run(feeds) };

  const twin = buildTfjsTwin(m);
  try {
    const xs = m.inputs.map((t) => tf.tensor(flat[t.layer.name]!, [batch, ...(t.shape.slice(1) as number[])]));
    const vars = twin.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads: theirs } = tf.variableGrads(() => {
      const ys = twin.apply(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(ys) ? ys : [ys];
      return list.map((y, i) => tf.mean(tf.square(tf.sub(y, tf.tensor(targets[i]!, y.shape))))).reduce((a, c) => tf.add(a, c)) as tf.Scalar;
    }, vars);
    expect(twin.trainableWeights.map((w) => w.originalName).sort()).toEqual([...names].sort());
    for (const [backend, out] of Object.entries(ours)) {
      expect(Math.abs(out.loss!.data[0]! - value.dataSync()[0]!), `${backend} loss`).toBeLessThan(tolerance);
      twin.trainableWeights.forEach((w, i) => {
        const g = theirs[vars[i]!.name]!.dataSync();
        const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
        expect(worstOf(out[`grad:${w.originalName}`]!.data, g), `${backend} grad of ${w.originalName}`).toBeLessThanOrEqual(tolerance * scale);
      });
    }

    // One SGD step (lr 0.1) in tfjs; nnc's step is w - lr * g with the gradients above.
    const before = twin.trainableWeights.map((w) => w.read().dataSync().slice());
    tf.train.sgd(0.1).applyGradients(theirs);
    twin.trainableWeights.forEach((w, i) => {
      const stepped = Float32Array.from(before[i]!, (v, k) => v - 0.1 * ours.wasm[`grad:${w.originalName}`]!.data[k]!);
      expect(worstOf(stepped, w.read().dataSync()), `SGD step of ${w.originalName}`).toBeLessThanOrEqual(tolerance);
    });
    tf.dispose([...xs, value, ...Object.values(theirs)]);
  } finally {
    twin.dispose();
  }
}

/** One describe block per case (titled `$name: gradients vs tf.variableGrads`) running expectGradientsMatchTfjs. */
export function describeGradientsVsTfjs(cases: readonly { name: string; make: () => LayersModel }[], batch: number, tolerance: number): void {
  describe.each(cases)('$name: gradients vs tf.variableGrads', ({ make }) => {
    beforeAll(async () => {
      await tfjsReady();
      await loadWasmBackend();
    });

    it('interpreter and wasm gradients of every weight, and an SGD step, equal tfjs', () => {
      expectGradientsMatchTfjs(make(), batch, tolerance);
    });
  });
}

/**
 * The interpreter's gradient of every weight against central finite differences of the loss
 * (step 1e-3, |Δ| ≤ tolerance · max(1, |g|)) at batch 2, every `stride`-th element.
 */
export function expectGradientsMatchFiniteDifferences(m: LayersModel, tolerance: number, stride = 1): void {
  const graph = lossGraph(m.toGraph());
  const names = graph.weightNodes.map((w) => w.name!);
  const rng = new Random(3);
  const feeds = { ...randomInputs(graph, 2).tensors };
  for (const target of graph.inputs.filter((n) => n.name!.startsWith('target_')))
    feeds[target.name!] = tensor(concreteShape(target.type.shape, 2), Float32Array.from({ length: concreteShape(target.type.shape, 2).reduce((a, d) => a * d, 1) }, () => rng.uniform(-1, 1)));
  const grads = interpret(gradientGraph(graph, 'loss', names), feeds);
  const lossWith = (name: string, data: Float32Array) => interpret(new Graph(graph.nodes, graph.outputs, new Map([...graph.weights, [name, data]])), feeds).loss!.data[0]!;
  for (const name of names) {
    const w = graph.weights.get(name)! as Float32Array;
    const g = grads[`grad:${name}`]!.data;
    expect(g.length).toBe(w.length);
    for (let j = 0; j < w.length; j += stride) {
      const [plus, minus] = [w.slice(), w.slice()];
      plus[j] = plus[j]! + 1e-3;
      minus[j] = minus[j]! - 1e-3;
      const fd = (lossWith(name, plus) - lossWith(name, minus)) / 2e-3;
      expect(Math.abs(g[j]! - fd), `${name}[${j}]`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(g[j]!)));
    }
  }
}
