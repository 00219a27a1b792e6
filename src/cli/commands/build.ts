import { relative, join } from 'node:path';
import { TARGETS } from '../../bundle/targets.js';
import { hasOwnKey } from '../../own-keys.js';
import { byteLength } from '../../bundle/manifest.js';
import { bundleSignature } from '../../bundle/signature.js';
import type { BundleFile, TargetOptions } from '../../bundle/target.js';
import { checkOutputDir } from '../../bundle/output-guard.js';
import { writeBundle } from '../../bundle/writer.js';
import { emitTargets } from '../../bundle/compile-bundle.js';
import { NncError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { printGraph } from '../../ir/printer.js';
import { verifyGraph } from '../../ir/verifier.js';
import { optimize } from '../../passes/index.js';
import { formatBytes } from '../../report/svg.js';
import { parseCommandArgs, requireModelPath, type CliIO, type Command } from '../command.js';
import { fitForBuild, historyJson } from '../../train/fit-from-model-file.js';
import { loadGraphForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags, type LoadModelOptions } from '../load-model.js';
import { GRAPH_INPUT_ARGS, GRAPH_INPUT_HELP, parseGraphInputFlags } from '../graph-input-flags.js';
import { parseTrainingFlags, TRAINING_ARGS, TRAINING_HELP, type TrainingFlags } from '../training-flags.js';

export interface BuildOptions {
  readonly out: string;
  /** --force: replace a non-empty output directory nnc did not write. */
  readonly force: boolean;
  readonly targets: readonly string[];
  /** `--target all`: one subdirectory per target, so their files cannot collide. */
  readonly subdirectories: boolean;
  readonly target: TargetOptions;
  /** False with --no-train: compile the initialized (or imported) weights as they are. */
  readonly train: boolean;
  /** Overrides of the model file's training recipe (and the initializer seed). */
  readonly training: TrainingFlags;
  /** --time-limit for a model.ts; --freeze and --shape for an ONNX model. */
  readonly load: Pick<LoadModelOptions, 'timeLimitSeconds' | 'graphInputs'>;
  readonly emit?: 'ir' | 'wat';
  /** --report: also write report.html (graph, memory plan, sizes, training curves). */
  readonly report: boolean;
}

export const buildCommand: Command = {
  name: 'build',
  help: [
    'Usage: nnc build <model> [options]',
    '',
    'Compiles the model and writes a bundle directory that imports nothing at run time:',
    '  import { load } from "./dist/model/model.js"; const model = await load(); model.predict(x, batch);',
    '',
    'Options:',
    '  -o, --out DIR              output directory (default: dist/<model file name>)',
    '  --force                    replace a non-empty output directory nnc did not write (never /, the home',
    '                             directory, the current directory or one containing it or the model)',
    `  --target NAME              ${Object.keys(TARGETS).join(' | ')} | all (default: wasm; all writes one subdirectory per target)`,
    '  --single-file              inline the wasm into model.js',
    '  --weights embedded|external  weights inside the module (default) or in model.weights.bin beside it',
    '  --threads N                wasm: predict splits large batches over N >= 2 workers and returns a Promise',
    '                             (model.worker.js + model.core.js beside model.js; default: no threads)',
    '  --no-train                 compile the initialized weights without training',
    ...TRAINING_HELP,
    ...MODEL_FILE_HELP,
    ...GRAPH_INPUT_HELP,
    '  --emit ir|wat              also print the optimized IR or the WebAssembly text to stdout',
    '  --report                   also write report.html: the graph before and after the passes, the memory',
    '                             plan, code and weight sizes, training curves (one file, opens offline)',
  ].join('\n'),
  async run(argv, io) {
    const options = parseBuildOptions(argv);
    const path = requireModelPath('build', parseCommandArgs('build', argv, BUILD_ARGS).positionals);
    // Refuse a bad output path now, not after training; writeBundle checks again before writing.
    const output = { force: options.force, modelFile: path };
    checkOutputDir(options.out, output);
    const { training } = options;
    // With --emit, stdout carries only the emitted text (so it can be redirected to a file);
    // the summary, training progress and the report of written files go to stderr.
    const status: CliIO = options.emit ? { ...io, out: io.err } : io;
    const loaded = await loadGraphForCli(path, { ...(training.seed === undefined ? {} : { seed: training.seed }), ...options.load });
    if (loaded.model) status.out(loaded.model.summary(null));
    const fitted = await fitForBuild(loaded, { train: options.train, ...training }, status);
    const graph = optimize(fitted.graph);
    verifyGraph(graph, { requireWeightData: true });
    if (options.emit === 'ir') io.out(printGraph(graph));
    if (options.emit === 'wat') {
      const { compileWasm } = await import('../../codegen/wasm/module.js');
      io.out(compileWasm(graph, { simd: true, weights: 'embedded' }, true).text!);
    }
    const files = await emitTargets(graph, options.targets, options.target);
    if (fitted.fit) files.push({ path: 'history.json', contents: historyJson(fitted.fit) });
    const printed = report(options, files, graph);
    if (options.report) {
      const { buildReport } = await import('../../report/index.js');
      const page = await buildReport({ title: path.replace(/^.*[\\/]/, ''), options: reportOptions(argv), targets: options.targets, before: fitted.graph, after: graph, files, ...(fitted.fit ? { fit: fitted.fit } : {}), buildOutput: printed });
      files.push({ path: 'report.html', contents: page });
    }
    await writeBundle(options.out, files, output);
    status.out(options.report ? `${printed}\n\nreport: ${join(relative(process.cwd(), options.out) || '.', 'report.html')}` : printed);
    return 0;
  },
};

const BUILD_ARGS = {
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  target: { type: 'string' },
  'single-file': { type: 'boolean' },
  weights: { type: 'string' },
  threads: { type: 'string' },
  'no-train': { type: 'boolean' },
  emit: { type: 'string' },
  report: { type: 'boolean' },
  ...TRAINING_ARGS,
  ...MODEL_FILE_ARGS,
  ...GRAPH_INPUT_ARGS,
} as const;

export function parseBuildOptions(argv: readonly string[]): BuildOptions {
  const { values, positionals } = parseCommandArgs('build', argv, BUILD_ARGS);
  const usage = (detail: string) => new NncError('NNC4003', `nnc build: ${detail}`, { hint: 'Run `nnc build --help`.' });
  const target = values.target ?? 'wasm';
  if (target !== 'all' && !hasOwnKey(TARGETS, target)) throw usage(`unknown --target '${target}'; choose ${[...Object.keys(TARGETS), 'all'].join(', ')}`);
  const weights = values.weights ?? 'embedded';
  if (weights !== 'embedded' && weights !== 'external') throw usage(`--weights must be embedded or external, got '${weights}'`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined) {
    if (!/^\d+$/.test(values.threads!) || threads! < 2) throw usage(`--threads must be an integer >= 2, got '${values.threads}'`);
    if (target !== 'wasm') throw usage('--threads applies to --target wasm only');
    if (values['single-file']) throw usage('--threads cannot be combined with --single-file (the workers load model.worker.js)');
  }
  const emit = values.emit;
  if (emit !== undefined && emit !== 'ir' && emit !== 'wat') throw usage(`--emit must be ir or wat, got '${emit}'`);
  const modelName = (positionals[0] ?? 'model').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return {
    out: values.out ?? join('dist', modelName),
    force: values.force ?? false,
    targets: target === 'all' ? Object.keys(TARGETS) : [target],
    subdirectories: target === 'all',
    target: { singleFile: values['single-file'] ?? false, weights, ...(threads === undefined ? {} : { threads }) },
    train: !(values['no-train'] ?? false),
    training: parseTrainingFlags('build', values),
    load: { ...parseModelFileFlags('build', values), graphInputs: parseGraphInputFlags('build', values) },
    ...(emit === undefined ? {} : { emit }),
    report: values.report ?? false,
  };
}

/** The command line's options as the report lists them (`--epochs` → `1`; a bare flag → `yes`). */
function reportOptions(argv: readonly string[]): Record<string, string> {
  const { values } = parseCommandArgs('build', argv, BUILD_ARGS);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`--${k}`, v === true ? 'yes' : String(v)]));
}

