import { readFileSync } from 'node:fs';

/** The compiler version recorded in every bundle (package.json's `version`). */
export const COMPILER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
