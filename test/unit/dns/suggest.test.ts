import { closeNames, suggest, suggestionCost } from '../../../src/core/suggest.js';

// Candidate names as a cluster might hold them, across teams' naming habits.
const SERVICES = [
  'web-service',
  'user-database',
  'payment',
  'front-end',
  'api-gateway',
  'auth-service',
  'authentication',
  'config-server',
  'message-queue',
  'orders-api',
  'inventory',
  'redis',
  'postgres',
  'notification-worker',
  'checkout',
  'catalog',
  'search-api',
  'web',
  'user_profile',
  'db-user',
  'kafka-broker',
  'status',
  'payments-apis',
  'prometheus-server',
  'grafana',
];

describe('closeNames: realistic mistakes', () => {
  it.each([
    ['web-svc', 'web-service'],
    ['user_db', 'user-database'],
    ['user-db', 'user-database'],
    ['payments', 'payment'],
    ['frontend', 'front-end'],
    ['front_end', 'front-end'],
    ['api-gw', 'api-gateway'],
    ['auth-svc', 'auth-service'],
    ['authentication-service', 'auth-service'],
    ['cfg-server', 'config-server'],
    ['configuration-server', 'config-server'],
    ['msg-queue', 'message-queue'],
    ['order-api', 'orders-api'],
    ['orders-apis', 'orders-api'],
    ['inventroy', 'inventory'],
    ['reddis', 'redis'],
    ['postgresql', 'postgres'],
    ['pg', 'postgres'],
    ['notification', 'notification-worker'],
    ['checkuot', 'checkout'],
    ['catalogue', 'catalog'],
    ['search', 'search-api'],
    ['user-profile', 'user_profile'],
    ['user.profile', 'user_profile'],
    ['user-db', 'db-user'],
    ['kafka', 'kafka-broker'],
    ['payment-api', 'payments-apis'],
    ['prometheus', 'prometheus-server'],
    ['Grafana', 'grafana'],
    ['WEB', 'web'],
  ])('%s suggests %s', (typed, expected) => {
    expect(closeNames(typed, SERVICES, 5)).toContain(expected);
  });

  it.each([
    ['web-svc', 'web-service'],
    ['user_db', 'user-database'],
    ['frontend', 'front-end'],
    ['payments', 'payment'],
    ['api-gw', 'api-gateway'],
    ['msg-queue', 'message-queue'],
  ])('%s ranks %s first', (typed, expected) => {
    expect(closeNames(typed, SERVICES, 1)).toEqual([expected]);
  });

  it('unrelated names suggest nothing, and the fallback is off unless asked for', () => {
    expect(closeNames('zookeeper', SERVICES)).toEqual([]);
    expect(closeNames('zookeeper', ['web', 'db'])).toEqual([]);
  });

  it('with the fallback, a small list is returned whole when nothing is close', () => {
    expect(suggest('zookeeper', ['web', 'db', 'cache'], { fallbackUpTo: 5 })).toEqual({ names: ['cache', 'db', 'web'], fallback: true });
    expect(closeNames('zookeeper', ['web', 'db'], 5, { fallbackUpTo: 5 })).toEqual(['db', 'web']);
    // More candidates than the fallback allows: nothing.
    expect(suggest('zookeeper', SERVICES, { fallbackUpTo: 5 })).toEqual({ names: [], fallback: false });
    // A close match wins over the fallback.
    expect(suggest('cachee', ['cache', 'db'], { fallbackUpTo: 5 })).toEqual({ names: ['cache'], fallback: false });
  });

  it('never suggests the name itself, and respects max', () => {
    expect(closeNames('web', ['web', 'web-service', 'webs'])).toEqual(['webs', 'web-service']);
    expect(closeNames('web', ['web', 'web-service', 'webs'], 1)).toEqual(['webs']);
  });

  it('keeps the old behaviour on the old cases', () => {
    expect(closeNames('wbe', ['web'])).toEqual(['web']);
    expect(closeNames('my-ap', ['my-app', 'default'])).toEqual(['my-app']);
    expect(closeNames('othre', ['other', 'prod'], 1)).toEqual(['other']);
    expect(closeNames('sv', ['service', 'services', 'svc'], 1)).toEqual(['svc']);
    expect(closeNames('hardcoded-pubic-ip', ['hardcoded-public-ip', 'hardcoded-pod-ip'], 1)).toEqual(['hardcoded-public-ip']);
  });

  it('costs order the kinds of closeness', () => {
    expect(suggestionCost('web', 'WEB')).toBe(0);
    expect(suggestionCost('frontend', 'front-end')).toBe(0.5);
    expect(suggestionCost('web-svc', 'web-service')).toBe(1);
    expect(suggestionCost('user-db', 'db-user')).toBe(1.5);
    expect(suggestionCost('wbe', 'web')).toBe(2);
    expect(suggestionCost('zookeeper', 'web')).toBeUndefined();
    // Two edits would rewrite all of `db`: not close (the old rule said it was).
    expect(suggestionCost('wbe', 'db')).toBeUndefined();
  });
});
