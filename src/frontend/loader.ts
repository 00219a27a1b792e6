import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import { Node, Project, ts, type Diagnostic, type Type } from 'ts-morph';
import { DIAGNOSTICS } from '../diagnostics.js';
import { NncError, withLocation, type NncLocation } from '../errors.js';
import * as nncApi from '../index.js';
import { LayersModel } from './model.js';
import { resetNameScope } from './naming.js';
import { DEFAULT_SEED, setInitializerSeed } from './random.js';
import { decodeMappings, originalPosition, type LineMappings } from './source-map.js';
import { checkLayerNames, guardedLayers, unknownLayerDetail, unknownLayerError, unknownLayerHint, unknownLayersError } from './unknown-layers.js';

/** What `import ... from 'nnc'` in a model file type-checks against: the sources when nnc runs
 * from them (tests), the shipped declarations when it runs compiled. */
const NNC_ENTRY = ['../index.ts', '../index.d.ts'].map((p) => resolve(dirname(fileURLToPath(import.meta.url)), p)).find((p) => existsSync(p))!;

export interface LoadedModelFile {
  readonly file: string;
  readonly model: LayersModel;
  /** Every export of the file (`default` is the model); training plans live here. */
  readonly exports: Readonly<Record<string, unknown>>;
}

export interface LoadOptions {
  /** Seed of the weight initializers (default 42); the same seed gives the same weights. */
  seed?: number;
  /** Skip type-checking (tests that load many files already checked). */
  typeCheck?: boolean;
}

/**
 * Loads a model.ts file: type-checks it with ts-morph (every problem reported as
 * `file:line:col message`, before anything runs), transpiles it in memory, runs it with `nnc`
 * bound to this very module instance, and returns its default-exported model. Layer names and
 * initializer seeds start fresh for each file, so a file always yields the same model.
 */
export function loadModelFile(path: string, options: LoadOptions = {}): LoadedModelFile {
  const file = resolve(path);
  if (!existsSync(file)) throw new NncError('NNC1004', `'${path}'`, { location: { file: path } });
  if (!statSync(file).isFile()) throw new NncError('NNC1004', `'${path}' is not a file`, { location: { file: path } });
  const ext = extname(file);
  if (!['.ts', '.mts', '.js', '.mjs'].includes(ext)) throw new NncError('NNC1007', `'${path}'`, { location: { file: path } });
  const source = readFileSync(file, 'utf8');
  // Layers nnc lacks first, all at once, in nnc's words (before the type checker's version of them).
  checkLayerNames(file, source, path);
  if (options.typeCheck !== false && (ext === '.ts' || ext === '.mts')) typeCheck(file, source, path);
  resetNameScope();
  setInitializerSeed(options.seed ?? DEFAULT_SEED);
  const exports = evaluate(file, source, path);
  const model = exports.default;
  if (!(model instanceof LayersModel)) {
    const what = model === undefined ? 'no default export' : `a default export of type ${describe(model)}`;
    throw new NncError('NNC1002', `'${path}' has ${what}`, { location: { file: path } });
  }
  return { file, model, exports };
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

let checker: Project | undefined;

function typeCheck(file: string, source: string, shownPath: string): void {
  checker ??= new Project({
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      noEmit: true,
      types: [],
      lib: ['lib.es2022.d.ts'],
      paths: { nnc: [NNC_ENTRY] },
    },
  });
  const existing = checker.getSourceFile(file);
  if (existing) checker.removeSourceFile(existing);
  const sf = checker.createSourceFile(file, source, { overwrite: true });
  const program = checker.getProgram();
  const diagnostics: Diagnostic[] = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  if (diagnostics.length === 0) return;
  const errors = diagnostics.map((d) => ({ ...diagnosticError(d, shownPath), layer: unknownLayerName(d) }));
  // Unknown layers the syntactic scan could not see (an alias of `layers`): NNC1008 when they are
  // the only errors, else lines in nnc's words among the other type errors.
  const layerErrors = errors.flatMap((e) => (e.layer === undefined ? [] : [unknownLayerError(e.layer, e.location)]));
  if (layerErrors.length === errors.length) throw unknownLayersError(layerErrors);
  const list = errors.map((e) => `${formatPos(e.location)} ${e.layer === undefined ? e.message : `unknown layer ${unknownLayerDetail(e.layer)}`}`).join('\n');
  throw new NncError('NNC1001', `${errors.length} error(s)\n${list}`, {
    location: errors[0]!.location,
    ...(layerErrors.length > 0 ? { hint: `${DIAGNOSTICS.NNC1001.hint} ${unknownLayerHint()}` } : {}),
  });
}

