import argon2 from 'argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the time of one verification, so an unknown email costs what a wrong password costs. */
  burn(password: string): Promise<void>;
}

/** argon2id with the configured cost (see ARGON2_* settings). */
export function createPasswordHasher(memoryKib: number, timeCost: number): PasswordHasher {
  const options = { type: argon2.argon2id, memoryCost: memoryKib, timeCost, parallelism: 1 } as const;
  const decoy = argon2.hash('decoy-password', options);
  return {
    hash: (password) => argon2.hash(password, options),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    burn: async (password) => {
      await argon2.verify(await decoy, password).catch(() => false);
    },
  };
}
