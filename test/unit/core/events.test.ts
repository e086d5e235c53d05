// eventsFor: one object's events, newest first, ordered as instants (seconds and microsecond times mixed).
import { eventsFor } from '../../../src/core/k8s/events.js';
import type { KubeEvent } from '../../../src/core/k8s/types.js';

const pod = { kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop' } };

function event(name: string, times: Partial<Pick<KubeEvent, 'lastTimestamp' | 'eventTime'>>, involved = 'web-0'): KubeEvent {
  return {
    kind: 'Event',
    metadata: { name, namespace: 'shop' },
    involvedObject: { kind: 'Pod', name: involved, namespace: 'shop' },
    ...times,
  } as KubeEvent;
}

describe('eventsFor', () => {
  test('newest first, a microsecond eventTime compared with a lastTimestamp as an instant, unparsable times last', () => {
    const events = [
      event('old', { lastTimestamp: '2026-12-07T03:16:48Z' }),
      event('micro', { eventTime: '2026-12-07T03:16:48.250000Z' }),
      event('broken', { lastTimestamp: 'yesterday' }),
      event('new', { lastTimestamp: '2026-12-07T10:00:00Z' }),
      event('other pod', { lastTimestamp: '2026-12-08T00:00:00Z' }, 'web-1'),
      event('offset', { lastTimestamp: '2026-12-07T05:00:00+02:00' }),
    ];
    // 05:00+02:00 is 03:00Z, before both 03:16:48 times; code-point order of the texts would put it first.
    expect(eventsFor(events, pod, 'Pod').map((e) => e.metadata.name)).toEqual(['new', 'micro', 'old', 'offset', 'broken']);
  });
});
