import binaryen from 'binaryen';
import { NncError, NncErrorList } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { valueNames } from '../../ir/printer.js';
import { graphIsRowLocal, isElementwiseOp } from '../../ir/traits.js';
import type { AffineBytes, MemoryPlan } from '../../passes/memory-plan-types.js';
import { planMemory } from '../../passes/plan-memory.js';
import { KernelContext, LANES_GLOBAL, LaneConstants } from './context.js';
import { exclusionSuffix } from '../exclusions.js';
import { KERNEL_EXCLUSIONS, needsNoKernel, wasmBlockReader, wasmKernel, wasmOverwrites, wasmScratch, wasmSharedScratch } from './kernels/index.js';
import { align16, ConstantPool, memoryLayout, OVERREAD_SLACK, PAGE_BYTES } from './layout.js';

export interface WasmModuleOptions {
  /** Emit SIMD128 kernels (default build) or the scalar fallback. */
  readonly simd: boolean;
  /** 'external' leaves the constant region out of the module; the loader copies it in. */
  readonly weights: 'embedded' | 'external';
  /**
   * Rows per call, when the caller knows its largest batch (the training executor); by default
   * what fits a 4 MiB arena.
   */
  readonly rows?: number;
  /**
   * Skip binaryen's optimizer (-O3 -s1 otherwise), for a module compiled once per use and never
   * shipped (the training executor's step, the larger the more steps are unrolled): it took 1.5
   * of the 1.9 s that building the LSTM example's step took. V8's optimizing tier compiles the
   * kernels either way; the step times measured equal. Bundles keep -O3 -s1: they ship, and their
   * size counts.
   */
  readonly fastCompile?: boolean;
  /**
   * Keep each kernel's function name (`n<node index>_<op>`, as `run` calls them) in the binary's
   * name section, so that a profiler (`node --cpu-prof`, a browser's, `npm run bench:train --
   * --profile`) attributes time to graph nodes. Off by default: the names cost bytes.
   */
  readonly functionNames?: boolean;
  /**
   * Let the SIMD build's multiply-adds (GEMM tiles, direct convolutions) fuse: relaxed SIMD's
   * f32x4.relaxed_madd, one FMA instruction where the CPU has it, rounding once instead of twice.
   * The GEMMs of a training step ran 10–20 % faster with it. The training executor asks for it
   * where its Node compiles relaxed SIMD; a bundle ships it as a third build beside SIMD128 (which
   * Safari needs, and whose results do not depend on the CPU) and the scalar one.
   */
  readonly relaxedSimd?: boolean;
}

/** Where the loader finds things in the module's memory (identical for the SIMD and scalar builds). */
export interface WasmMemoryInfo {
  readonly arenaBase: number;
  /**
   * Whether every op is row-local. If so, batches larger than `maxRows` run in chunks of
   * `maxRows` rows; if not, a batch runs in one call and `maxRows` is the largest batch.
   */
  readonly rowLocal: boolean;
  /** Inputs without a batch axis, by name: their fixed size is copied whole into every call. */
  readonly unbatchedInputs: readonly string[];
  /**
   * Whether a batch may run in chunks of rows (and over workers): the graph is row-local and every
   * input has the batch axis. Otherwise a batch runs in one call.
   */
  readonly chunked: boolean;
  /** Rows per `run` call. */
  readonly maxRows: number;
  /** Arena bytes: fixed, plus per row of a call. */
  readonly arena: AffineBytes;
  /** Start and bytes of the constant region (weights, packed for the kernels). */
  readonly constBase: number;
  readonly constBytes: number;
  /** Fixed size of the linear memory, in bytes (it never grows). */
  readonly memoryBytes: number;
  /** Byte offset (from arenaBase) of each model input and output, by name. */
  readonly inputOffsets: Readonly<Record<string, AffineBytes>>;
  readonly outputOffsets: Readonly<Record<string, AffineBytes>>;
}

export interface CompiledWasm {
  readonly binary: Uint8Array<ArrayBuffer>;
  /** The constant region's bytes (what `weights: 'external'` writes beside the module). */
  readonly constants: Uint8Array;
  readonly memory: WasmMemoryInfo;
  /** Where the module keeps every value (planned with the kernels' scratch). */
  readonly plan: MemoryPlan;
  /** Text format of the optimized module, when asked for. */
  readonly text?: string;
}

/**
 * Binaryen's optimizer with every kernel left a function of its own: by default it inlines any
 * function with one caller, which folds all kernels into `run`. V8 then compiles one huge
 * function, and its register allocation over dozens of loop nests came out worse: the LSTM
 * example (55 GEMMs) ran 10–20 % slower at batch 1 and 256 that way. A call per kernel costs
 * nothing measurable, even for the MLP at batch 1. (The setting is global: restored afterwards.)
 */
function optimizeKeepingKernels(m: binaryen.Module): void {
  const before = binaryen.getOneCallerInlineMaxSize();
  binaryen.setOneCallerInlineMaxSize(0);
  try {
    m.optimize();
  } finally {
    binaryen.setOneCallerInlineMaxSize(before);
  }
}

/** The module's binary, with a name section when `names` (binaryen's debug-info setting is global: restored afterwards). */
function emitBinary(m: binaryen.Module, names: boolean): Uint8Array<ArrayBuffer> {
  const before = binaryen.getDebugInfo();
  binaryen.setDebugInfo(names);
  try {
    return new Uint8Array(m.emitBinary());
  } finally {
    binaryen.setDebugInfo(before);
  }
}

/**
 * Builds the wasm module of an optimized graph: one function per computing node, called in graph
 * order by the exported `run(rows)`; activations at the addresses of the memory plan; weights in a
 * data segment. Binaryen validates and optimizes it.
 */
