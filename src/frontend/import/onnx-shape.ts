/**
 * ONNX's shape and structure operators (Reshape, Flatten, Squeeze / Unsqueeze, Concat, Split,
 * Slice, Gather, Expand, Tile, Identity, Dropout, Cast, Constant, ConstantOfShape, Shape, Size,
 * Range) with the forms of opsets 7 to 25. An op whose data operands are all known at import
 * (onnx-known.ts) gives a known value, so shape computations fold away; otherwise it becomes IR.
 * The IR keeps the batch axis first: an op that would move it, merge it with another axis or
 * index into it is refused by name.
 */
import type { Node } from '../../ir/graph.js';
import { formatShape, type Dim } from '../../ir/types.js';
import { anyValue, ignored, integer, integers } from './attributes.js';
import { castValues, constIntegers, constValues, holdsBatch, known, mustBeKnown, stridesOfDims, type Known } from './onnx-known.js';
import { elemTypeName, initDtype, irDtype, op } from './onnx-op.js';
import type { OnnxContext, OnnxInit, OnnxNode, OnnxOp } from './onnx.js';

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

/** An axis in [-rank, rank) as an index, refused by name outside. */
function axisIndex(n: OnnxNode, ctx: OnnxContext, attr: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) ctx.refuse(n, attr, axis, `is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** The dims of a known-or-IR operand (a known value's are static). */
const dimsOf = (ctx: OnnxContext, name: string): readonly Dim[] => ctx.known(name)?.dims ?? ctx.operand(name).type.shape;

/** The known value of every named operand, or undefined when one is computed at run time. */
function allKnown(ctx: OnnxContext, names: readonly string[]): Known[] | undefined {
  const ks = names.map((name) => ctx.known(name));
  return ks.every((k): k is Known => k !== undefined) ? ks : undefined;
}

/** The entries of `k` at the cartesian product of per-axis index lists, row-major. */
function pick(k: Known, perAxis: readonly (readonly number[])[]): (number | null)[] {
  const strides = stridesOfDims(k.dims);
  let offsets = [0];
  perAxis.forEach((indices, axis) => (offsets = offsets.flatMap((o) => indices.map((i) => o + i * strides[axis]!))));
  return offsets.map((o) => k.values[o]!);
}

const allIndices = (d: number) => [...Array(d).keys()];

/**
 * x viewed as `target` (same element count): a reshape by rows when x has the batch axis (which
 * must stay first and alone), a whole reshape otherwise.
 */
function reshapeTo(n: OnnxNode, ctx: OnnxContext, x: Node, target: readonly Dim[]): Node {
  const batched = x.type.shape.includes(null);
  if (!batched) {
    if (target.includes(null)) ctx.refuseNode(n, `a value without a batch axis ${formatShape(x.type.shape)} cannot take the batch size into its shape ${formatShape(target)}`);
    return ctx.b.op('reshape', [x], { shape: [...(target as number[])], whole: true });
  }
  if (target[0] !== null || target.slice(1).includes(null)) ctx.refuseNode(n, `reshaping ${formatShape(x.type.shape)} to ${formatShape(target)} would move the batch axis from first or merge it with another axis`);
  return ctx.b.op('reshape', [x], { shape: target.slice(1) as number[] });
}

/** Constant: one of value (a tensor), value_float(s), value_int(s); strings and sparse tensors refused by name. */
const constant = op(
  { value: anyValue(), value_float: anyValue(), value_floats: anyValue(), value_int: anyValue(), value_ints: anyValue(), value_string: anyValue(), value_strings: anyValue(), sparse_value: anyValue() },
  (n, ctx, a) => {
    const given = Object.entries(a).filter(([, v]) => v !== undefined);
    if (given.length !== 1) ctx.refuseNode(n, `needs exactly one value attribute, got ${given.length} (${given.map(([k]) => k).join(', ')})`);
    const [name, v] = given[0]!;
    switch (name) {
      case 'value':
        return tensorAttr(n, ctx, 'value', v);
      case 'value_float':
        return known([], 'f32', [Math.fround(v as number)]);
      case 'value_floats':
        return known([(v as number[]).length], 'f32', (v as number[]).map(Math.fround));
      case 'value_int':
        return known([], 'i32', [v as number]);
      case 'value_ints':
        return known([(v as number[]).length], 'i32', v as number[]);
      default:
        return ctx.refuse(n, name, v, `is not supported: nnc computes FLOAT, INT32, INT64 and BOOL values (no ${name === 'sparse_value' ? 'sparse tensors' : 'strings'})`);
    }
  },
);

/** A TENSOR attribute (Constant's value, ConstantOfShape's value) as a known value. */
function tensorAttr(n: OnnxNode, ctx: OnnxContext, attr: string, v: unknown): Known {
  const t = v as { tensor?: number[]; elemType?: string; decode?: (path: string) => OnnxInit };
  if (!t.decode) return ctx.refuse(n, attr, v, 'is not a tensor');
  if (!['FLOAT', 'INT32', 'INT64', 'BOOL'].includes(t.elemType!)) ctx.refuse(n, attr, v, `has element type ${t.elemType}; nnc computes FLOAT, INT32, INT64 (as int32) and BOOL`);
  const init = t.decode(ctx.path);
  return known(init.dims, initDtype(init.elemType), Array.from(init.data));
}

/** Shape (start / end from opset 15): the dims, the batch axis as the batch size. */
const shape = op({ start: integer(0), end: integer() }, (n, ctx, a) => {
  const dims = dimsOf(ctx, n.input[0]!);
  const rank = dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const picked = dims.slice(clamp(a.start), clamp(a.end ?? rank));
  return known([picked.length], 'i32', picked);
});

/** Size: the element count, known when no axis is the batch. */
const size = op({}, (n, ctx) => {
  const dims = dimsOf(ctx, n.input[0]!);
  if (dims.includes(null)) ctx.refuseNode(n, `the size of ${formatShape(dims)} depends on the batch size, which is known only when the model runs`);
  return known([], 'i32', [product(dims as number[])]);
});

/** Gather along `axis` (negative indices count from the end); known operands fold. */
const gather = op({ axis: integer(0) }, (n, ctx, a) => {
  const [dataName, indicesName] = [n.input[0]!, n.input[1]!];
  const dims = dimsOf(ctx, dataName);
  const axis = axisIndex(n, ctx, 'axis', a.axis, dims.length);
  const indices = ctx.known(indicesName);
  const extent = dims[axis];
  if (extent === null) ctx.refuse(n, 'axis', a.axis, 'is the batch axis, which nnc does not gather along');
  if (indices && extent !== null && extent !== undefined) {
    if (holdsBatch(indices)) ctx.refuseNode(n, `the indices ('${indicesName}') hold the batch size, which is known only when the model runs`);
    const bad = indices.values.find((i) => i! < -extent || i! >= extent);
    if (bad !== undefined) ctx.refuseNode(n, `index ${bad} is out of range for axis ${axis} of extent ${extent}`);
    const wrapped = (indices.values as number[]).map((i) => (i < 0 ? i + extent : i));
    const data = ctx.known(dataName);
    if (data) {
      const perAxis = data.dims.map((d, k) => (k === axis ? wrapped : allIndices(d)));
      return known([...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)], data.dtype, pick(data, perAxis));
    }
    // Known indices: a run of them is a slice (every backend has one), then a view as the result's shape.
    const x = ctx.operand(dataName);
    const taken = takeAlong(ctx, x, axis, wrapped);
    const shape = [...dims.slice(0, axis), ...indices.dims, ...dims.slice(axis + 1)];
    return shape.length === taken.type.shape.length && shape.every((d, i) => d === taken.type.shape[i]) ? taken : reshapeTo(n, ctx, taken, shape);
  }
  return ctx.b.op('gather', [ctx.operand(dataName), ctx.operand(indicesName)], { axis });
});

/** Concat along `axis` (any axis but the batch); known operands fold. */
const concat = op({ axis: integer() }, (n, ctx, a) => {
  const names = n.input.filter((i) => i !== '');
  const rank = dimsOf(ctx, names[0]!).length;
  const axis = axisIndex(n, ctx, 'axis', a.axis ?? ctx.refuseNode(n, 'has no axis attribute'), rank);
  const ks = allKnown(ctx, names);
  if (ks) {
    if (ks.some((k) => k.dims.length !== rank || k.dims.some((d, i) => i !== axis && d !== ks[0]!.dims[i]) || k.dtype !== ks[0]!.dtype))
      ctx.refuseNode(n, `cannot concatenate ${ks.map((k) => `${k.dtype}[${k.dims.join(',')}]`).join(', ')} along axis ${axis}`);
    const outer = product(ks[0]!.dims.slice(0, axis));
    const values: (number | null)[] = [];
    for (let o = 0; o < outer; o++)
      for (const k of ks) {
        const chunk = product(k.dims.slice(axis));
        values.push(...k.values.slice(o * chunk, (o + 1) * chunk));
      }
    const dims = [...ks[0]!.dims];
    dims[axis] = ks.reduce((t, k) => t + k.dims[axis]!, 0);
    return known(dims, ks[0]!.dtype, values);
  }
  const operands = names.map(ctx.operand);
  if (operands.some((x) => x.type.shape[axis] === null)) ctx.refuse(n, 'axis', a.axis, 'is the batch axis: the result would hold several batches, which nnc does not do');
  return ctx.b.op('concat', operands, { axis });
});

/** The axes of Squeeze / Unsqueeze: the attribute before opset 13, the (optional) input since. */
function squeezeAxes(n: OnnxNode, ctx: OnnxContext, attr: readonly number[] | undefined): number[] | undefined {
  if (ctx.opset < 13) return attr ? [...attr] : undefined;
  return n.input[1] ? constIntegers(n, ctx, n.input[1], 'axes') : undefined;
}

/** A known value with new dims (Reshape, Squeeze, Unsqueeze, Flatten of one), or x reshaped to them. */
function viewAs(n: OnnxNode, ctx: OnnxContext, name: string, dims: readonly Dim[]): Node | Known {
  const k = ctx.known(name);
  if (k && !dims.includes(null)) return known(dims as number[], k.dtype, k.values);
  return reshapeTo(n, ctx, ctx.operand(name), dims);
}

const unsqueeze = op({ axes: integers() }, (n, ctx, a) => {
  const dims = dimsOf(ctx, n.input[0]!);
  const axes = squeezeAxes(n, ctx, a.axes) ?? ctx.refuseNode(n, 'has no axes');
  const rank = dims.length + axes.length;
  const at = axes.map((ax) => axisIndex(n, ctx, 'axes', ax, rank));
  if (new Set(at).size !== at.length) ctx.refuse(n, 'axes', axes, 'name an axis twice');
  const rest = [...dims];
  return viewAs(n, ctx, n.input[0]!, Array.from({ length: rank }, (_, i) => (at.includes(i) ? 1 : rest.shift()!)));
});

const squeeze = op({ axes: integers() }, (n, ctx, a) => {
  const dims = dimsOf(ctx, n.input[0]!);
  const given = squeezeAxes(n, ctx, a.axes);
  if (!given && dims[0] === null) ctx.refuseNode(n, `without axes it would squeeze the batch axis of ${formatShape(dims)} whenever the batch is 1; give the axes`);
  const axes = given ? given.map((ax) => axisIndex(n, ctx, 'axes', ax, dims.length)) : allIndices(dims.length).filter((i) => dims[i] === 1);
  const wide = axes.find((ax) => dims[ax] !== 1);
  if (wide !== undefined) ctx.refuseNode(n, `axis ${wide} of ${formatShape(dims)} is not of size 1`);
  return viewAs(n, ctx, n.input[0]!, dims.filter((_, i) => !axes.includes(i)));
});

/**
 * Reshape: 0 copies the input's size on that axis (unless allowzero, opset 14+), -1 takes the
 * rest; a target computed from Shape may hold the batch size, which keeps the batch axis.
 */
const reshape = op({ allowzero: integer(0) }, (n, ctx, a) => {
  const dims = dimsOf(ctx, n.input[0]!);
  const target = mustBeKnown(n, ctx, n.input[1]!, 'the target shape');
  const batched = dims.includes(null);
  const copied = target.values.findIndex((d, i) => d === 0 && a.allowzero === 0 && i >= dims.length);
  if (copied >= 0) ctx.refuseNode(n, `target entry ${copied} is 0 (copy the input's size) but the input ${formatShape(dims)} has no axis ${copied}`);
  const entries = target.values.map((d, i) => (d === 0 && a.allowzero === 0 ? dims[i]! : d));
  if (entries.includes(0)) ctx.refuse(n, 'allowzero', a.allowzero, 'with a 0 in the target shape (an empty tensor) is not supported');
  if (entries.filter((d) => d === -1).length > 1 || entries.some((d) => d !== null && d < -1)) ctx.refuseNode(n, `target shape [${target.values.map((d) => d ?? 'batch').join(', ')}] is invalid`);
  const rowCount = product(dims.filter((d): d is number => d !== null));
  const known_ = product(entries.filter((d): d is number => d !== null && d !== -1));
  const batchEntries = entries.filter((d) => d === null).length;
  let out: Dim[];
  if (!batched) {
    if (batchEntries > 0) ctx.refuseNode(n, `a value without a batch axis ${formatShape(dims)} cannot take the batch size into its shape`);
    if (entries.includes(-1) ? rowCount % known_ !== 0 : rowCount !== known_) ctx.refuseNode(n, `cannot reshape ${formatShape(dims)} into [${entries.join(', ')}]`);
    out = entries.map((d) => (d === -1 ? rowCount / known_ : d));
  } else if (batchEntries === 1) {
    if (entries.includes(-1) ? rowCount % known_ !== 0 : rowCount !== known_) ctx.refuseNode(n, `cannot reshape ${formatShape(dims)} into [${entries.map((d) => d ?? 'batch').join(', ')}]`);
    out = entries.map((d) => (d === -1 ? rowCount / known_ : d));
  } else if (batchEntries === 0 && entries[0] === -1 && known_ === rowCount) out = [null, ...entries.slice(1)];
  else return ctx.refuseNode(n, `reshaping ${formatShape(dims)} into [${entries.map((d) => d ?? 'batch').join(', ')}] would merge the batch axis with another axis or move it`);
  return viewAs(n, ctx, n.input[0]!, out);
});

