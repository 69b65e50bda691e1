#!/usr/bin/env node
// Fails (exit 1) when the committed protobuf code in packages/protocol/src/gen is stale
// (and when packages/runtime-core/python/remotemedia/nodes.py is stale, see gen-python-nodes.mjs, or
// packages/runtime-core/models/silero_vad_v5_16k.onnx, see gen-silero-16k.py):
// regenerates from proto/ into a temp dir with the same buf template and compares byte for byte.
// `node scripts/check-generated.mjs --write` regenerates in place instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Python node classes (packages/runtime-core/python/remotemedia/nodes.py) from schemas/nodes.json.
{
  const args = ['packages/runtime-core/scripts/gen-python-nodes.mjs', ...(process.argv.includes('--write') ? [] : ['--check'])];
  try {
    execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  } catch {
    process.exitCode = 1; // reported by the script; the protobuf check below still runs
  }
}
// The Silero 16 kHz MatMul graph (packages/runtime-core/models/silero_vad_v5_16k.onnx) from the shipped model,
// by a Python script using the onnx package (Debian's python3-onnx, in scripts/system-packages.txt).
{
  const models = join(root, 'packages/runtime-core/models');
  const committed = join(models, 'silero_vad_v5_16k.onnx');
  const python = [process.env.REMOTEMEDIA_GEN_PYTHON, '/usr/bin/python3', 'python3'].find(
    (p) => p && spawnSync(p, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'rm-gen-silero-'));
  try {
    if (!python) throw new Error('no python3 with the onnx package (apt-get install python3-onnx, or set REMOTEMEDIA_GEN_PYTHON)');
    const out = process.argv.includes('--write') ? committed : join(tmp, 'silero_vad_v5_16k.onnx');
    execFileSync(python, ['packages/runtime-core/scripts/gen-silero-16k.py', join(models, 'silero_vad_v5.onnx'), out], { cwd: root, stdio: 'inherit' });
    if (out !== committed && !readFileSync(out).equals(readFileSync(committed)))
      throw new Error('packages/runtime-core/models/silero_vad_v5_16k.onnx is stale. Run: node scripts/check-generated.mjs --write');
    console.log(`check-generated: packages/runtime-core/models/silero_vad_v5_16k.onnx is ${out === committed ? 'regenerated' : 'up to date'}`);
  } catch (error) {
    console.error(`check-generated: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
// specs/manifest.schema.json (normative) and the package's schemas/manifest.v1.json (published for
// editors) are both written by packages/runtime-core/scripts/write-schemas.ts: they must be one text.
if (!readFileSync(join(root, 'specs/manifest.schema.json')).equals(readFileSync(join(root, 'packages/runtime-core/schemas/manifest.v1.json')))) {
  console.error(
    'check-generated: specs/manifest.schema.json differs from packages/runtime-core/schemas/manifest.v1.json. Run: node --conditions=@remotemedia/source --import tsx packages/runtime-core/scripts/write-schemas.ts',
  );
  process.exitCode = 1;
}
const genDir = 'packages/protocol/src/gen';
const buf = join(root, 'packages/protocol/node_modules/.bin/buf');
if (!existsSync(buf)) {
  console.error(`check-generated: ${relative(root, buf)} is missing; run pnpm install first`);
  process.exit(1);
}
const generate = (outBase) =>
  execFileSync(buf, ['generate', 'proto', '--template', 'proto/buf.gen.yaml', ...(outBase ? ['-o', outBase] : [])], { cwd: root, stdio: 'inherit' });

if (process.argv.includes('--write')) {
  rmSync(join(root, genDir), { recursive: true, force: true });
  generate();
  console.log(`check-generated: regenerated ${genDir}`);
  process.exit(0);
}

const listFiles = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
        .sort()
    : [];

const tmp = mkdtempSync(join(tmpdir(), 'rm-gen-'));
try {
  generate(tmp);
  const fresh = join(tmp, genDir);
  const committed = join(root, genDir);
  const a = listFiles(committed);
  const b = listFiles(fresh);
  const problems = [];
  for (const f of b) if (!a.includes(f)) problems.push(`missing: ${genDir}/${f}`);
  for (const f of a) if (!b.includes(f)) problems.push(`no longer generated: ${genDir}/${f}`);
  for (const f of b) if (a.includes(f) && !readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) problems.push(`stale: ${genDir}/${f}`);
  if (problems.length) {
    console.error(
      `check-generated: generated protobuf code is out of date with proto/:\n  ${problems.join('\n  ')}\nRun: node scripts/check-generated.mjs --write`,
    );
    process.exit(1);
  }
  console.log(`check-generated: ${genDir} is up to date (${b.length} files)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
