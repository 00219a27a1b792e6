import type { WasmMemoryInfo } from '../codegen/wasm/module.js';
import type { AffineBytes } from '../passes/memory-plan-types.js';
import type { BundleSignature, BundleTensor } from './signature.js';
import { COMPILER_VERSION } from '../version.js';
import { RELAXED_SIMD_PROBE, SIMD_PROBE } from '../codegen/wasm/feature-probes.js';

/** The files the loader reads, relative to model.js. */
export const WASM_FILES = { relaxed: 'model.relaxed.wasm', simd: 'model.wasm', scalar: 'model.scalar.wasm', weights: 'model.weights.bin' } as const;

/**
 * The module builds, fastest first: SIMD128 with fused multiply-adds (relaxed SIMD), SIMD128,
 * scalar. The loader takes the first the engine validates (its probe), unless load() says.
 */
export type WasmBuild = 'relaxed' | 'simd' | 'scalar';

export interface WasmRuntimeSpec {
  readonly signature: BundleSignature;
  readonly memory: WasmMemoryInfo;
  /** SHA-256 (hex) of each file the loader reads, for `load({ verify: true })`. */
  readonly sha256: Readonly<Record<string, string>>;
  /** Inline the modules as base64 (one-file bundle) instead of loading the .wasm files. */
  readonly inline?: Readonly<Record<WasmBuild, Uint8Array>>;
  /** Weights are in model.weights.bin, copied into memory at load time. */
  readonly externalWeights: boolean;
  /**
   * For a graph that is not row-local (memory.rowLocal false): the op that reads across the
   * batch, as predict's RangeError names it when a batch exceeds what one call holds.
   */
  readonly acrossBatch?: string;
}

/**
 * model.js for the wasm target: a small, dependency-free ES module. The .wasm files are found
 * with `new URL('./…', import.meta.url)` (bundlers understand the pattern) and fetched; where
 * fetch cannot read file: URLs (Node), it falls back to node:fs, imported only then.
 */
export function wasmRuntime(spec: WasmRuntimeSpec): string {
  const { memory } = spec;
  const lines = [
    `// Compiled by nnc ${COMPILER_VERSION} for WebAssembly (relaxed SIMD, SIMD128, scalar fallback). Imports nothing.`,
    ...ioTables(spec),
    ...(memory.chunked
      ? [
          '// Activations start at ARENA; one run() takes at most MAX_ROWS rows, so larger batches run in',
          '// chunks and memory (which never shrinks) stays as planned.',
        ]
      : [
          '// Activations start at ARENA; one run() takes at most MAX_ROWS rows. The model runs a batch in one',
          '// piece (ONE_PIECE), so a batch cannot run in chunks: MAX_ROWS is the largest batch.',
          `const ONE_PIECE = ${JSON.stringify(onePiece(spec))};`,
        ]),
    `const ARENA = ${memory.arenaBase}, MAX_ROWS = ${memory.maxRows}, MEMORY_BYTES = ${memory.memoryBytes};`,
    '// What load({ verify: true }) checks each file against (manifest.json lists the same hashes).',
    `const SHA256 = ${JSON.stringify(spec.sha256)};`,
    `const SIMD_PROBE = new Uint8Array([${SIMD_PROBE.join(', ')}]);`,
    `const RELAXED_PROBE = new Uint8Array([${RELAXED_SIMD_PROBE.join(', ')}]);`,
    '',
    ...(!spec.inline || spec.externalWeights ? [READ_FILE] : []),
    ...(spec.inline ? inlineModules(spec.inline) : fileModules()),
    ...(spec.externalWeights ? externalWeights(memory) : []),
    loader(spec.externalWeights, memory.chunked, arrayTypes(spec), spec.signature.states !== undefined),
  ];
  return lines.join('\n');
}

/** Why a model that does not run in chunks runs a batch in one piece, as predict's RangeError says it. */
function onePiece({ memory, acrossBatch }: WasmRuntimeSpec): string {
  if (!memory.rowLocal) return `reads across the batch (${acrossBatch ?? 'an op'})`;
  return `has ${memory.unbatchedInputs.length === 1 ? 'an input' : 'inputs'} without a batch axis (${memory.unbatchedInputs.map((n) => JSON.stringify(n)).join(', ')})`;
}

