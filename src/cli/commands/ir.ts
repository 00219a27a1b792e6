import { NncError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { printGraph, valueNames } from '../../ir/printer.js';
import { verifyGraph } from '../../ir/verifier.js';
import { optimize, PASSES, PIPELINE, planMemory, type AffineBytes } from '../../passes/index.js';
import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { GRAPH_INPUT_ARGS, GRAPH_INPUT_HELP, parseGraphInputFlags } from '../graph-input-flags.js';
import { loadGraphForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags } from '../load-model.js';

const passWidth = Math.max(...PASSES.map((p) => p.name.length));

export const irCommand: Command = {
  name: 'ir',
  help: [
    'Usage: nnc ir <model.ts> [options]',
    '',
    'Prints the model lowered to nnc IR, one SSA value per line.',
    '',
    'Options:',
    '  --seed N              seed of the weight initializers (default 42)',
    '  --stage S             source (default): the IR as lowered; optimized: after the pass pipeline',
    '  --passes a,b,c        run these passes in this order instead of the pipeline (implies optimized)',
    '  --print-after-all     print the IR after every pass, headed by the pass name (implies optimized)',
    '  --verify              run the IR verifier after every pass',
    '  --memory              append the memory plan of the printed IR (bytes per batch row)',
    ...MODEL_FILE_HELP,
    ...GRAPH_INPUT_HELP,
    '',
    `Passes, in pipeline order (${PIPELINE.join(' -> ')}):`,
    ...PASSES.map((p) => `  ${p.name.padEnd(passWidth)}  ${p.description}`),
  ].join('\n'),
  async run(argv, io) {
    const { positionals, values } = parseCommandArgs('ir', argv, {
      seed: { type: 'string' },
      stage: { type: 'string' },
      passes: { type: 'string' },
      'print-after-all': { type: 'boolean' },
      verify: { type: 'boolean' },
      memory: { type: 'boolean' },
      ...MODEL_FILE_ARGS,
      ...GRAPH_INPUT_ARGS,
    });
    const path = requireModelPath('ir', positionals);
    const wantsPasses = values.passes !== undefined || values['print-after-all'] === true;
    const stage = values.stage ?? (wantsPasses ? 'optimized' : 'source');
    if (stage !== 'source' && stage !== 'optimized') throw usage(`--stage must be 'source' or 'optimized', got '${stage}'`);
    if (stage === 'source' && wantsPasses) throw usage('--passes and --print-after-all run passes; they cannot be used with --stage source');
    const passes = values.passes?.split(',').map((p) => p.trim()).filter((p) => p !== '');

    const { graph: source } = await loadGraphForCli(path, {
      ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
      ...parseModelFileFlags('ir', values),
      graphInputs: parseGraphInputFlags('ir', values),
    });
    verifyGraph(source, { requireWeightData: true });
    let graph = source;
    if (stage === 'optimized') {
      if (values['print-after-all']) io.out(`# source (${source.nodes.length} nodes)\n${printGraph(source)}`);
      graph = optimize(source, {
        verify: values.verify === true,
        ...(passes ? { passes } : {}),
        ...(values['print-after-all'] ? { onPass: (name: string, g: Graph) => io.out(`# after ${name} (${g.nodes.length} nodes)\n${printGraph(g)}`) } : {}),
      });
    }
    if (!values['print-after-all']) io.out(printGraph(graph));
    if (values.memory) io.out(printMemoryPlan(graph));
    return 0;
  },
};

function usage(detail: string): NncError {
  return new NncError('NNC4003', `nnc ir: ${detail}`, { hint: 'Run `nnc ir --help`.' });
}

/** The plan as IR comments: one line per planned value, then the totals. */
function printMemoryPlan(graph: Graph): string {
  const plan = planMemory(graph);
  const names = valueNames(graph);
  const lines = [...plan.slots].map(([n, s]) => `#   %${names.get(n)}: ${formatBytes(s.offset)} .. ${formatBytes({ fixedBytes: s.offset.fixedBytes + s.size.fixedBytes, bytesPerRow: s.offset.bytesPerRow + s.size.bytesPerRow })}`);
  return ['# memory plan of the values (byte offsets in the arena for a call of `rows` rows; kernel scratch is planned by each backend)', ...lines, `# peak ${formatBytes(plan.peak)} bytes (one buffer per value: ${formatBytes(plan.naive)})`].join('\n');
}

/** `1024 + rows * 3136`, `rows * 40`, `1024` or `0`. */
export function formatBytes({ fixedBytes, bytesPerRow }: AffineBytes): string {
  const perRow = bytesPerRow ? `rows * ${bytesPerRow}` : '';
  if (fixedBytes && perRow) return `${fixedBytes} + ${perRow}`;
  return perRow || String(fixedBytes);
}
