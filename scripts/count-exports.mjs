// How many names each entry exports, measured by the TypeScript checker (values and types):
//   node scripts/count-exports.mjs packages/runtime-core/src/index.ts packages/runtime-core/src/kit/index.ts
// Add --names to list them.
import ts from 'typescript';

const args = process.argv.slice(2);
const listNames = args.includes('--names');
const files = args.filter((a) => a !== '--names');
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
  customConditions: ['@remotemedia/source'],
});
const checker = program.getTypeChecker();
for (const file of files) {
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) {
    console.error(`${file}: not a module`);
    process.exitCode = 1;
    continue;
  }
  const names = checker
    .getExportsOfModule(moduleSymbol)
    .map((s) => s.name)
    .sort();
  console.log(`${file} ${names.length}${listNames ? `\n  ${names.join(' ')}` : ''}`);
}
