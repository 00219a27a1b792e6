import { z } from 'zod';
import { NncError } from '../../errors.js';

/**
 * The shapes of the JSON files nnc reads, checked before any importer walks them, so a malformed
 * file gets NNC6002 naming the JSON path of the problem instead of a crash deep inside. zod was
 * chosen because its schemas are TypeScript (the importers' types are inferred from them, so the
 * check and the code cannot drift apart) and it reports every problem with its path.
 *
 * Objects are loose: keys nnc does not read are left for the importers' attribute tables, which
 * refuse unknown settings by name. Only the structure the importers rely on is pinned here.
 */

/** A dimension of a stored tensor: a non-negative integer an Int32Array index can reach. */
const dim = z.number().int().min(0).max(2 ** 31 - 1);

export const WEIGHTS_MANIFEST = z.array(
  z.looseObject({
    paths: z.array(z.string().min(1)),
    weights: z.array(z.looseObject({ name: z.string(), shape: z.array(dim), dtype: z.string() })),
  }),
);

/** [layerName, nodeIndex, tensorIndex, kwargs?]: one tensor a Functional layer call reads. */
const TENSOR_REF = z.tuple([z.string(), z.number().int().min(0), z.number().int().min(0)]).rest(z.unknown());

const LAYER = z.looseObject({
  class_name: z.string(),
  config: z.looseObject({ name: z.string().optional(), batch_input_shape: z.array(dim.nullable()).optional() }),
  name: z.string().optional(),
  inbound_nodes: z.array(z.array(TENSOR_REF)).optional(),
});

/** A Sequential's config may be the bare list of its layers (tfjs-layers 0.x, Keras 2.0). */
const LAYER_LIST = z.array(LAYER);

const MODEL_CONFIG = z.looseObject({
  name: z.string().optional(),
  layers: LAYER_LIST.optional(),
  input_layers: z.array(TENSOR_REF).optional(),
  output_layers: z.array(TENSOR_REF).optional(),
});

/** The model of a tfjs Layers model.json: `modelTopology`, or Keras' `modelTopology.model_config`. */
export const TFJS_LAYERS_ROOT = z.looseObject({ class_name: z.string(), config: z.unknown().optional() });

/** The root's config, in either form. */
export const layersModelConfig = (config: unknown) => (Array.isArray(config) ? LAYER_LIST : MODEL_CONFIG);

const TF_SHAPE = z.looseObject({ dim: z.array(z.looseObject({ size: z.union([z.string(), z.number()]).optional() })).optional(), unknownRank: z.boolean().optional() });

/** A TensorFlow AttrValue's fields the importer decodes (strings are base64), each of its protobuf JSON type. */
const TF_NUMBER = z.union([z.string(), z.number()]);
const TF_ATTR = z.looseObject({
  s: z.string().optional(),
  i: TF_NUMBER.optional(),
  f: TF_NUMBER.optional(),
  b: z.boolean().optional(),
  type: z.string().optional(),
  shape: TF_SHAPE.optional(),
  list: z
    .looseObject({
      s: z.array(z.string()).optional(),
      i: z.array(TF_NUMBER).optional(),
      f: z.array(TF_NUMBER).optional(),
      b: z.array(z.boolean()).optional(),
      type: z.array(z.string()).optional(),
      shape: z.array(TF_SHAPE).optional(),
    })
    .optional(),
});

export const TFJS_GRAPH_MODEL = z.looseObject({
  format: z.string().optional(),
  modelTopology: z.looseObject({
    node: z.array(
      z.looseObject({
        name: z.string().min(1),
        op: z.string().min(1),
        input: z.array(z.string()).optional(),
        attr: z.record(z.string(), TF_ATTR).optional(),
      }),
    ),
  }),
  weightsManifest: WEIGHTS_MANIFEST.optional(),
  signature: z
    .looseObject({
      inputs: z.record(z.string(), z.looseObject({ name: z.string().min(1) })).optional(),
      outputs: z.record(z.string(), z.looseObject({ name: z.string().min(1) })).optional(),
    })
    .optional(),
});

/** `$.modelTopology.node[3].name`: a zod issue path as a JSON path. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((p, key) => (typeof key === 'number' ? `${p}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `${p}.${String(key)}` : `${p}[${JSON.stringify(String(key))}]`), '$');
}

/** The value, checked against the schema; NNC6002 with the JSON path of the first problems if it is not. */
export function checkSchema<S extends z.ZodType>(schema: S, value: unknown, file: string, what: string, at: readonly PropertyKey[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((i) => `${jsonPath([...at, ...i.path])}: ${i.message}`);
  const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
  throw new NncError('NNC6002', `${what} is malformed: ${problems.join('; ')}${more}`, { location: { file } });
}
