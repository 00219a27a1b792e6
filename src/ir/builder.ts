import { NncError, type NncLocation } from '../errors.js';
import { attrProblems, withDefaults } from './attrs.js';
import { Graph, originOf, RESULT_OP, type Attrs, type GraphOutput, type Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import { checkDtypes, ShapeError, type OpDef } from './registry.js';
import type { TensorData } from './tensor.js';
import type { TimeLoop } from './time-loop.js';
import type { TensorType } from './types.js';

/**
 * Builds a graph node by node, inferring each result type through the op registry. Shape errors
 * become NNC2003 diagnostics carrying the layer being lowered. This is the one place attribute
 * defaults are applied: every node it creates carries all the attributes its op declares.
 */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly outputs: GraphOutput[] = [];
  private readonly weights = new Map<string, TensorData>();
  private readonly names = new Set<string>();
  private nextId = 0;
  /** Attached to every node created while set; the frontend sets it to the layer being lowered. */
  currentLayer: string | undefined;
  /**
   * The origin (Node.origin) of every node created while set: `copyInto` sets it to the origin
   * of the node being copied, so the nodes a rewrite makes stand for the node they replace.
   */
  currentOrigin: readonly Node[] | undefined;
  /** The origin of each node made while currentOrigin was set; it grows (absorb) until the graph is built. */
  private readonly origins = new Map<Node, Node[]>();

  /** The time loop the built graph is one step of, if any (kept by every rebuild). */
  loop: TimeLoop | undefined;

  /** How many nodes this builder has made (the next node's id). */
  get nodeCount(): number {
    return this.nextId;
  }

  /**
   * Adds the origins of `merged` to the origin of `node`, a node this builder made while copying:
   * how a rewrite that merges nodes into one (fusion, CSE) records what the result stands for.
   * A node made outside a copy has no origin to grow (it is a source node) and stays as it is.
   */
  absorb(node: Node, ...merged: readonly Node[]): Node {
    const origin = this.origins.get(node);
    if (!origin) return node;
    for (const m of merged) for (const o of originOf(m)) if (!origin.includes(o)) origin.push(o);
    origin.sort((p, q) => p.id - q.id);
    return node;
  }

  /**
   * Runs `make` with currentOrigin the union of the origins of `from`: for nodes a rewrite makes
   * that stand for other nodes than the one being copied (a folded weight stands for the weights
   * it was computed from).
   */
  withOrigin<T>(from: readonly Node[], make: () => T): T {
    const saved = this.currentOrigin;
    this.currentOrigin = [...new Set(from.flatMap(originOf))].sort((p, q) => p.id - q.id);
    try {
      return make();
    } finally {
      this.currentOrigin = saved;
    }
  }

  input(name: string, type: TensorType): Node {
    return this.source('input', name, type);
  }

  /** A named parameter. `data` may be omitted for IR parsed from text (weights supplied later). */
  weight(name: string, type: TensorType, data?: TensorData): Node {
    if (data) this.weights.set(name, data);
    return this.source('weight', name, type);
  }

  /** The data given for a weight made by this builder (undefined for one without data). */
  weightData(name: string): TensorData | undefined {
    return this.weights.get(name);
  }

  constant(values: readonly number[], type: TensorType): Node {
    return this.push({ op: 'const', inputs: [], attrs: { value: [...values] }, type });
  }

  private source(op: 'input' | 'weight', name: string, type: TensorType): Node {
    if (this.names.has(name)) throw new NncError('NNC2007', `duplicate value name %${name}`, { location: this.location() });
    this.names.add(name);
    return this.push({ op, inputs: [], attrs: {}, type, name });
  }

  /**
   * Appends `op(inputs) {attrs}`; absent attributes take their defaults, and the result type comes
   * from the op's shape inference. Attributes the op does not declare, or of the wrong kind, are
   * NNC2007.
   */
  op(op: string, inputs: readonly Node[], given: Attrs = {}, location?: NncLocation): Node {
    const def = opRegistry.get(op);
    if (!def) throw new NncError('NNC2008', `'${op}'`, { location: location ?? this.location() });
    if (def.inferTypes) throw new NncError('NNC2007', `'${op}' has several results: build it with GraphBuilder.multi`, { location: location ?? this.location() });
    const attrs = this.completeAttrs(def, given, location);
    const type = this.infer(def, inputs, location, (types) => def.inferType(types, attrs));
    return this.push({ op, inputs: [...inputs], attrs, type });
  }

  /**
   * Appends a multi-result `op(inputs) {attrs}` (types from the op's inferTypes) followed by one
   * `result` projection per result, and returns the projections: the values to use.
   */
  multi(op: string, inputs: readonly Node[], given: Attrs = {}, location?: NncLocation): Node[] {
    const def = opRegistry.get(op);
    if (!def) throw new NncError('NNC2008', `'${op}'`, { location: location ?? this.location() });
    if (!def.inferTypes) throw new NncError('NNC2007', `'${op}' has one result: build it with GraphBuilder.op`, { location: location ?? this.location() });
    const attrs = this.completeAttrs(def, given, location);
    const types = this.infer(def, inputs, location, (operandTypes) => def.inferTypes!(operandTypes, attrs));
    const node = this.rawMulti(op, inputs, attrs, types);
    return types.map((_, k) => this.project(node, k));
  }

  /** The attributes with the op's defaults filled in; unknown, missing or ill-typed ones are NNC2007. */
  private completeAttrs(def: OpDef, given: Attrs, location: NncLocation | undefined): Attrs {
    const attrs = withDefaults(def, given);
    const problems = attrProblems(def, attrs);
    if (problems.length > 0) throw new NncError('NNC2007', `${def.name}: ${problems.join('; ')}`, { location: location ?? this.location() });
    return attrs;
  }

  /** Checks operand dtypes and runs shape inference; a ShapeError becomes NNC2003 at the layer being lowered. */
  private infer<T>(def: OpDef, inputs: readonly Node[], location: NncLocation | undefined, inferType: (types: TensorType[]) => T): T {
    const types = inputs.map((i) => i.type);
    try {
      checkDtypes(def, types);
      return inferType(types);
    } catch (e) {
      if (e instanceof ShapeError) throw new NncError('NNC2003', `${def.name}: ${e.message}`, { location: location ?? this.location() });
      throw e;
    }
  }

  /** Appends a multi-result node whose result types are known, without projections. */
  rawMulti(op: string, inputs: readonly Node[], given: Attrs, results: readonly TensorType[]): Node {
    if (results.length === 0) throw new NncError('NNC2007', `a multi-result '${op}' node needs at least one result`, { location: this.location() });
    const def = opRegistry.get(op);
    const attrs = def ? withDefaults(def, given) : given;
    return this.push({ op, inputs: [...inputs], attrs, type: results[0]!, results: [...results] });
  }

  /** Appends the projection of result `index` of a multi-result node. */
  project(node: Node, index: number): Node {
    const type = node.results?.[index];
    if (!type) throw new NncError('NNC2007', `'${node.op}' has no result ${index}`, { location: this.location() });
    return this.push({ op: RESULT_OP, inputs: [node], attrs: { index }, type });
  }

  /**
   * Appends a node whose type is already known (used by the parser and by graph rewrites). Absent
   * attributes of a known op take their defaults; nothing is checked (the verifier does that).
   */
  raw(op: string, inputs: readonly Node[], given: Attrs, type: TensorType, name?: string): Node {
    if (name !== undefined) {
      if (this.names.has(name)) throw new NncError('NNC2007', `duplicate value name %${name}`);
      this.names.add(name);
    }
    const def = opRegistry.get(op);
    const attrs = def ? withDefaults(def, given) : given;
    return this.push({ op, inputs: [...inputs], attrs, type, ...(name !== undefined ? { name } : {}) });
  }

  setWeightData(name: string, data: TensorData): void {
    this.weights.set(name, data);
  }

  output(name: string, node: Node): void {
    if (this.outputs.some((o) => o.name === name)) throw new NncError('NNC2007', `duplicate output name '${name}'`);
    this.outputs.push({ name, node });
  }

  /** The graph; the weight table keeps only the data of weight nodes still present. */
  build(): Graph {
    const live = new Map<string, TensorData>();
    for (const n of this.nodes) {
      const data = n.op === 'weight' ? this.weights.get(n.name!) : undefined;
      if (data) live.set(n.name!, data);
    }
    return new Graph([...this.nodes], [...this.outputs], live, this.loop);
  }

  private push(n: Omit<Node, 'id' | 'layer' | 'origin'>): Node {
    const origin = this.currentOrigin && [...this.currentOrigin];
    const node: Node = { ...n, id: this.nextId++, ...(this.currentLayer ? { layer: this.currentLayer } : {}), ...(origin ? { origin } : {}) };
    if (origin) this.origins.set(node, origin);
    this.nodes.push(node);
    return node;
  }

  private location(): NncLocation {
    return this.currentLayer ? { layer: this.currentLayer } : {};
  }
}

