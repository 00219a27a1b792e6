/**
 * The values `--freeze NAME=VALUES` makes a graph input: inline numbers (`1,2,3`), or a file: a
 * NumPy `.npy` array, an ONNX TensorProto `.pb` (what onnx.numpy_helper.from_array writes), or
 * JSON (a number, a nested array of numbers, or `{ "dims": [...], "values": [...] }`). Dims come
 * from the file; inline values take the input's declared dims.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import onnxProto from 'onnx-proto';
import { NncError } from '../../errors.js';
import type { FrozenValue } from './onnx.js';

const bad = (file: string, detail: string) =>
  new NncError('NNC6002', `--freeze: ${file}: ${detail}`, { location: { file }, hint: 'Give the values inline (1,2,3), or as a .npy, .pb (ONNX TensorProto) or .json file.' });

/** The frozen value of one `VALUES` text: a list of numbers, or the name of a .npy / .pb / .json file. */
export function readFrozenValue(text: string): FrozenValue {
  const ext = extname(text).toLowerCase();
  if (ext === '.npy') return readNpy(text, read(text));
  if (ext === '.pb') return readTensorProto(text, read(text));
  if (ext === '.json') return readJson(text, read(text).toString('utf8'));
  const values = text.split(',').map((s) => s.trim());
  if (values.some((v) => v === '' || !Number.isFinite(Number(v))))
    throw new NncError('NNC4003', `--freeze values must be numbers separated by commas (or a .npy, .pb or .json file), got '${text}'`, { hint: 'For example --freeze shape=1,-1,4.' });
  return { values: values.map(Number) };
}

function read(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw bad(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** NumPy's format 1.0-3.0: magic, version, header length, a Python dict literal, then C-order data. */
function readNpy(file: string, bytes: Buffer): FrozenValue {
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw bad(file, 'not a NumPy .npy file');
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw bad(file, 'is in Fortran order; save it in C order');
  if (descr === undefined || shape === undefined) throw bad(file, 'has no descr or shape in its header');
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const data = bytes.subarray(start + headerLength);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = dims.reduce((p, d) => p * d, 1);
  const readers: Record<string, [number, (at: number) => number]> = {
    '<f4': [4, (at) => view.getFloat32(at, true)],
    '<f8': [8, (at) => view.getFloat64(at, true)],
    '<i4': [4, (at) => view.getInt32(at, true)],
    '<i8': [8, (at) => Number(view.getBigInt64(at, true))],
    '|b1': [1, (at) => view.getUint8(at)],
    '|u1': [1, (at) => view.getUint8(at)],
    '|i1': [1, (at) => view.getInt8(at)],
  };
  const reader = readers[descr];
  if (!reader) throw bad(file, `has dtype '${descr}'; nnc reads ${Object.keys(readers).join(', ')}`);
  if (data.byteLength < count * reader[0]) throw bad(file, `holds ${data.byteLength} bytes of data; shape (${dims.join(', ')}) needs ${count * reader[0]}`);
  return { dims, values: Array.from({ length: count }, (_, i) => reader[1](i * reader[0])) };
}

function readTensorProto(file: string, bytes: Buffer): FrozenValue {
  const { onnx } = onnxProto;
  const DataType = onnx.TensorProto.DataType;
  let t: onnxProto.onnx.TensorProto;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw bad(file, `cannot decode it as an ONNX TensorProto: ${(e as Error).message}`);
  }
  const dims = (t.dims ?? []).map(Number);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const view = raw && new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = dims.reduce((p, d) => p * d, 1);
  const fromRaw = (size: number, read: (at: number) => number) => {
    if (raw!.byteLength !== count * size) throw bad(file, `holds ${raw!.byteLength} bytes of raw_data; dims [${dims.join(', ')}] need ${count * size}`);
    return Array.from({ length: count }, (_, i) => read(i * size));
  };
  let values: number[];
  switch (t.dataType) {
    case DataType.FLOAT:
      values = view ? fromRaw(4, (at) => view.getFloat32(at, true)) : [...(t.floatData ?? [])];
      break;
    case DataType.DOUBLE:
      values = view ? fromRaw(8, (at) => view.getFloat64(at, true)) : [...(t.doubleData ?? [])];
      break;
    case DataType.INT32:
    case DataType.BOOL:
      values = view ? fromRaw(t.dataType === DataType.BOOL ? 1 : 4, (at) => (t.dataType === DataType.BOOL ? view.getUint8(at) : view.getInt32(at, true))) : [...(t.int32Data ?? [])];
      break;
    case DataType.INT64:
      values = view ? fromRaw(8, (at) => Number(view.getBigInt64(at, true))) : (t.int64Data ?? []).map(Number);
      break;
    default:
      throw bad(file, `has element type ${DataType[t.dataType] ?? t.dataType}; nnc reads FLOAT, DOUBLE, INT32, INT64 and BOOL tensors`);
  }
  if (values.length !== count) throw bad(file, `holds ${values.length} values; dims [${dims.join(', ')}] need ${count}`);
  return { dims, values };
}

function readJson(file: string, text: string): FrozenValue {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(file, `is not JSON: ${(e as Error).message}`);
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const { dims, values } = v as { dims?: unknown; values?: unknown };
    if (!isNumbers(dims) || !isNumbers(values)) throw bad(file, 'an object must hold "dims" and "values", arrays of numbers');
    return { dims, values };
  }
  const dims: number[] = [];
  for (let level: unknown = v; Array.isArray(level); level = level[0]) dims.push(level.length);
  const values = [v].flat(dims.length + 1);
  if (!isNumbers(values) || values.length !== dims.reduce((p, d) => p * d, 1)) throw bad(file, 'must be a number or a nested array of numbers, every row of one length');
  return { dims, values };
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
