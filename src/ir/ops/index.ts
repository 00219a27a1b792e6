import type { OpDef } from '../registry.js';
import { add } from './add.js';
import { concat } from './concat.js';
import { dense } from './dense.js';
import { div } from './div.js';
import { dropout } from './dropout.js';
import { elementwise } from './elementwise.js';
import { elu } from './elu.js';
import { gelu } from './gelu.js';
import { identity } from './identity.js';
import { leakyRelu } from './leaky_relu.js';
import { matmul } from './matmul.js';
import { mul } from './mul.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { selu } from './selu.js';
import { sigmoid } from './sigmoid.js';
import { softmax } from './softmax.js';
import { softplus } from './softplus.js';
import { constant, input, weight } from './sources.js';
import { sub } from './sub.js';
import { swish } from './swish.js';
import { tanh } from './tanh.js';

/** The op table: one line per op. Backends look their kernels up by these names. */
const OPS: readonly OpDef[] = [
  input, weight, constant,
  matmul, dense,
  add, sub, mul, div,
  relu, sigmoid, tanh, elu, selu, leakyRelu, swish, softplus, gelu,
  softmax, reshape, concat, identity, dropout,
  elementwise,
];

export const opRegistry: ReadonlyMap<string, OpDef> = new Map(OPS.map((op) => [op.name, op]));

