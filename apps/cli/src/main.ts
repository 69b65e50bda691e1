#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { RUNTIME_VERSION, RemoteMediaError, formatDetails } from '@remotemedia/runtime-core';
import { createNodeRunner, loadManifestFile } from '@remotemedia/runtime-core/node';
import { runCommand } from './run-command.js';

const out = (line: string): void => void process.stdout.write(line + '\n');
const collectValues = (value: string, previous: string[] = []) => [...previous, value];

// The runner depends on --python-module, so it is made once the global options are parsed.
let runner: ReturnType<typeof createNodeRunner> | undefined;
const getRunner = () => (runner ??= createNodeRunner(program.opts().pythonModule?.length ? { python: { modules: program.opts().pythonModule } } : {}));

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

const program = new Command()
  .name('remotemedia')
  .description('Run, validate and inspect RemoteMedia pipelines.')
  .version(RUNTIME_VERSION)
  .option('--debug', 'print stack traces of unexpected errors')
  .option('--python-module <path>', 'a Python module (.py path or module name) whose @register_node types manifests may use; repeatable', collectValues)
  .showHelpAfterError()
  .exitOverride();

program
  .command('run')
  .description('run a pipeline manifest (JSON or YAML) on an input and print or write its outputs')
  .argument('<manifest>', 'path to the manifest')
  .option('-i, --input <file>', 'input file: .wav (streamed in frames), .json, .txt, or anything else as binary')
  .option('-t, --text <text...>', 'text input(s), one per value')
  .option('-j, --json <value...>', 'JSON input(s), one per value, e.g. --json 1 2 3')
  .option('-o, --output <file>', 'write outputs to a file: .wav for the audio (other outputs to .jsonl beside it), otherwise JSON lines')
  .option('--split-audio', 'with a .wav output: one file per audio output (x-001.wav, ...), e.g. one per utterance')
  .option('--frame-ms <ms>', 'frame size when streaming a WAV file', positiveNumber, 20)
  .action(async (manifest: string, flags) => runCommand(getRunner(), manifest, flags, out));

program
  .command('validate')
  .description('check a manifest and list every problem')
  .argument('<manifest>', 'path to the manifest')
  .action(async (path: string) => {
    const result = getRunner().validate(await loadManifestFile(path));
    if (result.ok) {
      out(`${path}: ok (${result.manifest.nodes.length} nodes, ${result.manifest.connections.length} connections)`);
      return;
    }
    process.stderr.write(`${path}: ${result.problems.length} problem(s)\n${formatDetails(result.problems).replace(/^/gm, '  ')}\n`);
    process.exitCode = 1;
  });

program
  .command('nodes')
  .description('list the node types this runtime offers')
  .option('--json', 'print JSON with the params schema of every node type')
  .action((flags: { json?: boolean }) => {
    const nodes = getRunner().listNodes();
    if (flags.json) return out(JSON.stringify(nodes, null, 2));
    const width = Math.max(...nodes.map((n) => n.type.length));
    for (const n of nodes) out(`${n.type.padEnd(width)}  ${n.description}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    // User errors: one clear line (plus listed problems), never a stack trace.
    const e = error instanceof RemoteMediaError ? error : RemoteMediaError.from(error);
    process.stderr.write(`error: ${e.rawMessage.split('\n')[0]}\n`);
    if (e.details.length && !e.rawMessage.includes('\n')) process.stderr.write(formatDetails(e.details).replace(/^/gm, '  ') + '\n');
    else if (e.rawMessage.includes('\n')) process.stderr.write(e.rawMessage.split('\n').slice(1).map((l) => `  ${l}`).join('\n') + '\n');
    if (program.opts().debug) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}
