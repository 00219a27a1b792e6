import { NncError } from '../errors.js';
import type { Graph } from './graph.js';
import { interpret, type TensorMap } from './interpreter.js';
import { dataOf, dtypeOfData, type Tensor } from './tensor.js';

/**
 * A graph that computes ONE step of a sequence of unknown length: the host (the bundle's
 * predict, `runTimeLoop` for the interpreter) runs it once per step. Names refer to the graph's
 * inputs and outputs.
 *
 * - `sequences`: inputs that hold one step of a sequence ([batch, 1, ...]); step t of the
 *   caller's [batch, steps, ...] goes there.
 * - `carries`: the loop's states. Each is an input and an output of the same name: step t reads
 *   the input, writes the output, and the output becomes the input of step t + 1. Before the
 *   first step a state is zero, or (`initial`) the value of that output in a first run of the
 *   graph with zero states (an initial state computed from inputs without a step axis).
 * - `perStep`: outputs of one step ([batch, 1, ...]), stacked along axis 1 into [batch, steps, ...].
 * - `reversed`: inputs that hold one step of a sequence read from its end (a backward recurrent
 *   layer's): step t gets step steps − 1 − t of the sequence input `of`.
 *
 * Every other output is read after the last step (a recurrent layer's final output, say), and
 * every input that is not a sequence or a state holds the same value at every step.
 */
export interface TimeLoop {
  readonly sequences: readonly string[];
  readonly carries: readonly { readonly name: string; readonly initial?: string }[];
  readonly perStep: readonly string[];
  readonly reversed: readonly { readonly name: string; readonly of: string }[];
}

/** Outputs the host reads for the loop itself (states, their initial values), hidden from callers. */
export function loopOnlyOutputs(loop: TimeLoop): Set<string> {
  return new Set(loop.carries.flatMap((c) => (c.initial === undefined ? [c.name] : [c.name, c.initial])));
}

/** Inputs the host fills for the loop itself (the states, the sequences read from their end), hidden from callers. */
export function loopOnlyInputs(loop: TimeLoop): Set<string> {
  return new Set([...loop.carries.map((c) => c.name), ...loop.reversed.map((r) => r.name)]);
}

/** The IR text lines of a loop (after the outputs); `parseLoopLine` reads each back. */
export function printLoop(loop: TimeLoop): string[] {
  return [
    ...loop.sequences.map((s) => `loop sequence ${JSON.stringify(s)}`),
    ...loop.carries.map((c) => `loop carry ${JSON.stringify(c.name)}${c.initial === undefined ? '' : ` from ${JSON.stringify(c.initial)}`}`),
    ...loop.perStep.map((s) => `loop per_step ${JSON.stringify(s)}`),
    ...loop.reversed.map((r) => `loop reversed ${JSON.stringify(r.name)} of ${JSON.stringify(r.of)}`),
  ];
}

const NAME = String.raw`("(?:[^"\\]|\\.)*")`;
const LOOP_LINE = new RegExp(String.raw`^loop\s+(sequence|carry|per_step|reversed)\s+${NAME}(?:\s+(from|of)\s+${NAME})?$`);

/** A TimeLoop being read line by line. */
export interface LoopLines {
  sequences: string[];
  carries: { name: string; initial?: string }[];
  perStep: string[];
  reversed: { name: string; of: string }[];
}

/** Adds one `loop ...` line to `loop`; false when the line is not a well-formed loop line. */
export function parseLoopLine(line: string, loop: LoopLines): boolean {
  const m = LOOP_LINE.exec(line);
  const [kind, quoted, word, other] = m ? [m[1], m[2]!, m[3], m[4]] : [];
  const allowed = kind === 'carry' ? word === undefined || word === 'from' : kind === 'reversed' ? word === 'of' : word === undefined;
  if (!m || !allowed) return false;
  const name = JSON.parse(quoted!) as string;
  if (kind === 'sequence') loop.sequences.push(name);
  else if (kind === 'per_step') loop.perStep.push(name);
  else if (kind === 'reversed') loop.reversed.push({ name, of: JSON.parse(other!) as string });
  else loop.carries.push({ name, ...(other ? { initial: JSON.parse(other) as string } : {}) });
  return true;
}

/** What is wrong with a graph's loop (names that are not its inputs and outputs, shapes without the one step), if anything. */
export function loopProblems(graph: Graph, loop: TimeLoop): string[] {
  const inputs = new Map(graph.inputs.map((n) => [n.name!, n]));
  const outputs = new Map(graph.outputs.map((o) => [o.name, o.node]));
  const problems: string[] = [];
  const oneStep = (shape: readonly (number | null)[]) => shape.length >= 2 && shape[0] === null && shape[1] === 1;
  for (const s of loop.sequences) {
    const n = inputs.get(s);
    if (!n) problems.push(`loop sequence '${s}' is not an input`);
    else if (!oneStep(n.type.shape)) problems.push(`loop sequence '${s}' must have shape [?,1,...]`);
  }
  for (const s of loop.perStep) {
    const n = outputs.get(s);
    if (!n) problems.push(`loop per_step '${s}' is not an output`);
    else if (!oneStep(n.type.shape)) problems.push(`loop per_step '${s}' must have shape [?,1,...]`);
  }
  for (const c of loop.carries) {
    const i = inputs.get(c.name);
    const o = outputs.get(c.name);
    if (!i || !o) problems.push(`loop carry '${c.name}' must be an input and an output`);
    else if (i.type.dtype !== o.type.dtype || i.type.shape.join() !== o.type.shape.join()) problems.push(`loop carry '${c.name}': input and output types differ`);
    const init = c.initial === undefined ? undefined : outputs.get(c.initial);
    if (c.initial !== undefined && (!init || !i || init.type.shape.join() !== i.type.shape.join())) problems.push(`loop carry '${c.name}': initial '${c.initial}' is not an output of its type`);
  }
  for (const r of loop.reversed) {
    const n = inputs.get(r.name);
    if (!n || !oneStep(n.type.shape)) problems.push(`loop reversed '${r.name}' must be an input of shape [?,1,...]`);
    else if (!loop.sequences.includes(r.of) || inputs.get(r.of)!.type.shape.join() !== n.type.shape.join()) problems.push(`loop reversed '${r.name}': '${r.of}' is not a sequence of its type`);
  }
  if (loop.sequences.length === 0) problems.push('a loop needs at least one sequence input');
  return problems;
}

