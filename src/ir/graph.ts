import type { TensorType } from './types.js';

export type AttrValue = number | string | boolean | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/**
 * One SSA value and the op that defines it (every op has exactly one result, so a node *is* its
 * value). `input` and `weight` nodes carry a name; the printer numbers all others.
 */
export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly type: TensorType;
  /** Required for `input` and `weight` nodes: the model input name or the weight name. */
  readonly name?: string;
  /** The layer this node was lowered from, for diagnostics (not part of the IR text). */
  readonly layer?: string;
}

export interface GraphOutput {
  readonly name: string;
  readonly node: Node;
}

/**
 * A model as a list of nodes in topological order, its named outputs, and the data of its
 * weights. Graphs are immutable values: passes build new ones (see GraphBuilder / rebuild).
 */
export class Graph {
  constructor(
    readonly nodes: readonly Node[],
    readonly outputs: readonly GraphOutput[],
    readonly weights: ReadonlyMap<string, Float32Array>,
  ) {}

  get inputs(): Node[] {
    return this.nodes.filter((n) => n.op === 'input');
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

  /** Total number of weight parameters. */
  parameterCount(): number {
    let n = 0;
    for (const w of this.weightNodes) n += w.type.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    return n;
  }
}