/** The INPUTS and OUTPUTS tables that `CHECK_INPUTS` and the loader read. */
export function ioTables({ signature, memory }: Pick<WasmRuntimeSpec, 'signature' | 'memory'>): string[] {
  const table = (list: BundleSignature['inputs'], offsets: Readonly<Record<string, AffineBytes>>) =>
    `[${list.map((t) => `[${JSON.stringify(t.name)}, ${t.valuesPerRow}, [${offsets[t.name]!.fixedBytes}, ${offsets[t.name]!.bytesPerRow}], ${t.shape.includes(null)}${t.array === 'Float32Array' ? '' : `, ${t.array}`}${t.indexExtent === undefined ? '' : `, ${t.indexExtent}`}]`).join(', ')}]`;
  return [
    '// Inputs and outputs: [name, values per row (all of them without a batch axis), its byte offset in',
    '// the arena as [fixed, per row of a call], whether it has a batch axis, typed array (Float32Array',
    '// when absent), for int32 ids the extent n they index (predict refuses an id outside [-n, n))].',
    `const INPUTS = ${table(signature.inputs, memory.inputOffsets)};`,
    `const OUTPUTS = ${table(signature.outputs, memory.outputOffsets)};`,
    ...(signature.states ? loopTables(signature, memory) : []),
  ];
}

/** The time loop's tables: which inputs and outputs are one step of a sequence, and the states carried. */
function loopTables(signature: BundleSignature, memory: WasmMemoryInfo): string[] {
  const offset = (a: AffineBytes | undefined) => (a ? `[${a.fixedBytes}, ${a.bytesPerRow}]` : 'null');
  const indexes = (list: readonly BundleTensor[]) => `[${list.flatMap((t, i) => (t.steps ? [i] : [])).join(', ')}]`;
  const states = signature.states!.map((s) => {
    return `[${s.valuesPerRow}, ${offset(memory.inputOffsets[s.name])}, ${offset(memory.outputOffsets[s.name])}, ${offset(s.initial === undefined ? undefined : memory.outputOffsets[s.initial])}]`;
  });
  const reversed = (signature.reversed ?? []).map((r) => `[${signature.inputs.findIndex((t) => t.name === r.of)}, ${offset(memory.inputOffsets[r.name])}]`);
  return [
    '// A sequence of any length: predict(inputs, steps) runs the module once per step. SEQUENCES and',
    '// PER_STEP index the INPUTS and OUTPUTS that hold one step of a sequence in the arena (stacked',
    '// along axis 1 for the caller); STATES: [values per row, arena offset of the state a step reads,',
    '// of the state it writes (copied to the first before the next step), of its initial value or null];',
    '// REVERSED: [index in INPUTS, arena offset] of the sequences a backward layer reads from their',
    '// end: step t gets their step steps - 1 - t.',
    `const SEQUENCES = ${indexes(signature.inputs)}, PER_STEP = ${indexes(signature.outputs)};`,
    `const STATES = [${states.join(', ')}];`,
    `const REVERSED = [${reversed.join(', ')}];`,
  ];
}

function inlineModules(inline: NonNullable<WasmRuntimeSpec['inline']>): string[] {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return [
    `const WASM = { relaxed: "${base64(inline.relaxed)}", simd: "${base64(inline.simd)}", scalar: "${base64(inline.scalar)}" };`,
    'const decode = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));',
    'const wasmBytes = async (build) => decode(WASM[build]);',
    'const wasmFile = (build) => `the ${build} module inlined in model.js`;',
    '',
  ];
}

function fileModules(): string[] {
  return [
    'const wasmFile = (build) => moduleKey(build);',
    '// Literal URLs, the pattern bundlers recognize and copy the files for.',
    'const wasmBytes = (build) =>',
    `  build === 'relaxed' ? read(new URL('./${WASM_FILES.relaxed}', import.meta.url))`,
    `  : build === 'simd' ? read(new URL('./${WASM_FILES.simd}', import.meta.url))`,
    `  : read(new URL('./${WASM_FILES.scalar}', import.meta.url));`,
    '',
  ];
}

function externalWeights(memory: WasmMemoryInfo): string[] {
  return [
    `const WEIGHTS_AT = ${memory.constBase}, WEIGHTS_BYTES = ${memory.constBytes};`,
    'async function loadWeights(memory, verify) {',
    `  const bytes = await readNamed('${WASM_FILES.weights}', () => read(new URL('./${WASM_FILES.weights}', import.meta.url)));`,
    `  if (bytes.length !== WEIGHTS_BYTES) throw new Error(\`${WASM_FILES.weights}: expected \${WEIGHTS_BYTES} bytes, got \${bytes.length} (truncated or from another build?)\`);`,
    `  if (verify) await checkSha256('${WASM_FILES.weights}', bytes);`,
    '  new Uint8Array(memory.buffer, WEIGHTS_AT, WEIGHTS_BYTES).set(bytes);',
    '}',
    '',
  ];
}

