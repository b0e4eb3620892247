// Stable hashing of plain-JSON configs for stage skipping: canonical JSON (sorted keys), then FNV-1a 64.
// Not cryptographic; it only has to change when a stage's inputs change (and not when a config merely gains a
// field whose default does what the code did before it: see ADDED_LATER).

/**
 * Config fields added after run folders were made, each with the default that does what the code did before the
 * field existed. configHash leaves such a field out while it equals that default, so a run folder made before
 * it still resumes (its stages are skipped, not rerun); any other value changes the hash. The rule for a new
 * field: list it here with its default when the default keeps the old behaviour; a field that changes results at
 * its default must not be listed (those stages should rerun). Names match at any depth of the hashed config, so a
 * listed name must mean this one field wherever it appears.
 */
export const ADDED_LATER: Readonly<Record<string, unknown>> = Object.freeze({
  anchorWeight: 0, // dpo.anchorWeight (the SFT anchor): 0 = off
});

const isAddedLaterDefault = (key: string, value: unknown): boolean => Object.hasOwn(ADDED_LATER, key) && ADDED_LATER[key] === value;

/** The config as hashed: every ADDED_LATER field at its default removed, at any depth. */
function withoutLaterDefaults(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutLaterDefaults);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k, x]) => !isAddedLaterDefault(k, x)).map(([k, x]) => [k, withoutLaterDefaults(x)]));
  }
  return v;
}

/** JSON with object keys sorted at every level, so equal configs give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** FNV-1a 64-bit of the canonical JSON (ADDED_LATER fields at their defaults left out), as 16 hex digits. */
export function configHash(v: unknown): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of new TextEncoder().encode(canonicalJson(withoutLaterDefaults(v)))) {
    h ^= BigInt(byte);
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** FNV-1a 32-bit over raw bytes (a model file's identity for stage hashes), as 8 hex digits. */
export function bytesHash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
