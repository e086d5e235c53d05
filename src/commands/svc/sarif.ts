import { relative, resolve, sep } from 'node:path';
import { FileClusterReader } from '../../cluster/file-reader.js';
import type { ClusterReader } from '../../cluster/reader.js';
import { publicEntry } from '../../core/catalogue.js';
import type { Finding, ObjectRef } from '../../core/finding.js';
import { SVC_REPORTED } from '../../core/svc/catalogue.js';
import { buildSarif } from '../../output/sarif.js';
import { VERSION } from '../../version.js';

/**
 * SARIF 2.1.0 for findings about Kubernetes objects (`kdiag svc -o sarif`, `kdiag audit -o sarif`): one result per
 * finding, the object as a logical location; offline (`-f FILE`) also the object's document as a physical location,
 * relative to the working folder (GitHub code scanning shows only results that have one).
 */
export function objectSarif(findings: readonly Finding[], reader: ClusterReader, cwd: string, extra: readonly Finding[] = []): string {
  const positions = reader instanceof FileClusterReader ? reader : undefined;
  const objectLocation = positions
    ? (o: ObjectRef) => {
        const at = positions.position(o.kind, o.namespace, o.name);
        if (!at || at.file === '<stdin>') return undefined;
        return { file: relative(cwd, resolve(cwd, at.file)).split(sep).join('/'), line: at.line };
      }
    : undefined;
  const log = buildSarif([...extra, ...findings], {
    tool: { name: 'kdiag', version: VERSION },
    catalogue: SVC_REPORTED.map(publicEntry),
    srcRoot: cwd,
    ...(objectLocation ? { objectLocation } : {}),
  });
  return `${JSON.stringify(log, null, 2)}\n`;
}
