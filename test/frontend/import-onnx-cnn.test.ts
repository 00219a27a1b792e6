/**
 * ONNX image models (NCHW) imported and compared with onnxruntime-web: Transpose, Conv (pads,
 * auto_pad, strides, dilations, kernel_shape, bias; group 1 and depthwise group = C with
 * multipliers 1 and 2), ConvTranspose (pads, auto_pad, strides, dilations, kernel_shape,
 * output_padding, output_shape, bias), BatchNormalization (opsets 7, 9, 14, 15; ranks 2, 3, 4;
 * after a Conv), MaxPool / AveragePool (pads, auto_pad, ceil_mode partial windows,
 * count_include_pad 0 and 1, opset 19 dilations 1), the global pools, the 1-D [N, C, L] forms of
 * the convolutions and pools, grouped Conv / ConvTranspose, Resize (opsets 10, 13, 18: nearest
 * and linear in every coordinate and nearest mode resize2d has, by scales or sizes) and Upsample
 * (7, 9), and Pad (both opset forms, three modes), each through the
 * interpreter, the wasm bundle (SIMD and scalar) and the WebGPU bundle at batch 1, 7 and 64. Tolerance |a − e| ≤ 1e-7 + 1e-3·|e| for pools and pads (max, pad and transposes are
 * exact: 0), and ≤ 1e-5 absolute for convolutions (sums of ≤ 3·3·4 products of values ≤ 1) and
 * batch norms (|y| ≤ ~7 with variance ≥ 0.1).
 * Attributes nnc cannot compute exactly are refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NncError, NncErrorList } from '../../src/errors.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { Random } from '../../src/frontend/random.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize } from '../../src/passes/index.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { DataType, node, tensor, valueInfo, writeOnnxModel, type AttrValue } from '../helpers/onnx-model.js';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { buildWebGpuBundle, byName, dawnGpu } from '../helpers/webgpu.js';
import { buildWasmBundle, outputsByName } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const F = DataType.FLOAT;
const rng = new Random(5);
const values = (n: number) => Array.from({ length: n }, () => rng.uniform(-1, 1));

interface Case {
  readonly name: string;
  /** The input's per-example shape [C, H, W] (or [C, L], 1-D). */
  readonly input: number[];
  readonly nodes: ReturnType<typeof node>[];
  readonly inits?: ReturnType<typeof tensor>[];
  readonly opset?: number;
  /** Absolute part of the tolerance; the relative part is 1e-3 unless `exact`. */
  readonly conv?: boolean;
  readonly exact?: boolean;
}

const C = 3;
const weightInit = (name: string, out: number, k: number[], channels = C) => tensor(name, F, [out, channels, ...k], values(out * channels * k.reduce((p, d) => p * d, 1)));
const convCase = (name: string, attrs: Record<string, AttrValue>, k: number[] = [3, 3], bias = true, input = [C, 7, 8]): Case => ({
  name: `Conv ${name}`,
  input,
  nodes: [node('Conv', ['x', 'w', ...(bias ? ['b'] : [])], 'y', attrs)],
  inits: [weightInit('w', 4, k, input[0]), ...(bias ? [tensor('b', F, [4], values(4))] : [])],
  conv: true,
});
/** Conv with group g of 4 input channels (ResNeXt's grouped convolution): W [6, 4/g, kh, kw], bias [6]. */
const groupedConvCase = (name: string, g: number, attrs: Record<string, AttrValue>): Case => ({
  name: `Conv group ${g} ${name}`,
  input: [4, 7, 8],
  nodes: [node('Conv', ['x', 'w', 'b'], 'y', { group: g, ...attrs })],
  inits: [weightInit('w', 6, [3, 3], 4 / g), tensor('b', F, [6], values(6))],
  conv: true,
});
/** ConvTranspose with group g of 4 input channels: W [4, 6/g, 3, 3], bias [6]. */
const groupedConvTransposeCase = (name: string, g: number, attrs: Record<string, AttrValue>): Case => ({
  name: `ConvTranspose group ${g} ${name}`,
  input: [4, 5, 6],
  nodes: [node('ConvTranspose', ['x', 'w', 'b'], 'y', { group: g, ...attrs })],
  inits: [tensor('w', F, [4, 6 / g, 3, 3], values(4 * (6 / g) * 9)), tensor('b', F, [6], values(6))],
  conv: true,
});
/**
 * Resize of x [C, 4, 5] (or `input`): inputs X, roi (absent), scales or sizes; opset 18 lets
 * sizes name the axes [2, 3] (a constant sizes cannot hold a batch size it does not know).
 */
