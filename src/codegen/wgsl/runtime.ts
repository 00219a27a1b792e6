/**
 * The host runtime emitted into every WebGPU bundle, as JavaScript source text. It imports
 * nothing and touches only the WebGPU API (`navigator.gpu`, or a `gpu` / `device` passed to
 * load()), so the bundle runs in browsers and in Node with any WebGPU implementation.
 *
 * It expects the bundle to define before it: PROGRAM (see ShaderProgram in program.ts, minus the
 * weights), WEIGHTS_BASE64 (string or null) and WEIGHTS_FILE (file beside the module, or null).
 * Buffer usage and stage flags are numeric because Node implementations need not define the
 * GPUBufferUsage / GPUShaderStage globals.
 */
export const RUNTIME_SOURCE = String.raw`
export class NncWebGpuError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'NncWebGpuError';
    this.code = code;
  }
}

const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 };
const STAGE_COMPUTE = 4;
const MAP_MODE_READ = 1;
const MAX_GROUPS_PER_DIMENSION = 65535;
const WASM_HINT = 'Use the WebAssembly bundle instead (nnc build --target wasm).';

async function openDevice(options) {
  if (options.device) return { device: options.device, owned: false };
  const gpu = options.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
  if (!gpu) {
    throw new NncWebGpuError('NO_WEBGPU', 'WebGPU is not available: navigator.gpu is undefined and load() was given no gpu or device. ' +
      'Use a browser with WebGPU enabled, pass load({ gpu }) (in Node, from the webgpu package), or ' + WASM_HINT.charAt(0).toLowerCase() + WASM_HINT.slice(1));
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  if (!adapter) {
    throw new NncWebGpuError('NO_ADAPTER', 'WebGPU is present but no GPU adapter was found (requestAdapter() returned null); ' +
      'the GPU may be disabled or blocklisted. ' + WASM_HINT);
  }
  const limits = adapter.limits;
  try {
    const device = await adapter.requestDevice({
      requiredLimits: { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize },
    });
    return { device, owned: true };
  } catch (e) {
    throw new NncWebGpuError('NO_DEVICE', 'the GPU adapter refused to create a device: ' + (e && e.message) + '. ' + WASM_HINT, { cause: e });
  }
}

async function readWeights(options) {
  let bytes;
  if (options.weights) bytes = options.weights instanceof ArrayBuffer ? new Uint8Array(options.weights) : new Uint8Array(options.weights.buffer, options.weights.byteOffset, options.weights.byteLength);
  else if (WEIGHTS_BASE64 !== null) {
    const text = atob(WEIGHTS_BASE64);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  } else {
    const url = new URL(WEIGHTS_FILE, import.meta.url);
    try {
      if (url.protocol === 'file:') {
        const fs = await import('node:fs/promises');
        bytes = new Uint8Array(await fs.readFile(url));
      } else {
        const response = await fetch(url);
        if (!response.ok) throw new Error('HTTP ' + response.status);
        bytes = new Uint8Array(await response.arrayBuffer());
      }
    } catch (e) {
      throw new NncWebGpuError('NO_WEIGHTS', 'could not read the weights file ' + url.href + ': ' + (e && e.message) + '. Keep it beside the module or pass load({ weights }).', { cause: e });
    }
  }
  if (bytes.byteLength !== PROGRAM.weightFloats * 4) {
    throw new NncWebGpuError('NO_WEIGHTS', 'the weights hold ' + bytes.byteLength + ' bytes, this model needs ' + PROGRAM.weightFloats * 4);
  }
  if (options.verify) await verifyWeights(bytes);
  return bytes;
}

async function compilePipelines(device, layout) {
  return Promise.all(PROGRAM.shaders.map(async (code, index) => {
    const label = PROGRAM.dispatches.filter((d) => d.shader === index || d.fewRows?.shader === index).map((d) => d.label).join(', ');
    // Pushed and popped with no await between: the shaders compile concurrently.
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label, code });
    const scope = device.popErrorScope();
    const info = module.getCompilationInfo ? await module.getCompilationInfo() : { messages: [] };
    const scopeError = await scope;
    const errors = info.messages.filter((m) => m.type === 'error').map((m) => m.lineNum + ':' + m.linePos + ' ' + m.message);
    if (errors.length > 0 || scopeError) {
      throw new NncWebGpuError('SHADER_COMPILE', 'the WGSL shader for ' + label + ' failed to compile: ' + (errors.join('; ') || scopeError.message));
    }
    try {
      return await device.createComputePipelineAsync({ label, layout, compute: { module, entryPoint: 'main' } });
    } catch (e) {
      throw new NncWebGpuError('SHADER_COMPILE', 'the compute pipeline for ' + label + ' could not be created: ' + (e && e.message), { cause: e });
    }
  }));
}

const what = (v) => (v === null ? 'null' : v?.constructor?.name ?? typeof v);

/**
 * Validates the inputs as the WebAssembly bundle does (TypeError / RangeError); returns them keyed
 * by input name, and the batch size. An input without a batch axis holds its fixed size whatever
 * the batch; a model none of whose inputs has one takes exactly its shapes (batch 1, or omitted).
 * A sequence of any length (PROGRAM.states: one step of a time loop) holds steps steps per row.
 */
function checkInputs(input, batch, steps = 1) {
  const perRow = (i) => i.elementsPerRow * (i.steps ? steps : 1);
  const single = PROGRAM.inputs.length === 1;
  if (!single && (typeof input !== 'object' || input === null || ArrayBuffer.isView(input)))
    throw new TypeError('predict expects an object with ' + PROGRAM.inputs.map((i) => i.name).join(', ') + ', got ' + what(input));
  const named = {};
  for (const { name } of PROGRAM.inputs) {
    named[name] = single ? input : input[name];
    if (!(named[name] instanceof Float32Array)) throw new TypeError('input "' + name + '" must be a Float32Array, got ' + what(named[name]));
  }
  const first = PROGRAM.inputs.find((i) => i.batched);
  if (!first) {
    if (batch !== undefined && batch !== 1)
      throw new RangeError('this model has no batch axis (every input has a fixed shape), so batch must be 1 or omitted, got ' + batch);
    batch = 1;
  } else if (batch === undefined) {
    batch = named[first.name].length / perRow(first);
    if (!Number.isInteger(batch))
      throw new RangeError('input "' + first.name + '" holds ' + named[first.name].length + ' values, not a whole number of rows of ' + perRow(first));
  } else if (typeof batch !== 'number') throw new TypeError('batch must be a number, got ' + what(batch));
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new RangeError('batch must be a positive integer (inferred from the input length when omitted), got ' + batch);
  for (const i of PROGRAM.inputs) {
    const { name, batched } = i, elementsPerRow = perRow(i);
    if (!batched && named[name].length !== elementsPerRow)
      throw new RangeError('input "' + name + '" has no batch axis: it must hold exactly ' + elementsPerRow + ' values, got ' + named[name].length);
    if (batched && named[name].length !== batch * elementsPerRow)
      throw new RangeError('input "' + name + '" must hold ' + batch + ' × ' + elementsPerRow + ' = ' + batch * elementsPerRow + ' values, got ' + named[name].length);
  }
  return [named, batch];
}

/**
 * Creates the device (unless given), compiles every pipeline and uploads the weights once.
 * options: { device?, gpu?, powerPreference?, weights?, verify? }.
 */
export async function load(options = {}) {
  checkLoadOptions(options);
  const { device, owned } = await openDevice(options);
  try {
    return await prepare(device, owned, options);
  } catch (e) {
    if (owned) device.destroy();
    throw e;
  }
}

const LOAD_OPTIONS = {
  device: (v) => typeof v === 'object' && v !== null,
  gpu: (v) => typeof v === 'object' && v !== null,
  powerPreference: (v) => v === 'low-power' || v === 'high-performance',
  weights: (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v),
  verify: (v) => typeof v === 'boolean',
};
const EXPECTED = { device: 'a GPUDevice', gpu: 'a GPU', powerPreference: "'low-power' or 'high-performance'", weights: 'an ArrayBuffer or a typed array', verify: 'a boolean' };

/** load()'s options: an object of known keys with values of the right kinds, else a TypeError saying what was expected. */
function checkLoadOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError('load() takes an options object, got ' + what(options));
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(LOAD_OPTIONS, key)) throw new TypeError('load(): unknown option "' + key + '" (known: ' + Object.keys(LOAD_OPTIONS).join(', ') + ')');
    if (options[key] !== undefined && !LOAD_OPTIONS[key](options[key])) throw new TypeError('load(): option "' + key + '" must be ' + EXPECTED[key] + ', got ' + what(options[key]));
  }
}

/** With verify, refuses weights whose SHA-256 is not the one the build recorded (manifest.json lists it). */
async function verifyWeights(bytes) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) throw new NncWebGpuError('NO_WEIGHTS', 'load({ verify: true }) needs crypto.subtle (Node >= 20, or a browser page served over https or localhost)');
  const got = Array.from(new Uint8Array(await subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  if (got !== WEIGHTS_SHA256) throw new NncWebGpuError('NO_WEIGHTS', 'the weights\' SHA-256 ' + got + ' is not the build\'s ' + WEIGHTS_SHA256 + ' (manifest.json): the file was changed or damaged');
}

async function prepare(device, owned, options) {
  let lost = null;
  let disposed = false;
  device.lost.then((info) => { lost = info; });

  const bindGroupLayout = device.createBindGroupLayout({
    label: 'nnc',
    entries: [
      { binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'storage' } },
      { binding: 1, visibility: STAGE_COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: STAGE_COMPUTE, buffer: { type: 'uniform' } },
    ],
  });
  const [pipelines, weightBytes] = await Promise.all([
    compilePipelines(device, device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] })),
    readWeights(options),
  ]);
  const weights = device.createBuffer({ label: 'nnc weights', size: weightBytes.byteLength, usage: USAGE.STORAGE | USAGE.COPY_DST });
  device.queue.writeBuffer(weights, 0, weightBytes);
  const params = device.createBuffer({ label: 'nnc params', size: 16, usage: USAGE.UNIFORM | USAGE.COPY_DST });
  const outputFloatsPerRow = PROGRAM.outputs.reduce((n, o) => n + o.elementsPerRow, 0);

  // Buffers sized for the largest batch (or chunk) seen so far; re-created only when one exceeds it.
  let capacity = 0;
  let arena = null;
  let staging = null;
  let bindGroup = null;

  function unusable() {
    if (disposed) return new NncWebGpuError('DISPOSED', 'this model was disposed');
    if (lost) return new NncWebGpuError('DEVICE_LOST', 'the GPU device was lost (' + (lost.reason ?? 'unknown') + '): ' + (lost.message || 'no message') + '. Call load() again to start over.');
    return null;
  }

  // The most rows one run can hold: the arena is a single storage binding. Larger batches run in
  // chunks of this many rows, as the WebAssembly bundle does, unless the model must run a batch in
  // one piece (PROGRAM.onePiece says why).
  const rowBytes = PROGRAM.arenaFloatsPerRow * 4;
  const fixedBytes = PROGRAM.arenaFixedFloats * 4;
  const arenaBytes = (rows) => fixedBytes + rows * rowBytes;
  const maxRows = Math.floor((Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) - fixedBytes) / Math.max(rowBytes, outputFloatsPerRow * 4));
  // Where a value lives for a call of this many rows, in bytes (the memory plan's affine offset).
  const addressOf = (placement, rows) => (placement.offsetFixed + rows * placement.offsetPerRow) * 4;

  let stagingBytes = 0;
  // The readback buffer holds what one chunk returns: its rows of every output (and of every step
  // of a per-step output, in a time loop); re-created only when a chunk needs more.
  async function reserve(rows, readbackBytes = rows * outputFloatsPerRow * 4) {
    if (readbackBytes > stagingBytes) {
      staging?.destroy();
      stagingBytes = 0;
      device.pushErrorScope('out-of-memory');
      staging = device.createBuffer({ label: 'nnc readback', size: readbackBytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
      const oom = await device.popErrorScope();
      if (oom) throw new NncWebGpuError('OUT_OF_MEMORY', 'the GPU could not allocate ' + readbackBytes + ' bytes to read ' + rows + ' rows back: ' + oom.message);
      stagingBytes = readbackBytes;
    }
    if (rows <= capacity) return;
    arena?.destroy();
    capacity = 0;
    device.pushErrorScope('out-of-memory');
    arena = device.createBuffer({ label: 'nnc arena', size: arenaBytes(rows), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
    const oom = await device.popErrorScope();
    if (oom) throw new NncWebGpuError('OUT_OF_MEMORY', 'the GPU could not allocate ' + arenaBytes(rows) + ' bytes for ' + rows + ' rows: ' + oom.message);
    bindGroup = device.createBindGroup({
      layout: bindGroupLayout,
      entries: [
        { binding: 0, resource: { buffer: arena } },
        { binding: 1, resource: { buffer: weights } },
        { binding: 2, resource: { buffer: params } },
      ],
    });
    capacity = rows;
  }

  /** Runs rows [first, first + rows) of the inputs and copies their results into outputs. */
  async function runChunk(named, first, rows, outputs) {
    await reserve(rows);
    device.queue.writeBuffer(params, 0, new Uint32Array([rows, 0, 0, 0]));
    for (const input of PROGRAM.inputs) {
      const size = input.elementsPerRow;
      const data = input.batched ? named[input.name].subarray(first * size, (first + rows) * size) : named[input.name];
      device.queue.writeBuffer(arena, addressOf(input, rows), data);
    }
    const encoder = encodeRun(rows);
    const bytes = copyOutputs(encoder, PROGRAM.outputs, rows, 0);
    device.queue.submit([encoder.finish()]);
    const mapped = await readBack(bytes);
    readOutputs(mapped, 0, PROGRAM.outputs, rows, (o, i, values) => outputs[i].set(values, o.batched ? first * o.elementsPerRow : 0));
    staging.unmap();
  }

  /** A command encoder holding one compute pass that runs every kernel on the given rows. */
  function encodeRun(rows) {
    const encoder = device.createCommandEncoder({ label: 'nnc predict' });
    const pass = encoder.beginComputePass();
    pass.setBindGroup(0, bindGroup);
    for (const planned of PROGRAM.dispatches) {
      // A kernel producing a value without a batch axis runs once.
      const runs = planned.batched ? rows : 1;
      const d = planned.fewRows && runs * planned.rowsPerBatch <= planned.fewRows.upTo ? planned.fewRows : planned;
      const groups = Math.ceil((runs * d.rowsPerBatch) / d.rowsPerGroup);
      const x = Math.min(groups, MAX_GROUPS_PER_DIMENSION);
      pass.setPipeline(pipelines[d.shader]);
      pass.dispatchWorkgroups(x, Math.ceil(groups / x), d.columnGroups);
    }
    pass.end();
    return encoder;
  }

  /** Copies the values of the outputs in list into the readback buffer from byte at; returns where they end. */
  function copyOutputs(encoder, list, rows, at) {
    for (const o of list) {
      const size = (o.batched ? rows : 1) * o.elementsPerRow * 4;
      encoder.copyBufferToBuffer(arena, addressOf(o, rows), staging, at, size);
      at += size;
    }
    return at;
  }

  /** The first 'bytes' of the readback buffer, once the GPU has written them. */
  async function readBack(bytes) {
    try {
      await staging.mapAsync(MAP_MODE_READ, 0, bytes);
    } catch (e) {
      throw unusable() ?? new NncWebGpuError('READBACK', 'reading the results back from the GPU failed: ' + (e && e.message), { cause: e });
    }
    return new Float32Array(staging.getMappedRange(0, bytes));
  }

  /** Hands the values of each output in list, as copyOutputs laid them out from float at, to take(o, i, values). */
  function readOutputs(mapped, at, list, rows, take) {
    list.forEach((o, i) => {
      const size = (o.batched ? rows : 1) * o.elementsPerRow;
      take(o, i, mapped.subarray(at, at + size));
      at += size;
    });
  }

  /**
   * One chunk of rows of a time loop (a sequence of any length): the states start at zero (or
   * their initial values, from a first run), then each step writes step t of every sequence,
   * runs every kernel, copies the per-step outputs to the readback buffer (step after step) and
   * the states written over the states read (through the carry buffer: WebGPU copies between two
   * buffers). The last step copies the other outputs after the per-step ones; one readback.
   */
  async function runLoopChunk(named, first, rows, outputs, steps) {
    const perStep = PROGRAM.outputs.filter((o) => o.steps);
    const atEnd = PROGRAM.outputs.filter((o) => !o.steps);
    const stepFloats = perStep.reduce((n, o) => n + rows * o.elementsPerRow, 0);
    const endFloats = atEnd.reduce((n, o) => n + (o.batched ? rows : 1) * o.elementsPerRow, 0);
    await reserve(rows, (steps * stepFloats + endFloats) * 4);
    device.queue.writeBuffer(params, 0, new Uint32Array([rows, 0, 0, 0]));
    for (const input of PROGRAM.inputs) {
      if (input.steps) continue;
      const size = input.elementsPerRow;
      device.queue.writeBuffer(arena, addressOf(input, rows), input.batched ? named[input.name].subarray(first * size, (first + rows) * size) : named[input.name]);
    }
    const stateBytes = PROGRAM.states.reduce((n, s) => n + rows * s.input.elementsPerRow * 4, 0);
    const carry = device.createBuffer({ label: 'nnc states', size: Math.max(stateBytes, 4), usage: USAGE.COPY_SRC | USAGE.COPY_DST });
    try {
      for (const s of PROGRAM.states) device.queue.writeBuffer(arena, addressOf(s.input, rows), new Float32Array(rows * s.input.elementsPerRow));
      // Row r of step t of a [rows, steps, size] array starts at ((first + r) * steps + t) * size.
      const writeRows = (placement, values, t) => {
        const size = placement.elementsPerRow, data = new Float32Array(rows * size);
        for (let r = 0; r < rows; r++) data.set(values.subarray(((first + r) * steps + t) * size, ((first + r) * steps + t + 1) * size), r * size);
        device.queue.writeBuffer(arena, addressOf(placement, rows), data);
      };
      // Step t of every sequence; a sequence a backward layer reads gets its step steps - 1 - t too.
      const writeStep = (t) => {
        for (const input of PROGRAM.inputs) if (input.steps) writeRows(input, named[input.name], t);
        for (const r of PROGRAM.reversed) writeRows(r.input, named[r.of], steps - 1 - t);
      };
      const copyStates = (encoder, from) => {
        let at = 0;
        for (const s of PROGRAM.states) {
          const size = rows * s.input.elementsPerRow * 4;
          if (from(s)) encoder.copyBufferToBuffer(arena, addressOf(from(s), rows), carry, at, size);
          at += size;
        }
        at = 0;
        for (const s of PROGRAM.states) {
          const size = rows * s.input.elementsPerRow * 4;
          if (from(s)) encoder.copyBufferToBuffer(carry, at, arena, addressOf(s.input, rows), size);
          at += size;
        }
      };
      if (PROGRAM.states.some((s) => s.initial)) {
        writeStep(0);
        const encoder = encodeRun(rows);
        copyStates(encoder, (s) => s.initial);
        device.queue.submit([encoder.finish()]);
      }
      for (let t = 0; t < steps; t++) {
        writeStep(t);
        const encoder = encodeRun(rows);
        const end = copyOutputs(encoder, perStep, rows, t * stepFloats * 4);
        if (t === steps - 1) copyOutputs(encoder, atEnd, rows, end);
        else copyStates(encoder, (s) => s.output);
        device.queue.submit([encoder.finish()]);
      }
      const mapped = await readBack((steps * stepFloats + endFloats) * 4);
      for (let t = 0; t < steps; t++)
        readOutputs(mapped, t * stepFloats, perStep, rows, (o, _, values) => {
          const size = o.elementsPerRow, into = outputs[PROGRAM.outputs.indexOf(o)];
          for (let r = 0; r < rows; r++) into.set(values.subarray(r * size, (r + 1) * size), ((first + r) * steps + t) * size);
        });
      readOutputs(mapped, steps * stepFloats, atEnd, rows, (o, _, values) => outputs[PROGRAM.outputs.indexOf(o)].set(values, o.batched ? first * o.elementsPerRow : 0));
      staging.unmap();
    } finally {
      carry.destroy();
    }
  }

  async function run(named, batch, steps) {
    const problem = unusable();
    if (problem) throw problem;
    if (maxRows < 1) {
      throw new NncWebGpuError('ROW_TOO_LARGE', 'one row needs ' + arenaBytes(1) + ' bytes of GPU memory in one binding; this device allows ' + device.limits.maxStorageBufferBindingSize);
    }
    if (PROGRAM.onePiece !== null && batch > maxRows)
      throw new RangeError('this model ' + PROGRAM.onePiece + ', so a batch runs in one piece: at most ' + maxRows + ' rows, got ' + batch);
    const outputs = PROGRAM.outputs.map((o) => new Float32Array((o.batched ? batch : 1) * o.elementsPerRow * (o.steps ? steps : 1)));
    for (let first = 0; first < batch; first += maxRows) {
      const rows = Math.min(maxRows, batch - first);
      await (PROGRAM.states ? runLoopChunk(named, first, rows, outputs, steps) : runChunk(named, first, rows, outputs));
    }
    return PROGRAM.outputs.length === 1 ? outputs[0] : Object.fromEntries(PROGRAM.outputs.map((o, i) => [o.name, outputs[i]]));
  }

  // One predict at a time: calls share the arena and the readback buffer.
  let queue = Promise.resolve();
  let queued = 0;
  function enqueue(task) {
    queued++;
    const next = queue.then(task).finally(() => queued--);
    queue = next.catch(() => {});
    return next;
  }

  const names = (list) => Object.freeze(list.map((t) => t.name));
  return {
    device,
    inputNames: names(PROGRAM.inputs),
    outputNames: names(PROGRAM.outputs),
    /**
     * Runs the model on batch rows: a Float32Array for one output, else one per output name. A
     * time loop (a sequence of any length) takes the steps first: predict(input, steps, batch).
     */
    predict(input, ...sizes) {
      // Invalid inputs reject at once; valid calls queue, since they share the GPU buffers.
      let checked, steps = 1;
      try {
        if (PROGRAM.states) {
          steps = sizes[0];
          if (!Number.isSafeInteger(steps) || steps < 1)
            throw new RangeError('predict(inputs, steps, batch?): steps, the length of the sequences, must be a positive integer, got ' + (typeof steps === 'number' ? steps : what(steps)));
        }
        checked = checkInputs(input, sizes[PROGRAM.states ? 1 : 0], steps);
      } catch (e) {
        return Promise.reject(e);
      }
      // A call that waits copies its inputs: the caller may refill its arrays meanwhile.
      const [named, rows] = checked;
      const inputs = queued === 0 ? named : Object.fromEntries(Object.entries(named).map(([k, v]) => [k, v.slice()]));
      return enqueue(() => run(inputs, rows, steps));
    },
    /** Frees the GPU buffers (and the device, when load() created it). */
    dispose() {
      return enqueue(async () => {
        if (disposed) return;
        disposed = true;
        arena?.destroy();
        staging?.destroy();
        weights.destroy();
        params.destroy();
        if (owned) device.destroy();
      });
    },
  };
}
`;
