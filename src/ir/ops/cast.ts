import { ShapeError, type OpDef } from '../registry.js';
import * as s from '../scalar-expr.js';
import { DTYPES, type DType } from '../types.js';
import { elementwiseOp } from './elementwise-helpers.js';

const target = (to: unknown): DType => {
  if (!DTYPES.includes(to as DType)) throw new ShapeError(`cast to '${String(to)}': expected one of ${DTYPES.join(', ')}`);
  return to as DType;
};

/**
 * Converts to `to` with ONNX Cast semantics: f32 -> i32 truncates toward zero (saturating at the
 * i32 range, NaN -> 0), to bool gives x != 0, bool -> f32 / i32 gives 1 or 0.
 */
export const cast: OpDef = elementwiseOp(
  'cast',
  'x converted to dtype `to` (f32, i32 or bool)',
  1,
  (attrs) => s.castTo(target(attrs.to), s.arg(0)),
  { to: { kind: 'string' } },
  {},
  { operands: DTYPES },
);
