import { bundleSignature, describeShape, type BundleTensor } from './signature.js';
import type { Graph } from '../ir/graph.js';

/** A documented member of the generated `Model` or `LoadOptions` interface. */
export interface DtsMember {
  readonly name: string;
  /** A type expression such as `boolean` or `GPUDevice`. */
  readonly type: string;
  readonly doc: string;
  readonly optional?: boolean;
}

export interface DtsOptions {
  /** `predict` returns a Promise (WebGPU) instead of the outputs (wasm). */
  readonly asyncPredict: boolean;
  /** Which backend, for the header comment: 'WebAssembly', 'WebGPU'. */
  readonly backend: string;
  readonly modelMembers?: readonly DtsMember[];
  readonly loadOptions?: readonly DtsMember[];
  /** Declarations the target's runtime adds (an error class, say), appended as written. */
  readonly extraDeclarations?: string;
}

/**
 * model.d.ts from the IR signature, written as text (no TypeScript printer to load): `load()`
 * resolves to a Model whose `predict` takes a Float32Array (one input) or an object keyed by
 * input name, and returns a Float32Array (one output) or an object keyed by output name.
 * Names that are not identifiers are quoted with JSON.stringify, which TypeScript reads as is.
 */
export function generateDts(graph: Graph, options: DtsOptions): string {
  const { inputs, outputs, states } = bundleSignature(graph);
  const looped = states !== undefined;
  const out: string[] = [`// Types of the model compiled by nnc for ${options.backend}.`];
  if (inputs.length > 1) out.push(...tensorsInterface('Inputs', 'The model inputs, keyed by name; each holds `batch` rows.', inputs));
  if (outputs.length > 1) out.push(...tensorsInterface('Outputs', 'The model outputs, keyed by name; each holds `batch` rows.', outputs));
  const inputType = inputs.length > 1 ? 'Inputs' : inputs[0]!.array;
  const outputType = outputs.length > 1 ? 'Outputs' : outputs[0]!.array;
  const result = options.asyncPredict ? `Promise<${outputType}>` : outputType;
  const inputName = inputs.length === 1 ? identifierFor(inputs[0]!.name, 'input') : 'inputs';
  const names = (list: readonly BundleTensor[]) => `readonly [${list.map((t) => JSON.stringify(t.name)).join(', ')}]`;
  out.push(
    'export interface Model {',
    ...doc(
      [
        `Runs the model on \`batch\` rows${inputs.length === 1 ? ` of ${tensorDoc(inputs[0]!)}` : ''}.`,
        ...(looped ? [`The sequences (${inputs.filter((t) => t.steps).map((t) => JSON.stringify(t.name)).join(', ')}) may have any number of steps, the same for all of them in one call: the model runs one step at a time.`] : []),
        outputs.length === 1 ? `Returns ${tensorDoc(outputs[0]!)}.` : 'Returns one typed array per output.',
        ...(looped ? ['@param steps number of steps of the sequences (a positive integer)'] : []),
        inputs.some((t) => t.shape.includes(null))
          ? '@param batch number of rows (default: inferred from the length of the first input with a batch axis)'
          : '@param batch 1 or omitted: no input has a batch axis, so every input holds exactly its shape',
        `@throws {TypeError} when an input is not a ${[...new Set(inputs.map((t) => t.array))].join(' / ')}`,
        `@throws {RangeError} when ${looped ? 'the steps, ' : ''}the batch size or an input length is wrong${inputs.some((t) => t.indexExtent !== undefined) ? ', or an id is out of range' : ''}`,
      ],
      INDENT,
    ),
    `${INDENT}predict(${inputName}: ${inputType}, ${looped ? 'steps: number, ' : ''}batch?: number): ${result};`,
    ...property('inputNames', names(inputs), ['Input names, in the order of the model definition.'], { readonly: true }),
    ...property('outputNames', names(outputs), ['Output names, in the order of the model definition.'], { readonly: true }),
    ...(options.modelMembers ?? []).flatMap((m) => member(m, true)),
    '}',
    'export interface LoadOptions {',
    ...(options.loadOptions ?? []).flatMap((m) => member(m, false)),
    '}',
    ...doc(['Loads the compiled model (once per call; keep the Model and call predict many times).'], ''),
    'export declare function load(options?: LoadOptions): Promise<Model>;',
  );
  return `${out.join('\n')}\n` + (options.extraDeclarations ? `${options.extraDeclarations.trimEnd()}\n` : '');
}

const INDENT = '    ';

function tensorDoc(t: BundleTensor): string {
  const ids = t.indexExtent === undefined ? '' : `, ids in [0, ${t.indexExtent})`;
  return `"${t.name}": ${DTYPE_WORD[t.dtype]} ${describeShape(t.shape)}, ${perRow(t)}, row-major${ids}`;
}

const perRow = (t: BundleTensor) =>
  `${t.valuesPerRow} value${t.valuesPerRow === 1 ? '' : 's'} ${t.steps ? 'per step of each row' : t.shape.includes(null) ? 'per row' : 'in all (no batch axis: the same whatever the batch)'}`;

const DTYPE_WORD = { f32: 'float32', i32: 'int32', bool: 'bool (0 / 1)' } as const;

function tensorsInterface(name: string, comment: string, tensors: readonly BundleTensor[]): string[] {
  return [
    ...doc([comment], ''),
    `export interface ${name} {`,
    ...tensors.flatMap((t) => property(t.name, t.array, [`${DTYPE_WORD[t.dtype]} ${describeShape(t.shape)}, ${perRow(t)}.`])),
    '}',
  ];
}

function member(m: DtsMember, readonly: boolean): string[] {
  return property(m.name, m.type, [m.doc], { readonly, optional: m.optional ?? false });
}

function property(name: string, type: string, lines: readonly string[], flags: { readonly?: boolean; optional?: boolean } = {}): string[] {
  const key = isIdentifier(name) ? name : JSON.stringify(name);
  return [...doc(lines, INDENT), `${INDENT}${flags.readonly ? 'readonly ' : ''}${key}${flags.optional ? '?' : ''}: ${type};`];
}

const isIdentifier = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name);
const identifierFor = (name: string, fallback: string) => (isIdentifier(name) ? name : fallback);

/** A JSDoc comment; `*\/` inside the text is broken so a name cannot end the comment early. */
function doc(lines: readonly string[], indent: string): string[] {
  const safe = lines.map((l) => l.replace(/\*\//g, '*\\/'));
  if (safe.length === 1) return [`${indent}/** ${safe[0]} */`];
  return [`${indent}/**`, ...safe.map((l) => `${indent} * ${l}`), `${indent} */`];
}
