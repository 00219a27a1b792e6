import { ShapeError, type OpDef } from '../registry.js';
import { parseScalar, scalarArity } from '../scalar-expr.js';
import { elementwiseGradient, evaluateScalarExpr, inferScalarType } from './elementwise-helpers.js';

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
  // The fuse pass composes only same-dtype chains; comparisons and casts stay their own nodes.
  dtypes: { operands: ['f32', 'i32'], same: true },
  inferType(inputs, attrs) {
    const expr = parseScalar(String(attrs.expr));
    if (scalarArity(expr) > inputs.length) throw new ShapeError(`expression uses $${scalarArity(expr) - 1} but has ${inputs.length} operands`);
    return inferScalarType('elementwise', expr, inputs);
  },
  evaluate: (inputs, attrs, out) => evaluateScalarExpr(parseScalar(String(attrs.expr)), inputs, out.dtype),
  scalar: (attrs) => parseScalar(String(attrs.expr)),
  gradient: elementwiseGradient((attrs) => parseScalar(String(attrs.expr))),
};
