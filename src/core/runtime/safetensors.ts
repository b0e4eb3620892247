// The safetensors format (huggingface/safetensors): u64 LE header length, JSON header, raw LE data.
// Reads F32/F16/BF16/F64 and integer dtypes into Float32Array; writes F32 only. No memory mapping;
// assumes a little-endian host (every platform a browser runs on).

export interface LoadedTensor {
  /** The dtype stored in the file; `data` is always converted to float32. */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

export interface TensorToSave {
  shape: number[];
  data: Float32Array;
}

const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};
/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export function parseSafetensors(bytes: Uint8Array, fileName = 'model.safetensors'): Record<string, LoadedTensor> {
  const entries = parseHeader(bytes, fileName);
  const dataStart = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const out: Record<string, LoadedTensor> = {};
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    out[e.name] = { dtype: e.dtype, shape: e.shape, data: toFloat32(raw, e.dtype) };
  }
  return out;
}

/**
 * The tensor names in a safetensors header, read from the file's first bytes only (`head(n)` gives the
 * first n), so a check on names costs no weight read; undefined where the header cannot be read as
 * one (parseSafetensors then says what is wrong with it).
 */
export async function safetensorsNames(head: (bytes: number) => Promise<Uint8Array>): Promise<string[] | undefined> {
  const start = await head(8);
  if (start.length < 8) return undefined;
  const n = new DataView(start.buffer, start.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) return undefined;
  const bytes = await head(8 + Number(n));
  try {
    const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8))) as unknown;
    if (!header || typeof header !== 'object' || Array.isArray(header)) return undefined;
    return Object.keys(header).filter((k) => k !== '__metadata__');
  } catch {
    return undefined;
  }
}

/** Validates the header: every failure names the file and, where there is one, the tensor. */
function parseHeader(bytes: Uint8Array, fileName: string): HeaderEntry[] {
  if (bytes.length < 8) throw new Error(`${fileName}: corrupt header: file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(bytes.length - 8, MAX_HEADER_BYTES))) {
    throw new Error(`${fileName}: corrupt header: header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it`);
  }
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new Error(`${fileName}: corrupt header: the ${n}-byte header is not valid JSON`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${fileName}: corrupt header: not a JSON object`);
  const dataLen = bytes.length - 8 - n;
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    entries.push(checkEntry(name, raw, dataLen, fileName));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let prev: HeaderEntry | undefined;
  for (const e of entries) {
    const at = prev ? prev.end : 0;
    if (e.begin < at) throw new Error(`${fileName}: corrupt header: tensor ${e.name} (bytes ${e.begin}-${e.end}) overlaps tensor ${prev!.name} (bytes ${prev!.begin}-${prev!.end})`);
    if (e.begin > at) throw new Error(`${fileName}: corrupt header: tensor ${e.name} starts at byte ${e.begin}, leaving a gap after byte ${at}`);
    prev = e;
  }
  const used = prev ? prev.end : 0;
  if (used !== dataLen) throw new Error(`${fileName}: corrupt header: tensors cover ${used} bytes but the file has ${dataLen} data bytes`);
  return entries;
}

function checkEntry(name: string, raw: unknown, dataLen: number, fileName: string): HeaderEntry {
  const where = `${fileName}: tensor ${name}`;
  const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!e || typeof e !== 'object') throw new Error(`${where}: header entry is not an object`);
  if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) throw new Error(`${where}: unsupported dtype ${JSON.stringify(e.dtype)}`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${where}: shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
  }
  const offs = e.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) {
    throw new Error(`${where}: data_offsets ${JSON.stringify(offs)} is not [begin, end]`);
  }
  const [begin, end] = offs as number[];
  if (begin > end || end > dataLen) throw new Error(`${where}: data_offsets [${begin}, ${end}] out of range (${dataLen} data bytes)`);
  const shape = e.shape as number[];
  const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype];
  if (end - begin !== expected) {
    throw new Error(`${where}: has ${end - begin} bytes but shape [${shape}] of ${e.dtype} needs ${expected}`);
  }
  return { name, dtype: e.dtype, shape, begin, end };
}

function toFloat32(raw: Uint8Array, dtype: string): Float32Array {
  const copy = raw.slice();
  const buf = copy.buffer;
  switch (dtype) {
    case 'F32': return new Float32Array(buf);
    case 'F64': return Float32Array.from(new Float64Array(buf));
    case 'F16': return Float32Array.from(new Uint16Array(buf), f16ToF32);
    case 'BF16': {
      const bits = new Uint32Array(raw.length / 2);
      const halves = new Uint16Array(buf);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': return Float32Array.from(new BigInt64Array(buf), (v) => Number(v));
    case 'I32': return Float32Array.from(new Int32Array(buf));
    case 'I16': return Float32Array.from(new Int16Array(buf));
    case 'I8': return Float32Array.from(new Int8Array(buf));
    default: return Float32Array.from(copy); // U8, BOOL
  }
}

/** IEEE 754 half precision bits to a number (subnormals, infinities and NaN included). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * F32 file with tensors in sorted-name order, contiguous, and the header padded with spaces to a
 * multiple of 8 bytes (as the reference writer does) so every tensor starts 8-byte aligned.
 */
export function serializeSafetensors(tensors: Record<string, TensorToSave>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const numel = shape.reduce((a, b) => a * b, 1);
    if (data.length !== numel) throw new Error(`serializeSafetensors: tensor ${name} has ${data.length} values but shape [${shape}] needs ${numel}`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + numel * 4] };
    offset += numel * 4;
  }
  let json = JSON.stringify(header);
  const headerBytes0 = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (headerBytes0.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors[name];
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}
