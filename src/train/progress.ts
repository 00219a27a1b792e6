/**
 * Keras-style fit output. On a terminal the bar is redrawn in place after every batch; piped,
 * each epoch prints one finished line:
 *
 *   Epoch 1/5
 *   1875/1875 [==============================] - 3s 1ms/step - loss: 0.4950 - accuracy: 0.8254
 */
export type Logs = Readonly<Record<string, number>>;

export interface FitCallbacks {
  onEpochBegin?(epoch: number, epochs: number): void;
  onBatchEnd?(step: number, steps: number, logs: Logs): void;
  onEpochEnd?(epoch: number, logs: Logs): void;
}

export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

const BAR_WIDTH = 30;

export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${v.toFixed(4)}`)
    .join('');
}

export function formatBar(step: number, steps: number): string {
  const width = String(steps).length;
  const done = Math.floor((BAR_WIDTH * step) / steps);
  const bar = step >= steps ? '='.repeat(BAR_WIDTH) : '='.repeat(Math.max(0, done - 1)) + (done > 0 ? '>' : '') + '.'.repeat(BAR_WIDTH - done);
  return `${String(step).padStart(width)}/${steps} [${bar.slice(0, BAR_WIDTH)}]`;
}

function formatDuration(seconds: number): string {
  return seconds >= 1 ? `${Math.round(seconds)}s` : `${Math.round(seconds * 1000)}ms`;
}

function formatPerStep(seconds: number): string {
  return seconds >= 1 ? `${Math.round(seconds)}s/step` : seconds >= 1e-3 ? `${Math.round(seconds * 1000)}ms/step` : `${Math.round(seconds * 1e6)}us/step`;
}

/** Prints fit progress to `sink`; `now` (seconds) is injectable for tests. */
export function progressPrinter(sink: ProgressSink, now: () => number = () => performance.now() / 1000): FitCallbacks {
  let start = 0;
  let lastDraw = -Infinity;
  let steps = 0;
  let lastLogs: Logs = {};
  return {
    onEpochBegin(epoch, epochs) {
      sink.write(`Epoch ${epoch}/${epochs}\n`);
      start = now();
      lastDraw = -Infinity;
    },
    onBatchEnd(step, total, logs) {
      steps = total;
      lastLogs = logs;
      if (!sink.isTTY || step === total) return;
      const t = now();
      if (t - lastDraw < 0.05) return;
      lastDraw = t;
      const eta = ((t - start) / step) * (total - step);
      sink.write(`\r${formatBar(step, total)} - ETA: ${formatDuration(eta)}${formatLogs(logs)}\x1b[K`);
    },
    onEpochEnd(_epoch, logs) {
      const elapsed = now() - start;
      const line = `${formatBar(steps, steps)} - ${formatDuration(elapsed)} ${formatPerStep(elapsed / Math.max(1, steps))}${formatLogs({ ...lastLogs, ...logs })}`;
      sink.write(sink.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
