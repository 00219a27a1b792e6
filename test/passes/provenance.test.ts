/**
 * Provenance (Node.origin): after each pass, every node lists the source nodes (the nodes of the
 * graph before the passes) it computes. Nodes a rewrite merges union their origins; a node that
 * vanishes into another (an identity, a batch norm folded into its conv, an equal earlier node)
 * is absorbed by it; and after the whole pipeline every source node some output depends on is
 * computed by a node of the optimized graph.
 */
import { describe, expect, it } from 'vitest';
import { originOf, type Graph } from '../../src/ir/graph.js';
import { parseGraph } from '../../src/ir/parser.js';
import { valueNames } from '../../src/ir/printer.js';
import { canonicalize } from '../../src/passes/canonicalize.js';
import { eliminateCommonSubexpressions } from '../../src/passes/cse.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { foldBatchNorm } from '../../src/passes/fold-batch-norm.js';
import { foldConstants } from '../../src/passes/fold-constants.js';
import { fuse } from '../../src/passes/fuse.js';
import { optimize } from '../../src/passes/index.js';
import { layout } from '../../src/passes/layout.js';
import { loadFixtureGraphs } from './fixture-graphs.js';
import { ir } from './pass-case.js';

/** Each node of `after` as `name <- sources`, names as each graph's IR text prints them. */
function origins(before: Graph, after: Graph): string[] {
  const beforeNames = valueNames(before);
  const afterNames = valueNames(after);
  return after.nodes.map((n) => `%${afterNames.get(n)} <- ${originOf(n).map((o) => `%${beforeNames.get(o) ?? '?'}`).join(' ')}`);
}

/** A conv2d, its bias add and a batch norm (%2), for the fold-batch-norm and pipeline cases. */
const CONV_BATCH_NORM = ir`
  %x = input : f32[?,6,6,1]
  %k = weight : f32[3,3,1,2]
  %b = weight : f32[2]
  %m = weight : f32[2]
  %v = weight : f32[2]
  %g = weight : f32[2]
  %beta = weight : f32[2]
  %0 = conv2d %x, %k : f32[?,4,4,2]
  %1 = add %0, %b : f32[?,4,4,2]
  %2 = batch_norm %1, %m, %v, %g, %beta : f32[?,4,4,2]
`;

const weights = (g: string) => new Map(parseGraph(g, { weights: new Map() }).weightNodes.map((w) => [w.name!, new Float32Array(w.type.shape.reduce<number>((a, d) => a * (d ?? 1), 1)).fill(0.5)]));

function originsAfter(pass: (g: Graph) => Graph, text: string): string[] {
  const before = parseGraph(text, { weights: weights(text) });
  return origins(before, pass(before));
}

