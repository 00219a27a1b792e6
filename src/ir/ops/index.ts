import type { OpDef } from '../registry.js';
import { add } from './add.js';
import { cast } from './cast.js';
import { equal, greater, greaterEqual, less, lessEqual } from './compare.js';
import { abs, ceil, erf, exp, floor, log, neg, pow, reciprocal, sign, sqrt } from './math.js';
import { and, not, or, where, xor } from './logic.js';
import { prelu } from './prelu.js';
import { celu } from './celu.js';
import { hardSwish } from './hard_swish.js';
import { softsign } from './softsign.js';
import { argmax } from './argmax.js';
import { avgPool2d } from './avg_pool2d.js';
import { avgPool2dGrad } from './avg_pool2d_grad.js';
import { concat } from './concat.js';
import { conv2d } from './conv2d.js';
import { conv2dGradFilter } from './conv2d_grad_filter.js';
import { conv2dGradInput } from './conv2d_grad_input.js';
import { resize2d } from './resize2d.js';
import { resize2dGrad } from './resize2d_grad.js';
import { dense } from './dense.js';
import { div } from './div.js';
import { dropout } from './dropout.js';
import { dropoutTrain } from './dropout_train.js';
import { elementwise } from './elementwise.js';
import { elu } from './elu.js';
import { gelu } from './gelu.js';
import { hardSigmoid } from './hard_sigmoid.js';
import { relu6 } from './relu6.js';
import { depthwiseConv2d } from './depthwise_conv2d.js';
import { depthwiseConv2dGradInput } from './depthwise_conv2d_grad_input.js';
import { depthwiseConv2dGradFilter } from './depthwise_conv2d_grad_filter.js';
import { identity } from './identity.js';
import { leakyRelu } from './leaky_relu.js';
import { logSoftmax } from './log_softmax.js';
import { matmul } from './matmul.js';
import { matmulNt } from './matmul_nt.js';
import { matmulTn } from './matmul_tn.js';
import { maxPool2d } from './max_pool2d.js';
import { maxPool2dGrad } from './max_pool2d_grad.js';
import { maximum, minimum } from './maximum.js';
import { mul } from './mul.js';
import { oneHot } from './one_hot.js';
import { pad } from './pad.js';
import { reduceMax } from './reduce_max.js';
import { reduceMean } from './reduce_mean.js';
import { reduceSum } from './reduce_sum.js';
import { reduceProd } from './reduce_prod.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { result } from './result.js';
import { selu } from './selu.js';
import { sigmoid } from './sigmoid.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { softplus } from './softplus.js';
import { split } from './split.js';
import { constant, input, weight } from './sources.js';
import { sub } from './sub.js';
import { swish } from './swish.js';
import { tanh } from './tanh.js';
import { unreduce } from './unreduce.js';
import { transpose } from './transpose.js';
import { batchNorm } from './batch_norm.js';

/** The op table: one line per op. Backends look their kernels up by these names. */
const OPS: readonly OpDef[] = [
  input, weight, constant,
  matmul, dense,
  conv2d,
  add, sub, mul, div,
  relu, sigmoid, tanh, elu, selu, leakyRelu, swish, softplus, gelu, hardSigmoid,
  softmax, reshape, concat, identity, dropout,
  elementwise,
  // Dtypes: comparisons (bool results) and conversions.
  equal, less, greater, cast,
  // Several results: the op and the projection that reads one of them.
  split, result,
  // 2-D pooling (channels-last), its gradients, and reduce_max (global max pooling).
  maxPool2d, avgPool2d, maxPool2dGrad, avgPool2dGrad, reduceMax,
  // Training graphs: gradient products, reductions, loss and metric helpers.
  matmulNt, matmulTn, reduceSum, reduceMean, unreduce, slice, pad, dropoutTrain, logSoftmax, oneHot, argmax,
  conv2dGradInput, conv2dGradFilter,
  // Elementwise extrema (the Maximum / Minimum merge layers).
  maximum, minimum,
  // Layout: axis permutation (channels-first models and NCHW imports run through it).
  transpose,
  // Normalization (its training form lowers to reductions; see TrainingForm).
  batchNorm,
  // Image resizing (UpSampling1D / 2D) and its gradient.
  resize2d, resize2dGrad,
  // Depthwise convolution (one filter bank per input channel), its gradients; relu6.
  depthwiseConv2d, depthwiseConv2dGradInput, depthwiseConv2dGradFilter, relu6,
  // Elementwise math, activations, comparisons and logic of imported graphs (ONNX).
  abs, neg, sign, exp, log, sqrt, reciprocal, erf, floor, ceil, pow,
  prelu, celu, hardSwish, softsign,
  lessEqual, greaterEqual, not, and, or, xor, where,
  reduceProd,
];

export const opRegistry: ReadonlyMap<string, OpDef> = new Map(OPS.map((op) => [op.name, op]));

