import { expect } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { verifyGraph } from '../../src/ir/verifier.js';

/** IR text written indented inside a test: leading indentation and blank edge lines removed. */
export function ir(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values);
  const lines = text.split('\n').filter((l, i, all) => l.trim() !== '' || (i > 0 && i < all.length - 1));
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n').trim() + '\n';
}

/** Runs a pass on IR text and checks the verifier accepts the result and it prints as expected. */
export function expectPass(
  pass: (g: Graph) => Graph,
  input: string,
  expected: string,
  weights?: ReadonlyMap<string, Float32Array>,
): Graph {
  const before = parseGraph(input, weights ? { weights } : {});
  verifyGraph(before);
  const after = pass(before);
  verifyGraph(after);
  expect(printGraph(after)).toBe(expected);
  return after;
}
