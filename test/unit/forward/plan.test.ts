import { accessNeeds, watchPlan } from '../../../src/core/forward/plan.js';

describe('watchPlan', () => {
  it('a Service: itself by name, its EndpointSlices by label, its pods by its selector (optional)', () => {
    expect(watchPlan('Service', 'web', 'shop', { tier: 'front', app: 'web' })).toEqual([
      { input: 'service', group: '', plural: 'services', namespace: 'shop', fieldSelector: 'metadata.name=web', optional: false },
      {
        input: 'endpointslices',
        group: 'discovery.k8s.io',
        plural: 'endpointslices',
        namespace: 'shop',
        labelSelector: 'kubernetes.io/service-name=web',
        optional: false,
      },
      { input: 'pods', group: '', plural: 'pods', namespace: 'shop', labelSelector: 'app=web,tier=front', optional: true },
    ]);
  });
  it('a pod by name; a workload by name and its pods by its label selector', () => {
    expect(watchPlan('Pod', 'db-0', 'shop')).toEqual([
      { input: 'pods', group: '', plural: 'pods', namespace: 'shop', fieldSelector: 'metadata.name=db-0', optional: false },
    ]);
    const w = watchPlan('StatefulSet', 'db', 'shop', {
      matchLabels: { app: 'db' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
    });
    expect(w.map((x) => [x.input, x.plural, x.fieldSelector ?? x.labelSelector])).toEqual([
      ['workload', 'statefulsets', 'metadata.name=db'],
      ['pods', 'pods', 'app=db,tier in (a,b)'],
    ]);
  });
});

describe('accessNeeds', () => {
  it('get and create on pods/portforward, get of the target, list and watch of what is watched', () => {
    const needs = accessNeeds('Service', 'web', 'shop', watchPlan('Service', 'web', 'shop', { app: 'web' }));
    expect(
      needs.map(
        (n) =>
          `${n.verb} ${n.group ? `${n.resource}.${n.group}` : n.resource}${n.subresource ? `/${n.subresource}` : ''}${n.name ? ` ${n.name}` : ''}`,
      ),
    ).toEqual([
      'get pods/portforward',
      'create pods/portforward',
      'get services web',
      'list services',
      'watch services',
      'list endpointslices.discovery.k8s.io',
      'watch endpointslices.discovery.k8s.io',
      'list pods',
      'watch pods',
    ]);
    expect(needs.every((n) => n.namespace === 'shop')).toBe(true);
  });
  it('a Deployment needs apps deployments and pods', () => {
    const needs = accessNeeds('Deployment', 'api', 'shop', watchPlan('Deployment', 'api', 'shop', { matchLabels: { app: 'api' } }));
    expect(needs.filter((n) => n.group === 'apps').map((n) => `${n.verb} ${n.resource}`)).toEqual([
      'get deployments',
      'list deployments',
      'watch deployments',
    ]);
    expect(needs.filter((n) => n.resource === 'pods' && !n.subresource).map((n) => n.verb)).toEqual(['list', 'watch']);
  });
});
