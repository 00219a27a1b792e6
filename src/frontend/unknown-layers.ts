/**
 * Unknown layers in model files (`layers.conv2d(...)` where nnc has no conv2d), reported in
 * nnc's words as NNC1008, every one at once, at its line and column, with the layers nnc has:
 * the names come from the `layers` object itself, so the list cannot drift from the code.
 *
 * Three checks share one message: a syntactic scan of the file before anything else (all
 * `layers.X` accesses on nnc's `layers`, in .ts and .js files alike), the type checker's
 * "property does not exist" on nnc's `layers` for what the scan cannot see (an alias of
 * `layers`), and, when a .js file runs, the `layers` object handed to it, which throws on a name
 * it lacks instead of returning undefined.
 */
import type { ts } from 'ts-morph';
import { tsApi } from './ts-api.js';
import { NncError, NncErrorList, type NncLocation } from '../errors.js';
import { hasOwnKey } from '../own-keys.js';
import { layers } from './layers/index.js';

/** The layers a model file can ask for, as `layers.<name>`. */
export const LAYER_NAMES: readonly string[] = Object.keys(layers);

export function isKnownLayer(name: string): boolean {
  return hasOwnKey(layers, name);
}

/** "Use one of ..." with every layer nnc has. */
export function unknownLayerHint(): string {
  return `nnc has these layers: ${LAYER_NAMES.map((n) => `layers.${n}`).join(', ')}.`;
}

/** `layers.conv2d`, with a suggestion when only the casing is off (`layers.Dense`). */
export function unknownLayerDetail(name: string): string {
  const near = LAYER_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
  return `layers.${name}${near ? ` (did you mean layers.${near}?)` : ''}`;
}

export function unknownLayerError(name: string, location: NncLocation): NncError {
  return new NncError('NNC1008', unknownLayerDetail(name), { location, hint: unknownLayerHint() });
}

/** One NNC1008 for one unknown layer; a list of them, located at the first, for several. */
export function unknownLayersError(errors: readonly NncError[]): NncError {
  if (errors.length === 1) return errors[0]!;
  return new NncErrorList('NNC1008', [...errors], { location: errors[0]!.location, hint: unknownLayerHint() });
}

/**
 * Scans a model file's syntax for names looked up on nnc's `layers` (`layers.conv2d`,
 * `nnc.layers.conv2d`, `layers['conv2d']`, `const { conv2d } = layers`) that nnc lacks, and
 * throws NNC1008 listing all of them. `layers` counts only where it is bound to nnc's: imported
 * from 'nnc' (or required) and not shadowed by a local of the same name.
 */
export function checkLayerNames(file: string, source: string, shownPath: string): void {
  const kind = /\.m?js$/.test(file) ? tsApi().ScriptKind.JS : tsApi().ScriptKind.TS;
  const sf = tsApi().createSourceFile(file, source, tsApi().ScriptTarget.Latest, true, kind);
  const { direct, namespaces } = nncBindings(sf);
  if (direct.size === 0 && namespaces.size === 0) return;

  /** Whether `expr` is nnc's `layers` object at this place in the file. */
  const isLayers = (expr: ts.Expression): boolean => {
    if (tsApi().isIdentifier(expr)) return direct.has(expr.text) && !shadowed(expr, expr.text);
    if (tsApi().isPropertyAccessExpression(expr) && expr.name.text === 'layers' && tsApi().isIdentifier(expr.expression))
      return namespaces.has(expr.expression.text) && !shadowed(expr, expr.expression.text);
    return false;
  };
  const errors: NncError[] = [];
  const report = (name: string, at: ts.Node) => {
    if (isKnownLayer(name)) return;
    const pos = sf.getLineAndCharacterOfPosition(at.getStart(sf));
    errors.push(unknownLayerError(name, { file: shownPath, line: pos.line + 1, column: pos.character + 1 }));
  };
  const visit = (node: ts.Node): void => {
    if (tsApi().isPropertyAccessExpression(node) && tsApi().isIdentifier(node.name) && isLayers(node.expression)) report(node.name.text, node.name);
    else if (tsApi().isElementAccessExpression(node) && tsApi().isStringLiteralLike(node.argumentExpression) && isLayers(node.expression))
      report(node.argumentExpression.text, node.argumentExpression);
    else if (tsApi().isVariableDeclaration(node) && tsApi().isObjectBindingPattern(node.name) && node.initializer && isLayers(node.initializer))
      for (const el of node.name.elements) {
        const key = el.propertyName ?? el.name;
        if (!el.dotDotDotToken && (tsApi().isIdentifier(key) || tsApi().isStringLiteralLike(key))) report(key.text, key);
      }
    tsApi().forEachChild(node, visit);
  };
  visit(sf);
  if (errors.length > 0) throw unknownLayersError(errors);
}

