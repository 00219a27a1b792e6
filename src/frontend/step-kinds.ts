import { NncError } from '../errors.js';
import { hasUnknownSteps, type LayerCall, type SymbolicTensor } from './layer.js';

/**
 * What a tensor of a model with a sequence of unknown length is, in the time loop that runs it
 * (time-loop.ts): one step of a sequence (`step`), a value known only after the last step (a
 * recurrent layer's final output or states: `final`), or the same at every step (`static`).
 */
export type StepKind = 'static' | 'step' | 'final';

const HINT =
  'nnc runs a model whose sequence length is unknown as ONE loop over its steps. Compile an encoder and a decoder as two models (as the Keras seq2seq example does for inference), or give the sequences a fixed number of steps.';

/**
 * The kind of every tensor, for calls in topological order; refuses what one loop cannot run:
 * a layer reading a step of a sequence together with a value known only after the loop (a
 * decoder started from an encoder's final states: a second loop).
 */
export function stepKinds(inputs: readonly SymbolicTensor[], calls: readonly LayerCall[]): Map<SymbolicTensor, StepKind> {
  const kinds = new Map<SymbolicTensor, StepKind>();
  for (const t of inputs) kinds.set(t, hasUnknownSteps(t.shape) ? 'step' : 'static');
  for (const call of calls) {
    const operands = call.inputs.map((t) => kinds.get(t) ?? 'static');
    const stepped = operands.includes('step');
    const finalAt = operands.indexOf('final');
    if (stepped && finalAt >= 0) {
      const from = call.inputs[finalAt]!.layer.name;
      throw new NncError('NNC1006', `reads a sequence of unknown length step by step together with a value that exists only after a loop over a sequence ('${from}')`, {
        location: { layer: call.layer.name },
        hint: HINT,
      });
    }
    // A recurrent layer reading a sequence step by step: its returned sequence is one step, its
    // final output and states exist after the last. Any other layer reading a step (one that
    // reads step by step, as applyAll checked) makes a step.
    const carries = operands[0] === 'step' && call.layer.carriedStates().length > 0;
    const kind = (t: SymbolicTensor): StepKind =>
      carries ? (hasUnknownSteps(t.shape) ? 'step' : 'final') : stepped ? 'step' : finalAt >= 0 ? 'final' : 'static';
    for (const t of call.outputs) kinds.set(t, kind(t));
  }
  return kinds;
}
