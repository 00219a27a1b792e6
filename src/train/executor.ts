import type { Graph } from '../ir/graph.js';
import { interpret, type TensorMap } from '../ir/interpreter.js';

/**
 * Runs one graph on named inputs, returning its named outputs: the seam between the training
 * loop and whatever executes a step. The loop calls `run` once per batch. Output data may be
 * views of the executor's memory, valid until its next `run`: copy what must outlive it.
 */
export interface Executor {
  run(inputs: TensorMap): TensorMap;
  /** Compiles ahead for a batch size, doing any asynchronous work `run` cannot do (optional). */
  prepare?(batch: number): Promise<void>;
}

export interface ExecutorOptions {
  /**
   * Names that are both an output and an input (a training step's weights and optimizer slots):
   * after each run the executor keeps these outputs as the inputs of its next run, which may then
   * omit them. State stays where the executor computes it instead of crossing into JavaScript
   * and back every step. A value given in `inputs` replaces the carried one.
   */
  readonly carry?: ReadonlySet<string>;
}

export type ExecutorFactory = (graph: Graph, options?: ExecutorOptions) => Executor;

/** The reference interpreter as an executor: slow, and the oracle the fast ones are tested against. */
export const interpreterExecutor: ExecutorFactory = (graph, options = {}) => {
  const carried: TensorMap = {};
  return {
    run(inputs) {
      const out = interpret(graph, { ...carried, ...inputs });
      for (const name of options.carry ?? []) carried[name] = out[name]!;
      return out;
    },
  };
};
