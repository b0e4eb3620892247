// Stable hashing of plain-JSON configs for stage skipping: canonical JSON (sorted keys), then FNV-1a 64.
// Not cryptographic; it only has to change when a stage's inputs change (and not when a config merely gains a
// field whose default does what the code did before it: see ADDED_LATER and hashAsRecorded).

/**
 * Config fields added after run folders were made, each with the default that does what the code did before the
 * field existed. A stage compares its record with hashAsRecorded: such a field at that default, absent from the
 * recorded config, is left out, so a run folder made before the field still resumes (its stages are skipped, not
 * rerun), and one made after it (the field recorded) matches the plain hash as before. Any other value changes the
 * hash. The rule for a new field: list it here with its default when the default keeps the old behaviour; a field
 * that changes results at its default must not be listed (those stages should rerun). Names match at any depth, so
 * a listed name must mean this one field wherever it appears.
 */
export const ADDED_LATER: Readonly<Record<string, unknown>> = Object.freeze({
  gradientCheckpointing: 'auto', // sft/dpo.gradientCheckpointing: 'auto' recomputes only a step that would not fit, which never ran before
  anchorWeight: 0, // dpo.anchorWeight (the SFT anchor): 0 = off
  pairFilter: 'all', // dpo.pairFilter (preference/pair_filter.ts): 'all' trains on every pair, as before
  anchorPerPair: 0, // dpo.anchorPerPair (train/anchor.ts): 0 = ceil(anchor samples / pairs), as before
  pairWarmupSteps: 0, // dpo.pairWarmupSteps: 0 = the pairs' loss at full weight from the first step, as before
});

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** `v` without the ADDED_LATER fields at their default that `recorded` lacks at the same place, at any depth. */
function asRecorded(v: unknown, recorded: unknown): unknown {
  if (Array.isArray(v)) return v.map((x, i) => asRecorded(x, Array.isArray(recorded) ? recorded[i] : undefined));
  if (!isObject(v)) return v;
  const old = isObject(recorded) ? recorded : {};
  const kept = Object.entries(v).filter(([k, x]) => !(Object.hasOwn(ADDED_LATER, k) && ADDED_LATER[k] === x && !Object.hasOwn(old, k)));
  return Object.fromEntries(kept.map(([k, x]) => [k, asRecorded(x, old[k])]));
}

/**
 * The hash `v` has for a record whose hashed value was `recorded` (e.g. a stage.json's { config, inputs }): configHash of
 * `v` less the ADDED_LATER fields at their defaults that the record predates. Equal to configHash(v) when the record
 * has every field `v` has.
 */
export function hashAsRecorded(v: unknown, recorded: unknown): string {
  return configHash(asRecorded(v, recorded));
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

/** FNV-1a 64-bit of the canonical JSON, as 16 hex digits. */
export function configHash(v: unknown): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of new TextEncoder().encode(canonicalJson(v))) {
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
