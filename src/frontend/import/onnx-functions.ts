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

/**
 * The graph's nodes with every call of a local function replaced by the function's body. `bytes`
 * is the model file: the attribute defaults of functions (FunctionProto.attribute_proto, field 11)
 * are read from it directly, as the protobuf schema nnc decodes with predates them.
 */
export function inlineFunctions(model: onnxProto.onnx.IModelProto, bytes: Uint8Array, opset: number, path: string): NodeProto[] {
  const functions = new Map((model.functions ?? []).map((f) => [key(f.domain, f.name), f]));
  if (functions.size === 0) return model.graph?.node ?? [];
  const defaults = attributeDefaults(bytes);
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
      return expand(instantiate(f, n, defaults.get(key(f.domain, f.name)) ?? new Map(), `${n.name || n.output?.[0] || f.name}#${calls++}`, taken), depth + 1);
    });
  return expand(model.graph?.node ?? [], 0);
}

/** One call's copy of the function body, every value renamed. */
function instantiate(f: FunctionProto, call: NodeProto, defaults: ReadonlyMap<string, onnxProto.onnx.IAttributeProto>, prefix: string, taken: Set<string>): NodeProto[] {
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
      const given = callAttrs.get(a.refAttrName) ?? defaults.get(a.refAttrName);
      return given ? [{ ...given, name: a.name }] : [];
    }),
  }));
}

/** Protobuf wire format, just enough to walk length-delimited fields. */
function* fields(bytes: Uint8Array): Generator<{ field: number; body?: Uint8Array }> {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80 || at >= bytes.length) return value;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      yield { field, body: bytes.subarray(at, at + length) };
      at += length;
    } else return; // groups (deprecated) do not occur in ONNX files
  }
}

/** Each function's attribute defaults (ModelProto.functions = 25; FunctionProto name 1, domain 10, attribute_proto 11). */
function attributeDefaults(model: Uint8Array): Map<string, Map<string, onnxProto.onnx.IAttributeProto>> {
  const out = new Map<string, Map<string, onnxProto.onnx.IAttributeProto>>();
  const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
  for (const { field, body } of fields(model)) {
    if (field !== 25 || !body) continue;
    let [name, domain] = ['', ''];
    const attrs = new Map<string, onnxProto.onnx.IAttributeProto>();
    for (const f of fields(body)) {
      if (f.field === 1) name = text(f.body);
      else if (f.field === 10) domain = text(f.body);
      else if (f.field === 11 && f.body) {
        const a = onnxProto.onnx.AttributeProto.decode(f.body);
        attrs.set(a.name ?? '', a);
      }
    }
    out.set(key(domain, name), attrs);
  }
  return out;
}
