import { DIAGNOSTICS, type DiagnosticCode } from './diagnostics.js';

/** Where a problem is: any subset of a source position, a layer and an IR node. */
export interface NncLocation {
  file?: string;
  line?: number;
  column?: number;
  layer?: string;
  node?: string;
}

export interface NncErrorOptions {
  location?: NncLocation;
  hint?: string;
  cause?: unknown;
}

/**
 * The one error type nnc throws at users. It carries a stable code, where the problem is and
 * what to do; the CLI prints it without a stack trace.
 */
export class NncError extends Error {
  readonly code: DiagnosticCode;
  /** The message without code, title, location and hint. */
  readonly detail: string;
  readonly location: NncLocation;
  readonly hint: string;

  constructor(code: DiagnosticCode, detail: string, options: NncErrorOptions = {}) {
    const location = options.location ?? {};
    const hint = options.hint ?? DIAGNOSTICS[code].hint;
    super(formatMessage(code, detail, location, hint), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NncError';
    this.code = code;
    this.detail = detail;
    this.location = location;
    this.hint = hint;
  }
}

export function formatLocation(loc: NncLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push([loc.file, loc.line, loc.column].filter((p) => p !== undefined).join(':'));
  if (loc.layer) parts.push(`layer '${loc.layer}'`);
  if (loc.node) parts.push(`node ${loc.node}`);
  return parts.join(', ');
}

function formatMessage(code: DiagnosticCode, detail: string, loc: NncLocation, hint: string): string {
  const where = formatLocation(loc);
  return `${code} ${DIAGNOSTICS[code].title}${where ? ` (${where})` : ''}: ${detail}\n  hint: ${hint}`;
}

/** Several problems found in one check, reported together (unsupported layers, type errors). */
export class NncErrorList extends NncError {
  readonly errors: NncError[];
  constructor(code: DiagnosticCode, errors: NncError[], options: NncErrorOptions = {}) {
    super(code, `${errors.length} problem(s):\n${errors.map((e) => `  - ${e.message.split('\n')[0]}`).join('\n')}`, options);
    this.errors = errors;
  }
}

export function isNncError(e: unknown): e is NncError {
  return e instanceof NncError;
}

/** The same error, located more precisely (e.g. a layer error given the model file's line). */
export function withLocation(e: NncError, location: NncLocation): NncError {
  return new NncError(e.code, e.detail, { location: { ...e.location, ...location }, hint: e.hint, cause: e });
}
