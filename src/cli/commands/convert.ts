// `ttpa convert`: read BFCL / xLAM / Hermes / native files, report bad lines (file:line: reason),
// keep the good ones, and write native / TRL / text JSONL atomically (temp file + rename).
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { optStr, str, UsageError, type Command } from '../args.ts';
import { importBfcl } from '../../core/data/bfcl.ts';
import { exportRows, type ExportFormat } from '../../core/data/export.ts';
import { importHermes } from '../../core/data/hermes.ts';
import { formatLineError, toJsonl, type ParseReport } from '../../core/data/jsonl.ts';
import { parseNative } from '../../core/data/native.ts';
import type { Sample } from '../../core/data/sample.ts';
import { importXlam } from '../../core/data/xlam.ts';

/** Writes a file so that readers see the old content or the new, never a half-written one. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export function importFile(from: string, input: string, answers?: string): ParseReport<Sample> {
  const text = read(input);
  if (from === 'bfcl') return importBfcl(text, input, answers === undefined ? undefined : read(answers), answers);
  if (from === 'xlam') return importXlam(text, input);
  if (from === 'hermes') return importHermes(text, input);
  return parseNative(text, input);
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert tool-use datasets between BFCL, xLAM, Hermes, native, TRL and text',
  options: [
    { name: 'from', type: 'string', help: 'input format', required: true, choices: ['bfcl', 'xlam', 'hermes', 'native'] },
    { name: 'to', type: 'string', help: 'output format', default: 'native', choices: ['native', 'trl', 'text'] },
    { name: 'in', type: 'string', help: 'input JSONL file', required: true },
    { name: 'answers', type: 'string', help: 'BFCL possible-answer file (all categories but irrelevance)' },
    { name: 'template', type: 'string', help: 'chat template file for --to text (default: the built-in template)' },
    { name: 'out', type: 'string', help: 'output JSONL file', required: true },
  ],
  async run(args) {
    const from = str(args, 'from');
    const template = optStr(args, 'template');
    if (template && str(args, 'to') !== 'text') throw new UsageError('--template only applies to --to text');
    const report = importFile(from, str(args, 'in'), optStr(args, 'answers'));
    for (const e of report.errors) console.error(formatLineError(e));
    const exported = exportRows(report.items, str(args, 'to') as ExportFormat, template ? read(template) : undefined);
    for (const e of exported.errors) console.error(`${e.id}: ${e.reason}`);
    writeFileAtomic(str(args, 'out'), toJsonl(exported.rows));
    console.log(`${exported.rows.length} samples written to ${str(args, 'out')}; ${report.errors.length} line(s) rejected, ${exported.errors.length} sample(s) not exported`);
    return exported.rows.length === 0 && report.errors.length + exported.errors.length > 0 ? 1 : 0;
  },
};
