import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import type { Diagnostic, Project, Type } from 'ts-morph';
import { tsApi, tsMorph } from './ts-api.js';
import { DIAGNOSTICS } from '../diagnostics.js';
import { NncError, withLocation, type NncLocation } from '../errors.js';
import * as nncApi from '../index.js';
import { LayersModel } from './model.js';
import { resetNameScope } from './naming.js';
import { DEFAULT_SEED, setInitializerSeed } from './random.js';
import { runModelFileGuarded } from './model-file-guard.js';
import { cachedCheck, recordCheck, type TranspiledFile } from './model-file-cache.js';
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
  /** How long the file may run while it loads (default DEFAULT_TIME_LIMIT_SECONDS). */
  timeLimitSeconds?: number;
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
  const typeChecked = options.typeCheck !== false && (ext === '.ts' || ext === '.mts');
  // Unchanged since it last passed the checks: run the recorded JavaScript (model-file-cache.ts).
  const cached = cachedCheck(file, source, typeChecked);
  let checkedFiles: readonly string[] = [];
  if (!cached) {
    // Layers nnc lacks first, all at once, in nnc's words (before the type checker's version of them).
    checkLayerNames(file, source, path);
    if (typeChecked) checkedFiles = typeCheck(file, source, path);
  }
  resetNameScope();
  setInitializerSeed(options.seed ?? DEFAULT_SEED);
  const run: Run = { cached, transpiled: new Map() };
  const timeLimit = options.timeLimitSeconds === undefined ? {} : { timeLimitSeconds: options.timeLimitSeconds };
  const exports = runModelFileGuarded(() => evaluate(file, source, path, run), { shownPath: path, ...timeLimit });
  if (!cached) recordCheck(file, source, typeChecked, new Map(checkedFiles.map((f) => [f, readFileSync(f)])), run.transpiled);
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
const readByEarlierChecks = new Set<string>();

/** Type-checks a model file; returns the other files the check read (for the check cache). */
function typeCheck(file: string, source: string, shownPath: string): string[] {
  checker ??= new (tsMorph().Project)({
    compilerOptions: {
      strict: true,
      target: tsApi().ScriptTarget.ES2022,
      module: tsApi().ModuleKind.ESNext,
      moduleResolution: tsApi().ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      noEmit: true,
      // Model files import their own helpers as `./helper.ts` (the loader runs them from source).
      allowImportingTsExtensions: true,
      types: [],
      lib: ['lib.es2022.d.ts'],
      paths: { nnc: [NNC_ENTRY] },
    },
  });
  // One root per check: the model files of earlier checks are not part of this one.
  for (const root of checker.getSourceFiles()) checker.removeSourceFile(root);
  // The project outlives one check: files earlier checks read may have changed since.
  for (const path of readByEarlierChecks) checker.getSourceFile(path)?.refreshFromFileSystemSync();
  const sf = checker.createSourceFile(file, source, { overwrite: true });
  const program = checker.getProgram();
  const compiled = program.compilerObject;
  // The files the check read besides TypeScript's libraries and nnc's own declarations (both
  // fixed by the versions in the check cache's key): the model, its imports, other declarations.
  const nncRoot = dirname(NNC_ENTRY).replace(/\\/g, '/') + '/';
  const mainPath = file.replace(/\\/g, '/');
  const read = compiled.getSourceFiles().filter((f) => !compiled.isSourceFileDefaultLibrary(f) && !f.fileName.startsWith(nncRoot));
  for (const f of read) if (f.fileName !== mainPath) readByEarlierChecks.add(f.fileName);
  // Errors in the model file first, then in the model sources it imports.
  const sources = [sf, ...read.filter((f) => !f.isDeclarationFile && f.fileName !== mainPath).flatMap((f) => checker!.getSourceFile(f.fileName) ?? [])];
  const diagnostics: Diagnostic[] = sources.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]);
  if (diagnostics.length === 0) return read.map((f) => f.fileName).filter((f) => f !== mainPath);
  const errors = diagnostics.map((d) => ({ ...diagnosticError(d, mainPath, shownPath), layer: unknownLayerName(d) }));
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
  if (!name || !tsMorph().Node.isIdentifier(name) || !access || !tsMorph().Node.isPropertyAccessExpression(access) || access.compilerNode.name !== name.compilerNode)
    return undefined;
  return isNncLayersObject(access.getExpression().getType()) ? name.getText() : undefined;
}

function isNncLayersObject(type: Type): boolean {
  const root = dirname(NNC_ENTRY).replace(/\\/g, '/') + '/';
  return (type.getSymbol()?.getDeclarations() ?? []).some((decl) => {
    const owner = decl.getParent();
    return tsMorph().Node.isVariableDeclaration(owner) && owner.getName() === 'layers' && decl.getSourceFile().getFilePath().startsWith(root);
  });
}

/** A type error at its file:line:col: the model file as the user named it, an import relative to the working directory. */
function diagnosticError(d: Diagnostic, mainPath: string, shownPath: string): { location: NncLocation; message: string } {
  const sf = d.getSourceFile();
  const start = d.getStart() ?? 0;
  const pos = sf ? sf.getLineAndColumnAtPos(start) : { line: 1, column: 1 };
  const where = !sf || sf.getFilePath() === mainPath ? shownPath : relative(process.cwd(), sf.getFilePath());
  const text = d.getMessageText();
  const message = typeof text === 'string' ? text : tsApi().flattenDiagnosticMessageText(text.compilerObject, '\n');
  return { location: { file: where, line: pos.line, column: pos.column }, message: `TS${d.getCode()}: ${message}` };
}

function formatPos(l: NncLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

/**
 * Runs the transpiled file as a CommonJS function whose `require('nnc')` returns the loaded nnc
 * module itself: the model is built from the same classes the compiler checks with `instanceof`.
 */
function evaluate(file: string, source: string, shownPath: string, run: Run): Record<string, unknown> {
  const { code, mappings } = transpile(file, source, run);
  const map = decodeMappings(mappings);
  const nodeRequire = createRequire(file);
  const requireShim = (id: string): unknown => {
    if (id === 'nnc') return modelApi();
    if (id.startsWith('.') && /\.(ts|mts)$/.test(id)) {
      const path = resolve(dirname(file), id);
      const source = readFileSync(path, 'utf8');
      if (!run.cached?.has(path)) checkLayerNames(path, source, id);
      return evaluate(path, source, id, run);
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

/** One load of a model file: what the check cache holds, and what this load transpiled. */
interface Run {
  readonly cached: ReadonlyMap<string, TranspiledFile> | undefined;
  readonly transpiled: Map<string, { readonly source: string; readonly output: TranspiledFile }>;
}

/** CommonJS for one model source: the check cache's when it holds this file, else TypeScript's. */
function transpile(file: string, source: string, run: Run): TranspiledFile {
  const output =
    run.cached?.get(file) ??
    (() => {
      const ts = tsApi();
      const out = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true, esModuleInterop: true },
      });
      return {
        code: out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, ''),
        mappings: (JSON.parse(out.sourceMapText ?? '{"mappings":""}') as { mappings: string }).mappings,
      };
    })();
  run.transpiled.set(file, { source, output });
  return output;
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
