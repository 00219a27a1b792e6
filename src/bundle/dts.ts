import { ts } from 'ts-morph';
import { bundleSignature, describeShape, type BundleTensor } from './signature.js';
import type { Graph } from '../ir/graph.js';

const f = ts.factory;

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
 * model.d.ts from the IR signature, printed by the TypeScript printer: `load()` resolves to a
 * Model whose `predict` takes a Float32Array (one input) or an object keyed by input name, and
 * returns a Float32Array (one output) or an object keyed by output name.
 */
export function generateDts(graph: Graph, options: DtsOptions): string {
  const { inputs, outputs } = bundleSignature(graph);
  const float32 = () => f.createTypeReferenceNode('Float32Array');
  const statements: ts.Statement[] = [];
  if (inputs.length > 1) statements.push(tensorsInterface('Inputs', 'The model inputs, keyed by name; each holds `batch` rows.', inputs));
  if (outputs.length > 1) statements.push(tensorsInterface('Outputs', 'The model outputs, keyed by name; each holds `batch` rows.', outputs));
  const inputType = inputs.length > 1 ? f.createTypeReferenceNode('Inputs') : float32();
  const outputType = outputs.length > 1 ? f.createTypeReferenceNode('Outputs') : float32();
  const result = options.asyncPredict ? f.createTypeReferenceNode('Promise', [outputType]) : outputType;
  const inputName = inputs.length === 1 ? identifierFor(inputs[0]!.name, 'input') : 'inputs';
  const predictDoc = [
    `Runs the model on \`batch\` rows${inputs.length === 1 ? ` of ${tensorDoc(inputs[0]!)}` : ''}.`,
    outputs.length === 1 ? `Returns ${tensorDoc(outputs[0]!)}.` : 'Returns one Float32Array per output.',
    '@param batch number of rows (default: inferred from the input length)',
    '@throws {TypeError} when an input is not a Float32Array',
    '@throws {RangeError} when the batch size or an input length is wrong',
  ];
  const predict = doc(
    f.createMethodSignature(undefined, 'predict', undefined, undefined, [parameter(inputName, inputType), parameter('batch', f.createKeywordTypeNode(ts.SyntaxKind.NumberKeyword), true)], result),
    predictDoc,
  );
  const names = (list: readonly BundleTensor[]) =>
    f.createTypeOperatorNode(
      ts.SyntaxKind.ReadonlyKeyword,
      ts.setEmitFlags(f.createTupleTypeNode(list.map((t) => f.createLiteralTypeNode(f.createStringLiteral(t.name)))), ts.EmitFlags.SingleLine),
    );
  statements.push(
    f.createInterfaceDeclaration([exported()], 'Model', undefined, undefined, [
      predict,
      doc(property('inputNames', names(inputs), false, true), ['Input names, in the order of the model definition.']),
      doc(property('outputNames', names(outputs), false, true), ['Output names, in the order of the model definition.']),
      ...(options.modelMembers ?? []).map((m) => member(m, true)),
    ]),
  );
  statements.push(f.createInterfaceDeclaration([exported()], 'LoadOptions', undefined, undefined, (options.loadOptions ?? []).map((m) => member(m, false))));
  statements.push(
    doc(
      f.createFunctionDeclaration(
        [exported(), f.createModifier(ts.SyntaxKind.DeclareKeyword)],
        undefined,
        'load',
        undefined,
        [parameter('options', f.createTypeReferenceNode('LoadOptions'), true)],
        f.createTypeReferenceNode('Promise', [f.createTypeReferenceNode('Model')]),
        undefined,
      ),
      ['Loads the compiled model (once per call; keep the Model and call predict many times).'],
    ),
  );
  const file = f.createSourceFile(statements, f.createToken(ts.SyntaxKind.EndOfFileToken), ts.NodeFlags.None);
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const header = `// Types of the model compiled by nnc for ${options.backend}.\n`;
  return header + printer.printFile(file) + (options.extraDeclarations ? `${options.extraDeclarations.trimEnd()}\n` : '');
}

function tensorDoc(t: BundleTensor): string {
  return `"${t.name}": float32 ${describeShape(t.shape)}, ${perRow(t)}, row-major`;
}

const perRow = (t: BundleTensor) => `${t.valuesPerRow} value${t.valuesPerRow === 1 ? '' : 's'} per row`;

function tensorsInterface(name: string, comment: string, tensors: readonly BundleTensor[]): ts.InterfaceDeclaration {
  const members = tensors.map((t) => doc(property(t.name, f.createTypeReferenceNode('Float32Array'), false, false), [`float32 ${describeShape(t.shape)}, ${perRow(t)}.`]));
  return doc(f.createInterfaceDeclaration([exported()], name, undefined, undefined, members), [comment]);
}

function member(m: DtsMember, readonly: boolean): ts.PropertySignature {
  return doc(property(m.name, f.createTypeReferenceNode(m.type), m.optional ?? false, readonly), [m.doc]);
}

function property(name: string, type: ts.TypeNode, optional: boolean, readonly: boolean): ts.PropertySignature {
  return f.createPropertySignature(
    readonly ? [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)] : undefined,
    isIdentifier(name) ? f.createIdentifier(name) : f.createStringLiteral(name),
    optional ? f.createToken(ts.SyntaxKind.QuestionToken) : undefined,
    type,
  );
}

function parameter(name: string, type: ts.TypeNode, optional = false): ts.ParameterDeclaration {
  return f.createParameterDeclaration(undefined, undefined, name, optional ? f.createToken(ts.SyntaxKind.QuestionToken) : undefined, type);
}

const exported = () => f.createModifier(ts.SyntaxKind.ExportKeyword);
const isIdentifier = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name);
const identifierFor = (name: string, fallback: string) => (isIdentifier(name) ? name : fallback);

function doc<T extends ts.Node>(node: T, lines: readonly string[]): T {
  const text = lines.length === 1 ? `* ${lines[0]} ` : `*\n${lines.map((l) => ` * ${l}`).join('\n')}\n `;
  return ts.addSyntheticLeadingComment(node, ts.SyntaxKind.MultiLineCommentTrivia, text, true);
}
