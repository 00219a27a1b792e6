/**
 * The order of a Functional model's `layers`, as Keras 2 and tfjs-layers compute it
 * (`_map_graph_network` / `Container`): a depth-first walk from the outputs numbers the layers in
 * the order it first meets them; each call's depth is the longest path from it to an output; a
 * layer's depth is the deepest of its calls (and a call inherits its layer's depth before passing
 * depth + 1 on to the calls feeding it). Layers are listed deepest first, ties in walk order, and
 * an input no output depends on comes last at depth 0. The summary, `getWeights()` and the weights'
 * order in the IR all follow it.
 */
import type { Layer, LayerCall, SymbolicTensor } from './layer.js';

export function kerasLayerOrder(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Layer[] {
  const walkIndex = new Map<Layer, number>();
  const finished = new Set<LayerCall>();
  /** Calls with every call after them (toward the outputs) listed later: the walk's post-order. */
  const postOrder: LayerCall[] = [];
  // An explicit stack instead of recursion: deep models must not overflow the call stack.
  for (const out of outputs) {
    const stack: { call: LayerCall; next: number }[] = [];
    const enter = (call: LayerCall) => {
      if (finished.has(call)) return;
      if (!walkIndex.has(call.layer)) walkIndex.set(call.layer, walkIndex.size);
      stack.push({ call, next: 0 });
    };
    enter(out.call);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.call.inputs.length) enter(top.call.inputs[top.next++]!.call);
      else {
        stack.pop();
        if (!finished.has(top.call)) {
          finished.add(top.call);
          postOrder.push(top.call);
        }
      }
    }
  }
  const callDepth = new Map<LayerCall, number>();
  const layerDepth = new Map<Layer, number>();
  for (const call of [...postOrder].reverse()) {
    const depth = Math.max(callDepth.get(call) ?? 0, layerDepth.get(call.layer) ?? 0);
    layerDepth.set(call.layer, depth);
    callDepth.set(call, depth);
    for (const t of call.inputs) callDepth.set(t.call, Math.max(depth + 1, callDepth.get(t.call) ?? 0));
  }
  for (const t of inputs)
    if (!layerDepth.has(t.layer)) {
      layerDepth.set(t.layer, 0);
      walkIndex.set(t.layer, -1);
    }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || walkIndex.get(a)! - walkIndex.get(b)!);
}