/** What was written, the size of each file, and how to use the bundle (per target). */
function report(options: BuildOptions, files: readonly BundleFile[], graph: Graph): string {
  const width = Math.max(...files.map((f) => f.path.length));
  const rows = files.map((f) => `  ${f.path.padEnd(width)}  ${formatBytes(byteLength(f.contents)).padStart(10)}`);
  const dir = relative(process.cwd(), options.out) || '.';
  // The caller's signature (a time loop's own states are not in it; its sequences take the steps).
  const { inputs: ins, outputs: outs, states } = bundleSignature(graph);
  const inputs = ins.length === 1 ? 'input' : `{ ${ins.map((t) => t.name).join(', ')} }`;
  const result = outs.length === 1 ? `${outs[0]!.array} of batch × ${outs[0]!.steps ? 'steps × ' : ''}${outs[0]!.valuesPerRow}` : `{ ${outs.map((t) => t.name).join(', ')} }`;
  const sizes = states ? 'steps, batch' : 'batch';
  const usage = options.targets.flatMap((name) => {
    const target = TARGETS[name]!;
    const path = join(dir, options.subdirectories ? name : '', target.entry).replace(/\\/g, '/');
    const entry = path.startsWith('.') || path.startsWith('/') ? path : `./${path}`;
    return [
      `Usage (${name}):`,
      `  import { load } from '${entry}';`,
      '  const model = await load();',
      `  const result = ${target.asyncPredict || options.target.threads ? 'await ' : ''}model.predict(${inputs}, ${sizes}); // ${result}`,
    ];
  });
  return [`wrote ${dir}/ (${options.targets.join(', ')})`, ...rows, '', ...usage].join('\n');
}
