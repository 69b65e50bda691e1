import ts from 'typescript';
const files = process.argv.slice(2);
const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, customConditions: ['@remotemedia/source'] });
const checker = program.getTypeChecker();
for (const f of files) { const sf = program.getSourceFile(f); const sym = checker.getSymbolAtLocation(sf); const ex = checker.getExportsOfModule(sym); console.log(f, ex.length); }
