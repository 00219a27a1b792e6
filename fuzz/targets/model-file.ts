import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { NncError } from '../../src/errors.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { FuzzTarget } from '../harness.js';
import type { Rng } from '../prng.js';
import { lowerAndCheck, scratchDir } from './shared.js';

const SEEDS = ['examples/fashion-mnist/model.ts', 'examples/fashion-mnist/model-functional.ts', 'examples/fashion-mnist-cnn/model.ts', 'fixtures/models/branches.ts', 'fixtures/models/residual.ts', 'fixtures/models/two-inputs.ts'];
/** Every how many inputs one is type-checked too (ts-morph takes seconds; most inputs skip it). */
const TYPE_CHECK_EVERY = 100;

const EDGE_LITERALS = ['null', 'undefined', '-1', '0', '0.5', '1e9', '2 ** 31', 'NaN', 'Infinity', "''", "'abc'", "'__proto__'", '[]', '{}', '[0, -1]', '[[[[1]]]]', 'true'];
/** Numbers, strings and array literals in the source: the layer arguments a mutation replaces. */
const LITERAL = /-?\b\d+(\.\d+)?(e-?\d+)?\b|'[^'\n]*'|\[[^\[\]\n]*\]/g;

/** A model.ts source with one layer argument replaced by an edge value, a line dropped or duplicated. */
function mutateSource(rng: Rng, source: string): string {
  const lines = source.split('\n');
  for (let k = 1 + rng.int(2); k > 0; k--) {
    const code = lines.map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== '' && !l.trim().startsWith('//') && !l.includes("from 'nnc'"));
    if (code.length === 0) break;
    const [line, i] = rng.pick(code);
    const how = rng.int(10);
    const literals = [...line.matchAll(LITERAL)];
    if (how < 7 && literals.length > 0) {
      const m = rng.pick(literals);
      lines[i] = line.slice(0, m.index) + rng.pick(EDGE_LITERALS) + line.slice(m.index! + m[0].length);
    } else if (how < 9) lines.splice(i, 1);
    else lines.splice(i, 0, line);
  }
  return lines.join('\n');
}

/** An error nnc's own code threw while the model file ran (not the file's own code), reported as NNC1003. */
function crashInsideNnc(e: unknown): boolean {
  if (!(e instanceof NncError) || e.code !== 'NNC1003' || !(e.cause instanceof Error) || e.cause instanceof NncError) return false;
  const top = /\((.*?):\d+:\d+\)/.exec(e.cause.stack?.split('\n')[1] ?? '')?.[1] ?? '';
  return relative(process.cwd(), top).startsWith(`src${sep}`);
}

/** nnc model files (`model.ts`), their layer arguments and lines mutated; loaded, lowered and optimized. */
export const modelFileTarget: FuzzTarget = {
  name: 'model-file',
  hiddenCrash: crashInsideNnc,
  async prepare() {
    const seeds = SEEDS.map((p) => readFileSync(p, 'utf8'));
    const scratch = scratchDir('model-file');
    let made = 0;
    return (rng) => {
      const source = mutateSource(rng, rng.pick(seeds));
      const typeCheck = made++ % TYPE_CHECK_EVERY === 0;
      const files = { 'model.ts': source };
      return {
        files,
        run() {
          scratch.write(files);
          lowerAndCheck(loadModelFile(join(scratch.dir, 'model.ts'), { typeCheck, timeLimitSeconds: 5 }).model.toGraph());
        },
      };
    };
  },
};