describe('provenance through the passes', () => {
  it('a source graph stands for itself', () => {
    const g = parseGraph(ir`
      %x = input : f32[?,2]
      %0 = relu %x : f32[?,2]
      output "y" = %0
    `);
    expect(g.nodes.map((n) => n.origin)).toEqual([undefined, undefined]);
    expect(origins(g, g)).toEqual(['%x <- %x', '%0 <- %0']);
  });

  it('fuse: an elementwise kernel stands for the chain it composes', () => {
    const text = ir`
      %x = input : f32[?,8]
      %0 = tanh %x : f32[?,8]
      %1 = mul %0, %0 : f32[?,8]
      %2 = neg %1 : f32[?,8]
      %3 = exp %2 : f32[?,8]
      output "y" = %3
    `;
    // tanh is read twice by mul, so it stays; mul, neg and exp compose into one elementwise kernel.
    expect(originsAfter(fuse, text)).toEqual(['%x <- %x', '%0 <- %0', '%1 <- %1 %2 %3']);
  });

  it('canonicalize: dropout vanishes into what it reads; a reshape chain is one reshape standing for all', () => {
    const text = ir`
      %x = input : f32[?,24]
      %0 = relu %x : f32[?,24]
      %1 = dropout %0 {rate=0.5} : f32[?,24]
      %2 = reshape %1 {shape=[4,6]} : f32[?,4,6]
      %3 = reshape %2 {shape=[2,12]} : f32[?,2,12]
      output "y" = %3
    `;
    expect(originsAfter((g) => eliminateDeadCode(canonicalize(g)), text)).toEqual(['%x <- %x', '%0 <- %0 %1', '%1 <- %2 %3']);
  });

  it('cse: the node kept stands for the equal nodes merged into it', () => {
    const text = ir`
      %x = input : f32[?,3]
      %w = weight : f32[3,3]
      %0 = matmul %x, %w : f32[?,3]
      %1 = matmul %x, %w : f32[?,3]
      %2 = add %0, %1 : f32[?,3]
      output "y" = %2
    `;
    expect(originsAfter(eliminateCommonSubexpressions, text)).toEqual(['%x <- %x', '%w <- %w', '%0 <- %0 %1', '%1 <- %2']);
  });

  it('fold-constants: a folded value stands for the node and the constants it was computed from', () => {
    const text = ir`
      %x = input : f32[?,2]
      %a = const {value=[1,-2]} : f32[2]
      %0 = relu %a : f32[2]
      %1 = add %x, %0 : f32[?,2]
      output "y" = %1
    `;
    // IR text numbers a const (%a reads back as %0): the folded const stands for it and the relu.
    expect(originsAfter((g) => eliminateDeadCode(foldConstants(g)), text)).toEqual(['%x <- %x', '%0 <- %0 %1', '%1 <- %2']);
  });

  it('layout: the transpose left after an elementwise op stands for the ones it replaced; cancelled pairs vanish into their source', () => {
    const text = ir`
      %x = input : f32[?,4,4,3]
      %0 = transpose %x {perm=[0,3,1,2]} : f32[?,3,4,4]
      %1 = relu %0 : f32[?,3,4,4]
      %2 = transpose %1 {perm=[0,2,3,1]} : f32[?,4,4,3]
      output "y" = %2
    `;
    // relu(transpose x) becomes transpose(relu x), and that transpose cancels against %2 into relu.
    expect(originsAfter((g) => eliminateDeadCode(layout(g)), text)).toEqual(['%x <- %x', '%0 <- %0 %1 %2']);
  });

  it('fold-batch-norm: the bias add stands for the batch norm; folded weights for the weights they were computed from', () => {
    expect(originsAfter(foldBatchNorm, CONV_BATCH_NORM + 'output "y" = %2\n')).toEqual([
      '%x <- %x',
      '%k.batch_norm <- %k %m %v %g %beta',
      '%0 <- %0',
      '%b.batch_norm <- %b %m %v %g %beta',
      '%1 <- %1 %2',
    ]);
  });

  it('the pipeline: one conv2d kernel stands for conv, bias, batch norm, relu and pool; every live source node is computed somewhere', () => {
    const text =
      CONV_BATCH_NORM +
      ir`
        %k2 = weight : f32[8,3]
        %3 = relu %2 : f32[?,4,4,2]
        %4 = max_pool2d %3 : f32[?,2,2,2]
        %5 = reshape %4 {shape=[-1]} : f32[?,8]
        %6 = dropout %5 {rate=0.25} : f32[?,8]
        %7 = matmul %6, %k2 : f32[?,3]
        %8 = softmax %7 : f32[?,3]
        output "y" = %8
      `;
    const before = parseGraph(text, { weights: weights(text) });
    const after = optimize(before, { verify: true });
    expect(origins(before, after)).toEqual([
      '%x <- %x',
      '%k.batch_norm <- %k %m %v %g %beta',
      '%b.batch_norm <- %b %m %v %g %beta',
      '%k2 <- %k2',
      '%0 <- %0 %1 %2 %3 %4',
      '%1 <- %5 %6 %7 %8',
    ]);
    const computed = new Set(after.nodes.flatMap(originOf));
    expect(before.nodes.filter((n) => !computed.has(n))).toEqual([]);
  });

  it('every fixture model: each source node an output depends on is computed by a node of the optimized graph', () => {
    for (const { name, graph } of loadFixtureGraphs()) {
      const computed = new Set(optimize(graph).nodes.flatMap(originOf));
      expect(eliminateDeadCode(graph).nodes.filter((n) => !computed.has(n)).map((n) => n.op), name).toEqual([]);
    }
  });
});
