import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { PIPELINE } from '../../src/passes/index.js';
import { FIXTURES } from '../../fixtures/index.js';

const seed = FIXTURES.find((f) => f.name === 'seed-sequential')!.path;
const residual = FIXTURES.find((f) => f.name === 'residual')!.path;

async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t.endsWith('\n') ? t : t + '\n'), err: (t) => void (err += t + '\n'), isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

const computeLines = (text: string) => text.split('\n').filter((l) => l.startsWith('%') && !/= (input|weight) /.test(l));

describe('nnc ir', () => {
  it('prints the source IR by default and the two fused kernels with --stage optimized', async () => {
    const source = await runCli('ir', seed);
    expect(source.code).toBe(0);
    expect(computeLines(source.out).map((l) => l.split(' ')[2])).toEqual(['reshape', 'matmul', 'add', 'relu', 'matmul', 'add', 'softmax']);
    const optimized = await runCli('ir', seed, '--stage', 'optimized', '--verify');
    expect(optimized.code).toBe(0);
    expect(computeLines(optimized.out)).toEqual([
      '%0 = dense %flatten_input, %dense/kernel, %dense/bias {activation="relu"} : f32[?,128]',
      '%1 = dense %0, %dense_1/kernel, %dense_1/bias {activation="softmax"} : f32[?,10]',
    ]);
  });

  it('prints the IR after every pass, headed by the pass name, so the model visibly shrinks', async () => {
    const { code, out } = await runCli('ir', residual, '--print-after-all');
    expect(code).toBe(0);
    const headers = out.split('\n').filter((l) => l.startsWith('# '));
    expect(headers.map((h) => /^# (source|after [\w-]+)/.exec(h)![1])).toEqual(['source', ...PIPELINE.map((p) => `after ${p}`)]);
    const sizes = headers.map((h) => Number(/\((\d+) nodes\)/.exec(h)![1]));
    expect(sizes[sizes.length - 1]).toBeLessThan(sizes[0]!);
    expect(out).toContain('# after canonicalize');
    expect(out.split('# after canonicalize')[1]).not.toContain('dropout');
  });

  it('runs only the passes named by --passes, and appends the memory plan on request', async () => {
    const { code, out } = await runCli('ir', seed, '--passes', 'fuse', '--memory');
    expect(code).toBe(0);
    expect(computeLines(out)).toHaveLength(2);
    expect(out).toContain('# peak rows * 3648 bytes (one buffer per value: rows * 3696)');
    expect(out).toMatch(/^#   %\w+: 0 \.\. rows \* 3136$/m);
    const onlyCanon = await runCli('ir', seed, '--passes', 'canonicalize');
    expect(computeLines(onlyCanon.out)).toHaveLength(7);
  });

  it('reports unknown passes and bad stages as diagnostics', async () => {
    const unknown = await runCli('ir', seed, '--passes', 'fuse,unroll');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("NNC4004 unknown pass: 'unroll'");
    const stage = await runCli('ir', seed, '--stage', 'fast');
    expect(stage.code).toBe(2);
    expect(stage.err).toContain('NNC4003');
    const conflict = await runCli('ir', seed, '--stage', 'source', '--print-after-all');
    expect(conflict.code).toBe(2);
  });

  it('lists the passes in pipeline order in its help', async () => {
    const { out } = await runCli('ir', '--help');
    expect(out).toContain(`(${PIPELINE.join(' -> ')})`);
    for (const p of PIPELINE) expect(out).toMatch(new RegExp(`^  ${p} +\\S`, 'm'));
  });
});
