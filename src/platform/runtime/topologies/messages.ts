/** What a replica tells its supervisor over the IPC channel. */
export type ReplicaMessage =
  | { type: 'ready'; url: string; services: string[] }
  | { type: 'heartbeat' }
  | { type: 'leaving' };

export function isReplicaMessage(value: unknown): value is ReplicaMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'heartbeat' || type === 'leaving';
}

/** What a supervisor tells its replicas: the current URLs of every service (callers update their remote clients). */
export interface RemotesMessage {
  type: 'remotes';
  services: Record<string, string[]>;
}

export function isRemotesMessage(value: unknown): value is RemotesMessage {
  return (value as { type?: unknown } | null)?.type === 'remotes';
}
