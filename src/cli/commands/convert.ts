// `ttpa convert`: read BFCL / xLAM / Hermes / native files, report bad lines (file:line: reason),
// keep the good ones, and write native / TRL / text JSONL atomically; exit 1 if any line was rejected,
// and leave --out untouched if none was kept.
import { existsSync } from 'node:fs';
import { bool, optStr, str, UsageError, type Command } from '../args.ts';
import { readInputText } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION, writeResultLines } from '../run_folder.ts';
import { importBfcl } from '../../core/data/bfcl.ts';
import { exportRows, type ExportFormat } from '../../core/data/export.ts';
import { importHermes } from '../../core/data/hermes.ts';
import { formatLineError, type ParseReport } from '../../core/data/jsonl.ts';
import { checkTemplate } from '../../core/data/chat_format.ts';
import { parseNative } from '../../core/data/native.ts';
import type { Sample } from '../../core/data/sample.ts';
import { importXlam } from '../../core/data/xlam.ts';

function read(path: string): string {
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: it does not exist`);
  return readInputText(path);
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
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const from = str(args, 'from');
    const template = optStr(args, 'template');
    if (template && str(args, 'to') !== 'text') throw new UsageError('--template only applies to --to text');
    const out = str(args, 'out');
    for (const input of [str(args, 'in'), optStr(args, 'answers'), template]) if (input !== undefined && !existsSync(input)) read(input);
    checkNotInput(out, [str(args, 'in'), optStr(args, 'answers'), template]);
    claimOutputs([out], bool(args, 'overwrite'));
    const templateText = template ? read(template) : undefined;
    if (templateText !== undefined) checkTemplate(templateText, template!);
    const report = importFile(from, str(args, 'in'), optStr(args, 'answers'));
    if (!report.items.length && !report.errors.length) throw new Error(`${str(args, 'in')}: no samples (the file has no non-blank line)`);
    for (const e of report.errors) console.error(formatLineError(e));
    const exported = exportRows(report.items, str(args, 'to') as ExportFormat, templateText);
    for (const e of exported.errors) console.error(`${e.id}: ${e.reason}`);
    const rejected = report.errors.length + exported.errors.length;
    const code = writeResultLines(out, exported.rows.map((r) => JSON.stringify(r)), rejected, console.error);
    if (code === 0 || exported.rows.length) console.log(`${exported.rows.length} samples written to ${out}; ${report.errors.length} line(s) rejected, ${exported.errors.length} sample(s) not exported`);
    return code;
  },
};
