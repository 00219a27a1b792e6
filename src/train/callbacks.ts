/**
 * Keras' built-in callbacks for `model.fit`, with Keras 2's rules (what is an improvement, when
 * to stop, when to lower the learning rate):
 *
 *   await model.fit(x, y, { epochs: 50, validationSplit: 0.1, callbacks: [
 *     callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true }),
 *     callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2 }),
 *     callbacks.modelCheckpoint({ filepath: 'checkpoints/epoch-{epoch:02d}', saveBestOnly: true }),
 *   ]});
 *
 * Each watches one logged value (`monitor`); a value the fit does not log is refused by name
 * (Keras only warns, and the callback then silently does nothing).
 */
import { NncError } from '../errors.js';
import type { LayersModel } from '../frontend/model.js';
import type { Tensor } from '../ir/tensor.js';
import type { ModelCallback } from './model-session.js';
import type { Logs } from './progress.js';
import { saveTfjsModel } from './save.js';

type Mode = 'auto' | 'min' | 'max';

/** Keras' 'auto': a monitored accuracy (or anything ending in `acc`) should rise, anything else fall. */
function wantsIncrease(monitor: string, mode: Mode = 'auto'): boolean {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new NncError('NNC5005', `mode must be 'auto', 'min' or 'max', got '${String(mode)}'`);
  return mode === 'max' || (mode === 'auto' && (monitor.endsWith('acc') || monitor.endsWith('accuracy')));
}

function monitored(logs: Logs, monitor: string, callback: string): number {
  const v = logs[monitor];
  if (v === undefined)
    throw new NncError('NNC5005', `${callback}: the fit does not log '${monitor}'`, {
      hint: `Monitor one of: ${Object.keys(logs).join(', ')}${monitor.startsWith('val_') ? ' (val_ values need validationSplit or validationData)' : ''}.`,
    });
  return v;
}

/** The model a callback was given by `fit` (setModel). */
function modelOf(model: LayersModel | undefined, callback: string): LayersModel {
  if (!model) throw new NncError('NNC5005', `${callback} runs inside model.fit({ callbacks }) only`);
  return model;
}

