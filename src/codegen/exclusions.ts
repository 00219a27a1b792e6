/**
 * Each backend declares, next to its kernel table, the ops it has no kernel for on purpose and
 * why (test/codegen/kernel-coverage.test.ts holds every registry op to a kernel or a reason).
 */
import { ownEntry } from '../own-keys.js';

export type KernelExclusions = Readonly<Record<string, string>>;

/** `: <reason>` for an op a backend excludes, to end its NNC4001 message; '' for any other op. */
export function exclusionSuffix(exclusions: KernelExclusions, op: string): string {
  const why = ownEntry(exclusions, op);
  return why === undefined ? '' : `: ${why}`;
}
