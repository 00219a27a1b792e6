/**
 * Just enough of the source map format to turn a line:column in transpiled JavaScript back into
 * the model.ts position, so errors raised while a model file runs point at the user's line.
 */
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** Per generated line (0-based): [generatedColumn, sourceLine, sourceColumn] segments, all 0-based. */
export type LineMappings = [number, number, number][][];

export function decodeMappings(mappings: string): LineMappings {
  const lines: LineMappings = [];
  let srcLine = 0;
  let srcCol = 0;
  for (const lineText of mappings.split(';')) {
    let genCol = 0;
    const segs: [number, number, number][] = [];
    for (const seg of lineText.split(',')) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      genCol += v[0]!;
      if (v.length >= 4) {
        srcLine += v[2]!;
        srcCol += v[3]!;
        segs.push([genCol, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/** Maps a 1-based generated line/column to a 1-based source line/column (nearest segment at or before). */
export function originalPosition(map: LineMappings, line: number, column: number): { line: number; column: number } | undefined {
  const segs = map[line - 1];
  if (!segs || segs.length === 0) return undefined;
  let best = segs[0]!;
  for (const s of segs) if (s[0] <= column - 1) best = s;
  return { line: best[1] + 1, column: best[2] + 1 };
}
