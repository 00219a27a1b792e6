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
