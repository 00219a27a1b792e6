import type { Rng } from './prng.js';

/**
 * Structure-aware mutations of a JSON document: each picks a node of the tree and changes it the
 * way a hostile or broken file would (another type, an edge value, a key gone, array elements
 * duplicated, dropped or swapped, a reference renamed to another name in the file, a subtree
 * spliced in from another seed). The input is never changed; a mutated copy is returned.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A slot in the tree: the container and the key (or index) of a value in it. */
interface Slot {
  readonly parent: Json[] | { [key: string]: Json };
  readonly key: string | number;
}

const deepNest = (depth: number): Json => {
  let v: Json = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Values a reader is most likely to mishandle. */
export const EDGE_VALUES: readonly (() => Json)[] = [
  () => null,
  () => -1,
  () => 0,
  () => 0.5,
  () => 1e9,
  () => 2 ** 31,
  () => -(2 ** 31) - 1,
  () => Number.MAX_SAFE_INTEGER,
  () => 1e308,
  () => 'NaN',
  () => 'Infinity',
  () => '-1',
  () => '',
  () => 'abc',
  () => '__proto__',
  () => 'constructor',
  () => 'toString',
  () => true,
  () => false,
  () => [],
  () => ({}),
  () => [null],
  () => [-1, 0],
  () => JSON.parse('{"__proto__": {"polluted": 1}}') as Json,
  () => deepNest(200),
];

const clone = (v: Json): Json => (v === undefined ? null : (JSON.parse(JSON.stringify(v)) as Json));

function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) v.forEach((c, i) => (out.push({ parent: v, key: i }), stack.push(c)));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) out.push({ parent: v, key: k }), stack.push(v[k]!);
  }
  return out;
}

const get = (s: Slot): Json => (s.parent as Record<string | number, Json>)[s.key]!;
const set = (s: Slot, v: Json) => ((s.parent as Record<string | number, Json>)[s.key] = v);

/** Every string in the tree that names something (a layer, a node, a weight): candidates for renamed references. */
function namesIn(root: Json): string[] {
  const names = new Set<string>();
  for (const s of slots(root)) {
    const v = get(s);
    if (typeof v === 'string' && v.length > 0 && v.length < 64) names.add(v);
  }
  return [...names];
}

type Mutation = (rng: Rng, root: Json, donors: readonly Json[]) => Json;

const anotherValue = (rng: Rng, v: Json): Json => {
  switch (typeof v) {
    case 'number':
      return rng.pick<Json>([String(v), -v, v + 1, v * 1000, Math.floor(v / 2), [v], null]);
    case 'string':
      return rng.pick<Json>([Number(v) || 7, v.toUpperCase(), `${v}_x`, v.slice(1), [v], { name: v }]);
    case 'boolean':
      return rng.pick<Json>([!v, v ? 1 : 0, String(v)]);
    default:
      return Array.isArray(v) ? rng.pick<Json>([v.length, {}, v[0] ?? null]) : rng.pick<Json>([[v], 'abc', 1]);
  }
};

const MUTATIONS: readonly Mutation[] = [
  // Replace a node with an edge value.
  (rng, root) => {
    const s = slots(root);
    if (s.length === 0) return rng.pick(EDGE_VALUES)();
    set(rng.pick(s), rng.pick(EDGE_VALUES)());
    return root;
  },
  // Replace a node with a value of another type.
  (rng, root) => {
    const s = slots(root);
    if (s.length > 0) {
      const slot = rng.pick(s);
      set(slot, anotherValue(rng, get(slot)));
    }
    return root;
  },
  // Delete a key or an array element.
  (rng, root) => {
    const s = slots(root);
    if (s.length === 0) return root;
    const slot = rng.pick(s);
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key as string];
    return root;
  },
  // Duplicate, swap or drop elements of an array.
  (rng, root) => {
    const arrays = slots(root)
      .map(get)
      .filter((v): v is Json[] => Array.isArray(v) && v.length > 0);
    if (Array.isArray(root) && root.length > 0) arrays.push(root);
    if (arrays.length === 0) return root;
    const a = rng.pick(arrays);
    const i = rng.int(a.length);
    const j = rng.int(a.length);
    const how = rng.int(3);
    if (how === 0) a.splice(j, 0, clone(a[i]!));
    else if (how === 1) [a[i], a[j]] = [a[j]!, a[i]!];
    else a.length = rng.int(a.length);
    return root;
  },
  // Rename a reference to another name used in the file.
  (rng, root) => {
    const names = namesIn(root);
    const strings = slots(root).filter((s) => typeof get(s) === 'string');
    if (strings.length === 0 || names.length === 0) return root;
    set(rng.pick(strings), rng.pick(names));
    return root;
  },
  // Splice a subtree of another seed in place of a node.
  (rng, root, donors) => {
    const s = slots(root);
    if (s.length === 0 || donors.length === 0) return root;
    const donor = slots(rng.pick(donors));
    if (donor.length === 0) return root;
    set(rng.pick(s), clone(get(rng.pick(donor))));
    return root;
  },
  // Add an unknown key to an object.
  (rng, root) => {
    const objects = slots(root)
      .map(get)
      .filter((v): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v));
    if (objects.length === 0) return root;
    // defineProperty: an own `__proto__` key, as JSON.parse makes it, not a prototype change.
    Object.defineProperty(rng.pick(objects), rng.pick(['extra', '__proto__', 'constructor', 'name', 'config']), { value: rng.pick(EDGE_VALUES)(), enumerable: true, writable: true, configurable: true });
    return root;
  },
];

/** `count` (1-4 unless told) structure-aware mutations of a copy of `seed`. */
export function mutateJson(rng: Rng, seed: Json, donors: readonly Json[] = [], count = 1 + rng.int(4)): Json {
  let root = clone(seed);
  for (let i = 0; i < count; i++) root = rng.pick(MUTATIONS)(rng, root, donors);
  return root;
}
