/**
 * What the graph importers (ONNX, tfjs graph models) share while they walk a foreign graph:
 * every problem is collected and reported at once, and weights derived from constants are made
 * once per name.
 */
import { NncError, NncErrorList } from '../../errors.js';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';

/** How one format words its refusals. */
export interface ProblemWording {
  /** The list of ops the format supports, for the hint when an op is missing. */
  readonly missingOpsHint: () => string;
  /** The hint when only attributes were refused. */
  readonly refusedHint: string;
}

/**
 * Unsupported ops and refused attributes or values, in the order found. A node whose build throws
 * an NNC6001 is refused and the walk goes on; any other error stops it, reported as the problems
 * found so far when there are any (its cause is likely among them).
 */
export class ImportProblems {
  private readonly unsupported: NncError[] = [];
  private readonly refused: NncError[] = [];

  constructor(
    private readonly path: string,
    private readonly wording: ProblemWording,
  ) {}

  /** An NNC6001 at a node of the model file. */
  at(node: string, detail: string): NncError {
    return new NncError('NNC6001', detail, { location: { file: this.path, node } });
  }

  missingOp(problem: NncError): void {
    this.unsupported.push(problem);
  }

  refuse(...problems: NncError[]): void {
    this.refused.push(...problems);
  }

  get any(): boolean {
    return this.unsupported.length + this.refused.length > 0;
  }

  /** Runs one node's build; false when it was refused (NNC6001, collected). */
  build(run: () => void): boolean {
    try {
      run();
      return true;
    } catch (e) {
      if (e instanceof NncError && e.code === 'NNC6001') {
        this.refused.push(e);
        return false;
      }
      if (this.any) throw this.report();
      throw e;
    }
  }

  report(): NncErrorList {
    const hint = this.unsupported.length > 0 ? this.wording.missingOpsHint() : this.wording.refusedHint;
    return new NncErrorList('NNC6001', [...this.unsupported, ...this.refused], { location: { file: this.path }, hint });
  }
}

/** Weights an importer derives from constants (a transposed kernel, say), each made once per name. */
export function derivedWeights(b: GraphBuilder): (name: string, shape: number[], data: () => Float32Array) => Node {
  const made = new Map<string, Node>();
  return (name, shape, data) => {
    let w = made.get(name);
    if (!w) made.set(name, (w = b.weight(name, { dtype: 'f32', shape }, data())));
    return w;
  };
}
