import type { TensorData } from './tensor.js';
import type { TimeLoop } from './time-loop.js';
import type { TensorType } from './types.js';

export type AttrValue = number | string | boolean | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/**
 * One SSA value and the op that defines it (a single-result op's node *is* its value).
 * `input` and `weight` nodes carry a name; the printer numbers all others. A node of a
 * multi-result op (split) carries `results` instead: it is not a value itself, and each result
 * is read through a projection node `result` {index} whose operand is that node.
 */
export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly type: TensorType;
  /**
   * Only on nodes of multi-result ops: the type of each result. `type` then repeats results[0]
   * so that code reading `n.type` stays total; only projections may use such a node as operand.
   */
  readonly results?: readonly TensorType[];
  /** Required for `input` and `weight` nodes: the model input name or the weight name. */
  readonly name?: string;
  /** The layer this node was lowered from, for diagnostics (not part of the IR text). */
  readonly layer?: string;
  /**
   * Provenance (not part of the IR text): the source nodes this node computes, where a source
   * node is one no rewrite made (a node of the graph the frontend built, before the passes).
   * Absent on source nodes themselves, which stand for themselves (see originOf). `copyInto`
   * records it for every node a pass makes, so a fused kernel lists the nodes it absorbed.
   */
  readonly origin?: readonly Node[];
}

/** The source nodes `n` computes: its recorded origin, or `n` itself when it is a source node. */
export function originOf(n: Node): readonly Node[] {
  return n.origin ?? [n];
}

export interface GraphOutput {
  readonly name: string;
  readonly node: Node;
}

/** The projection op: `result %multi {index=k}` is result k of a multi-result node. */
export const RESULT_OP = 'result';

/**
 * A model as a list of nodes in topological order, its named outputs, and the data of its
 * weights. Graphs are immutable values: passes build new ones (see GraphBuilder / rebuild).
 */
export class Graph {
  constructor(
    readonly nodes: readonly Node[],
    readonly outputs: readonly GraphOutput[],
    readonly weights: ReadonlyMap<string, TensorData>,
    /** Set when the graph is one step of a loop over a sequence of unknown length (time-loop.ts). */
    readonly loop?: TimeLoop,
  ) {}

  // Memoized: a training step reads the inputs every call, and an unrolled graph has thousands of nodes.
  private inputNodes?: readonly Node[];
  get inputs(): readonly Node[] {
    return (this.inputNodes ??= this.nodes.filter((n) => n.op === 'input'));
  }

  get weightNodes(): Node[] {
    return this.nodes.filter((n) => n.op === 'weight');
  }

  /** Map from node to the nodes that consume it (graph outputs are not counted). */
  users(): Map<Node, Node[]> {
    const users = new Map<Node, Node[]>();
    for (const n of this.nodes) users.set(n, []);
    for (const n of this.nodes) for (const i of n.inputs) users.get(i)?.push(n);
    return users;
  }

  /** Number of uses of each node, graph outputs included. */
  useCounts(): Map<Node, number> {
    const counts = new Map<Node, number>();
    for (const n of this.nodes) counts.set(n, 0);
    for (const n of this.nodes) for (const i of n.inputs) counts.set(i, (counts.get(i) ?? 0) + 1);
    for (const o of this.outputs) counts.set(o.node, (counts.get(o.node) ?? 0) + 1);
    return counts;
  }

  /**
   * The projection of each result of every multi-result node, by result index (undefined where
   * no projection is in the graph, e.g. after DCE dropped an unused one). When an index is
   * projected twice (the verifier rejects that), the first projection is kept.
   */
  projections(): Map<Node, (Node | undefined)[]> {
    const out = new Map<Node, (Node | undefined)[]>();
    for (const n of this.nodes) if (n.results) out.set(n, n.results.map(() => undefined));
    for (const n of this.nodes) {
      const slots = n.op === RESULT_OP ? out.get(n.inputs[0]!) : undefined;
      const index = Number(n.attrs.index);
      if (slots && Number.isInteger(index) && index >= 0 && index < slots.length && !slots[index]) slots[index] = n;
    }
    return out;
  }

  /** Total number of weight parameters. */
  parameterCount(): number {
    let n = 0;
    for (const w of this.weightNodes) n += w.type.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    return n;
  }
}
