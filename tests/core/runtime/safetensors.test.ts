import { describe, expect, it } from 'vitest';
import { f16ToF32, parseSafetensors, safetensorsNames, serializeSafetensors } from '../../../src/core/runtime/safetensors.ts';

/** A safetensors file from a raw header object and data bytes, as another writer could produce it. */
function rawFile(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const u16 = (...xs: number[]): Uint8Array => new Uint8Array(Uint16Array.from(xs).buffer);

describe('safetensors', () => {
  it('round trips F32 tensors and metadata, sorted, aligned', () => {
    const a = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -1e30]) };
    const b = { shape: [], data: Float32Array.from([7]) };
    const bytes = serializeSafetensors({ 'z.weight': a, 'a.bias': b }, { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    expect(Object.keys(header)).toEqual(['__metadata__', 'a.bias', 'z.weight']);
    expect(header['a.bias'].data_offsets).toEqual([0, 4]);
    const back = parseSafetensors(bytes);
    expect(back['z.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data: a.data });
    expect(back['a.bias'].data).toEqual(b.data);
  });

  it('lists the tensor names from the header bytes alone; undefined for what is not a header', async () => {
    const bytes = serializeSafetensors({ 'z.weight': { shape: [4096], data: new Float32Array(4096) }, 'a.bias': { shape: [1], data: new Float32Array(1) } }, { format: 'pt' });
    const asked: number[] = [];
    const head = async (n: number): Promise<Uint8Array> => { asked.push(n); return bytes.subarray(0, n); };
    expect(await safetensorsNames(head)).toEqual(['a.bias', 'z.weight']);
    expect(Math.max(...asked)).toBeLessThan(bytes.length - 4 * 4096); // never the data
    const from = (b: Uint8Array) => safetensorsNames(async (n) => b.subarray(0, n));
    expect(await from(new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(await from(rawFile(null, new Uint8Array(), '{not json'))).toBeUndefined();
    expect(await from(rawFile([1, 2], new Uint8Array()))).toBeUndefined();
  });

  it('decodes F16 and BF16 against hand-computed values', () => {
    // 0x3C00 = 1, 0xC000 = -2, 0x3555 = 0.333251953125, 0x7BFF = 65504, 0x0001 = 2^-24, 0x7C00 = inf
    const f16 = [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x7c00];
    // 0x3F80 = 1, 0xBF00 = -0.5, 0x4049 = 3.140625
    const bf16 = [0x3f80, 0xbf00, 0x4049];
    const data = new Uint8Array([...u16(...f16), ...u16(...bf16)]);
    const file = rawFile({
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
    }, data);
    const t = parseSafetensors(file);
    expect(Array.from(t.h.data)).toEqual([1, -2, 0.333251953125, 65504, 2 ** -24, Infinity]);
    expect(Array.from(t.b.data)).toEqual([1, -0.5, 3.140625]);
    expect(t.h.dtype).toBe('F16');
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f16ToF32(0x8000)).toBe(-0);
  });

  it('reads integer dtypes', () => {
    const data = new Uint8Array([...new Uint8Array(BigInt64Array.from([-3n, 5n]).buffer), ...new Uint8Array(Int32Array.from([9]).buffer)]);
    const t = parseSafetensors(rawFile({
      i: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
      j: { dtype: 'I32', shape: [1], data_offsets: [16, 20] },
    }, data));
    expect(Array.from(t.i.data)).toEqual([-3, 5]);
    expect(Array.from(t.j.data)).toEqual([9]);
  });

  const four = new Uint8Array(8);
  it.each([
    ['too short', new Uint8Array(4), /x\.safetensors: corrupt header: file is 4 bytes/],
    ['header length past the end', (() => { const f = rawFile({}, four); f[0] = 200; return f; })(), /x\.safetensors: corrupt header: header length 200 exceeds/],
    ['header not JSON', rawFile(null, four, '{"a": nope}'), /x\.safetensors: corrupt header: the 11-byte header is not valid JSON/],
    ['header not an object', rawFile([1], new Uint8Array(0)), /corrupt header: not a JSON object/],
    ['unknown dtype', rawFile({ w: { dtype: 'F8', shape: [8], data_offsets: [0, 8] } }, four), /x\.safetensors: tensor w: unsupported dtype "F8"/],
    ['offsets out of range', rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four), /tensor w: data_offsets \[0, 16\] out of range \(8 data bytes\)/],
    ['byte count != shape', rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, four), /tensor w: has 8 bytes but shape \[3\] of F32 needs 12/],
    ['overlap', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, four), /tensor b \(bytes 4-8\) overlaps tensor a \(bytes 0-8\)/],
    ['gap', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, four), /tensor a starts at byte 4, leaving a gap/],
    ['trailing bytes', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, four), /tensors cover 4 bytes but the file has 8/],
    ['bad shape', rawFile({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, four), /tensor a: shape \[-2\] is not a list/],
  ])('names the error: %s', (_label, bytes, message) => {
    expect(() => parseSafetensors(bytes as Uint8Array, 'x.safetensors')).toThrow(message as RegExp);
  });

  it('refuses data that does not match the shape when writing', () => {
    expect(() => serializeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(/tensor w has 3 values but shape \[2,2\] needs 4/);
  });
});