const READ_FILE = `/** Bytes of a file beside this module: fetch in browsers, node:fs for file: URLs (Node, Deno, Bun). */
async function read(url) {
  if (url.protocol === 'file:') {
    // fetch cannot read file: URLs, and in Node merely touching it loads an HTTP client.
    const fs = await import(/* webpackIgnore: true */ 'node:fs/promises');
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(\`cannot load \${url}: HTTP \${response.status}\`);
  return new Uint8Array(await response.arrayBuffer());
}
`;

/**
 * `check(input, batch, table)`: predict's input validation (reads INPUTS, or a table of the same
 * rows with the sizes of one call), shared with the threaded loader.
 */
export const CHECK_INPUTS = `const what = (v) => (v === null ? 'null' : v?.constructor?.name ?? typeof v);

/** Validates the inputs; returns them as an array in INPUTS order, and the batch size. */
function check(input, batch, table = INPUTS) {
  const single = table.length === 1;
  if (!single && (typeof input !== 'object' || input === null || ArrayBuffer.isView(input)))
    throw new TypeError(\`predict expects an object with \${table.map(([name]) => name).join(', ')}, got \${what(input)}\`);
  const arrays = table.map(([name]) => (single ? input : input[name]));
  table.forEach(([name, , , , type = Float32Array], i) => {
    if (!(arrays[i] instanceof type)) throw new TypeError(\`input "\${name}" must be a \${type.name}, got \${what(arrays[i])}\`);
  });
  // The batch is the first axis of the inputs that have one; an input without one holds its
  // fixed size whatever the batch. A model none of whose inputs has a batch axis takes exactly
  // its shapes: batch 1, or omitted.
  const first = table.findIndex(([, , , batched]) => batched);
  if (first < 0) {
    if (batch !== undefined && batch !== 1)
      throw new RangeError(\`this model has no batch axis (every input has a fixed shape), so batch must be 1 or omitted, got \${batch}\`);
    batch = 1;
  } else if (batch === undefined) {
    batch = arrays[first].length / table[first][1];
    if (!Number.isInteger(batch))
      throw new RangeError(\`input "\${table[first][0]}" holds \${arrays[first].length} values, not a whole number of rows of \${table[first][1]}\`);
  } else if (typeof batch !== 'number') throw new TypeError(\`batch must be a number, got \${what(batch)}\`);
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new RangeError(\`batch must be a positive integer (inferred from the input length when omitted), got \${batch}\`);
  table.forEach(([name, size, , batched], i) => {
    if (!batched && arrays[i].length !== size)
      throw new RangeError(\`input "\${name}" has no batch axis: it must hold exactly \${size} values, got \${arrays[i].length}\`);
    if (batched && arrays[i].length !== batch * size)
      throw new RangeError(\`input "\${name}" must hold \${batch} × \${size} = \${batch * size} values, got \${arrays[i].length}\`);
  });
  table.forEach(([name, , , , , extent], i) => {
    if (extent === undefined) return;
    const at = arrays[i].findIndex((id) => id < -extent || id >= extent);
    if (at >= 0) throw new RangeError(\`input "\${name}" holds the id \${arrays[i][at]} at element \${at}, outside [0, \${extent}) (negative ids count from the end)\`);
  });
  return [arrays, batch];
}
`;

/** load()'s option check (TypeErrors that say what was expected), shared with the threaded loader. */
export const CHECK_LOAD_OPTIONS = `/** load()'s options: nothing, or an object of known keys with values of the right types. */
function checkLoadOptions(options, known) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(\`load() takes an options object, got \${what(options)}\`);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(known, key)) throw new TypeError(\`load(): unknown option "\${key}" (known: \${Object.keys(known).join(', ')})\`);
    if (options[key] !== undefined && typeof options[key] !== known[key])
      throw new TypeError(\`load(): option "\${key}" must be a \${known[key]}, got \${what(options[key])}\`);
  }
  return options;
}
`;

/**
 * load()'s file handling: every file it reads is named in the error when it is missing,
 * truncated, corrupt or (with \`verify\`) not the file the build wrote.
 */
