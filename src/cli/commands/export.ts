import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { NncError } from '../../errors.js';
import { exportOnnx, ONNX_OPSET } from '../../export/onnx.js';
import { verifyGraph } from '../../ir/verifier.js';
import { fitForBuild } from '../../train/fit-from-model-file.js';
import { COMPILER_VERSION } from '../../version.js';
import { parseCommandArgs, requireModelPath, type Command } from '../command.js';
import { loadGraphForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags } from '../load-model.js';
import { parseTrainingFlags, TRAINING_ARGS, TRAINING_HELP } from '../training-flags.js';

const ARGS = {
  onnx: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  'no-train': { type: 'boolean' },
  ...TRAINING_ARGS,
  ...MODEL_FILE_ARGS,
} as const;

/**
 * `nnc export`: the model as another tool's format. The graph exported is the one `nnc build`
 * compiles (trained when the model file asks), before the optimization passes, so the file mirrors
 * the model's layers and other runtimes apply their own fusions.
 */
export const exportCommand: Command = {
  name: 'export',
  help: [
    'Usage: nnc export <model> --onnx [options]',
    '',
    `Writes the model as an ONNX file (opset ${ONNX_OPSET}) that onnxruntime and other ONNX tools run with the`,
    'same outputs as the nnc bundle. A model file with a `training` export is trained first, as `nnc build`',
    'does; the batch dimension becomes the symbolic dimension `batch`.',
    '',
    'Options:',
    '  --onnx                 the format to write (the only one today, and the default)',
    '  -o, --out FILE         output file (default: dist/<model file name>.onnx)',
    '  --force                replace an existing file that does not end in .onnx',
    '  --no-train             export the initialized (or imported) weights without training',
    ...TRAINING_HELP,
    ...MODEL_FILE_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('export', argv, ARGS);
    const path = requireModelPath('export', positionals);
    const modelName = path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
    const out = values.out ?? join('dist', `${modelName}.onnx`);
    checkOutputFile(out, path, values.force ?? false);
    const training = parseTrainingFlags('export', values);
    const loaded = await loadGraphForCli(path, { ...(training.seed === undefined ? {} : { seed: training.seed }), ...parseModelFileFlags('export', values) });
    const { graph } = await fitForBuild(loaded, { train: !(values['no-train'] ?? false), ...training }, io);
    verifyGraph(graph, { requireWeightData: true });
    const bytes = exportOnnx(graph, { name: modelName, producerVersion: COMPILER_VERSION });
    writeFileAtomic(out, bytes);
    io.out(`wrote ${relative(process.cwd(), out) || out} (ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes)`);
    return 0;
  },
};

/**
 * The output is one file, replaced atomically. Refused before any work: the model file itself, a
 * directory, and (without --force) an existing file that is not an .onnx file, since replacing it
 * would lose data nnc did not write.
 */
function checkOutputFile(out: string, modelFile: string, force: boolean): void {
  const target = resolve(out);
  if (target === resolve(modelFile))
    throw new NncError('NNC4003', `nnc export: the output '${out}' is the model file itself`, { hint: 'Choose another --out file.' });
  if (!existsSync(target)) return;
  if (statSync(target).isDirectory())
    throw new NncError('NNC4003', `nnc export: the output '${out}' is a directory`, { hint: `Name a file, e.g. --out ${join(out, 'model.onnx')}.` });
  if (!force && !target.endsWith('.onnx'))
    throw new NncError('NNC4003', `nnc export: '${out}' exists and is not an .onnx file`, { hint: 'Pass --force to replace it, or choose another --out file.' });
}