const resizeCase = (name: string, attrs: Record<string, AttrValue>, by: { scales?: number[]; sizes?: number[] }, opts: { opset?: number; input?: number[] } = {}): Case => {
  const linear = attrs.mode === 'linear';
  const sizes = by.sizes ? [tensor('sizes', DataType.INT64, [by.sizes.length], by.sizes)] : [];
  const scales = by.scales ? [tensor('scales', F, [by.scales.length], by.scales)] : [];
  const inputs = opts.opset === 10 ? ['x', 'scales'] : ['x', '', by.scales ? 'scales' : '', ...(by.sizes ? ['sizes'] : [])];
  return {
    name: `Resize ${name}`,
    input: opts.input ?? [C, 4, 5],
    nodes: [node('Resize', inputs, 'y', { ...attrs, ...(by.sizes && (opts.opset ?? 13) >= 18 ? { axes: [2, 3] } : {}) })],
    inits: [...scales, ...sizes],
    ...(opts.opset ? { opset: opts.opset } : {}),
    ...(linear ? { conv: true } : { exact: true }),
  };
};
/** Upsample (opset 7: scales attribute; 9: scales input). */
const upsampleCase = (opset: 7 | 9, mode: string, scales: number[]): Case => ({
  name: `Upsample opset ${opset} ${mode} scales [${scales.join(', ')}]`,
  input: [C, 4, 5],
  nodes: [node('Upsample', opset === 7 ? ['x'] : ['x', 'scales'], 'y', { mode, ...(opset === 7 ? { scales: { floats: scales } } : {}) })],
  inits: opset === 9 ? [tensor('scales', F, [4], scales)] : [],
  opset,
  ...(mode === 'linear' ? { conv: true } : { exact: true }),
});
/** Conv with group = C: W [C·m, 1, kh, kw], bias [C·m]. */
const depthwiseCase = (name: string, m: number, attrs: Record<string, AttrValue>, k: number[] = [3, 3], bias = true, input = [C, 7, 8]): Case => ({
  name: `Conv depthwise (group ${C}, multiplier ${m}) ${name}`,
  input,
  nodes: [node('Conv', ['x', 'w', ...(bias ? ['b'] : [])], 'y', { group: C, ...attrs })],
  inits: [weightInit('w', C * m, k, 1), ...(bias ? [tensor('b', F, [C * m], values(C * m))] : [])],
  conv: true,
});
/** ConvTranspose: W [C, 4, ...k], bias [4]; a 1-D k with a 1-D input [C, L]. */
const convTransposeCase = (name: string, attrs: Record<string, AttrValue>, k: number[] = [3, 3], bias = true, input = [C, 5, 6]): Case => ({
  name: `ConvTranspose ${name}`,
  input,
  nodes: [node('ConvTranspose', ['x', 'w', ...(bias ? ['b'] : [])], 'y', attrs)],
  inits: [tensor('w', F, [C, 4, ...k], values(C * 4 * k.reduce((p, d) => p * d, 1))), ...(bias ? [tensor('b', F, [4], values(4))] : [])],
  conv: true,
});
/** The four per-channel operands of BatchNormalization (variance in [0.1, 1.5]). */
const batchNormInits = (channels: number, prefix = '') => [
  tensor(`${prefix}scale`, F, [channels], values(channels)),
  tensor(`${prefix}bias`, F, [channels], values(channels)),
  tensor(`${prefix}mean`, F, [channels], values(channels)),
  tensor(`${prefix}var`, F, [channels], Array.from({ length: channels }, () => rng.uniform(0.1, 1.5))),
];
const batchNormCase = (name: string, opset: number, attrs: Record<string, AttrValue>, input = [C, 5, 6]): Case => ({
  name: `BatchNormalization ${name}`,
  input,
  nodes: [node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], 'y', attrs)],
  inits: batchNormInits(input[0]!),
  opset,
  conv: true,
});
const pool = (op: string, name: string, attrs: Record<string, AttrValue>, input = [C, 7, 8], opset?: number): Case => ({
  name: `${op} ${name}`,
  input,
  nodes: [node(op, ['x'], 'y', attrs)],
  exact: op === 'MaxPool',
  ...(opset ? { opset } : {}),
});

