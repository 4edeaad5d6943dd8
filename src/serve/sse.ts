// Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).
//
// One event is `id:`, `event:` and `data:` lines and a blank line. A field value must not contain
// CR or LF (they end the line); data may span lines, each line its own `data:` field, which the
// browser joins with "\n". JSON.stringify never emits a raw line break, so a payload is one line;
// the splitting below is for safety, not for the usual case.

/** One SSE message as the wire carries it. */
export function frame(fields: { id?: string; event?: string; data: string }): string {
  let out = '';
  if (fields.id !== undefined) out += `id: ${oneLine(fields.id)}\n`;
  if (fields.event !== undefined) out += `event: ${oneLine(fields.event)}\n`;
  for (const line of fields.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line (ignored by EventSource): heartbeats and notes to a human reading the stream. */
export function comment(text: string): string {
  return text.split(/\r\n|\r|\n/).map((l) => `: ${l}\n`).join('') + '\n';
}

/** The reconnection delay the browser should use, in milliseconds. */
export function retry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** An event type as a field value: a CR or LF would end the field early, so it becomes a space. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, ' ');
}
