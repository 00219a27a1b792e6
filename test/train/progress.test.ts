import { describe, expect, it } from 'vitest';
import { formatBar, progressPrinter } from '../../src/train/progress.js';

function drive(isTTY: boolean): string {
  let now = 0;
  let text = '';
  const p = progressPrinter({ isTTY, write: (t) => (text += t) }, () => now);
  p.onEpochBegin!(1, 2);
  for (let s = 1; s <= 4; s++) {
    now += 0.25;
    p.onBatchEnd!(s, 4, { loss: 1 / s, accuracy: s / 10 });
  }
  p.onEpochEnd!(1, { loss: 0.5, accuracy: 0.4, val_loss: 0.6, val_accuracy: 0.3 });
  return text;
}

describe('progress output', () => {
  it('prints one finished line per epoch when piped', () => {
    expect(drive(false)).toBe('Epoch 1/2\n4/4 [==============================] - 1s 250ms/step - loss: 0.5000 - accuracy: 0.4000 - val_loss: 0.6000 - val_accuracy: 0.3000\n');
  });

  it('redraws a live bar with an ETA on a terminal', () => {
    const text = drive(true);
    expect(text).toContain('\r1/4 [======>.......................] - ETA: 750ms - loss: 1.0000 - accuracy: 0.1000\x1b[K');
    expect(text).toContain('\r3/4 [=====================>........] - ETA: 250ms - loss: 0.3333 - accuracy: 0.3000\x1b[K');
    expect(text.endsWith('\r4/4 [==============================] - 1s 250ms/step - loss: 0.5000 - accuracy: 0.4000 - val_loss: 0.6000 - val_accuracy: 0.3000\x1b[K\n')).toBe(true);
  });

  it('draws bars of a fixed width', () => {
    expect(formatBar(0, 10)).toBe(' 0/10 [..............................]');
    expect(formatBar(10, 10)).toBe('10/10 [==============================]');
  });
});