const LOAD_HELPERS = `${CHECK_LOAD_OPTIONS}
/** The bytes \`reading()\` returns, an error naming \`file\` if it fails. */
async function readNamed(file, reading) {
  try {
    return await reading();
  } catch (e) {
    throw new Error(\`cannot read \${file}: \${e && e.message}\`, { cause: e });
  }
}

/** The build's name of a module, the key of its hash in SHA256. */
const moduleKey = (build) => (${JSON.stringify({ relaxed: WASM_FILES.relaxed, simd: WASM_FILES.simd, scalar: WASM_FILES.scalar })})[build];

/**
 * The build load() runs: by default the fastest the engine validates; \`simd: false\` asks for
 * the scalar one, \`relaxed: false\` for plain SIMD128 (results that do not depend on the CPU).
 */
function pickBuild({ simd = WebAssembly.validate(SIMD_PROBE), relaxed }) {
  if (relaxed && !simd) throw new TypeError('load(): relaxed: true needs the SIMD build (simd: false was given)');
  const runsRelaxed = simd && WebAssembly.validate(RELAXED_PROBE);
  // Asked for where the engine lacks it, the module would fail to compile with a less clear message.
  if (relaxed && !runsRelaxed)
    throw new Error('load(): relaxed: true, but this engine does not run WebAssembly relaxed SIMD (Chrome and Edge >= 114 and Node >= 22 do); leave relaxed unset to pick the fastest build it runs');
  return (relaxed ?? runsRelaxed) ? 'relaxed' : simd ? 'simd' : 'scalar';
}

/** Refuses bytes whose SHA-256 is not the one the build recorded for \`key\` (\`file\` names them). */
async function checkSha256(file, bytes, key = file) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) throw new Error('load({ verify: true }) needs crypto.subtle (Node >= 20, or a browser page served over https or localhost)');
  const want = SHA256[key];
  const got = Array.from(new Uint8Array(await subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  if (got !== want) throw new Error(\`\${file}: SHA-256 \${got} is not the build's \${want} (manifest.json): the file was changed or damaged\`);
}

/** The module's instance, or an error naming the file and what is wrong with it. */
async function instantiate(build, verify) {
  const file = wasmFile(build);
  const bytes = await readNamed(file, () => wasmBytes(build));
  if (verify) await checkSha256(file, bytes, moduleKey(build));
  let instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes));
  } catch (e) {
    throw new Error(\`\${file} is not a valid WebAssembly module (truncated or corrupt?): \${e && e.message}\`, { cause: e });
  }
  const { memory, run } = instance.exports;
  if (!(memory instanceof WebAssembly.Memory) || typeof run !== 'function' || memory.buffer.byteLength < MEMORY_BYTES)
    throw new Error(\`\${file} is not this model's module: it lacks the memory or the run() it was built with (truncated, or from another build?)\`);
  return instance.exports;
}
`;

/** predict's refusal of a batch larger than one call holds, for a model that is not row-local. */
const WHOLE_BATCH_ONLY = `    if (rows > MAX_ROWS)
      throw new RangeError(\`this model \${ONE_PIECE}, so a batch runs in one piece: at most \${MAX_ROWS} rows, got \${rows}\`);
`;

/** The typed arrays the model's inputs and outputs use (Float32Array always: weights and scratch). */
function arrayTypes({ signature }: WasmRuntimeSpec): string[] {
  return [...new Set(['Float32Array', ...[...signature.inputs, ...signature.outputs].map((t) => t.array)])];
}

/**
 * predict for one step of a time loop (a sequence of any length): per chunk of rows, the states
 * start at zero (or their initial values, from a first run), then each step copies step t of
 * every sequence in, runs the module, copies the per-step outputs out and the states over.
 */
