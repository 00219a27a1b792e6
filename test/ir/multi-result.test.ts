/**
 * Nodes with several results: a multi-result node (split) and its `result` projections through
 * the builder, the IR text, the verifier, the interpreter and the passes that rebuild graphs.
 */
import { describe, expect, it } from 'vitest';
import { NncError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph, Node } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { tensor } from '../../src/ir/tensor.js';
import { tensorType } from '../../src/ir/types.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { optimize } from '../../src/passes/index.js';
import { expectPass, ir } from '../passes/pass-case.js';

const TEXT = ir`
  %x = input : f32[?,2,5]
  %0 = relu %x : f32[?,2,5]
  %1, %2, %3 = split %0 {axis=2, sizes=[1,3,1]} : f32[?,2,1], f32[?,2,3], f32[?,2,1]
  %4 = tanh %3 : f32[?,2,1]
  %5 = mul %2, %4 : f32[?,2,3]
  %6, _ = split %5 {axis=-1, sizes=[2,1]} : f32[?,2,2], f32[?,2,1]
  output "a" = %6
  output "b" = %1
`;

function verifyError(graph: Graph): string {
  try {
    verifyGraph(graph);
  } catch (e) {
    expect(e).toBeInstanceOf(NncError);
    expect((e as NncError).code).toBe('NNC2007');
    return (e as NncError).message;
  }
  throw new Error('the verifier accepted the graph');
}

/** x : f32[?,6] split into [2,4], with the projections; `extra` may add malformed nodes. */
function splitGraph(extra: (b: GraphBuilder, split: Node, parts: Node[]) => Node): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', tensorType([null, 6]));
  const parts = b.multi('split', [x], { axis: 1, sizes: [2, 4] });
  b.output('y', extra(b, parts[0]!.inputs[0]!, parts));
  return b.build();
}