/** Flatten: [product of the axes before `axis`, product of the rest]; the batch stays alone. */
const flatten = op({ axis: integer(1) }, (n, ctx, a) => {
  const dims = dimsOf(ctx, n.input[0]!);
  const rank = dims.length;
  if (a.axis < -rank || a.axis > rank) ctx.refuse(n, 'axis', a.axis, `is out of range for rank ${rank}`);
  const axis = a.axis < 0 ? a.axis + rank : a.axis;
  const [head, tail] = [dims.slice(0, axis), dims.slice(axis)];
  if (tail.includes(null) || (head.includes(null) && product(head.slice(1) as number[]) !== 1))
    ctx.refuse(n, 'axis', a.axis, `would merge the batch axis of ${formatShape(dims)} with other axes`);
  return viewAs(n, ctx, n.input[0]!, [head.includes(null) ? null : product(head as number[]), product(tail as number[])]);
});

const identity = op({}, (n, ctx) => ctx.known(n.input[0]!) ?? ctx.b.op('identity', [ctx.operand(n.input[0]!)]));

/** Cast to FLOAT, INT32, INT64 (as int32) or BOOL, with ONNX's semantics; `saturate` is for float8 targets. */
const cast = op({ to: integer(), saturate: ignored }, (n, ctx, a) => {
  const code = a.to ?? ctx.refuseNode(n, 'has no to attribute');
  const to = irDtype(code) ?? ctx.refuse(n, 'to', code, `(${elemTypeName(code)}) is not supported (only FLOAT, INT32, INT64 or BOOL)`);
  const k = ctx.known(n.input[0]!);
  if (k) return known(k.dims, to, castValues(k.values, to));
  const x = ctx.operand(n.input[0]!);
  return ctx.b.op(x.type.dtype === to ? 'identity' : 'cast', [x], x.type.dtype === to ? {} : { to });
});

