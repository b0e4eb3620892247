// A read-only set of named files (a model folder) that core code reads without knowing where it lives:
// in memory, a browser File list, or (in src/cli/files.ts) a Node directory. Flat: no sub-folders.

export interface FileSource {
  /** Shown in error messages: a folder path, or the name of a dropped folder. */
  name: string;
  list(): string[];
  has(f: string): boolean;
  read(f: string): Promise<Uint8Array>;
  /** The first `bytes` bytes of a file (fewer if it is shorter), without reading the rest. */
  readHead(f: string, bytes: number): Promise<Uint8Array>;
  readText(f: string): Promise<string>;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export function missingFileError(src: FileSource, f: string): Error {
  return new Error(`model folder ${src.name} is missing ${f}`);
}

/** Files held in memory; strings are stored as UTF-8. */
export function memorySource(name: string, files: Record<string, Uint8Array | string>): FileSource {
  const bytes = new Map<string, Uint8Array>();
  for (const [f, v] of Object.entries(files)) bytes.set(f, typeof v === 'string' ? utf8Encoder.encode(v) : v);
  const src: FileSource = {
    name,
    list: () => [...bytes.keys()].sort(),
    has: (f) => bytes.has(f),
    read: async (f) => {
      const b = bytes.get(f);
      if (!b) throw missingFileError(src, f);
      return b;
    },
    readHead: async (f, n) => (await src.read(f)).subarray(0, n),
    readText: async (f) => utf8.decode(await src.read(f)),
  };
  return src;
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/**
 * Browser File objects from a folder picker or a drop; each is known by the base name of its
 * webkitRelativePath (or its name). Two files with the same base name are an error, not a guess.
 */
export function fileListSource(files: File[]): FileSource {
  const byName = new Map<string, File>();
  let folder = '';
  for (const file of files) {
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    const f = baseName(rel);
    if (!folder && rel.includes('/')) folder = rel.slice(0, rel.indexOf('/'));
    const prev = byName.get(f);
    if (prev) throw new Error(`two files named ${f} were given (${rel} and ${(prev as File & { webkitRelativePath?: string }).webkitRelativePath || prev.name}); pick one model folder`);
    byName.set(f, file);
  }
  const src: FileSource = {
    name: folder || 'dropped files',
    list: () => [...byName.keys()].sort(),
    has: (f) => byName.has(f),
    read: async (f) => {
      const file = byName.get(f);
      if (!file) throw missingFileError(src, f);
      return new Uint8Array(await file.arrayBuffer());
    },
    readHead: async (f, n) => {
      const file = byName.get(f);
      if (!file) throw missingFileError(src, f);
      return new Uint8Array(await file.slice(0, n).arrayBuffer());
    },
    readText: async (f) => utf8.decode(await src.read(f)),
  };
  return src;
}

/** JSON.parse with an engine-independent message: "<file>: not valid JSON at offset N". */
export function parseJsonText(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${fileName}: not valid JSON at offset ${jsonErrorOffset(text)}`);
  }
}

export async function readJson(src: FileSource, f: string): Promise<unknown> {
  if (!src.has(f)) throw missingFileError(src, f);
  return parseJsonText(await src.readText(f), f);
}

/**
 * The offset of the first syntax error in text that JSON.parse rejected: a small recursive-descent
 * scanner, because engines word (or omit) the position differently.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) { i += k; fail(); }
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x') || i >= text.length) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}
