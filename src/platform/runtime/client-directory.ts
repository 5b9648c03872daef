/**
 * Where a service finds the clients of the services it calls. The runtime
 * fills it as it builds services in order, so a service can only call ones
 * built before it.
 */
export class ClientDirectory {
  private readonly clients = new Map<string, object>();

  register(service: string, client: object): void {
    this.clients.set(service, client);
  }

  /** The caller names the contract type it expects (src/contracts/<service>.ts). */
  get<Client extends object>(service: string): Client {
    const client = this.clients.get(service);
    if (!client) throw new Error(`no client registered for service "${service}"; is it listed before its callers?`);
    return client as Client;
  }
}
