import { join } from 'node:path';
import { FileClusterReader } from '../../../src/cluster/file-reader.js';
import { loadServiceSnapshot } from '../../../src/cluster/svc-loader.js';
import type { ServiceSnapshot } from '../../../src/core/svc/snapshot.js';
import { explainService, type ServiceReport } from '../../../src/core/svc/explain.js';

import { ROOT } from '../../helpers/paths.js';

export { ROOT };
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'svc');

/** Loads a fixture (or example) through the file reader and the loader, as `kdiag svc -f` does. */
export async function snapshotOf(file: string, name: string, namespace?: string): Promise<ServiceSnapshot> {
  const path = file.startsWith('examples/') ? join(ROOT, file) : join(FIXTURES, file);
  const reader = await FileClusterReader.load(path, { cwd: ROOT, ...(namespace ? { namespace } : {}) });
  return loadServiceSnapshot(reader, { namespace: namespace ?? reader.defaultNamespace, name });
}

export async function explainFixture(file: string, name: string, namespace?: string): Promise<ServiceReport> {
  return explainService(await snapshotOf(file, name, namespace));
}
