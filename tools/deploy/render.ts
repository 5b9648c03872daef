import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}

/** Debian's kubernetes-client, unpacked by tools/setup-services.sh; KUBECTL overrides it (any kubectl with kustomize). */
export function kubectlPath(root: string): string | null {
  const path = process.env['KUBECTL'] ?? join(root, '.tools/kubernetes-client/usr/bin/kubectl');
  return existsSync(path) ? path : null;
}

/** `kubectl kustomize DIR`, parsed into objects (a kustomize error rejects with its message). */
export async function renderKustomization(kubectl: string, dir: string): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)(kubectl, ['kustomize', dir], { maxBuffer: 32 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  }).filter((o) => o !== null);
}