/**
 * Runs a step graph over whole sequences, as the bundles do, one `runStep` per step (the
 * reference interpreter by default; it may return views it overwrites on its next call):
 * `inputs` hold the caller's tensors ([batch, steps, ...] for a sequence), and the result holds
 * the caller's outputs (per-step ones stacked along axis 1). Every sequence must have the same
 * number of steps, at least one.
 */
export function runTimeLoop(graph: Graph, loop: TimeLoop, inputs: TensorMap, runStep: (inputs: TensorMap) => TensorMap = (x) => interpret(graph, x)): TensorMap {
  const first = inputs[loop.sequences[0]!];
  if (!first) throw new NncError('NNC5002', `no value for input '${loop.sequences[0]}'`);
  const [batch, steps] = first.shape as [number, number];
  if (!(steps >= 1)) throw new NncError('NNC5002', `input '${loop.sequences[0]}' has ${steps} steps; a sequence needs at least one`);
  for (const s of loop.sequences) {
    const t = inputs[s];
    if (!t || t.shape[0] !== batch || t.shape[1] !== steps)
      throw new NncError('NNC5002', `input '${s}' must have shape [${batch}, ${steps}, ...] like '${loop.sequences[0]}' (one step count for every sequence), got ${t ? `[${t.shape.join(',')}]` : 'nothing'}`);
  }
  const carryType = new Map(graph.inputs.map((n) => [n.name!, n.type]));
  const state: TensorMap = Object.fromEntries(
    loop.carries.map((c) => {
      const type = carryType.get(c.name)!;
      const shape = type.shape.map((d) => d ?? batch);
      return [c.name, { shape, data: dataOf(type.dtype, shape.reduce((p, d) => p * d, 1)) }];
    }),
  );
  const stepInputs = (t: number): TensorMap => ({
    ...inputs,
    ...Object.fromEntries(loop.sequences.map((s) => [s, stepOf(inputs[s]!, t)])),
    ...Object.fromEntries(loop.reversed.map((r) => [r.name, stepOf(inputs[r.of]!, steps - 1 - t)])),
    ...state,
  });
  if (loop.carries.some((c) => c.initial !== undefined)) {
    const primed = runStep(stepInputs(0));
    for (const c of loop.carries) if (c.initial !== undefined) state[c.name] = copied(primed[c.initial]!);
  }
  const perStep = new Map<string, Tensor[]>(loop.perStep.map((s) => [s, []]));
  let last: TensorMap = {};
  for (let t = 0; t < steps; t++) {
    last = runStep(stepInputs(t));
    for (const c of loop.carries) state[c.name] = copied(last[c.name]!);
    for (const s of loop.perStep) perStep.get(s)!.push(copied(last[s]!));
  }
  const hidden = loopOnlyOutputs(loop);
  const out: TensorMap = {};
  for (const o of graph.outputs) {
    if (hidden.has(o.name)) continue;
    out[o.name] = perStep.has(o.name) ? stackSteps(perStep.get(o.name)!) : copied(last[o.name]!);
  }
  return out;
}

const copied = (x: Tensor): Tensor => ({ shape: [...x.shape], data: x.data.slice() });

/** Step t of a [batch, steps, ...] tensor, as [batch, 1, ...]. */
function stepOf(x: Tensor, t: number): Tensor {
  const [batch, steps, ...rest] = x.shape as number[];
  const size = rest.reduce((p, d) => p * d, 1);
  const data = dataOf(dtypeOfData(x.data), batch! * size);
  for (let r = 0; r < batch!; r++) data.set(x.data.subarray((r * steps! + t) * size, (r * steps! + t + 1) * size), r * size);
  return { shape: [batch!, 1, ...rest], data };
}

/** [batch, 1, ...] tensors of consecutive steps, as one [batch, steps, ...]. */
function stackSteps(list: readonly Tensor[]): Tensor {
  const [batch, , ...rest] = list[0]!.shape as number[];
  const size = rest.reduce((p, d) => p * d, 1);
  const steps = list.length;
  const data = dataOf(dtypeOfData(list[0]!.data), batch! * steps * size);
  list.forEach((x, t) => {
    for (let r = 0; r < batch!; r++) data.set(x.data.subarray(r * size, (r + 1) * size), (r * steps + t) * size);
  });
  return { shape: [batch!, steps, ...rest], data };
}