/** ConstantOfShape: a known shape filled with `value` (one element; FLOAT 0 by default). */
const constantOfShape = op({ value: anyValue() }, (n, ctx, a) => {
  const dims = constIntegers(n, ctx, n.input[0]!, 'the shape');
  if (dims.some((d) => d < 1)) ctx.refuseNode(n, `shape [${dims.join(', ')}] has an empty axis (an empty tensor), which nnc does not compute`);
  const fill = a.value === undefined ? known([1], 'f32', [0]) : tensorAttr(n, ctx, 'value', a.value);
  if (fill.values.length !== 1) ctx.refuse(n, 'value', a.value, 'must hold one element');
  return known(dims, fill.dtype, new Array<number | null>(product(dims)).fill(fill.values[0]!));
});

/** Range(start, limit, delta) of known scalars, accumulated in the element type as onnxruntime does. */
const range = op({}, (n, ctx) => {
  const [start, limit, delta] = n.input.slice(0, 3).map((name, k) => {
    const k_ = mustBeKnown(n, ctx, name, ['start', 'limit', 'delta'][k]!);
    if (k_.values.length !== 1 || holdsBatch(k_)) ctx.refuseNode(n, `${['start', 'limit', 'delta'][k]} ('${name}') must be one known number`);
    return k_;
  }) as [Known, Known, Known];
  const dtype = start.dtype;
  const round = dtype === 'f32' ? Math.fround : (v: number) => v;
  const [s, l, d] = [start, limit, delta].map((k) => k.values[0] as number) as [number, number, number];
  if (d === 0) ctx.refuseNode(n, 'delta is 0');
  const count = Math.max(Math.ceil(round(l - s) / d), 0);
  if (count === 0) ctx.refuseNode(n, `gives an empty tensor (start ${s}, limit ${l}, delta ${d}), which nnc does not compute`);
  const values: number[] = [];
  for (let i = 0, v = s; i < count; i++, v = round(v + d)) values.push(v);
  return known([count], dtype, values);
});

