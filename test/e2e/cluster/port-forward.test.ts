// A port-forward through the apiserver and KWOK reaches a local TCP echo server on 127.0.0.1 and the bytes come back
// intact: through the built kubectl and through @kubernetes/client-node's PortForward. The route is a
// ClusterPortForward made before the pods, so a replacement pod (new name) is covered too.
import { randomBytes } from 'node:crypto';
import {
  applyYaml,
  clientNodePortForward,
  deletePodAndWaitForReplacement,
  kubectlPortForward,
  roundTrip,
  routePortForward,
  startEchoServer,
  useNamespace,
  waitForReadyPods,
  type LocalServer,
} from '../helpers/index.js';
import { deployment } from '../../helpers/manifests.js';

const ns = useNamespace('port-forward');
let echo: LocalServer;

beforeAll(async () => {
  echo = await startEchoServer();
  await routePortForward(ns.name, [{ podPort: 8080, localPort: echo.port }]);
  await applyYaml(deployment({ name: 'echo', replicas: 1 }), { namespace: ns.name });
});
afterAll(async () => {
  await echo?.close();
});

async function currentPod(): Promise<string> {
  const [pod] = await waitForReadyPods(ns.name, 'e2e.kdiag.dev/deployment=echo', 1);
  return pod!.metadata.name;
}

describe('port-forward through the apiserver and KWOK to 127.0.0.1', () => {
  test('built kubectl: 256 KiB of random bytes come back intact', async () => {
    const pf = await kubectlPortForward(ns.name, await currentPod(), 8080);
    try {
      const payload = randomBytes(256 * 1024);
      const back = await roundTrip(pf.localPort, payload);
      expect(back.equals(payload)).toBe(true);
    } finally {
      await pf.stop();
    }
  });

  test('@kubernetes/client-node PortForward: bytes come back intact', async () => {
    const pf = await clientNodePortForward(ns.name, await currentPod(), 8080);
    try {
      const payload = randomBytes(64 * 1024);
      const back = await roundTrip(pf.localPort, payload);
      expect(back.equals(payload)).toBe(true);
      const small = Buffer.from('hello through kwok\n');
      expect((await roundTrip(pf.localPort, small)).toString()).toBe(small.toString());
    } finally {
      await pf.stop();
    }
  });

  test('the ClusterPortForward also covers the replacement of a deleted pod', async () => {
    const replacement = await deletePodAndWaitForReplacement(ns.name, await currentPod());
    const before = echo.connections;
    const pf = await kubectlPortForward(ns.name, replacement, 8080);
    try {
      const payload = randomBytes(4096);
      expect((await roundTrip(pf.localPort, payload)).equals(payload)).toBe(true);
      expect(echo.connections).toBeGreaterThan(before);
    } finally {
      await pf.stop();
    }
  });

  test('a port without a route fails instead of reaching anything', async () => {
    const pf = await kubectlPortForward(ns.name, await currentPod(), 9999);
    try {
      await expect(roundTrip(pf.localPort, Buffer.from('x'), 5_000)).rejects.toThrow();
    } finally {
      await pf.stop();
    }
  });
});
