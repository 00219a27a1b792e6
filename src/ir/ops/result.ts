import { ShapeError, type OpDef } from '../registry.js';
import { DTYPES } from '../types.js';

const carriesItsType = (): never => {
  throw new ShapeError("a result node's type is its producer's result type (GraphBuilder.project)");
};

/**
 * The projection of a multi-result node: `result %m {index=k}` is result k of %m. The builder
 * makes them (GraphBuilder.multi / project); the printer shows them on their producer's line
 * (`%1, %2 = split ...`), the interpreter and the backends treat them specially, and autodiff
 * hands their gradients to the producer's rule. Its type is stated, like a source's.
 */
export const result: OpDef = {
  name: 'result',
  summary: 'result `index` of a multi-result node (a projection)',
  arity: 1,
  attrs: { index: { kind: 'int' } },
  traits: { rowLocal: true },
  dtypes: { operands: DTYPES },
  inferType: carriesItsType,
  evaluate: carriesItsType,
};