/** Each sliced axis' kept indices (ONNX's clamping), or refused where it would index the batch. */
function sliceIndices(n: OnnxNode, ctx: OnnxContext, dims: readonly Dim[], starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined): (number[] | undefined)[] {
  const count = starts.length;
  if (ends.length !== count || (axes && axes.length !== count) || (steps && steps.length !== count)) ctx.refuseNode(n, 'starts, ends, axes and steps must have one length');
  const perAxis: (number[] | undefined)[] = dims.map(() => undefined);
  for (let i = 0; i < count; i++) {
    const axis = axisIndex(n, ctx, 'axes', axes ? axes[i]! : i, dims.length);
    const step = steps ? steps[i]! : 1;
    if (step === 0) ctx.refuseNode(n, 'a step of 0 is invalid');
    const d = dims[axis];
    if (d === null || d === undefined) {
      // The batch axis may only be taken whole.
      if (step === 1 && (starts[i] === 0 || starts[i]! <= -(2 ** 31)) && ends[i]! >= 2 ** 31 - 1) continue;
      ctx.refuseNode(n, `slices the batch axis (start ${starts[i]}, end ${ends[i]}, step ${step}), which nnc does not do`);
    }
    const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
    const clamp = (v: number, low: number) => Math.min(Math.max(v < 0 ? v + d : v, low), hi);
    const from = clamp(starts[i]!, 0);
    const to = clamp(ends[i]!, lo);
    const kept: number[] = [];
    for (let j = from; step > 0 ? j < to : j > to; j += step) kept.push(j);
    if (kept.length === 0) ctx.refuseNode(n, `axis ${axis} keeps no entries (an empty tensor), which nnc does not compute`);
    perAxis[axis] = kept;
  }
  return perAxis;
}

