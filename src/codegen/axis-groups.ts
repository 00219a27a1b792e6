/**
 * How a kernel working along axes sees a value: its axes as groups of neighbours that are all
 * reduced or all kept (merged, since neighbouring axes of one kind walk memory as one), size-1
 * axes dropped. Both backends' reduce skeletons loop over these groups.
 */
import type { Shape } from '../ir/types.js';

export interface AxisGroup {
  readonly reduced: boolean;
  /** Elements along the group, times the batch rows if `batch`. */
  readonly size: number;
  readonly batch: boolean;
  /** Elements between neighbours along the group, times the batch rows if `strideBatch`. */
  readonly stride: number;
  readonly strideBatch: boolean;
}

/** The groups of `shape` (outermost first) with the axes in `axes` reduced. */
export function axisGroups(shape: Shape, axes: Iterable<number>): AxisGroup[] {
  const reducedSet = new Set(axes);
  const out: { reduced: boolean; size: number; batch: boolean; stride: number; strideBatch: boolean }[] = [];
  let stride = 1;
  let strideBatch = false;
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a];
    if (d !== 1) {
      const reduced = reducedSet.has(a);
      const inner = out[0];
      if (inner && inner.reduced === reduced && !inner.batch) {
        inner.size *= d ?? 1;
        inner.batch = d === null;
      } else out.unshift({ reduced, size: d ?? 1, batch: d === null, stride, strideBatch });
    }
    stride *= d ?? 1;
    strideBatch ||= d === null;
  }
  return out;
}
