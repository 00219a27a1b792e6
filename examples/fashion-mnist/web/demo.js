// The demo page: loads the bundle (served at ./model/), classifies the sample test images one at a
// time (timing each predict call) and whatever is drawn on the pad. No framework, no other files.
import { load } from './model/model.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const $ = (id) => document.getElementById(id);

/** Index of the largest value. */
const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);

/** Paints 784 values in [0, 1] (white on black) onto a 28×28 canvas. */
function paint(canvas, pixels) {
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(SIDE, SIDE);
  pixels.forEach((v, i) => {
    const g = Math.round(v * 255);
    image.data.set([g, g, g, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
}

/** A duration for people: performance.now() is coarse (0.1 ms in most browsers) outside isolated pages. */
const formatMs = (ms) => (ms < 0.1 ? '<0.1 ms' : `${ms.toFixed(1)} ms`);

/** One prediction for one image, and the milliseconds the predict call took. */
function classify(model, pixels) {
  const start = performance.now();
  const probabilities = model.predict(pixels, 1);
  return { probabilities: Array.from(probabilities), ms: performance.now() - start };
}

/** Shows all class probabilities as bars under `title`. */
function showDetail(classes, title, probabilities) {
  $('detail-title').textContent = title;
  const rows = classes.flatMap((name, i) => {
    const label = document.createElement('span');
    label.textContent = name;
    const track = document.createElement('span');
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(probabilities[i] * 100).toFixed(1)}%`;
    track.append(bar);
    const value = document.createElement('span');
    value.textContent = `${(probabilities[i] * 100).toFixed(1)}%`;
    return [label, track, value];
  });
  $('detail').replaceChildren(...rows);
}

function sampleCard(classes, index, pixels, label, result) {
  const predicted = argmax(result.probabilities);
  const card = document.createElement('div');
  card.className = predicted === label ? 'sample' : 'sample wrong';
  card.dataset.index = String(index);
  card.dataset.predicted = String(predicted);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIDE;
  paint(canvas, pixels);
  const pred = document.createElement('div');
  pred.className = 'pred';
  pred.textContent = `${classes[predicted]} ${(result.probabilities[predicted] * 100).toFixed(0)}%`;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `true: ${classes[label]} · ${formatMs(result.ms)}`;
  card.append(canvas, pred, meta);
  card.addEventListener('click', () => showDetail(classes, `Probabilities for test image ${index} (${classes[label]})`, result.probabilities));
  return card;
}

/** The drawing pad: white strokes on black, scaled to 28×28 and classified after each stroke. */
function setUpPad(model, classes) {
  const pad = $('pad');
  const ctx = pad.getContext('2d');
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  const small = document.createElement('canvas');
  small.width = small.height = SIDE;
  const smallCtx = small.getContext('2d', { willReadFrequently: true });
  const classifyPad = () => {
    smallCtx.drawImage(pad, 0, 0, SIDE, SIDE);
    const rgba = smallCtx.getImageData(0, 0, SIDE, SIDE).data;
    const pixels = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) pixels[i] = rgba[i * 4] / 255;
    const result = classify(model, pixels);
    const best = argmax(result.probabilities);
    $('drawn-result').textContent = `${classes[best]} (${(result.probabilities[best] * 100).toFixed(1)}%) in ${formatMs(result.ms)}`;
    showDetail(classes, 'Probabilities for your drawing', result.probabilities);
  };
  let last = null;
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    last = [e.offsetX, e.offsetY];
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(e.offsetX, e.offsetY);
    ctx.stroke();
    last = [e.offsetX, e.offsetY];
  });
  const end = () => {
    if (!last) return;
    last = null;
    classifyPad();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', () => {
    clear();
    $('drawn-result').textContent = '';
  });
}

async function main() {
  const [model, samples] = await Promise.all([load(), fetch('./model/samples.json').then((r) => r.json())]);
  const { classes, labels, images } = samples;
  const results = images.map((bytes) => {
    // v / 255 rounded to float32, as nnc's loader scales pixels.
    const pixels = Float32Array.from(bytes, (v) => v / 255);
    return { pixels, result: classify(model, pixels) };
  });
  $('grid').replaceChildren(...results.map(({ pixels, result }, i) => sampleCard(classes, i, pixels, labels[i], result)));
  const correct = results.filter(({ result }, i) => argmax(result.probabilities) === labels[i]).length;
  // The mean over all calls is finer than any one call's coarse timing.
  const meanMs = results.reduce((s, { result }) => s + result.ms, 0) / results.length;
  $('status').textContent = `${correct} of ${results.length} test images classified correctly; ${meanMs.toFixed(3)} ms per prediction on average (one image per predict call).`;
  setUpPad(model, classes);
  // For tests and the console: every sample's probabilities, in order.
  globalThis.demoResults = results.map(({ result }) => result.probabilities);
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  $('status').textContent = `The demo failed: ${e.message}`;
  console.error(e);
});