/** Slice: starts / ends / axes as attributes before opset 10; as inputs (with steps) since. */
const slice = op({ starts: integers(), ends: integers(), axes: integers() }, (n, ctx, a) => {
  const name = n.input[0]!;
  const dims = dimsOf(ctx, name);
  const input = (k: number, what: string) => (n.input[k] ? constIntegers(n, ctx, n.input[k], what) : undefined);
  const [starts, ends, axes, steps] =
    ctx.opset < 10 ? [a.starts, a.ends, a.axes, undefined] : [input(1, 'starts'), input(2, 'ends'), input(3, 'axes'), input(4, 'steps')];
  if (!starts || !ends) return ctx.refuseNode(n, 'has no starts or ends');
  const perAxis = sliceIndices(n, ctx, dims, starts, ends, axes, steps);
  const k = ctx.known(name);
  if (k) return known(perAxis.map((p, i) => p?.length ?? k.dims[i]!), k.dtype, pick(k, perAxis.map((p, i) => p ?? allIndices(k.dims[i]!))));
  return perAxis.reduce((x: Node, kept, axis) => (kept ? takeAlong(ctx, x, axis, kept) : x), ctx.operand(name));
});

/** The entries `kept` of x along `axis`: one slice when they are a run, else a gather by constant indices. */
function takeAlong(ctx: OnnxContext, x: Node, axis: number, kept: readonly number[]): Node {
  if (kept.length === x.type.shape[axis] && kept.every((j, i) => j === i)) return x;
  if (kept.every((j, i) => j === kept[0]! + i)) return ctx.b.op('slice', [x], { axis, begin: kept[0]!, size: kept.length });
  return ctx.b.op('gather', [x, ctx.b.constant(kept, { dtype: 'i32', shape: [kept.length] })], { axis });
}

