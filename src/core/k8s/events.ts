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
    .sort((a, b) => compareText(eventTime(b), eventTime(a)));
}

function eventTime(e: KubeEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';
}
