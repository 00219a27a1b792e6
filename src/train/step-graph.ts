/**
 * The training step as ONE IR graph: forward pass, loss, metrics, backward pass and optimizer
 * update. Trainable weights, optimizer slots and layer state (batch norm's moving statistics, the
 * state operands of an op's training form) are step inputs and their new values are step
 * outputs, so an executor runs a whole step per call with no per-op dispatch by the caller.
 *
 *   inputs:  <model inputs>, label:<output>, param:<w>, <slot>:<w>, state:<w>, opt:<scalar>, dropout_seed
 *   outputs: loss, metric:<log name>, param:<w>, <slot>:<w>, state:<w>
 *
 * `loss` is the weighted sum of the outputs' losses; the `metric:` outputs are the other logged
 * values in Keras' order (each output's own loss when there are several, then the metrics).
 *
 * Ops that compute differently while training (dropout, batch norm) declare a `training` form in
 * the registry; the step lowers them through it. The evaluation graph is the same forward pass in
 * inference form (reading the current state), loss and metrics, without the update.
 */
import { NncError } from '../errors.js';
import { copyInto, GraphBuilder } from '../ir/builder.js';
import { eliminateDeadCode } from '../passes/dce.js';
import type { Graph, Node } from '../ir/graph.js';
import { opRegistry } from '../ir/ops/index.js';
import type { TrainingContext } from '../ir/registry.js';
import { tensorType, type TensorType } from '../ir/types.js';
import { appendGradients } from './autodiff.js';
import { logNames, type TrainingSpec } from './compile-spec.js';
import { labelType, lossNode } from './losses.js';
import { metricNode } from './metrics.js';
import type { Optimizer } from './optimizers.js';

export interface ParamInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface StepGraphs {
  readonly train: Graph;
  readonly evaluate: Graph;
  /** Trainable parameters, in step-input order. */
  readonly params: readonly ParamInfo[];
  readonly labelInputs: readonly { readonly name: string; readonly type: TensorType }[];
  /** Weights the step updates by the ops' own rules (not the optimizer), in step-input order. */
  readonly state: readonly ParamInfo[];
  /** Whether the step takes a `dropout_seed` input. */
  readonly usesDropout: boolean;
}

export const paramInput = (w: string) => `param:${w}`;
export const slotInput = (slot: string, w: string) => `${slot}:${w}`;
export const labelInput = (output: string) => `label:${output}`;
export const scalarInput = (name: string) => `opt:${name}`;
export const stateInput = (w: string) => `state:${w}`;
export const DROPOUT_SEED = 'dropout_seed';

interface Lowered {
  b: GraphBuilder;
  params: Node[];
  loss: Node;
  /** The logged values after the loss, in `logNames` order. */
  metrics: Node[];
  labels: Node[];
  /** New value of each state weight (train form only), by weight name. */
  stateUpdates: Map<string, Node>;
  usesDropout: boolean;
}

/**
 * The weights some op's training form updates (its state operands), in graph order. Each must be
 * a weight and be updated by one node only: two updates of one state in a step have no order.
 */
export function stateWeights(model: Graph): Node[] {
  const owner = new Map<Node, Node>();
  for (const n of model.nodes) {
    for (const i of opRegistry.get(n.op)?.training?.stateOperands?.(n) ?? []) {
      const w = n.inputs[i]!;
      const at = { node: n.name ?? n.op };
      if (w.op !== 'weight') throw new NncError('NNC5005', `${n.op} updates operand ${i} while training, which must be a weight, got ${w.op}`, { location: at });
      if (owner.has(w) && owner.get(w) !== n)
        throw new NncError('NNC5005', `weight '${w.name}' is state updated by two nodes in one training step`, {
          location: at,
          hint: 'Apply a layer with moving statistics (BatchNormalization) once per model.',
        });
      owner.set(w, n);
    }
  }
  return model.nodes.filter((n) => owner.has(n));
}

