import { parse as parseYaml, YAMLParseError } from 'yaml';
import { Code, RemoteMediaError } from '../errors.js';

/** Parses manifest text (JSON or YAML, detected from content) into a plain object. */
export function parseManifestText(text: string, sourceName = 'manifest'): unknown {
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith('{')) return JSON.parse(text);
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    const message = (error as Error).message.split('\n')[0];
    throw new RemoteMediaError(Code.InvalidArgument, `${sourceName} is not valid ${trimmed.startsWith('{') ? 'JSON' : 'YAML'}${where}: ${message}`, {
      cause: error,
      reason: 'ManifestSyntax',
      details: [{ path: sourceName, message: `${message}${where}` }],
    });
  }
}
