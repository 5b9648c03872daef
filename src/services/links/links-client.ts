import type { LinksClient } from '../../contracts/links.js';
import type { LinksDomain } from './domain/links.js';

/** The in-process implementation of the links contract. */
export function createLinksClient(links: LinksDomain): LinksClient {
  return {
    shorten: async (ownerId, url) => {
      const view = await links.create(ownerId, { url });
      return { code: view.code, url: view.url };
    },
    target: async (code) => {
      const resolution = await links.resolve(code);
      return resolution && 'record' in resolution ? resolution.record.url : null;
    },
  };
}