/** Forward pass (weights as inputs where trainable), labels, total loss and metrics. */
function lowerForward(model: Graph, trainable: ReadonlySet<string>, spec: TrainingSpec, training: boolean): Lowered {
  const b = new GraphBuilder();
  const params: Node[] = [];
  const state = new Set(stateWeights(model));
  const stateUpdates = new Map<string, Node>();
  let seed: Node | undefined;
  const ctx: TrainingContext = { b, seed: () => (seed ??= b.input(DROPOUT_SEED, tensorType([]))) };
  const map = copyInto(b, model, (n, inputs) => {
    if (state.has(n)) return b.input(stateInput(n.name!), n.type);
    if (n.op === 'weight' && trainable.has(n.name!)) {
      const p = b.input(paramInput(n.name!), n.type);
      params.push(p);
      return p;
    }
    const form = training ? opRegistry.get(n.op)?.training : undefined;
    if (!form) return undefined;
    const lowered = form.lower(ctx, n, inputs);
    (form.stateOperands?.(n) ?? []).forEach((k, j) => stateUpdates.set(n.inputs[k]!.name!, lowered.state![j]!));
    return lowered.value;
  });
  let loss: Node | undefined;
  const outputLosses: Node[] = [];
  const metrics: Node[] = [];
  const labelNodes: Node[] = [];
  spec.outputs.forEach((o, i) => {
    const out = model.outputs[i]!;
    const pred = map.get(out.node)!;
    const labels = b.input(labelInput(out.name), labelType(o.loss, pred.type));
    labelNodes.push(labels);
    const l = lossNode(b, o.loss, pred, labels);
    if (o.lossLog) outputLosses.push(l);
    const weighted = o.weight === 1 ? l : b.op('elementwise', [l], { expr: `mul($0,${o.weight})` });
    loss = loss ? b.op('add', [loss, weighted]) : weighted;
    for (const m of o.metrics) metrics.push(metricNode(b, m, o.loss, pred, labels));
  });
  metrics.unshift(...outputLosses);
  return { b, params, loss: loss!, metrics, labels: labelNodes, stateUpdates, usesDropout: seed !== undefined };
}

export function buildStepGraphs(model: Graph, trainable: ReadonlySet<string>, spec: TrainingSpec, optimizer: Optimizer): StepGraphs {
  const t = lowerForward(model, trainable, spec, true);
  const { b } = t;
  const grads = appendGradients(b, t.loss, t.params);
  const scalars = optimizer.scalars.map((s) => b.input(scalarInput(s), tensorType([])));
  b.output('loss', t.loss);
  logNames(spec).forEach((name, i) => b.output(`metric:${name}`, t.metrics[i]!));
  t.params.forEach((p, i) => {
    const w = p.name!.slice('param:'.length);
    const slots = optimizer.slots.map((s) => b.input(slotInput(s, w), p.type));
    b.currentLayer = w.split('/')[0];
    const upd = optimizer.update(b, p, grads[i]!, slots, scalars);
    b.output(paramInput(w), upd.weight);
    optimizer.slots.forEach((s, k) => b.output(slotInput(s, w), upd.slots[k]!));
  });
  for (const [w, value] of t.stateUpdates) {
    b.currentLayer = w.split('/')[0];
    b.output(stateInput(w), value);
  }
  b.currentLayer = undefined;

  const e = lowerForward(model, trainable, spec, false);
  e.b.output('loss', e.loss);
  logNames(spec).forEach((name, i) => e.b.output(`metric:${name}`, e.metrics[i]!));

  return {
    train: eliminateDeadCode(b.build()),
    evaluate: eliminateDeadCode(e.b.build()),
    params: t.params.map((p) => ({ name: p.name!.slice('param:'.length), shape: p.type.shape as number[] })),
    labelInputs: t.labels.map((n) => ({ name: n.name!, type: n.type })),
    state: stateWeights(model).map((n) => ({ name: n.name!, shape: n.type.shape as number[] })),
    usesDropout: t.usesDropout,
  };
}
