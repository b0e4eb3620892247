// The `ttpa` command router: finds the command, handles --help and usage errors, returns an exit code.
// Each command lives in its own file under src/cli/commands/ and only parses arguments and does file I/O.
import { formatHelp, parseArgs, UsageError, type Command } from './args.ts';
import { dataCommand } from './commands/data.ts';
import { convertCommand } from './commands/convert.ts';
import { tokenizerCommand } from './commands/tokenizer.ts';
import { sftCommand } from './commands/sft.ts';
import { dpoCommand } from './commands/dpo.ts';
import { evalCommand } from './commands/eval.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { pipelineCommand } from './commands/pipeline.ts';
import { scoreCommand } from './commands/score.ts';
import { evalBfclCommand } from './commands/eval_bfcl.ts';
import { compareCommand } from './commands/compare.ts';
import { aggregateCommand } from './commands/aggregate.ts';
import { pairsCommand } from './commands/pairs.ts';
import { benchCommand } from './commands/bench.ts';
import { widenCommand } from './commands/widen.ts';
import { applyThreadsEnv, replicasOption, threadsOption } from './threads.ts';

const COMMANDS: Command[] = [
  dataCommand,
  convertCommand,
  scoreCommand,
  evalBfclCommand,
  compareCommand,
  tokenizerCommand,
  sftCommand,
  pairsCommand,
  dpoCommand,
  evalCommand,
  calibrateCommand,
  widenCommand,
  pipelineCommand,
  aggregateCommand,
  benchCommand,
];

function usage(): string {
  const lines = ['usage: ttpa <command> [options]   (ttpa <command> --help for details)', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(14)}${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`ttpa: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(formatHelp(cmd));
    return 0;
  }
  try {
    applyThreadsEnv();
    const args = parseArgs(rest, cmd.options);
    threadsOption(args); // a bad --threads or --replicas stops here, before a command touches its output
    replicasOption(args);
    return await cmd.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`ttpa ${name}: ${err.message}\n\n${formatHelp(cmd)}`);
      return 2;
    }
    console.error(`ttpa ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
