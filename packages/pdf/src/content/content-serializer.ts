import type { ContentOp, ContentValue } from './content-types.js';

const REGULAR_NAME_BYTE = (c: number): boolean =>
  c > 0x20 && c < 0x7f && c !== 0x23 && !'()<>[]{}/%'.includes(String.fromCharCode(c));

/** PDF has no exponent notation; numbers are written in plain decimal, shortest exact form. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '0';
  if (Number.isInteger(v)) {
    return Math.abs(v) < 1e21 ? String(v) : BigInt(Math.round(v)).toString();
  }
  const s = String(v);
  if (!s.includes('e')) return s;
  if (Math.abs(v) >= 1e21) return BigInt(Math.round(v)).toString();
  return v.toFixed(20).replace(/\.?0+$/, '') || '0';
}

function nameText(value: string): string {
  let out = '/';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) & 0xff;
    out += REGULAR_NAME_BYTE(c) ? String.fromCharCode(c) : '#' + c.toString(16).padStart(2, '0');
  }
  return out;
}

class ByteSink {
  private chunks: Uint8Array[] = [];
  private text = '';
  private size = 0;

  write(s: string): void {
    this.text += s;
    if (this.text.length > 65536) this.flushText();
  }

  writeBytes(bytes: Uint8Array): void {
    this.flushText();
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private flushText(): void {
    if (!this.text) return;
    const bytes = Buffer.from(this.text, 'latin1');
    this.chunks.push(bytes);
    this.size += bytes.length;
    this.text = '';
  }

  result(): Uint8Array {
    this.flushText();
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function writeValue(sink: ByteSink, v: ContentValue): void {
  switch (v.kind) {
    case 'number':
      sink.write(formatNumber(v.value));
      return;
    case 'name':
      sink.write(nameText(v.value));
      return;
    case 'bool':
      sink.write(v.value ? 'true' : 'false');
      return;
    case 'null':
      sink.write('null');
      return;
    case 'string':
      if (v.hex) {
        sink.write('<' + Buffer.from(v.bytes).toString('hex') + '>');
      } else {
        let s = '(';
        for (const c of v.bytes) {
          if (c === 0x28 || c === 0x29 || c === 0x5c) s += '\\' + String.fromCharCode(c);
          else if (c === 0x0d) s += '\\r';
          else if (c === 0x0a) s += '\\n';
          else s += String.fromCharCode(c);
        }
        sink.write(s + ')');
      }
      return;
    case 'array':
      sink.write('[');
      v.items.forEach((item, i) => {
        if (i > 0) sink.write(' ');
        writeValue(sink, item);
      });
      sink.write(']');
      return;
    case 'dict':
      sink.write('<<');
      for (const [k, item] of v.entries) {
        sink.write(nameText(k) + ' ');
        writeValue(sink, item);
        sink.write(' ');
      }
      sink.write('>>');
      return;
  }
}

/** Writes operations as content-stream bytes, one operation per line. */
export function serializeContent(ops: readonly ContentOp[]): Uint8Array {
  const sink = new ByteSink();
  for (const op of ops) {
    for (const operand of op.operands) {
      writeValue(sink, operand);
      sink.write(' ');
    }
    if (op.op === 'BI' && op.inlineImage) {
      sink.write('BI\n');
      for (const [k, item] of op.inlineImage.dict) {
        sink.write(nameText(k) + ' ');
        writeValue(sink, item);
        sink.write('\n');
      }
      sink.write('ID ');
      sink.writeBytes(op.inlineImage.data);
      sink.write('\nEI\n');
    } else {
      sink.write(op.op + '\n');
    }
  }
  return sink.result();
}

export function serializeValue(v: ContentValue): string {
  const sink = new ByteSink();
  writeValue(sink, v);
  return Buffer.from(sink.result()).toString('latin1');
}
