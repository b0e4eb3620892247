import { describe, expect, it } from 'vitest';
import { fileListSource, jsonErrorOffset, memorySource, parseJsonText, readJson } from '../../../src/core/runtime/file_source.ts';

describe('file sources', () => {
  it('memorySource stores strings as UTF-8 and names missing files', async () => {
    const src = memorySource('m', { 'a.json': '{"x": "é"}', 'b.bin': new Uint8Array([1, 2]) });
    expect(src.list()).toEqual(['a.json', 'b.bin']);
    expect(await readJson(src, 'a.json')).toEqual({ x: 'é' });
    expect(Array.from(await src.read('b.bin'))).toEqual([1, 2]);
    expect(src.has('c')).toBe(false);
    await expect(src.read('c')).rejects.toThrow('model folder m is missing c');
  });

  it("fileListSource works with Node's File, keyed by base name of webkitRelativePath", async () => {
    const a = new File(['{"n": 1}'], 'config.json');
    Object.defineProperty(a, 'webkitRelativePath', { value: 'tiny/config.json' });
    const b = new File([new Uint8Array([9, 8, 7])], 'model.safetensors');
    const src = fileListSource([a, b]);
    expect(src.name).toBe('tiny');
    expect(src.list()).toEqual(['config.json', 'model.safetensors']);
    expect(await src.readText('config.json')).toBe('{"n": 1}');
    expect(Array.from(await src.read('model.safetensors'))).toEqual([9, 8, 7]);
    await expect(src.read('tokenizer.json')).rejects.toThrow('model folder tiny is missing tokenizer.json');
    expect(() => fileListSource([a, new File(['x'], 'config.json')])).toThrow(/two files named config\.json/);
  });

  it.each([
    ['{"a":1,}', 7],
    ['{"a" 1}', 5],
    ['abc', 0],
    ['{"a":', 5],
    ['', 0],
    ['[1,2]x', 5],
    ['{"a":tru}', 8],
    ['["\\q"]', 3],
    ['[01]', 2],
  ])('locates the JSON error in %j at offset %i', (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
    expect(() => parseJsonText(text, 'config.json')).toThrow(`config.json: not valid JSON at offset ${offset}`);
  });
});