export function compileWasm(graph: Graph, options: WasmModuleOptions, withText = false): CompiledWasm {
  checkKernels(graph);
  const plan = planMemory(graph, wasmScratch, wasmBlockReader, wasmSharedScratch, wasmOverwrites);
  const m = new binaryen.Module();
  try {
    const relaxed = options.simd && options.relaxedSimd === true;
    m.setFeatures(options.simd ? binaryen.Features.SIMD128 | (relaxed ? binaryen.Features.RelaxedSIMD : 0) : binaryen.Features.MVP);
    // Loads are typed by the memory they address, so the memory must exist before any kernel
    // is built; its size is set at the end, once the constants are known.
    m.setMemory(1, 1);
    const rowLocal = graphIsRowLocal(graph);
    const unbatchedInputs = graph.inputs.filter((n) => !n.type.shape.includes(null)).map((n) => n.name!);
    const chunked = rowLocal && unbatchedInputs.length === 0;
    const layout = memoryLayout(plan, chunked, options.rows);
    const pool = new ConstantPool(layout.constBase);
    const lanes = new LaneConstants();
    const calls: binaryen.ExpressionRef[] = [];
    graph.nodes.forEach((node, index) => {
      if (needsNoKernel(node.op)) return;
      const ctx = new KernelContext(m, options.simd, graph, layout, pool, node, lanes, relaxed);
      const body = wasmKernel(node.op)!.emit(ctx, node);
      const name = `n${index}_${node.op}`;
      m.addFunction(name, binaryen.i32, binaryen.none, ctx.varTypes, body);
      calls.push(m.call(name, [m.local.get(0, binaryen.i32)], binaryen.none));
    });
    m.addFunction('run', binaryen.i32, binaryen.none, [], m.block(null, calls));
    m.addFunctionExport('run', 'run');
    const constants = pool.bytes();
    const memoryBytes = layout.constBase + constants.byteLength + OVERREAD_SLACK;
    // What both builds share (the loader checks at least this much); the SIMD module's lane
    // constants follow, in memory of its own.
    const pages = Math.max(1, Math.ceil(memoryBytes / PAGE_BYTES));
    const laneBytes = lanes.bytes();
    const lanesAt = align16(memoryBytes);
    m.addGlobal(LANES_GLOBAL, binaryen.i32, false, m.i32.const(lanesAt));
    const segments = [
      ...(options.weights === 'embedded' && constants.byteLength > 0 ? [{ offset: m.i32.const(layout.constBase), data: constants, passive: false }] : []),
      ...(laneBytes.byteLength > 0 ? [{ offset: m.i32.const(lanesAt), data: laneBytes, passive: false }] : []),
    ];
    const modulePages = Math.max(pages, Math.ceil((lanesAt + laneBytes.byteLength) / PAGE_BYTES));
    m.setMemory(modulePages, modulePages, 'memory', segments);
    if (!m.validate()) throw new Error('generated wasm module does not validate');
    if (!options.fastCompile) {
      binaryen.setOptimizeLevel(3);
      binaryen.setShrinkLevel(1);
      optimizeKeepingKernels(m);
    }
    const offsets = (nodes: readonly { name: string; node: (typeof graph.nodes)[number] }[]) =>
      Object.fromEntries(nodes.map(({ name, node }) => [name, layout.slot(node).offset]));
    return {
      binary: emitBinary(m, options.functionNames === true),
      constants,
      memory: {
        arenaBase: layout.arenaBase,
        rowLocal,
        unbatchedInputs,
        chunked,
        maxRows: layout.maxRows,
        arena: plan.peak,
        constBase: layout.constBase,
        constBytes: constants.byteLength,
        memoryBytes: pages * PAGE_BYTES,
        inputOffsets: offsets(graph.inputs.map((n) => ({ name: n.name!, node: n }))),
        outputOffsets: offsets(graph.outputs),
      },
      plan,
      ...(withText ? { text: m.emitText() } : {}),
    };
  } finally {
    m.dispose();
  }
}

/**
 * Every op without a wasm kernel, reported at once with its node; likewise every non-f32 value
 * reaching a kernel other than the elementwise one (the only kernel with i32 and bool code).
 */
function checkKernels(graph: Graph): void {
  const names = valueNames(graph);
  const where = (n: Graph['nodes'][number]) => ({ location: { node: `%${names.get(n)}`, ...(n.layer ? { layer: n.layer } : {}) } });
  const floatOnly = (n: Graph['nodes'][number]) => {
    const taken = wasmKernel(n.op)?.dtypes ?? ['f32'];
    return !needsNoKernel(n.op) && !isElementwiseOp(n.op) && [n, ...n.inputs].some((v) => !taken.includes(v.type.dtype));
  };
  const missing = graph.nodes
    .filter((n) => (!needsNoKernel(n.op) && !wasmKernel(n.op)) || floatOnly(n))
    .map((n) =>
      wasmKernel(n.op)
        ? new NncError('NNC4001', `'${n.op}' has a wasm kernel for ${(wasmKernel(n.op)!.dtypes ?? ['f32']).join(' and ')} only; it gets ${[...n.inputs, n].map((v) => v.type.dtype).join(', ')}`, {
            ...where(n),
            hint: 'Elementwise ops (add, sub, mul, div, equal, less, greater, cast) run on i32 and bool, and the ops that move values (concat, slice, transpose, gather, ...) on i32; cast before this op.',
          })
        : new NncError('NNC4001', `'${n.op}' has no wasm kernel${exclusionSuffix(KERNEL_EXCLUSIONS, n.op)}`, where(n)),
    );
  if (missing.length === 1) throw missing[0]!;
  if (missing.length > 1) throw new NncErrorList('NNC4001', missing);
}
