/**
 * Model-local ONNX functions (FunctionProto, as the PyTorch dynamo exporter writes one per module)
 * inlined before import: each call becomes the function's body, its formal inputs and outputs
 * renamed to the call's values, its inner values given names of their own (`call/function/value`),
 * and attributes that reference the call's (`ref_attr_name`) resolved to them (left out where the
 * call does not set them, so the op's default applies). A call of a domain that is neither the
 * standard one nor a local function stays as it is, and the importer refuses it by name.
 */
import onnxProto from 'onnx-proto';
import { NncError } from '../../errors.js';

type NodeProto = onnxProto.onnx.INodeProto;
type FunctionProto = onnxProto.onnx.IFunctionProto;

/** Calls nested deeper than this are refused (a function calling itself, directly or not). */
const MAX_DEPTH = 32;

const key = (domain: string | null | undefined, name: string | null | undefined) => `${domain ?? ''}::${name ?? ''}`;
const isDefaultDomain = (domain: string | null | undefined) => !domain || domain === 'ai.onnx';

/** The graph's nodes with every call of a local function replaced by the function's body. */
export function inlineFunctions(model: onnxProto.onnx.IModelProto, opset: number, path: string): NodeProto[] {
  const functions = new Map((model.functions ?? []).map((f) => [key(f.domain, f.name), f]));
  if (functions.size === 0) return model.graph?.node ?? [];
  for (const f of functions.values()) {
    const own = (f.opsetImport ?? []).find((o) => isDefaultDomain(o.domain));
    if (own && Number(own.version) !== opset)
      throw new NncError('NNC6004', `function '${f.name}' imports ONNX opset ${Number(own.version)} but the model imports ${opset}; nnc inlines functions of the model's opset only`, { location: { file: path } });
  }
  const taken = new Set<string>();
  let calls = 0;
  const expand = (nodes: readonly NodeProto[], depth: number): NodeProto[] =>
    nodes.flatMap((n) => {
      const f = isDefaultDomain(n.domain) ? undefined : functions.get(key(n.domain, n.opType));
      if (!f) return [n];
      if (depth >= MAX_DEPTH) throw new NncError('NNC6002', `function '${f.name}' calls itself (nested ${MAX_DEPTH} deep)`, { location: { file: path, node: n.name || undefined } });
      return expand(instantiate(f, n, `${n.name || n.output?.[0] || f.name}#${calls++}`, taken), depth + 1);
    });
  return expand(model.graph?.node ?? [], 0);
}

/** One call's copy of the function body, every value renamed. */
function instantiate(f: FunctionProto, call: NodeProto, prefix: string, taken: Set<string>): NodeProto[] {
  const rename = new Map<string, string>();
  (f.input ?? []).forEach((formal, i) => rename.set(formal, call.input?.[i] ?? ''));
  (f.output ?? []).forEach((formal, i) => {
    const actual = call.output?.[i];
    if (actual) rename.set(formal, actual);
  });
  const fresh = (name: string) => {
    let candidate = `${prefix}/${name}`;
    for (let k = 2; taken.has(candidate); k++) candidate = `${prefix}/${name}_${k}`;
    taken.add(candidate);
    rename.set(name, candidate);
    return candidate;
  };
  const valueName = (name: string) => (name === '' ? '' : (rename.get(name) ?? fresh(name)));
  const callAttrs = new Map((call.attribute ?? []).map((a) => [a.name ?? '', a]));
  return (f.node ?? []).map((n) => ({
    ...n,
    name: `${prefix}/${n.name || n.opType}`,
    input: (n.input ?? []).map(valueName),
    output: (n.output ?? []).map(valueName),
    attribute: (n.attribute ?? []).flatMap((a) => {
      if (!a.refAttrName) return [a];
      const given = callAttrs.get(a.refAttrName);
      return given ? [{ ...given, name: a.name }] : [];
    }),
  }));
}
