/**
 * Training curves as inline SVG: one chart per quantity (loss, then each metric), the training
 * series and, when the fit held out a validation split, the `val_` series; one marked point per epoch.
 */
import type { History } from '../train/trainer.js';
import { esc, num } from './svg.js';

const WIDTH = 360;
const HEIGHT = 220;
const PAD = { left: 52, right: 10, top: 24, bottom: 30 };

/** Every quantity of `history` ('loss', 'acc', ...) with its train and validation series. */
export function curveCharts(history: History): string {
  const quantities = Object.keys(history).filter((k) => !k.startsWith('val_'));
  return quantities.map((q) => chart(q, history[q]!, history[`val_${q}`])).join('');
}

function chart(name: string, train: readonly number[], val: readonly number[] | undefined): string {
  const all = [...train, ...(val ?? [])].filter(Number.isFinite);
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  const epochs = Math.max(train.length, val?.length ?? 0);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (e: number) => PAD.left + (epochs > 1 ? (e / (epochs - 1)) * plotW : plotW / 2);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const series = (values: readonly number[], cls: string) =>
    `<g class="series ${cls}"><polyline points="${values.map((v, e) => `${num(x(e))},${num(y(v))}`).join(' ')}"/>` +
    values.map((v, e) => `<circle class="point" cx="${num(x(e))}" cy="${num(y(v))}" r="3"><title>epoch ${e + 1}: ${esc(String(v))}</title></circle>`).join('') +
    '</g>';
  const ticks =
    `<text class="tick" x="${PAD.left - 4}" y="${num(y(hi) + 4)}" text-anchor="end">${esc(hi.toPrecision(3))}</text>` +
    `<text class="tick" x="${PAD.left - 4}" y="${num(y(lo) + 4)}" text-anchor="end">${esc(lo.toPrecision(3))}</text>` +
    `<text class="tick" x="${num(x(0))}" y="${HEIGHT - 10}" text-anchor="middle">1</text>` +
    (epochs > 1 ? `<text class="tick" x="${num(x(epochs - 1))}" y="${HEIGHT - 10}" text-anchor="middle">${epochs}</text>` : '');
  const legend =
    `<text class="legend train" x="${PAD.left}" y="14">— train</text>` + (val ? `<text class="legend val" x="${PAD.left + 60}" y="14">— validation</text>` : '');
  return (
    `<svg class="curve" data-quantity="${esc(name)}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">` +
    `<text class="title" x="${WIDTH - PAD.right}" y="14" text-anchor="end">${esc(name)} per epoch</text>${legend}` +
    `<rect class="frame" x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}"/>${ticks}` +
    `${series(train, 'train')}${val ? series(val, 'val') : ''}</svg>`
  );
}