const LOOP_PREDICT = (chunked: boolean) => `  function predict(input, steps, batch) {
    if (!Number.isSafeInteger(steps) || steps < 1)
      throw new RangeError(\`predict(inputs, steps, batch?): steps, the length of the sequences, must be a positive integer, got \${typeof steps === 'number' ? steps : what(steps)}\`);
    const perCall = (list, stepped) => list.map(([name, size, ...rest], i) => [name, stepped.includes(i) ? size * steps : size, ...rest]);
    const [arrays, rows] = check(input, batch, perCall(INPUTS, SEQUENCES));
${chunked ? '' : WHOLE_BATCH_ONLY}    const outputs = perCall(OUTPUTS, PER_STEP).map(([, size, , batched, type = Float32Array]) => new type(batched ? rows * size : size));
    // Row r of step t of a [rows, steps, size] array starts at (r * steps + t) * size.
    const eachRow = (n, row, size, t, f) => { for (let r = 0; r < n; r++) f(((row + r) * steps + t) * size, r * size); };
    for (let row = 0; row < rows; row += MAX_ROWS) {
      const n = Math.min(MAX_ROWS, rows - row);
      copyIn(arrays, row, n, (i) => !SEQUENCES.includes(i));
      const copyStep = (i, offset, t) => {
        const [, size, , , type] = INPUTS[i];
        const h = heap(type), base = at(offset, n, type);
        eachRow(n, row, size, t, (from, to) => h.set(arrays[i].subarray(from, from + size), base + to));
      };
      const stepIn = (t) => {
        SEQUENCES.forEach((i) => copyStep(i, INPUTS[i][2], t));
        REVERSED.forEach(([i, offset]) => copyStep(i, offset, steps - 1 - t));
      };
      const carry = (into, from, size) => heap().copyWithin(at(into, n), at(from, n), at(from, n) + n * size);
      STATES.forEach(([size, into]) => heap().fill(0, at(into, n), at(into, n) + n * size));
      if (STATES.some(([, , , initial]) => initial)) {
        stepIn(0);
        run(n);
        STATES.forEach(([size, into, , initial]) => initial && carry(into, initial, size));
      }
      for (let t = 0; t < steps; t++) {
        stepIn(t);
        run(n);
        PER_STEP.forEach((i) => {
          const [, size, offset, , type] = OUTPUTS[i];
          const h = heap(type), base = at(offset, n, type);
          eachRow(n, row, size, t, (to, from) => outputs[i].set(h.subarray(base + from, base + from + size), to));
        });
        STATES.forEach(([size, into, from]) => carry(into, from, size));
      }
      copyOut(outputs, row, n, (i) => !PER_STEP.includes(i));
    }
    return OUTPUTS.length === 1 ? outputs[0] : Object.fromEntries(OUTPUTS.map(([name], i) => [name, outputs[i]]));
  }
`;

const loader = (externalWeights: boolean, chunked: boolean, arrays: readonly string[], loop: boolean) => `${CHECK_INPUTS}
${LOAD_HELPERS}
/** Loads the model: the fastest build WebAssembly.validate accepts (relaxed SIMD, SIMD128, scalar) unless the options say. */
export async function load(options) {
  const checked = checkLoadOptions(options, { simd: 'boolean', relaxed: 'boolean', verify: 'boolean' });
  const build = pickBuild(checked);
  const { memory, run } = await instantiate(build, checked.verify ?? false);
${externalWeights ? '  await loadWeights(memory, checked.verify ?? false);\n' : ''}  const heaps = new Map([${arrays.join(', ')}].map((type) => [type, new type(memory.buffer)]));
  const heap = (type = Float32Array) => heaps.get(type);
  const at = ([fixed, perRow], rows, type = Float32Array) => (ARENA + fixed + rows * perRow) / type.BYTES_PER_ELEMENT;
  // Rows [row, row + n) of the inputs (those \`keep\` accepts) into the arena, and of the outputs
  // out of it; a value without a batch axis is copied whole (only a model run in one piece has one).
  const all = () => true;
  const copyIn = (arrays, row, n, keep = all) =>
    INPUTS.forEach(([, size, offset, batched, type], i) => keep(i) && heap(type).set(batched ? arrays[i].subarray(row * size, (row + n) * size) : arrays[i], at(offset, n, type)));
  const copyOut = (outputs, row, n, keep = all) =>
    OUTPUTS.forEach(([, size, offset, batched, type], i) => keep(i) && outputs[i].set(heap(type).subarray(at(offset, n, type), at(offset, n, type) + (batched ? n : 1) * size), batched ? row * size : 0));
${loop ? LOOP_PREDICT(chunked) : `  function predict(input, batch) {
    const [arrays, rows] = check(input, batch);
${chunked ? '' : WHOLE_BATCH_ONLY}    const outputs = OUTPUTS.map(([, size, , batched, type = Float32Array]) => new type(batched ? rows * size : size));
    for (let row = 0; row < rows; row += MAX_ROWS) {
      const n = Math.min(MAX_ROWS, rows - row);
      copyIn(arrays, row, n);
      run(n);
      copyOut(outputs, row, n);
    }
    return OUTPUTS.length === 1 ? outputs[0] : Object.fromEntries(OUTPUTS.map(([name], i) => [name, outputs[i]]));
  }
`}  const names = (list) => Object.freeze(list.map(([name]) => name));
  return { predict, inputNames: names(INPUTS), outputNames: names(OUTPUTS), simd: build !== 'scalar', relaxed: build === 'relaxed' };
}
`;