describe('multi-result nodes', () => {
  it('print on one line with their projections, and parse back to the same text', () => {
    const graph = parseGraph(TEXT);
    verifyGraph(graph);
    expect(printGraph(graph)).toBe(TEXT);
    expect(printGraph(parseGraph(printGraph(graph)))).toBe(TEXT);
    const split = graph.nodes[2]!;
    expect(split.op).toBe('split');
    expect(split.results?.map((t) => t.shape)).toEqual([[null, 2, 1], [null, 2, 3], [null, 2, 1]]);
    expect(graph.nodes.slice(3, 6).map((n) => [n.op, n.attrs.index, n.inputs[0]])).toEqual([0, 1, 2].map((k) => ['result', k, split]));
  });

  it('builder.multi returns one projection per result, numbered in result order by the printer', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 5]));
    const [p, q] = b.multi('split', [x], { axis: 1, sizes: [2, 3] });
    // Used in the opposite order: the names still follow the result order.
    b.output('q', b.op('sigmoid', [q!]));
    b.output('p', p!);
    const text = printGraph(b.build());
    expect(text).toBe(ir`
      %x = input : f32[?,5]
      %0, %1 = split %x {axis=1, sizes=[2,3]} : f32[?,2], f32[?,3]
      %2 = sigmoid %1 : f32[?,3]
      output "q" = %2
      output "p" = %0
    `);
    expect(printGraph(parseGraph(text))).toBe(text);
  });

  it('are built only through multi, and single-result ops only through op', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 5]));
    expect(() => b.op('split', [x], { axis: 1, sizes: [2, 3] })).toThrow(/NNC2007.*several results.*GraphBuilder\.multi/);
    expect(() => b.multi('relu', [x])).toThrow(/NNC2007.*one result/);
    expect(() => b.multi('split', [x], { axis: 1, sizes: [2, 2] })).toThrow(/NNC2003.*add up to 4.*extent 5/);
    expect(() => b.multi('split', [x], { axis: 0, sizes: [1] })).toThrow(/NNC2003.*batch axis/);
  });

  it('parse errors: one name per result, one result for other ops', () => {
    expect(() => parseGraph('%x = input : f32[?,5]\n%0 = split %x {axis=1, sizes=[2,3]} : f32[?,2], f32[?,3]\n')).toThrow(/NNC3001.*1 names for 2 result types/);
    expect(() => parseGraph('%x = input : f32[?,5]\n%0, %1 = relu %x : f32[?,5], f32[?,5]\n')).toThrow(/NNC3001.*'relu' has exactly one result/);
    expect(() => parseGraph('%x = input : f32[?,5]\n%0, %0 = split %x {axis=1, sizes=[2,3]} : f32[?,2], f32[?,3]\n')).toThrow(/NNC3001.*%0 is defined twice/);
  });

  it('verifier: rejects a projection index out of range', () => {
    const graph = splitGraph((b, split) => b.raw('result', [split], { index: 2 }, tensorType([null, 4])));
    expect(verifyError(graph)).toMatch(/result index 2 is out of range: split has 2 results/);
    expect(verifyError(splitGraph((b, split) => b.raw('result', [split], { index: -1 }, tensorType([null, 2]))))).toMatch(/result index -1 is out of range/);
  });

  it("verifier: rejects a projection whose type is not its result's", () => {
    const graph = splitGraph((b, split) => b.raw('result', [split], { index: 1 }, tensorType([null, 2])));
    expect(verifyError(graph)).toMatch(/stated type f32\[\?,2\] but result 1 of split is f32\[\?,4\]/);
  });

  it('verifier: rejects a result projected twice, a projection of a plain value, and a multi-result node used as a value', () => {
    // The builder's projections cover both results already; another one duplicates index 0.
    expect(verifyError(splitGraph((b, split) => b.project(split, 0)))).toMatch(/result 0 of %0 is projected twice/);
    expect(verifyError(parseGraph('%x = input : f32[?,5]\n%0 = result %x {index=0} : f32[?,5]\noutput "y" = %0\n'))).toMatch(
      /result reads %x, which is not a multi-result node/,
    );
    expect(verifyError(splitGraph((b, split) => b.op('relu', [split])))).toMatch(/%0 has 2 results: read them through result projections/);
    expect(verifyError(splitGraph((_b, split) => split))).toMatch(/output 'y' is a multi-result node/);
  });

  it('verifier: rejects stated result types that shape inference disagrees with', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 6]));
    const node = b.rawMulti('split', [x], { axis: 1, sizes: [2, 4] }, [tensorType([null, 2]), tensorType([null, 3])]);
    b.output('y', b.project(node, 0));
    expect(verifyError(b.build())).toMatch(/stated types f32\[\?,2\], f32\[\?,3\] but split infers f32\[\?,2\], f32\[\?,4\]/);
  });

  it('interpreter: each projection holds its piece', () => {
    const graph = parseGraph(TEXT);
    const x = Float32Array.from({ length: 20 }, (_, i) => i - 6);
    const out = interpret(graph, { x: tensor([2, 2, 5], x) });
    const relu = Array.from(x, (v) => Math.max(0, v));
    const at = (r: number, c: number, k: number) => relu[r * 10 + c * 5 + k]!;
    expect(Array.from(out.b!.data)).toEqual([at(0, 0, 0), at(0, 1, 0), at(1, 0, 0), at(1, 1, 0)]);
    expect(out.a!.shape).toEqual([2, 2, 2]);
    const want: number[] = [];
    for (const r of [0, 1]) for (const c of [0, 1]) for (const k of [1, 2]) want.push(Math.fround(at(r, c, k) * Math.fround(Math.tanh(at(r, c, 4)))));
    expect(Array.from(out.a!.data)).toEqual(want);
  });

  it('DCE keeps a multi-result node while any projection is used, and drops the unused projections', () => {
    expectPass(
      eliminateDeadCode,
      ir`
        %x = input : f32[?,6]
        %0, %1, %2 = split %x {axis=1, sizes=[1,2,3]} : f32[?,1], f32[?,2], f32[?,3]
        %3, %4 = split %x {axis=1, sizes=[3,3]} : f32[?,3], f32[?,3]
        %5 = relu %1 : f32[?,2]
        output "y" = %5
      `,
      ir`
        %x = input : f32[?,6]
        _, %0, _ = split %x {axis=1, sizes=[1,2,3]} : f32[?,1], f32[?,2], f32[?,3]
        %1 = relu %0 : f32[?,2]
        output "y" = %1
      `,
    );
  });

  it('survives the whole pipeline (canonicalize, fold, cse, dce, fuse), constant operands included', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4]));
    const [c0, c1] = b.multi('split', [b.constant([1, 2, 3, 4], tensorType([4]))], { axis: 0, sizes: [1, 3] });
    const [p, q] = b.multi('split', [b.op('identity', [b.op('add', [x, b.op('concat', [c1!, c0!], { axis: 0 })])])], { axis: 1, sizes: [3, 1] });
    b.output('y', b.op('relu', [b.op('tanh', [p!])]));
    b.output('z', q!);
    const graph = b.build();
    const optimized = optimize(graph, { verify: true });
    expect(optimized.nodes.filter((n) => n.op === 'split')).toHaveLength(2);
    expect(printGraph(parseGraph(printGraph(optimized)))).toBe(printGraph(optimized));
    const inputs = { x: tensor([3, 4], Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1.5)) };
    const [want, got] = [interpret(graph, inputs), interpret(optimized, inputs)];
    expect(Array.from(got.y!.data)).toEqual(Array.from(want.y!.data));
    expect(Array.from(got.z!.data)).toEqual(Array.from(want.z!.data));
  });
});