const CASES: readonly Case[] = [
  { name: 'Transpose perm [0,2,3,1]', input: [3, 4, 5], nodes: [node('Transpose', ['x'], 'y', { perm: [0, 2, 3, 1] })], exact: true },
  { name: 'Transpose perm [0,3,2,1]', input: [3, 4, 5], nodes: [node('Transpose', ['x'], 'y', { perm: [0, 3, 2, 1] })], exact: true },
  convCase('3x3, no padding, bias', {}),
  convCase('3x3, explicit symmetric pads', { pads: [1, 1, 1, 1] }),
  convCase('3x3, asymmetric pads [0,2,1,0]', { pads: [0, 2, 1, 0] }),
  convCase('SAME_UPPER, strides 2', { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
  convCase('SAME_LOWER, strides 2', { auto_pad: 'SAME_LOWER', strides: [2, 2] }),
  convCase('VALID, strides [1,2], kernel_shape', { auto_pad: 'VALID', strides: [1, 2], kernel_shape: [3, 2] }, [3, 2]),
  convCase('dilations 2, pads 2, no bias', { dilations: [2, 2], pads: [2, 2, 2, 2] }, [3, 3], false),
  convCase('1x1, group 1', { group: 1 }, [1, 1]),
  depthwiseCase('3x3, pads 1', 1, { pads: [1, 1, 1, 1] }),
  depthwiseCase('SAME_UPPER, strides 2', 2, { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
  depthwiseCase('dilations 2, asymmetric pads [0,2,1,0], no bias', 2, { dilations: [2, 2], pads: [0, 2, 1, 0] }, [3, 2], false),
  groupedConvCase('(2 groups), pads 1', 2, { pads: [1, 1, 1, 1] }),
  groupedConvCase('(2 groups), SAME_UPPER, strides 2', 2, { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
  groupedConvCase('(2 groups), dilations [2,1]', 2, { dilations: [2, 1] }),
  groupedConvTransposeCase('(2 groups), strides 2, pads 1, output_padding 1', 2, { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
  groupedConvTransposeCase('(2 groups), kernel 3 stride 1, no pads', 2, {}),
  resizeCase("nearest asymmetric floor, scales 2 (PyTorch's interpolate)", { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { scales: [1, 1, 2, 2] }),
  resizeCase('linear pytorch_half_pixel, scales [2, 3]', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, { scales: [1, 1, 2, 3] }),
  resizeCase('linear align_corners, sizes [7, 9]', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, { sizes: [7, 9] }, { opset: 18 }),
  resizeCase('nearest defaults (half_pixel, round_prefer_floor), sizes [7, 3] from [4, 5]', {}, { sizes: [7, 3] }, { opset: 18 }),
  resizeCase('nearest half_pixel round_prefer_ceil, sizes [3, 8]', { coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_ceil' }, { sizes: [3, 8] }, { opset: 18 }),
  resizeCase('nearest tf_half_pixel_for_nn ceil, scales 3', { coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'ceil' }, { scales: [1, 1, 3, 3] }),
  resizeCase('linear half_pixel down, scales 0.5 from [8, 6]', { mode: 'linear' }, { scales: [1, 1, 0.5, 0.5] }, { input: [C, 8, 6] }),
  resizeCase('linear half_pixel, scales 1.5 from [4, 6]', { mode: 'linear' }, { scales: [1, 1, 1.5, 1.5] }, { input: [C, 4, 6] }),
  resizeCase('nearest asymmetric round_prefer_floor, scales 1.5 from [4, 6]', { coordinate_transformation_mode: 'asymmetric' }, { scales: [1, 1, 1.5, 1.5] }, { input: [C, 4, 6] }),
  resizeCase('opset 10 nearest, scales [2, 3]', { mode: 'nearest' }, { scales: [1, 1, 2, 3] }, { opset: 10 }),
  resizeCase('opset 10 linear, scales 2', { mode: 'linear' }, { scales: [1, 1, 2, 2] }, { opset: 10 }),
  upsampleCase(7, 'nearest', [1, 1, 2, 3]),
  upsampleCase(9, 'linear', [1, 1, 2, 2]),
  convTransposeCase('3x3, no padding, bias', {}),
  convTransposeCase('strides 2, pads 1', { strides: [2, 2], pads: [1, 1, 1, 1] }),
  convTransposeCase('strides [2,1], asymmetric pads [0,1,2,0], kernel_shape', { strides: [2, 1], pads: [0, 1, 2, 0], kernel_shape: [3, 2] }, [3, 2]),
  convTransposeCase('SAME_UPPER, strides 2 (odd total padding)', { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
  convTransposeCase('SAME_LOWER, strides 2 (odd total padding)', { auto_pad: 'SAME_LOWER', strides: [2, 2] }),
  convTransposeCase('VALID, output_shape as computed, no bias', { auto_pad: 'VALID', strides: [2, 2], output_shape: [11, 13], output_padding: [0, 0] }, [3, 3], false),
  convTransposeCase('strides 2, pads 1, output_padding 1 (PyTorch decoder form)', { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
  convTransposeCase('strides [3,2], output_padding [2,1], no pads, no bias', { strides: [3, 2], output_padding: [2, 1] }, [3, 3], false),
  convTransposeCase('dilations 2, strides 2, asymmetric pads [1,0,2,1]', { dilations: [2, 2], strides: [2, 2], pads: [1, 0, 2, 1] }),
  convTransposeCase('dilations [2,3], strides [2,1], output_padding [1,0]', { dilations: [2, 3], strides: [2, 1], output_padding: [1, 0] }, [3, 2]),
  convTransposeCase('SAME_UPPER, strides 2, output_padding 1 (odd total padding)', { auto_pad: 'SAME_UPPER', strides: [2, 2], output_padding: [1, 1] }, [4, 4]),
  convTransposeCase('SAME_LOWER, strides 2, output_padding 1 (odd total padding)', { auto_pad: 'SAME_LOWER', strides: [2, 2], output_padding: [1, 1] }, [4, 4]),
  convTransposeCase('output_shape with odd total padding (the odd cell before)', { strides: [2, 2], output_shape: [10, 12] }),
  convTransposeCase('SAME_UPPER output_shape with odd total padding (the odd cell after)', { auto_pad: 'SAME_UPPER', strides: [2, 2], output_shape: [10, 12] }),
  convTransposeCase('output_shape with output_padding overrides pads', { strides: [2, 2], output_padding: [1, 1], output_shape: [9, 10], pads: [2, 2, 2, 2] }),
  convTransposeCase('1-D [N, C, L]: strides 2, pads 1, output_padding 1', { strides: [2], pads: [1, 1], output_padding: [1] }, [3], true, [C, 9]),
  convCase('1-D [N, C, L]: strides 2, dilations 2, pads [1,2]', { strides: [2], dilations: [2], pads: [1, 2] }, [3], true, [C, 11]),
  convCase('1-D [N, C, L]: SAME_LOWER, kernel_shape', { auto_pad: 'SAME_LOWER', kernel_shape: [4] }, [4], false, [C, 10]),
  depthwiseCase('1-D [N, C, L]: pads 1', 2, { pads: [1, 1] }, [3], true, [C, 10]),
  batchNormCase('opset 7, spatial 1, epsilon, momentum', 7, { spatial: 1, epsilon: 0.01, momentum: 0.8 }),
  batchNormCase('opset 9, default epsilon', 9, {}),
  batchNormCase('opset 14, training_mode 0', 14, { training_mode: 0, epsilon: 0.001 }),
  batchNormCase('opset 15, rank 3 [N, C, L]', 15, {}, [4, 9]),
  batchNormCase('opset 15, rank 2 [N, C]', 15, { epsilon: 0.1 }, [6]),
  {
    name: 'Conv then BatchNormalization then Relu',
    input: [C, 7, 7],
    nodes: [node('Conv', ['x', 'w', 'b'], 'c', { pads: [1, 1, 1, 1] }), node('BatchNormalization', ['c', 'scale', 'bias', 'mean', 'var'], 'n'), node('Relu', ['n'], 'y')],
    inits: [weightInit('w', 4, [3, 3]), tensor('b', F, [4], values(4)), ...batchNormInits(4)],
    conv: true,
  },
  pool('MaxPool', '2x2 strides 2', { kernel_shape: [2, 2], strides: [2, 2] }),
  pool('MaxPool', '3x3 pads 1 (not SAME)', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  pool('MaxPool', 'asymmetric pads [1,0,0,2]', { kernel_shape: [2, 3], pads: [1, 0, 0, 2] }),
  pool('MaxPool', 'SAME_UPPER', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }),
  pool('MaxPool', 'SAME_LOWER', { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' }, [C, 7, 7]),
  pool('MaxPool', 'ceil_mode', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, [C, 7, 7]),
  pool('MaxPool', 'ceil_mode with pads', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, [C, 8, 8]),
  pool('AveragePool', '2x2 strides 2', { kernel_shape: [2, 2], strides: [2, 2] }),
  pool('AveragePool', 'pads 1, count_include_pad', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }),
  pool('AveragePool', 'asymmetric pads, count_include_pad', { kernel_shape: [2, 2], pads: [0, 1, 1, 0], count_include_pad: 1 }),
  pool('AveragePool', 'SAME_UPPER (padding not counted)', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }),
  pool('AveragePool', 'ceil_mode adding no window', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, [C, 6, 8]),
  pool('AveragePool', 'pads 1, strides 2, padding not counted (PyTorch count_include_pad=False)', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, [C, 8, 8]),
  pool('AveragePool', 'asymmetric pads [0,1,2,0], padding not counted', { kernel_shape: [3, 2], pads: [0, 1, 2, 0], count_include_pad: 0 }),
  pool('AveragePool', 'SAME_LOWER, padding not counted', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_LOWER' }, [C, 8, 8]),
  pool('AveragePool', 'SAME_LOWER, count_include_pad', { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER', count_include_pad: 1 }, [C, 7, 7]),
  pool('AveragePool', 'ceil_mode partial window', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, [C, 7, 7]),
  pool('AveragePool', 'ceil_mode partial window, count_include_pad', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, count_include_pad: 1 }, [C, 7, 7]),
  pool('AveragePool', 'ceil_mode with pads, count_include_pad', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }, [C, 8, 8]),
  pool('AveragePool', 'ceil_mode with pads [0,1,1,0], padding not counted', { kernel_shape: [3, 3], strides: [3, 2], pads: [0, 1, 1, 0], ceil_mode: 1 }, [C, 8, 8]),
  pool('AveragePool', 'opset 19, dilations 1', { kernel_shape: [2, 2], strides: [2, 2], dilations: [1, 1] }, [C, 6, 8], 19),
  pool('MaxPool', 'opset 12, dilations 1, ceil_mode with asymmetric pads', { kernel_shape: [3, 2], strides: [2, 2], pads: [0, 1, 1, 0], dilations: [1, 1], ceil_mode: 1 }, [C, 8, 7], 12),
  pool('MaxPool', '1-D [N, C, L]: pads 1, strides 2, ceil_mode', { kernel_shape: [3], strides: [2], pads: [1, 1], ceil_mode: 1 }, [C, 10]),
  pool('AveragePool', '1-D [N, C, L]: pads 1, strides 2, padding not counted', { kernel_shape: [3], strides: [2], pads: [1, 1] }, [C, 10]),
  pool('AveragePool', '1-D [N, C, L]: ceil_mode, count_include_pad', { kernel_shape: [3], strides: [2], pads: [1, 1], ceil_mode: 1, count_include_pad: 1 }, [C, 10]),
  { name: 'GlobalAveragePool', input: [4, 5, 6], nodes: [node('GlobalAveragePool', ['x'], 'y')] },
  { name: 'GlobalMaxPool', input: [4, 5, 6], nodes: [node('GlobalMaxPool', ['x'], 'y')], exact: true },
  { name: 'GlobalAveragePool 1-D [N, C, L]', input: [4, 9], nodes: [node('GlobalAveragePool', ['x'], 'y')] },
  { name: 'GlobalMaxPool 1-D [N, C, L]', input: [4, 9], nodes: [node('GlobalMaxPool', ['x'], 'y')], exact: true },
  {
    name: '1-D chain: Conv, Relu, MaxPool, ConvTranspose',
    input: [C, 12],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], 'c1', { pads: [1, 1] }),
      node('Relu', ['c1'], 'r1'),
      node('MaxPool', ['r1'], 'p', { kernel_shape: [2], strides: [2] }),
      node('ConvTranspose', ['p', 'w2'], 'y', { strides: [2], pads: [1, 1], output_padding: [1] }),
    ],
    inits: [weightInit('w1', 4, [3]), tensor('b1', F, [4], values(4)), tensor('w2', F, [4, 2, 3], values(24))],
    conv: true,
  },
  { name: 'Pad opset 2 attribute form, constant 0', input: [2, 3, 4], nodes: [node('Pad', ['x'], 'y', { pads: [0, 0, 1, 2, 0, 0, 2, 1] })], opset: 10, exact: true },
  { name: 'Pad opset 2, constant 1.5', input: [2, 3, 4], nodes: [node('Pad', ['x'], 'y', { pads: [0, 1, 0, 1, 0, 0, 2, 0], value: 1.5 })], opset: 10, exact: true },
  {
    name: 'Pad opset 13 input form, reflect',
    input: [2, 4, 5],
    nodes: [node('Pad', ['x', 'pads'], 'y', { mode: 'reflect' })],
    inits: [tensor('pads', DataType.INT64, [8], [0, 0, 2, 1, 0, 0, 1, 3])],
    exact: true,
  },
  {
    name: 'Pad opset 13, edge, with a crop',
    input: [2, 4, 5],
    nodes: [node('Pad', ['x', 'pads'], 'y', { mode: 'edge' })],
    inits: [tensor('pads', DataType.INT64, [8], [0, 0, 2, -1, 0, 0, 1, 2])],
    exact: true,
  },
  {
    name: 'Pad opset 18 with axes and constant_value',
    input: [2, 4, 5],
    nodes: [node('Pad', ['x', 'pads', 'v', 'axes'], 'y')],
    inits: [tensor('pads', DataType.INT64, [4], [1, 2, 0, 1]), tensor('v', F, [], [-0.25]), tensor('axes', DataType.INT64, [2], [3, 2])],
    opset: 18,
    exact: true,
  },
  {
    name: 'NCHW chain: Conv, Relu, Conv, MaxPool, GlobalAveragePool',
    input: [C, 9, 9],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], 'c1', { pads: [1, 1, 1, 1] }),
      node('Relu', ['c1'], 'r1'),
      node('Conv', ['r1', 'w2'], 'c2', { strides: [2, 2] }),
      node('MaxPool', ['c2'], 'p', { kernel_shape: [2, 2] }),
      node('GlobalAveragePool', ['p'], 'y'),
    ],
    inits: [weightInit('w1', 4, [3, 3]), tensor('b1', F, [4], values(4)), weightInit('w2', 5, [3, 3], 4)],
    conv: true,
  },
];

function modelOf(c: Case): string {
  return writeOnnxModel({
    nodes: c.nodes,
    initializers: c.inits ?? [],
    inputs: [valueInfo('x', F, ['N', ...c.input])],
    outputs: [valueInfo('y', F)],
    opset: c.opset ?? 13,
  });
}

function within(got: ArrayLike<number>, want: ArrayLike<number>, c: Case): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [got[i]!, want[i]!];
    const bound = c.exact ? 0 : c.conv ? 1e-5 : 1e-7 + 1e-3 * Math.abs(e);
    if (!(Math.abs(a - e) <= bound)) return `index ${i}: ${a} vs ${e} (bound ${bound})`;
  }
  return undefined;
}

beforeAll(async () => {
  await dawnGpu();
});
afterAll(removeTempDirs);

describe('ONNX image ops vs onnxruntime', () => {
  for (const c of CASES)
    it(`${c.name}: interpreter, wasm and webgpu`, async () => {
      const path = modelOf(c);
      const graph = loadOnnxGraph(path);
      verifyGraph(graph, { requireWeightData: true });
      const session = await onnxSession(path);
      const wasm = await (await buildWasmBundle(graph)).import();
      const builds = { 'wasm simd': await wasm.load(), 'wasm scalar': await wasm.load({ simd: false }) };
      const gpu = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        for (const batch of [1, 7, 64]) {
          const dims = [batch, ...c.input];
          const data = Float32Array.from(values(dims.reduce((p, d) => p * d, 1)));
          const want = (await session.run({ x: new ort.Tensor('float32', data, dims) })).y!;
          const results: Record<string, ArrayLike<number>> = {
            interpreter: interpret(graph, { x: { shape: dims, data } }).y!.data,
            ...Object.fromEntries(Object.entries(builds).map(([k, m]) => [k, outputsByName(m.predict(data, batch), ['y']).y!])),
            webgpu: byName(await gpu.predict(data, batch), ['y']).y!,
          };
          expect(graph.outputs[0]!.node.type.shape.slice(1)).toEqual(want.dims.slice(1));
          for (const [backend, got] of Object.entries(results)) expect(within(got, want.data as Float32Array, c), `${backend}, batch ${batch}`).toBeUndefined();
        }
      } finally {
        gpu.dispose();
      }
    });

  it("group = C imports as depthwise_conv2d [kh, kw, C, m]; ConvTranspose as conv2d_grad_input [kh, kw, Cout, Cin], 'same' or then a crop", () => {
    const ops = (name: string) => loadOnnxGraph(modelOf(CASES.find((c) => c.name === name)!)).nodes;
    const depthwise = ops(`Conv depthwise (group ${C}, multiplier 2) SAME_UPPER, strides 2`).find((n) => n.op === 'depthwise_conv2d')!;
    expect(depthwise.inputs[1]!.type.shape).toEqual([3, 3, C, 2]);
    // Pads 1 around a 3x3 kernel at stride 2 are the IR's 'same' for the conv over the 9x11 result.
    const same = ops('ConvTranspose strides 2, pads 1');
    const sameOp = same.find((n) => n.op === 'conv2d_grad_input')!;
    expect([sameOp.inputs[1]!.type.shape, sameOp.attrs.padding, sameOp.attrs.size]).toEqual([[3, 3, 4, C], 'same', [9, 11]]);
    expect(same.filter((n) => n.op === 'slice')).toEqual([]);
    // Asymmetric pads [0,1,2,0] are not: the full 11x7 result is made, then cropped.
    const cropped = ops('ConvTranspose strides [2,1], asymmetric pads [0,1,2,0], kernel_shape');
    expect(cropped.find((n) => n.op === 'conv2d_grad_input')!.attrs.size).toEqual([11, 7]);
    expect(cropped.filter((n) => n.op === 'slice').map((n) => [n.attrs.axis, n.attrs.begin, n.attrs.size])).toEqual([
      [1, 0, 9],
      [2, 1, 6],
    ]);
    // output_padding lengthens the full result conv2d_grad_input makes; dilations pass through.
    const padded = ops('ConvTranspose dilations [2,3], strides [2,1], output_padding [1,0]').find((n) => n.op === 'conv2d_grad_input')!;
    expect([padded.attrs.size, padded.attrs.dilations]).toEqual([
      [14, 9],
      [2, 3],
    ]);
  });

  it('AveragePool not counting pads: a zero pad, a whole-window avg_pool2d, and one mul by area / count', () => {
    const graph = loadOnnxGraph(modelOf(CASES.find((c) => c.name === 'AveragePool pads 1, strides 2, padding not counted (PyTorch count_include_pad=False)')!));
    expect(graph.nodes.find((n) => n.op === 'avg_pool2d')!.attrs.padding).toBe('valid');
    const scale = graph.nodes.find((n) => n.op === 'mul')!.inputs[1]!;
    expect(scale.type.shape).toEqual([4, 4, 1]);
    // 8 cells padded 1 / 1: the first window along an axis holds 2 of x's cells, the others 3.
    expect(Array.from(graph.weights.get(scale.name!)!.slice(0, 5))).toEqual([9 / 4, 9 / 6, 9 / 6, 9 / 6, 9 / 6].map(Math.fround));
  });

  it('Conv + BatchNormalization: the batch norm folds into the convolution, leaving the boundary transposes', () => {
    const graph = optimize(loadOnnxGraph(modelOf(CASES.find((c) => c.name === 'Conv then BatchNormalization then Relu')!)));
    expect(graph.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
    expect(graph.nodes.find((n) => n.op === 'conv2d')!.inputs[1]!.name).toMatch(/\.batch_norm$/);
    expect(graph.nodes.filter((n) => n.op === 'transpose')).toHaveLength(2);
  });

  it('the NCHW chain keeps only its boundary transposes after optimization', () => {
    const graph = optimize(loadOnnxGraph(modelOf(CASES.at(-1)!)));
    expect(graph.nodes.filter((n) => n.op === 'transpose').map((n) => n.attrs.perm)).toEqual([
      [0, 2, 3, 1],
      [0, 3, 1, 2],
    ]);
  });
});

describe('ONNX image ops refused by name', () => {
  const refusal = (c: Case): string => {
    const e = catchNnc(() => loadOnnxGraph(modelOf(c))) as NncError & Partial<NncErrorList>;
    return [e.message, ...(e.errors ?? []).map((x) => x.message)].join('\n');
  };

  it('Resize: cubic, tf_crop_and_resize, antialias, a scale whose output is not in · scale, the channels resized', () => {
    expect(refusal(resizeCase('cubic', { mode: 'cubic' }, { scales: [1, 1, 2, 2] }))).toMatch(/mode.*cubic/);
    expect(refusal(resizeCase('crop', { coordinate_transformation_mode: 'tf_crop_and_resize' }, { scales: [1, 1, 2, 2] }))).toMatch(/coordinate_transformation_mode.*tf_crop_and_resize/);
    expect(refusal(resizeCase('antialias', { mode: 'linear', antialias: 1 }, { scales: [1, 1, 0.5, 0.5] }, { opset: 18, input: [C, 8, 6] }))).toMatch(/antialias/);
    expect(refusal(resizeCase('scale 1.5 of 5', {}, { scales: [1, 1, 2, 1.5] }))).toMatch(/scale 1.5 of axis 3 makes 7.5 cells from 5: resize2d takes a scale only where the output size is in · scale exactly/);
    expect(refusal(resizeCase('channels', {}, { scales: [1, 2, 2, 2] }))).toMatch(/resizes the batch or channel axis/);
  });

  it('Conv and ConvTranspose groups that do not divide the channels', () => {
    expect(refusal(convCase('group 3', { group: 3 }, [3, 3], true, [4, 6, 6]))).toMatch(/group.*3.*must divide the 4 input channels and the 4 output channels/);
    expect(refusal(convTransposeCase('group 2', { group: 2 }))).toMatch(/group.*2.*must divide the 3 input channels/);
  });
  it('ConvTranspose output_padding ≥ strides, an output_shape past the full result or of the wrong length, SAME with a kernel < strides', () => {
    const e = catchNnc(() => loadOnnxGraph(modelOf(convTransposeCase('output_padding', { strides: [2, 2], output_padding: [2, 0] })))) as NncErrorList;
    expect([e.code, e.errors[0]!.location.node, e.hint]).toEqual(['NNC6001', 'y', expect.any(String)]);
    expect(e.errors[0]!.message).toMatch(/ConvTranspose.*output_padding.*\[2,0\].*less than strides \[2, 2\]/);
    expect(refusal(convTransposeCase('output_padding, dilated', { dilations: [3, 3], output_padding: [2, 2] }))).toMatch(/output_padding.*less than strides/);
    expect(refusal(convTransposeCase('output_shape', { strides: [2, 2], output_shape: [12, 13] }))).toMatch(/output_shape.*larger than the full result \[11, 13\]/);
    expect(refusal(convTransposeCase('output_shape NCHW', { strides: [2, 2], output_shape: [1, 4, 11, 13] }))).toMatch(/output_shape.*2 entries/);
    expect(refusal(convTransposeCase('SAME, kernel < strides', { auto_pad: 'SAME_UPPER', strides: [3, 3] }, [2, 2]))).toMatch(/auto_pad.*strides/);
  });
  it('1-D and 3-D forms: a per-axis attribute of the wrong length, and three spatial axes', () => {
    expect(refusal(convCase('1-D, strides for 2 axes', { strides: [2, 2] }, [3], true, [C, 9]))).toMatch(/strides.*1 entry \(1 spatial axis\)/);
    expect(refusal(pool('MaxPool', '1-D, pads for 2 axes', { kernel_shape: [2], pads: [1, 1, 1, 1] }, [C, 9]))).toMatch(/pads.*2 entries/);
    expect(refusal(pool('AveragePool', '3-D', { kernel_shape: [2, 2, 2] }, [C, 4, 4, 4]))).toMatch(/1 or 2 spatial axes.*\[\?,3,4,4,4\]/);
  });
  it('BatchNormalization spatial 0, training_mode 1, and a read training output', () => {
    expect(refusal(batchNormCase('spatial 0', 7, { spatial: 0 }))).toMatch(/spatial/);
    expect(refusal(batchNormCase('training', 14, { training_mode: 1 }))).toMatch(/training_mode/);
    const stats: Case = {
      name: 'running mean read',
      input: [C, 4, 4],
      nodes: [
        { ...node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], 'n'), output: ['n', 'running_mean'] } as ReturnType<typeof node>,
        node('Add', ['n', 'running_mean'], 'y'),
      ],
      inits: batchNormInits(C),
      opset: 9,
    };
    expect(refusal(stats)).toMatch(/output 1 \('running_mean'\) is a training output/);
  });
  it('MaxPool dilations, storage_order, and a read Indices output', () => {
    expect(refusal(pool('MaxPool', 'dilated', { kernel_shape: [2, 2], dilations: [2, 2] }))).toMatch(/dilations.*no dilated pooling/);
    expect(refusal(pool('MaxPool', 'storage order', { kernel_shape: [2, 2], storage_order: 1 }))).toMatch(/storage_order/);
    const withIndices: Case = {
      name: 'indices',
      input: [C, 4, 4],
      nodes: [{ ...node('MaxPool', ['x'], 'y', { kernel_shape: [2, 2] }), output: ['y', 'i'] } as ReturnType<typeof node>, node('Cast', ['i'], 'z', { to: DataType.FLOAT })],
    };
    expect(refusal(withIndices)).toMatch(/output 1/);
  });
  it('AveragePool dilations (opset 19), and pads leaving a window with no cell of x', () => {
    expect(refusal(pool('AveragePool', 'dilated', { kernel_shape: [2, 2], dilations: [1, 2] }, [C, 7, 8], 19))).toMatch(/dilations.*no dilated pooling/);
    expect(refusal(pool('AveragePool', 'empty window', { kernel_shape: [2, 2], pads: [2, 0, 0, 0] }))).toMatch(/pads.*no cell of x/);
  });
  it('Pad mode wrap and padding the batch axis', () => {
    const wrap: Case = { name: 'wrap', input: [2, 3, 3], nodes: [node('Pad', ['x', 'pads'], 'y', { mode: 'wrap' })], inits: [tensor('pads', DataType.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1])], opset: 19 };
    expect(refusal(wrap)).toMatch(/mode/);
    const batch: Case = { name: 'batch', input: [2, 3, 3], nodes: [node('Pad', ['x', 'pads'], 'y')], inits: [tensor('pads', DataType.INT64, [8], [1, 0, 0, 0, 0, 0, 0, 0])] };
    expect(refusal(batch)).toMatch(/batch/);
  });
});