export interface EarlyStoppingArgs {
  monitor?: string;
  /** A change smaller than this is no improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  mode?: Mode;
  /** Stop unless the monitored value beats this. */
  baseline?: number;
  /** On stopping, go back to the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when `monitor` (default val_loss) stops improving. */
export function earlyStopping(args: EarlyStoppingArgs = {}): ModelCallback & { readonly stoppedEpoch: number; readonly bestEpoch: number } {
  const monitor = args.monitor ?? 'val_loss';
  const increase = wantsIncrease(monitor, args.mode);
  const minDelta = Math.abs(args.minDelta ?? 0);
  const patience = args.patience ?? 0;
  const improves = (current: number, reference: number) => (increase ? current - minDelta > reference : current + minDelta < reference);
  let model: LayersModel | undefined;
  let wait = 0;
  let best = Infinity;
  let bestWeights: Tensor[] | undefined;
  const state = { stoppedEpoch: 0, bestEpoch: 0 };
  return Object.assign(state, {
    setModel(m: LayersModel) {
      model = m;
    },
    onTrainBegin() {
      wait = 0;
      best = increase ? -Infinity : Infinity;
      bestWeights = undefined;
      state.stoppedEpoch = 0;
      state.bestEpoch = 0;
    },
    onEpochEnd(epoch: number, logs: Logs) {
      const current = monitored(logs, monitor, 'earlyStopping');
      const m = modelOf(model, 'earlyStopping');
      wait++;
      if (improves(current, best)) {
        best = current;
        state.bestEpoch = epoch;
        if (args.restoreBestWeights) bestWeights = m.getWeights();
        if (args.baseline === undefined || improves(current, args.baseline)) wait = 0;
        return;
      }
      if (wait >= patience && epoch > 0) {
        state.stoppedEpoch = epoch;
        m.stopTraining = true;
        if (args.restoreBestWeights && bestWeights) m.setWeights(bestWeights);
      }
    },
  });
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  /** New rate = rate · factor (default 0.1; must be below 1). */
  factor?: number;
  /** Epochs without improvement before lowering the rate (default 10). */
  patience?: number;
  mode?: Mode;
  /** A change smaller than this is no improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after lowering before counting again (default 0). */
  cooldown?: number;
  /** The rate never goes below this (default 0). */
  minLr?: number;
}

/** Lowers the optimizer's learning rate when `monitor` (default val_loss) stops improving. */
export function reduceLROnPlateau(args: ReduceLROnPlateauArgs = {}): ModelCallback {
  const monitor = args.monitor ?? 'val_loss';
  const factor = args.factor ?? 0.1;
  if (!(factor < 1)) throw new NncError('NNC5005', `reduceLROnPlateau: factor must be below 1, got ${factor}`);
  const increase = wantsIncrease(monitor, args.mode);
  const minDelta = args.minDelta ?? 1e-4;
  const patience = args.patience ?? 10;
  const cooldown = args.cooldown ?? 0;
  const minLr = args.minLr ?? 0;
  const improves = (current: number, reference: number) => (increase ? current > reference + minDelta : current < reference - minDelta);
  let model: LayersModel | undefined;
  let wait = 0;
  let cooling = 0;
  let best = Infinity;
  return {
    setModel(m) {
      model = m;
    },
    onTrainBegin() {
      wait = 0;
      cooling = 0;
      best = increase ? -Infinity : Infinity;
    },
    onEpochEnd(_epoch, logs) {
      const current = monitored(logs, monitor, 'reduceLROnPlateau');
      const optimizer = modelOf(model, 'reduceLROnPlateau').optimizer!;
      if (cooling > 0) {
        cooling--;
        wait = 0;
      }
      if (improves(current, best)) {
        best = current;
        wait = 0;
      } else if (cooling === 0 && ++wait >= patience) {
        if (optimizer.learningRate > minLr) {
          optimizer.learningRate = Math.max(optimizer.learningRate * factor, minLr);
          cooling = cooldown;
          wait = 0;
        }
      }
    },
  };
}

export interface ModelCheckpointArgs {
  /**
   * The directory to save tfjs Layers JSON into; `{epoch}` (1-based, as Keras) and logged values
   * may be formatted in, e.g. `ckpt/{epoch:02d}-{val_loss:.2f}`.
   */
  filepath: string;
  monitor?: string;
  /** Save only when `monitor` improves on the best so far (the directory is then replaced). */
  saveBestOnly?: boolean;
  mode?: Mode;
}

/** Fills `{key}` / `{key:02d}` / `{key:.3f}` from the epoch (1-based) and the logs. */
export function formatCheckpointPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::(0?\d*)d|:\.(\d+)f)?\}/g, (_whole, key: string, width?: string, digits?: string) => {
    const value = key === 'epoch' ? epoch + 1 : logs[key];
    if (value === undefined)
      throw new NncError('NNC5005', `modelCheckpoint: filepath '${template}' names '${key}', which the fit does not log`, { hint: `Use {epoch} or one of: ${Object.keys(logs).join(', ')}.` });
    if (digits !== undefined) return value.toFixed(Number(digits));
    if (width !== undefined) return String(Math.round(value)).padStart(Number(width || '0'), width.startsWith('0') ? '0' : ' ');
    return String(value);
  });
}

/**
 * Saves the model after each epoch (or only when `monitor` improves) as tfjs Layers JSON, each
 * directory written whole to a temporary sibling and renamed into place, so an interrupted run
 * never leaves a half-written checkpoint.
 */
export function modelCheckpoint(args: ModelCheckpointArgs): ModelCallback {
  const monitor = args.monitor ?? 'val_loss';
  const increase = wantsIncrease(monitor, args.mode);
  let model: LayersModel | undefined;
  let best = Infinity;
  return {
    setModel(m) {
      model = m;
    },
    onTrainBegin() {
      best = increase ? -Infinity : Infinity;
    },
    onEpochEnd(epoch, logs) {
      const m = modelOf(model, 'modelCheckpoint');
      if (args.saveBestOnly) {
        const current = monitored(logs, monitor, 'modelCheckpoint');
        if (!(increase ? current > best : current < best)) return;
        best = current;
      }
      saveTfjsModel(formatCheckpointPath(args.filepath, epoch, logs), m);
    },
  };
}

export const callbacks = { earlyStopping, reduceLROnPlateau, modelCheckpoint };
