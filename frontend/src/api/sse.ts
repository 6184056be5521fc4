import type { SSEEvent } from './types';

/**
 * Incremental parser for text/event-stream (WHATWG "event stream interpretation").
 * Feed it decoded text chunks of any size; it returns every event completed by the chunk.
 * Handles LF, CRLF and CR line endings (also a CRLF split across two chunks),
 * multi-line `data:`, comment lines (heartbeats) and `id:` tracking.
 */
export class SSEParser {
  /** The id of the last dispatched event, kept across events as the spec requires (for Last-Event-ID). */
  lastEventId: string | null = null;
  /** `id:` of the event being received; it becomes lastEventId only once the event is complete. */
  private idBuffer: string | null = null;
  private buffer = '';
  private skipLeadingLF = false;
  private dataLines: string[] = [];
  private eventType = '';
  private sawId = false;

  /** Drops a half-received event (after a broken connection); keeps lastEventId. */
  reset(): void {
    this.buffer = '';
    this.skipLeadingLF = false;
    this.idBuffer = this.lastEventId;
    this.dataLines = [];
    this.eventType = '';
    this.sawId = false;
  }

  feed(chunk: string): SSEEvent[] {
    if (this.skipLeadingLF && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.skipLeadingLF = false;
    this.buffer += chunk;
    const events: SSEEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== '\n' && ch !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (ch === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.skipLeadingLF = true;
        }
      }
      start = i + 1;
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private processLine(line: string): SSEEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.idBuffer = value;
          this.sawId = true;
        }
        break;
      default:
        break; // `retry` and unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SSEEvent | null {
    this.lastEventId = this.idBuffer;
    const hadData = this.dataLines.length > 0;
    const event: SSEEvent = {
      id: this.sawId ? this.lastEventId : null,
      event: this.eventType || 'message',
      data: this.dataLines.join('\n'),
    };
    this.dataLines = [];
    this.eventType = '';
    this.sawId = false;
    return hadData ? event : null;
  }
}

/** Reads an SSE response body to the end, calling onEvent for each event. */
export async function readSSE(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: SSEEvent) => void,
  parser: SSEParser = new SSEParser(),
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const event of parser.feed(decoder.decode(value, { stream: true }))) onEvent(event);
    }
    // An unterminated trailing event is discarded, as the spec requires.
    for (const event of parser.feed(decoder.decode())) onEvent(event);
  } finally {
    reader.releaseLock();
  }
}