/** Replaces a node while copying: return a node built in `b`, or undefined to copy it as is. */
export type NodeRewrite = (node: Node, inputs: readonly Node[], b: GraphBuilder) => Node | undefined;

/**
 * Copies a graph's nodes (and weight data) into `b`, which may already hold nodes, letting
 * `rewrite` replace any node; operands are remapped to their copies, so a rewrite sees
 * already-copied inputs. Returns old node -> new node. Outputs are left to the caller.
 *
 * Provenance is kept here, once for every pass: each node made while copying `n` has n's origin,
 * and when a rewrite replaces `n` by a node made before (an operand, an equal earlier node),
 * that node absorbs n's origin. A rewrite that merges nodes into a new one says so (b.absorb).
 */
export function copyInto(b: GraphBuilder, graph: Graph, rewrite: NodeRewrite = () => undefined): Map<Node, Node> {
  for (const [name, data] of graph.weights) b.setWeightData(name, data);
  const map = new Map<Node, Node>();
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((i) => map.get(i)!);
    b.currentLayer = n.layer;
    b.currentOrigin = originOf(n);
    const made = b.nodeCount;
    let out = rewrite(n, inputs, b);
    if (out && out.id < made) b.absorb(out, n);
    if (!out) out = n.results ? b.rawMulti(n.op, inputs, n.attrs, n.results) : b.raw(n.op, inputs, n.attrs, n.type, n.name);
    map.set(n, out);
  }
  b.currentLayer = undefined;
  b.currentOrigin = undefined;
  return map;
}

/**
 * Rebuilds a graph, letting `rewrite` replace any node (return undefined to keep a copy of it).
 * Nodes no output depends on are kept; DCE removes them. This is how passes produce new graphs.
 */
export function rebuild(graph: Graph, rewrite: NodeRewrite): Graph {
  const b = new GraphBuilder();
  b.loop = graph.loop;
  const map = copyInto(b, graph, rewrite);
  for (const o of graph.outputs) b.output(o.name, map.get(o.node)!);
  return b.build();
}