/** `copies` of x joined along `axis` (Expand of a size-1 axis, Tile). */
const repeatAlong = (ctx: OnnxContext, x: Node, axis: number, copies: number): Node => (copies === 1 ? x : ctx.b.op('concat', Array<Node>(copies).fill(x), { axis }));

/** Expand: numpy broadcasting of x to a known shape (which may hold the batch size first). */
const expand = op({}, (n, ctx) => {
  const x = ctx.operand(n.input[0]!);
  const target = mustBeKnown(n, ctx, n.input[1]!, 'the shape').values;
  const dims = x.type.shape;
  const rank = Math.max(dims.length, target.length);
  const padded: Dim[] = [...Array<Dim>(rank - dims.length).fill(1), ...dims];
  const wanted = [...Array<number | null>(rank - target.length).fill(1), ...target];
  const out = padded.map((d, i) => {
    const t = wanted[i]!;
    if (d === null) return t === 1 || t === null ? null : ctx.refuseNode(n, `cannot expand the batch axis to ${t}`);
    if (t === null) return ctx.refuseNode(n, `cannot expand axis ${i} of size ${d} to the batch size (a value gains the batch axis only from an input)`);
    if (d !== 1 && t !== 1 && t !== d) ctx.refuseNode(n, `cannot broadcast ${formatShape(dims)} to [${target.join(', ')}]`);
    return d === 1 ? t : d;
  });
  const lifted = rank === dims.length ? x : reshapeTo(n, ctx, x, padded);
  return out.reduce((y: Node, d, axis) => (padded[axis] === 1 && d !== 1 ? repeatAlong(ctx, y, axis, d as number) : y), lifted);
});

