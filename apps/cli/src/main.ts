#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RUNTIME_VERSION, RemoteMediaError, formatDetails } from '@remotemedia/runtime-core';
import { loadManifestFile } from '@remotemedia/runtime-core/node';
import {
  CONFIG_EXIT_CODE,
  OPERATOR_OPTIONS,
  type OperatorRuntime,
  checkRemoteManifests,
  createOperatorRuntime,
  isConfigError,
  loadOperatorConfig,
  optionHelp,
  optionParser,
} from '@remotemedia/server-config';
import { type RunFlags, runCommand } from './run-command.js';

const out = (line: string): void => void process.stdout.write(line + '\n');

// The runner depends on the operator options (--config, --nodes, --python-module, ...), so it is
// made once the global options are parsed. The CLI runs the user's own manifests: RemotePipeline
// may reach any endpoint and fetch from any host unless the configuration lists some.
let runtime: Promise<OperatorRuntime> | undefined;
const operatorConfig = () => {
  const all = program.opts<Record<string, unknown>>();
  return loadOperatorConfig({ flags: Object.fromEntries(OPERATOR_OPTIONS.map((o) => [o.attr, all[o.attr]])) });
};
const getRuntime = () => (runtime ??= Promise.resolve().then(() => createOperatorRuntime(operatorConfig(), { trustManifests: true })));
const getRunner = async () => (await getRuntime()).runner;

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
  .showHelpAfterError()
  .exitOverride();
// The operator options every server app takes too (one schema: @remotemedia/server-config).
for (const o of OPERATOR_OPTIONS) {
  const option = new Option(o.flags, optionHelp(o));
  const parse = optionParser(o);
  program.addOption(parse ? option.argParser(parse) : option);
}

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
  .action(async (manifest: string, flags: RunFlags) => {
    try {
      await runCommand(await getRunner(), manifest, flags, out);
    } finally {
      // Remote clients and Python processes must not keep the process alive.
      const r = await getRuntime().catch(() => undefined);
      await r?.close();
      await r?.runner.shutdown({ graceMs: 0 });
    }
  });

program
  .command('validate')
  .description('check a manifest and list every problem')
  .argument('<manifest>', 'path to the manifest')
  .option('--no-remote', 'do not fetch the nested manifests of RemotePipeline nodes')
  .action(async (path: string, flags: { remote: boolean }) => {
    const raw = await loadManifestFile(path);
    const runner = await getRunner();
    const result = runner.validate(raw);
    if (!result.ok) {
      process.stderr.write(`${path}: ${result.problems.length} problem(s)\n${formatDetails(result.problems).replace(/^/gm, '  ')}\n`);
      process.exitCode = 1;
      return;
    }
    // Nested remote manifests (inline or fetched): cycles and nesting depth; say which could not be fetched.
    if (flags.remote) {
      const config = operatorConfig();
      const remote = await checkRemoteManifests(raw, { allowedHosts: config.remote.manifestHosts });
      for (const u of remote.unchecked) process.stderr.write(`${path}: warning: nested manifest ${u.url} not checked: ${u.reason}\n`);
      if (remote.problems.length) {
        process.stderr.write(`${path}: ${remote.problems.length} problem(s)\n${remote.problems.map((p) => `  ${p}`).join('\n')}\n`);
        process.exitCode = 1;
        return;
      }
      const nested = remote.fetched.length ? `, ${remote.fetched.length} nested remote manifest(s) fetched and checked` : '';
      out(`${path}: ok (${result.manifest.nodes.length} nodes, ${result.manifest.connections.length} connections${nested})`);
    } else out(`${path}: ok (${result.manifest.nodes.length} nodes, ${result.manifest.connections.length} connections)`);
    await (await getRuntime()).close();
  });

program
  .command('nodes')
  .description('list the node types this runtime offers')
  .option('--json', 'print JSON with the params schema of every node type')
  .action(async (flags: { json?: boolean }) => {
    const nodes = (await getRunner()).listNodes();
    if (flags.json) return out(JSON.stringify(nodes, null, 2));
    const width = Math.max(...nodes.map((n) => n.type.length));
    for (const n of nodes) out(`${n.type.padEnd(width)}  ${n.description}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (isConfigError(error)) {
    // Configuration (flags, env, --config file, operator modules): one line naming it, exit 2.
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = CONFIG_EXIT_CODE;
  } else {
    // User errors: one clear line (plus listed problems), never a stack trace.
    const e = error instanceof RemoteMediaError ? error : RemoteMediaError.from(error);
    process.stderr.write(`error: ${e.rawMessage.split('\n')[0]}\n`);
    if (e.details.length && !e.rawMessage.includes('\n')) process.stderr.write(formatDetails(e.details).replace(/^/gm, '  ') + '\n');
    else if (e.rawMessage.includes('\n'))
      process.stderr.write(
        e.rawMessage
          .split('\n')
          .slice(1)
          .map((l) => `  ${l}`)
          .join('\n') + '\n',
      );
    if (program.opts().debug) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}