/**
 * The layer name of a "property does not exist" error (TS2339, or TS2551 with its "did you
 * mean") on nnc's `layers` object, located by its AST node: `X.name` where X's type is the object
 * declared as `layers` in nnc itself, whatever X is called in the file.
 */
function unknownLayerName(d: Diagnostic): string | undefined {
  const sf = d.getSourceFile();
  const start = d.getStart();
  if ((d.getCode() !== 2339 && d.getCode() !== 2551) || !sf || start === undefined) return undefined;
  const name = sf.getDescendantAtPos(start);
  const access = name?.getParent();
  if (!name || !Node.isIdentifier(name) || !access || !Node.isPropertyAccessExpression(access) || access.compilerNode.name !== name.compilerNode)
    return undefined;
  return isNncLayersObject(access.getExpression().getType()) ? name.getText() : undefined;
}

function isNncLayersObject(type: Type): boolean {
  const root = dirname(NNC_ENTRY).replace(/\\/g, '/') + '/';
  return (type.getSymbol()?.getDeclarations() ?? []).some((decl) => {
    const owner = decl.getParent();
    return Node.isVariableDeclaration(owner) && owner.getName() === 'layers' && decl.getSourceFile().getFilePath().startsWith(root);
  });
}

function diagnosticError(d: Diagnostic, shownPath: string): { location: NncLocation; message: string } {
  const sf = d.getSourceFile();
  const start = d.getStart() ?? 0;
  const pos = sf ? sf.getLineAndColumnAtPos(start) : { line: 1, column: 1 };
  const text = d.getMessageText();
  const message = typeof text === 'string' ? text : ts.flattenDiagnosticMessageText(text.compilerObject, '\n');
  return { location: { file: shownPath, line: pos.line, column: pos.column }, message: `TS${d.getCode()}: ${message}` };
}

function formatPos(l: NncLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

/**
 * Runs the transpiled file as a CommonJS function whose `require('nnc')` returns the loaded nnc
 * module itself: the model is built from the same classes the compiler checks with `instanceof`.
 */
function evaluate(file: string, source: string, shownPath: string): Record<string, unknown> {
  const out = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true, esModuleInterop: true },
  });
  const map = decodeMappings((JSON.parse(out.sourceMapText ?? '{"mappings":""}') as { mappings: string }).mappings);
  const code = out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '');
  const nodeRequire = createRequire(file);
  const requireShim = (id: string): unknown => {
    if (id === 'nnc') return modelApi();
    if (id.startsWith('.') && /\.(ts|mts)$/.test(id)) {
      const path = resolve(dirname(file), id);
      const source = readFileSync(path, 'utf8');
      checkLayerNames(path, source, id);
      return evaluate(path, source, id);
    }
    return nodeRequire(id);
  };
  const module = { exports: {} as Record<string, unknown> };
  try {
    const fn = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename: file }) as (
      ...args: unknown[]
    ) => void;
    fn(module.exports, requireShim, module, file, dirname(file));
  } catch (e) {
    const at = userFrame(e, file, map, shownPath);
    if (e instanceof NncError) {
      throw e.location.file || !at ? e : withLocation(e, at);
    }
    const message = e instanceof Error ? e.message : String(e);
    throw new NncError('NNC1003', message, { location: at ?? { file: shownPath }, cause: e });
  }
  return module.exports;
}

let api: Readonly<Record<string, unknown>> | undefined;

/**
 * nnc's API as model files see it: the library's own exports, except that `layers` throws
 * NNC1008 for a layer nnc lacks (see guardedLayers); the library's `layers` stays a plain object.
 */
function modelApi(): Readonly<Record<string, unknown>> {
  api ??= Object.freeze({ ...nncApi, layers: guardedLayers() });
  return api;
}

/** The first stack frame inside the model file, mapped back to its TypeScript line and column. */
function userFrame(e: unknown, file: string, map: LineMappings, shownPath: string): NncLocation | undefined {
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  for (const line of stack.split('\n')) {
    const i = line.indexOf(file + ':');
    if (i < 0) continue;
    const m = /:(\d+):(\d+)\)?$/.exec(line.slice(i + file.length));
    if (!m) continue;
    const pos = originalPosition(map, Number(m[1]), Number(m[2]));
    return { file: shownPath, ...(pos ? { line: pos.line, column: pos.column } : {}) };
  }
  return undefined;
}
