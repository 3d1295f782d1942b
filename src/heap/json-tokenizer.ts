/** What the tokenizer reports, in document order. */
export interface JsonHandler {
  open(kind: '{' | '['): void;
  close(kind: '}' | ']'): void;
  /** A string value, or an object key when `isKey`. */
  string(value: string, isKey: boolean): void;
  number(value: number): void;
  /** true, false, null. */
  literal(value: boolean | null): void;
}

const enum State {
  Value,
  String,
  StringEscape,
  Number,
  Literal,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A JSON tokenizer fed chunk by chunk: memory stays bounded by the longest single token,
 * never the document. Numbers in long arrays (a heap snapshot's nodes and edges) are
 * parsed byte by byte without building strings.
 */
export class JsonTokenizer {
  private state = State.Value;
  /** Bytes of the string or literal in progress (may span chunks). */
  private scratch = Buffer.allocUnsafe(1024);
  private scratchLength = 0;
  private stringHasEscape = false;
  private integer = 0;
  private numberText = '';
  private numberSimple = true;
  /** Whether the next string is an object key: tracked per nesting level. */
  private expectKey: boolean[] = [];
  private keyNext = false;

  constructor(private readonly handler: JsonHandler) {}

  write(chunk: Uint8Array): void {
    const h = this.handler;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const state = this.state;
      if (state === State.Number) {
        // Fast path: plain non-negative integers.
        let c = chunk[i];
        while (this.numberSimple && c >= 0x30 && c <= 0x39) {
          this.integer = this.integer * 10 + (c - 0x30);
          if (++i === n) return;
          c = chunk[i];
        }
        if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) {
          if (this.numberSimple) {
            this.numberText = String(this.integer);
            this.numberSimple = false;
          }
          this.numberText += String.fromCharCode(c);
          i++;
          continue;
        }
        this.finishNumber();
        continue;
      }
      if (state === State.String || state === State.StringEscape) {
        let start = i;
        let escaped = state === State.StringEscape;
        while (i < n) {
          const c = chunk[i];
          if (escaped) escaped = false;
          else if (c === BACKSLASH) {
            escaped = true;
            this.stringHasEscape = true;
          } else if (c === QUOTE) break;
          i++;
        }
        this.append(chunk, start, i);
        if (i === n) {
          this.state = escaped ? State.StringEscape : State.String;
          return;
        }
        i++; // the closing quote
        this.finishString();
        start = i;
        continue;
      }
      if (state === State.Literal) {
        const c = chunk[i];
        if (c >= 0x61 && c <= 0x7a) {
          this.append(chunk, i, i + 1);
          i++;
          continue;
        }
        const word = this.scratch.toString('latin1', 0, this.scratchLength);
        this.state = State.Value;
        if (word === 'true') h.literal(true);
        else if (word === 'false') h.literal(false);
        else if (word === 'null') h.literal(null);
        else throw new SyntaxError(`unexpected token "${word}" in JSON`);
        continue;
      }
      const c = chunk[i++];
      switch (c) {
        case 0x20: case 0x0a: case 0x0d: case 0x09: case 0x2c:
          if (c === 0x2c && this.expectKey.length > 0) this.keyNext = this.expectKey[this.expectKey.length - 1];
          break;
        case 0x3a: // ':' — a value follows a key
          this.keyNext = false;
          break;
        case 0x7b: // {
          this.expectKey.push(true);
          this.keyNext = true;
          h.open('{');
          break;
        case 0x5b: // [
          this.expectKey.push(false);
          this.keyNext = false;
          h.open('[');
          break;
        case 0x7d: case 0x5d:
          this.expectKey.pop();
          this.keyNext = false;
          h.close(c === 0x7d ? '}' : ']');
          break;
        case QUOTE:
          this.state = State.String;
          this.scratchLength = 0;
          this.stringHasEscape = false;
          break;
        default:
          if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
            this.state = State.Number;
            this.numberSimple = c !== 0x2d;
            this.integer = c === 0x2d ? 0 : c - 0x30;
            this.numberText = c === 0x2d ? '-' : '';
          } else if (c >= 0x61 && c <= 0x7a) {
            this.state = State.Literal;
            this.scratchLength = 0;
            this.append(chunk, i - 1, i);
          } else {
            throw new SyntaxError(`unexpected character "${String.fromCharCode(c)}" in JSON`);
          }
      }
    }
  }

  /** The document is complete: flushes a number that ended at the last byte. */
  end(): void {
    if (this.state === State.Number) this.finishNumber();
    if (this.state !== State.Value || this.expectKey.length > 0) throw new SyntaxError('the JSON document ends early (truncated file?)');
  }

  private finishNumber(): void {
    this.state = State.Value;
    const value = this.numberSimple ? this.integer : Number(this.numberText);
    if (Number.isNaN(value)) throw new SyntaxError(`bad number "${this.numberText}" in JSON`);
    this.handler.number(value);
  }

  private finishString(): void {
    this.state = State.Value;
    const raw = this.scratch.toString('utf8', 0, this.scratchLength);
    // Escapes are rare in snapshots: let JSON.parse decode one token when there are any.
    const value = this.stringHasEscape ? (JSON.parse(`"${raw}"`) as string) : raw;
    const isKey = this.keyNext;
    this.keyNext = false;
    this.handler.string(value, isKey);
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length === 0) return;
    if (this.scratchLength + length > this.scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratchLength + length));
      this.scratch.copy(bigger, 0, 0, this.scratchLength);
      this.scratch = bigger;
    }
    this.scratch.set(chunk.subarray(start, end), this.scratchLength);
    this.scratchLength += length;
  }
}
