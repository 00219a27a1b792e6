/**
 * sum-pooled-gradients: a sum over the cells of a max-pooling gradient whose windows tile x is
 * taken over the pooled windows, e(max_pool2d(x), dy), where the epilogue e vanishes with the
 * routed share; the interpreter gives the same sums before and after, on ties, zeros, -0 and NaN
 * cells. Left alone: windows that do not tile x, a sum that keeps a window axis, an epilogue that
 * does not vanish.
 */
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { arg, lit, mul, parseScalar, vanishesWith } from '../../src/ir/scalar-expr.js';
import { tensor } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { sumPooledGradients } from '../../src/passes/sum-pooled-gradients.js';
import { expectPass, ir } from './pass-case.js';

const MASK = 'mul($1,select($0,1,0))';

describe('sum-pooled-gradients', () => {
  it('sums the bias gradient of a pooled relu over the windows, reusing the forward pooling', () => {
    expectPass(
      sumPooledGradients,
      ir`
        %x = input : f32[?,4,6,3]
        %dy = input : f32[?,2,3,3]
        %0 = max_pool2d %x : f32[?,2,3,3]
        %1 = max_pool2d_grad %x, %dy {epilogue="${MASK}"} : f32[?,4,6,3]
        %2 = reduce_sum %1 {axes=[0,1,2]} : f32[3]
        output "pooled" = %0
        output "dx" = %1
        output "db" = %2
      `,
      ir`
        %x = input : f32[?,4,6,3]
        %dy = input : f32[?,2,3,3]
        %0 = max_pool2d %x : f32[?,2,3,3]
        %1 = max_pool2d_grad %x, %dy {epilogue="${MASK}"} : f32[?,4,6,3]
        %2 = elementwise %0, %dy {expr="${MASK}"} : f32[?,2,3,3]
        %3 = reduce_sum %2 {axes=[0,1,2]} : f32[3]
        output "pooled" = %0
        output "dx" = %1
        output "db" = %3
      `,
    );
  });

  it('gives the sums the routed cells give: ties, zeros, -0 and NaN in x, windows of 2x2 and 3x2', () => {
    for (const [pool, shape, out] of [
      [[2, 2], [4, 6], [2, 3]],
      [[3, 2], [6, 4], [2, 2]],
    ] as const) {
      const text = `
        %x = input : f32[?,${shape.join(',')},3]
        %dy = input : f32[?,${out.join(',')},3]
        %0 = max_pool2d_grad %x, %dy {pool=[${pool.join(',')}], strides=[${pool.join(',')}], epilogue="${MASK}"} : f32[?,${shape.join(',')},3]
        %1 = reduce_sum %0 {axes=[1,2]} : f32[?,3]
        %2 = reduce_sum %0 {axes=[0,1,2], keepdims=true} : f32[1,1,1,3]
        output "per_image" = %1
        output "all" = %2`;
      const before = parseGraph(text);
      const after = sumPooledGradients(before);
      verifyGraph(after);
      expect(printGraph(after)).not.toContain('max_pool2d_grad');
      const rows = 3;
      const cells = rows * shape[0] * shape[1] * 3;
      // Small integers make ties; some cells are 0, -0 or NaN.
      const x = Float32Array.from({ length: cells }, (_, i) => (i % 17 === 5 ? NaN : i % 13 === 7 ? -0 : ((i * 7) % 5) - 2));
      const dy = Float32Array.from({ length: rows * out[0] * out[1] * 3 }, (_, i) => Math.sin(i + 1));
      const inputs = { x: tensor([rows, ...shape, 3], x), dy: tensor([rows, ...out, 3], dy) };
      const [want, got] = [interpret(before, inputs), interpret(after, inputs)];
      for (const name of ['per_image', 'all']) {
        const [a, b] = [want[name]!.data, got[name]!.data];
        expect(b.length).toBe(a.length);
        a.forEach((v, i) => expect(Math.abs(b[i]! - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
      }
    }
  });

  it('sums dy itself when the gradient has no epilogue', () => {
    const after = sumPooledGradients(
      parseGraph(`
        %x = input : f32[?,4,4,2]
        %dy = input : f32[?,2,2,2]
        %0 = max_pool2d_grad %x, %dy : f32[?,4,4,2]
        %1 = reduce_sum %0 {axes=[0,1,2]} : f32[2]
        output "db" = %1`),
    );
    expect(printGraph(after)).toContain('reduce_sum %dy {axes=[0,1,2]}');
    expect(printGraph(after)).not.toContain('max_pool2d');
  });

  it('leaves windows that do not tile x, a sum that keeps a window axis, and an epilogue that does not vanish', () => {
    const kept = [
      ['f32[?,5,5,2]', 'f32[?,2,2,2]', '', '[0,1,2]', 'f32[2]'],
      ['f32[?,4,4,2]', 'f32[?,2,2,2]', '', '[0,1]', 'f32[4,2]'],
      ['f32[?,4,4,2]', 'f32[?,2,2,2]', ' {epilogue="add($1,$0)"}', '[0,1,2]', 'f32[2]'],
      ['f32[?,4,4,2]', 'f32[?,2,2,2]', ' {epilogue="mul($1,$0)"}', '[0,1,2]', 'f32[2]'],
    ];
    for (const [x, dy, epilogue, axes, out] of kept) {
      const text = ir`
        %x = input : ${x}
        %dy = input : ${dy}
        %0 = max_pool2d_grad %x, %dy${epilogue} : ${x}
        %1 = reduce_sum %0 {axes=${axes}} : ${out}
        output "s" = %1
      `;
      expectPass(sumPooledGradients, text, printGraph(parseGraph(text)));
    }
  });
});

describe('vanishesWith', () => {
  it('proves zero from a zero argument only where the other terms are finite', () => {
    const cases: [string, boolean][] = [
      [MASK, true],
      ['mul($1,2)', true],
      ['neg(sub($1,mul($1,0.5)))', true],
      ['select($0,$1,0)', true],
      ['$1', true],
      ['mul($1,$0)', false], // $0 may be inf or NaN
      ['add($1,$0)', false],
      ['select($0,$1,1)', false],
      ['exp($1)', false],
      ['$0', false],
    ];
    for (const [text, expected] of cases) expect(vanishesWith(parseScalar(text), 1), text).toBe(expected);
    // An infinite constant factor: 0 · inf is NaN.
    expect(vanishesWith(mul(arg(1), lit(Infinity)), 1)).toBe(false);
  });
});
