/**
 * The child processes run plain JavaScript, so that a cold start measures the engine and not a
 * TypeScript loader: this strips the types of the child-side sources (runners/, child/,
 * stats.ts) into .cache/js/, keeping the folder layout so that relative `.js` imports resolve.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const CHILD_SOURCES = ['runners', 'child', 'stats.ts'];

function tsFiles(path: string): string[] {
  if (path.endsWith('.ts')) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(path, e.name)) : e.name.endsWith('.ts') ? [join(path, e.name)] : []));
}

/** Transpiles the child-side sources of `benchDir` into `outDir`; returns the output directory. */
export function compileChildren(benchDir: string, outDir: string): string {
  for (const file of CHILD_SOURCES.flatMap((p) => tsFiles(join(benchDir, p)))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    });
    const out = join(outDir, relative(benchDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return outDir;
}
