import { ShapeError, type OpDef } from '../registry.js';
import { parseScalar, scalarArity } from '../scalar-expr.js';
import { elementwiseGradient, evaluateScalarExpr, inferBroadcast } from './elementwise-helpers.js';

/**
 * A fused chain of elementwise ops: `expr` is the composed scalar math over the operands $0..$n-1
 * (broadcasting as numpy). Produced by the fuse pass; each backend emits one loop for it.
 */
export const elementwise: OpDef = {
  name: 'elementwise',
  summary: 'fused elementwise expression over broadcast operands',
  arity: 'variadic',
  attrs: { expr: { kind: 'expr' } },
  traits: { elementwise: true, rowLocal: true },
  inferType(inputs, attrs) {
    const expr = parseScalar(String(attrs.expr));
    if (scalarArity(expr) > inputs.length) throw new ShapeError(`expression uses $${scalarArity(expr) - 1} but has ${inputs.length} operands`);
    return inferBroadcast(inputs);
  },
  evaluate: (inputs, attrs) => evaluateScalarExpr(parseScalar(String(attrs.expr)), inputs),
  scalar: (attrs) => parseScalar(String(attrs.expr)),
  gradient: elementwiseGradient((attrs) => parseScalar(String(attrs.expr))),
};