/** Tile: x repeated along each axis (the batch axis once). */
const tile = op({}, (n, ctx) => {
  const x = ctx.operand(n.input[0]!);
  const repeats = constIntegers(n, ctx, n.input[1]!, 'repeats');
  const dims = x.type.shape;
  if (repeats.length !== dims.length || repeats.some((r) => !Number.isInteger(r) || r < 1)) ctx.refuseNode(n, `repeats [${repeats.join(', ')}] must hold ${dims.length} positive integers`);
  if (dims[0] === null && repeats[0] !== 1) ctx.refuseNode(n, `repeats the batch axis ${repeats[0]} times, which nnc does not do`);
  return repeats.reduce((y: Node, r, axis) => repeatAlong(ctx, y, axis, r), x);
});

/**
 * Dropout at inference: the identity, and (output 1) a mask of all true. The ratio (attribute
 * before opset 12, input since) and seed matter only in training; training_mode must be a known false.
 */
const dropout = op({ ratio: ignored, seed: ignored }, (n, ctx) => {
  const trainingMode = n.input[2];
  if (trainingMode && constValues(n, ctx, trainingMode, 'training_mode').some((v) => v !== 0)) ctx.refuseNode(n, `training_mode ('${trainingMode}') is true; nnc runs Dropout at inference`);
  const x = ctx.operand(n.input[0]!);
  const y = ctx.b.op('identity', [x]);
  if (!n.output[1] || !ctx.isRead(n.output[1])) return y;
  // Computed, not a constant (a graph output has a slot of its own): x != 0 as 0 / 1, always below 2.
  const bit = ctx.b.op('cast', [ctx.b.op('cast', [x], { to: 'bool' })], { to: 'i32' });
  return [y, ctx.b.op('less', [bit, ctx.b.constant([2], { dtype: 'i32', shape: [] })])];
});

/**
 * Split along `axis` (default 0; not the batch), one IR result per ONNX output: sizes from the
 * `split` input (opset 13+) or attribute (before); else `num_outputs` pieces of ceil(extent /
 * num_outputs), the last one smaller (opset 18+); else equal pieces, one per output.
 */
const split = op({ axis: integer(0), split: integers(), num_outputs: integer() }, (n, ctx, a) => {
  const x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const axis = axisIndex(n, ctx, 'axis', a.axis, rank);
  const extent = x.type.shape[axis];
  if (extent === null || extent === undefined) return ctx.refuse(n, 'axis', a.axis, 'is the batch axis, which nnc does not split');
  let sizes: number[];
  if (n.input[1]) sizes = constIntegers(n, ctx, n.input[1], 'the split sizes');
  else if (a.split) sizes = [...a.split];
  else if (a.num_outputs !== undefined) {
    const chunk = Math.ceil(extent / a.num_outputs);
    sizes = Array.from({ length: a.num_outputs }, (_, k) => Math.min(chunk, extent - k * chunk));
  } else {
    if (extent % n.output.length !== 0) ctx.refuseNode(n, `axis ${axis} of extent ${extent} does not split into ${n.output.length} equal parts`);
    sizes = n.output.map(() => extent / n.output.length);
  }
  if (sizes.length === 1) return [ctx.b.op('identity', [x])];
  return ctx.b.multi('split', [x], { axis, sizes });
});

export const ONNX_SHAPE_OPS: Readonly<Record<string, OnnxOp>> = {
  Constant: constant,
  Shape: shape,
  Size: size,
  Gather: gather,
  Concat: concat,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Reshape: reshape,
  Flatten: flatten,
  Identity: identity,
  Cast: cast,
  ConstantOfShape: constantOfShape,
  Range: range,
  Slice: slice,
  Expand: expand,
  Tile: tile,
  Dropout: dropout,
  Split: split,
};
