import { NncError } from '../errors.js';
import { attrProblems } from './attrs.js';
import type { Graph, Node } from './graph.js';
import { RESULT_OP } from './graph.js';
import { opRegistry } from './ops/index.js';
import { valueNames } from './printer.js';
import { checkDtypes, ShapeError } from './registry.js';
import { loopProblems } from './time-loop.js';
import { formatType, sameType, elementCount } from './types.js';

export interface VerifyOptions {
  /** Require every weight node to have data of the right size (true for anything executed). */
  requireWeightData?: boolean;
}

/**
 * Checks the structural invariants every pass must keep: operands defined before use (SSA,
 * topological order), known ops with the right arity, every attribute the op declares present
 * and of its kind and no other (the builder fills in defaults, so a complete node states them
 * all), stated types equal to inferred types, named inputs/weights with unique names, outputs
 * defined in the graph, a time loop's names and shapes (time-loop.ts). Multi-result nodes: results equal to inferred ones, used only through
 * projections, each result projected at most once, every projection's index in range and its
 * type its result's. Throws NNC2007.
 */
export function verifyGraph(graph: Graph, options: VerifyOptions = {}): void {
  const names = valueNames(graph);
  const defined = new Set<Node>();
  const seenNames = new Set<string>();
  const projected = new Map<Node, Set<number>>();
  const fail = (n: Node | undefined, msg: string): never => {
    throw new NncError('NNC2007', msg, { location: n ? { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) } : {} });
  };
  for (const n of graph.nodes) {
    const def = opRegistry.get(n.op) ?? fail(n, `unknown op '${n.op}'`);
    for (const i of n.inputs) if (!defined.has(i)) fail(n, `operand %${names.get(i) ?? '?'} is used before it is defined`);
    const arity = def.arity;
    const count = n.inputs.length;
    const arityOk =
      arity === 'variadic' ? count >= 1 : typeof arity === 'number' ? count === arity : count >= arity[0] && count <= arity[1];
    if (!arityOk) fail(n, `${n.op} takes ${JSON.stringify(arity)} operands, got ${count}`);
    const problems = attrProblems(def, n.attrs);
    if (problems.length > 0) fail(n, `${n.op}: ${problems.join('; ')}`);
    if (n.op === 'input' || n.op === 'weight') {
      if (!n.name) fail(n, `${n.op} node has no name`);
      if (/^\d+$/.test(n.name!)) fail(n, `name %${n.name} is reserved for numbered values`);
      if (seenNames.has(n.name!)) fail(n, `duplicate name %${n.name}`);
      seenNames.add(n.name!);
    }
    if (n.op === 'weight' && options.requireWeightData) {
      const data = graph.weights.get(n.name!) ?? fail(n, `weight %${n.name} has no data`);
      if (data.length !== elementCount(n.type.shape)) fail(n, `weight %${n.name} has ${data.length} values for ${formatType(n.type)}`);
    }
    for (const i of n.inputs)
      if (i.results && n.op !== RESULT_OP) fail(n, `%${names.get(i)} has ${i.results.length} results: read them through result projections`);
    if (n.op === RESULT_OP) {
      const producer = n.inputs[0]!;
      const index = n.attrs.index;
      if (!producer.results) fail(n, `result reads %${names.get(producer)}, which is not a multi-result node`);
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= producer.results!.length)
        fail(n, `result index ${JSON.stringify(index)} is out of range: ${producer.op} has ${producer.results!.length} results`);
      const want = producer.results![index as number]!;
      if (!sameType(want, n.type)) fail(n, `stated type ${formatType(n.type)} but result ${index} of ${producer.op} is ${formatType(want)}`);
      const seen = projected.get(producer) ?? new Set<number>();
      if (seen.has(index as number)) fail(n, `result ${index} of %${names.get(producer)} is projected twice`);
      projected.set(producer, seen.add(index as number));
    } else if (def.inferTypes || n.results) {
      if (!def.inferTypes) fail(n, `${n.op} has one result, but the node states ${n.results!.length}`);
      if (!n.results) fail(n, `${n.op} has several results, but the node states one`);
      try {
        checkDtypes(
          def,
          n.inputs.map((i) => i.type),
        );
        const inferred = def.inferTypes!(
          n.inputs.map((i) => i.type),
          n.attrs,
        );
        const stated = n.results!;
        const same = inferred.length === stated.length && inferred.every((t, k) => sameType(t, stated[k]!)) && sameType(n.type, stated[0]!);
        if (!same) fail(n, `stated types ${stated.map(formatType).join(', ')} but ${n.op} infers ${inferred.map(formatType).join(', ')}`);
      } catch (e) {
        if (e instanceof ShapeError) fail(n, `${n.op}: ${e.message}`);
        throw e;
      }
    } else if (!def.traits.source) {
      try {
        checkDtypes(
          def,
          n.inputs.map((i) => i.type),
        );
        const inferred = def.inferType(
          n.inputs.map((i) => i.type),
          n.attrs,
        );
        if (!sameType(inferred, n.type)) fail(n, `stated type ${formatType(n.type)} but ${n.op} infers ${formatType(inferred)}`);
      } catch (e) {
        if (e instanceof ShapeError) fail(n, `${n.op}: ${e.message}`);
        throw e;
      }
    }
    defined.add(n);
  }
  if (graph.outputs.length === 0) fail(undefined, 'graph has no outputs');
  for (const o of graph.outputs) if (!defined.has(o.node)) fail(undefined, `output '${o.name}' refers to a value outside the graph`);
  for (const o of graph.outputs) if (o.node.results) fail(o.node, `output '${o.name}' is a multi-result node: output one of its projections`);
  const loopProblem = graph.loop && loopProblems(graph, graph.loop)[0];
  if (loopProblem) fail(undefined, loopProblem);
}
