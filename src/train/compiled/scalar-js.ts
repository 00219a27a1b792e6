import { erfApprox, type ScalarExpr } from '../../ir/scalar-expr.js';

/**
 * Translates a scalar expression into a JavaScript expression over the operand variables
 * `a0, a1, …` with the same semantics as the reference evalScalar (the JIT then compiles the
 * generated loop). `erf` calls the shared approximation passed in as `erf`.
 */
export function scalarToJs(e: ScalarExpr): string {
  switch (e.kind) {
    case 'arg':
      return `a${e.index}`;
    case 'const':
      return Number.isFinite(e.value) ? `(${e.value})` : e.value > 0 ? 'Infinity' : e.value < 0 ? '(-Infinity)' : 'NaN';
    case 'call': {
      const a = e.args.map(scalarToJs);
      switch (e.fn) {
        case 'add':
          return `(${a[0]}+${a[1]})`;
        case 'sub':
          return `(${a[0]}-${a[1]})`;
        case 'mul':
          return `(${a[0]}*${a[1]})`;
        case 'div':
          return `(${a[0]}/${a[1]})`;
        case 'max':
          return `Math.max(${a[0]},${a[1]})`;
        case 'min':
          return `Math.min(${a[0]},${a[1]})`;
        case 'neg':
          return `(-${a[0]})`;
        case 'abs':
          return `Math.abs(${a[0]})`;
        case 'exp':
          return `Math.exp(${a[0]})`;
        case 'log':
          return `Math.log(${a[0]})`;
        case 'sqrt':
          return `Math.sqrt(${a[0]})`;
        case 'tanh':
          return `Math.tanh(${a[0]})`;
        case 'erf':
          return `erf(${a[0]})`;
        case 'select':
          return `(${a[0]}>0?${a[1]}:${a[2]})`;
        default:
          // Training graphs are float32: comparisons and casts never reach them.
          throw new Error(`'${e.fn}' has no float32 training kernel`);
      }
    }
  }
}

/** How operand k is read at output index i (after classifying its broadcast). */
export type OperandAccess = { kind: 'full' } | { kind: 'scalar' } | { kind: 'period'; period: number } | { kind: 'map'; map: Int32Array };

export type ElementwiseKernel = (f: Float32Array, out: number, n: number, offsets: readonly number[]) => void;

/**
 * A loop computing `expr` for n outputs. Operands read element i (full), element 0 (scalar),
 * element i mod period (broadcast along leading axes), or map[i] (any other broadcast).
 */
export function elementwiseKernel(expr: ScalarExpr, access: readonly OperandAccess[]): ElementwiseKernel {
  const maps = access.map((a) => (a.kind === 'map' ? a.map : null));
  const reads = access.map((a, k) => {
    switch (a.kind) {
      case 'full':
        return `const a${k}=f[o${k}+i];`;
      case 'scalar':
        return '';
      case 'period':
        return `const a${k}=f[o${k}+(i%${a.period})];`;
      case 'map':
        return `const a${k}=f[o${k}+m${k}[i]];`;
    }
  });
  const scalars = access.map((a, k) => (a.kind === 'scalar' ? `const a${k}=f[o${k}];` : ''));
  const body = [
    ...access.map((_, k) => `const o${k}=offsets[${k}];`),
    ...access.map((a, k) => (a.kind === 'map' ? `const m${k}=maps[${k}];` : '')),
    ...scalars,
    `for(let i=0;i<n;i++){${reads.join('')}f[out+i]=${scalarToJs(expr)};}`,
  ].join('\n');
  const make = new Function('maps', 'erf', `return function(f,out,n,offsets){${body}}`) as (maps: (Int32Array | null)[], erf: (x: number) => number) => ElementwiseKernel;
  return make(maps, erfApprox);
}
