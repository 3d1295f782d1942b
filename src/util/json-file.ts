import * as fs from 'node:fs';
import { UsageError } from '../errors';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The parsed content of a JSON file memprof reads (`what` names it in errors): undefined
 * when the file does not exist, a UsageError naming the file when it cannot be read or parsed.
 */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`cannot read ${what} ${file}: ${why}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the error, newlines included: keep the message one line.
    const why = (err as Error).message.replace(/\r?\n/g, '\\n');
    throw new UsageError(`${file}: not valid JSON: ${why}`);
  }
}