/**
 * Top-level names bound to nnc's API: `direct` to its `layers` object (`import { layers }`,
 * `import { layers as L }`, `const { layers } = require('nnc')`), `namespaces` to the module
 * (`import * as nnc`, `const nnc = require('nnc')`).
 */
function nncBindings(sf: ts.SourceFile): { direct: Set<string>; namespaces: Set<string> } {
  const direct = new Set<string>();
  const namespaces = new Set<string>();
  for (const st of sf.statements) {
    if (tsApi().isImportDeclaration(st) && tsApi().isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text === 'nnc') {
      const clause = st.importClause;
      if (!clause || clause.isTypeOnly) continue;
      if (clause.name) namespaces.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && tsApi().isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      if (bindings && tsApi().isNamedImports(bindings))
        for (const el of bindings.elements) if (!el.isTypeOnly && (el.propertyName ?? el.name).text === 'layers') direct.add(el.name.text);
    }
    if (tsApi().isVariableStatement(st))
      for (const decl of st.declarationList.declarations) {
        if (!decl.initializer || !isRequireNnc(decl.initializer)) continue;
        if (tsApi().isIdentifier(decl.name)) namespaces.add(decl.name.text);
        else if (tsApi().isObjectBindingPattern(decl.name))
          for (const el of decl.name.elements) {
            const key = el.propertyName ?? el.name;
            if (tsApi().isIdentifier(key) && key.text === 'layers' && tsApi().isIdentifier(el.name)) direct.add(el.name.text);
          }
      }
  }
  return { direct, namespaces };
}

function isRequireNnc(e: ts.Expression): boolean {
  return (
    tsApi().isCallExpression(e) &&
    tsApi().isIdentifier(e.expression) &&
    e.expression.text === 'require' &&
    e.arguments.length === 1 &&
    tsApi().isStringLiteralLike(e.arguments[0]!) &&
    e.arguments[0].text === 'nnc'
  );
}

/** Whether a scope between `at` and the top level declares `name` (a parameter, a local, a function...). */
function shadowed(at: ts.Node, name: string): boolean {
  for (let n: ts.Node = at.parent; !tsApi().isSourceFile(n); n = n.parent) {
    if (tsApi().isFunctionLike(n) && n.parameters.some((p) => bindsName(p.name, name))) return true;
    if ((tsApi().isFunctionExpression(n) || tsApi().isClassExpression(n)) && n.name?.text === name) return true;
    if (tsApi().isBlock(n) || tsApi().isModuleBlock(n) || tsApi().isCaseClause(n) || tsApi().isDefaultClause(n))
      for (const st of n.statements) if (declaresName(st, name)) return true;
    if ((tsApi().isForStatement(n) || tsApi().isForOfStatement(n) || tsApi().isForInStatement(n)) && n.initializer && tsApi().isVariableDeclarationList(n.initializer))
      if (n.initializer.declarations.some((d) => bindsName(d.name, name))) return true;
    if (tsApi().isCatchClause(n) && n.variableDeclaration && bindsName(n.variableDeclaration.name, name)) return true;
  }
  return false;
}

function declaresName(st: ts.Statement, name: string): boolean {
  if (tsApi().isVariableStatement(st)) return st.declarationList.declarations.some((d) => bindsName(d.name, name));
  if (tsApi().isFunctionDeclaration(st) || tsApi().isClassDeclaration(st) || tsApi().isEnumDeclaration(st)) return st.name?.text === name;
  return false;
}

function bindsName(b: ts.BindingName, name: string): boolean {
  if (tsApi().isIdentifier(b)) return b.text === name;
  return b.elements.some((el) => !tsApi().isOmittedExpression(el) && bindsName(el.name, name));
}

/**
 * The `layers` object a model file gets from `require('nnc')`: nnc's own factories, frozen,
 * behind a proxy that throws NNC1008 for a name nnc lacks (a plain object would return undefined
 * and the file would fail with "... is not a function"). The loader adds the file's line.
 * Names every object has (toString, constructor) and symbols pass through untouched.
 */
export function guardedLayers(): typeof layers {
  return new Proxy(Object.freeze({ ...layers }), {
    get(target, key, receiver) {
      if (typeof key === 'string' && !hasOwnKey(target, key) && !(key in Object.prototype) && key !== 'then')
        throw new NncError('NNC1008', unknownLayerDetail(key), { hint: unknownLayerHint() });
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}
