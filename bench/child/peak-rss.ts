import { readFileSync } from 'node:fs';

/**
 * Peak resident set size of this process image, in KiB: VmHWM from /proc/self/status. Not
 * getrusage's maxRSS, which on Linux carries over the forked parent's peak across exec.
 */
export function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // no procfs (not Linux): fall back below
  }
  return process.resourceUsage().maxRSS;
}
