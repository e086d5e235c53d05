import type { KubeEvent, KubeObject } from './types.js';
import { compareText } from '../compare.js';

/** Events about one object, newest first. */
export function eventsFor(events: readonly KubeEvent[], obj: KubeObject, kind: string): KubeEvent[] {
  return events
    .filter(
      (e) =>
        e.involvedObject?.name === obj.metadata.name &&
        (e.involvedObject.kind ?? kind) === kind &&
        (!e.involvedObject.namespace || !obj.metadata.namespace || e.involvedObject.namespace === obj.metadata.namespace),
    )
    .sort(newestFirst);
}

/**
 * By time, newest first: RFC 3339 times compared as instants (`lastTimestamp` has seconds, `eventTime`
 * microseconds), so no collation is needed (localeCompare would load ICU's collation data, 2 MB of resident memory
 * in a `kdiag audit`); a time that does not parse sorts after those that do, by its text.
 */
function newestFirst(a: KubeEvent, b: KubeEvent): number {
  const x = Date.parse(eventTime(a));
  const y = Date.parse(eventTime(b));
  if (Number.isFinite(x) && Number.isFinite(y)) return y - x;
  if (Number.isFinite(x) !== Number.isFinite(y)) return Number.isFinite(x) ? -1 : 1;
  return compareText(eventTime(b), eventTime(a));
}

/** When the event last happened: lastTimestamp, else eventTime, else when it was created ('' when none is set). */
export function eventTime(e: KubeEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';
}
