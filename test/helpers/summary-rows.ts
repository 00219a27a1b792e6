import type { LayersModel } from '../../src/frontend/model.js';
import { buildTfjsTwin } from './tfjs-twin.js';

/** [output shape, params] of each layer row of a summary (nnc's or tfjs'), read under its column headers. */
export function summaryRows(text: string, shapeHeader: string, paramsHeader: string): [string, number][] {
  const lines = text.split('\n');
  const header = lines.find((l) => l.includes(shapeHeader) && l.includes(paramsHeader))!;
  const [shapeAt, paramsAt] = [header.indexOf(shapeHeader), header.indexOf(paramsHeader)];
  const rows: [string, number][] = [];
  for (const line of lines) {
    const params = line.slice(paramsAt).trim().split(/\s+/)[0]!;
    if (!/^\d+$/.test(params)) continue;
    // Shapes as tfjs writes them: [null,10,4].
    const shape = line.slice(shapeAt, paramsAt).trim().replace(/\s/g, '').replace(/None/g, 'null').replace(/\(/g, '[').replace(/\)/g, ']').replace(/^\[\[(.*)\]\]$/, '[$1]');
    rows.push([shape, Number(params)]);
  }
  return rows;
}

/** The [output shape, params] rows of nnc's summary() and of tfjs' model.summary() for the model's tfjs twin. */
export function summaryRowsWithTfjs(m: LayersModel): { ours: [string, number][]; theirs: [string, number][] } {
  const lines: string[] = [];
  const twin = buildTfjsTwin(m);
  twin.summary(200, undefined, (line: string) => lines.push(line));
  twin.dispose();
  return { ours: summaryRows(m.summary(null), 'Output Shape', 'Param #'), theirs: summaryRows(lines.join('\n'), 'Output shape', 'Param #') };
}
