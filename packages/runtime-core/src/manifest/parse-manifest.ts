import { parse as parseYaml, YAMLParseError } from 'yaml';
import { Code, RemoteMediaError } from '../errors.js';

/**
 * Nesting beyond which YAML text is refused before parsing. The YAML parser recurses per level,
 * and deep enough input (`[[[[...` or `- - - -...`, a few thousand levels) exhausts the stack in a
 * place V8 cannot recover from (a fatal out-of-memory in its regexp compiler): the process dies.
 * JSON text is parsed without recursion and needs no such bound; validation refuses anything
 * nested more than 32 levels anyway.
 */
const MAX_YAML_NESTING = 256;

/**
 * An upper bound of the nesting of YAML text, in one linear pass: open flow brackets, plus per
 * line its indentation and the block indicators (`- `, `: `, `? `) on it.
 */
export function yamlNestingBound(text: string): number {
  let flow = 0;
  let max = 0;
  let lineStart = true;
  let lineDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      lineDepth = 0;
      continue;
    }
    if (lineStart && c === 32) lineDepth++;
    else lineStart = false;
    if (c === 91 || c === 123)
      flow++; // [ {
    else if (c === 93 || c === 125)
      flow = Math.max(0, flow - 1); // ] }
    else if ((c === 45 || c === 58 || c === 63) && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10 || i + 1 === text.length)) lineDepth++; // "- ", ": ", "? "
    if (flow + lineDepth > max) max = flow + lineDepth;
  }
  return max;
}

/** Parses manifest text (JSON or YAML, detected from content) into a plain object. */
export function parseManifestText(text: string, sourceName = 'manifest'): unknown {
  const trimmed = text.trimStart();
  const json = trimmed.startsWith('{');
  if (!json && yamlNestingBound(text) > MAX_YAML_NESTING) {
    throw new RemoteMediaError(Code.InvalidArgument, `${sourceName} is nested too deeply to be read as YAML (over ${MAX_YAML_NESTING} levels)`, {
      reason: 'ManifestSyntax',
      details: [{ path: sourceName, message: `nested more than ${MAX_YAML_NESTING} levels deep` }],
    });
  }
  try {
    if (json) return JSON.parse(text);
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    const message = (error as Error).message.split('\n')[0];
    throw new RemoteMediaError(Code.InvalidArgument, `${sourceName} is not valid ${json ? 'JSON' : 'YAML'}${where}: ${message}`, {
      cause: error,
      reason: 'ManifestSyntax',
      details: [{ path: sourceName, message: `${message}${where}` }],
    });
  }
}
