import assert from 'node:assert/strict';
import { grantAdminByEmail } from '../services/identity/admin.js';
import type { ApiClient } from './api-client.js';
import { assertErrorShape, registerUser, unique, type TestUser } from './fixtures.js';
import type { ApiResponse } from './api-client.js';
import type { Database } from '../platform/db/database.js';

/** A fresh user made admin the operator's way (grant-admin), signed in again so the token carries the role. */
export async function registerAdmin(api: ApiClient, db: Database): Promise<TestUser> {
  const user = await registerUser(api);
  assert.ok(await grantAdminByEmail(db, user.email));
  const login = await api.post<{ user: { token: string } }>('/api/users/login', { user: { email: user.email, password: user.password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return { ...user, token: login.body.user.token };
}

export interface ProductInput {
  sku?: string;
  name?: string;
  description?: string;
  price?: number;
  currency?: string;
  category?: string;
  stock?: number;
  attributes?: Record<string, unknown>;
}

export function productBody(overrides: ProductInput = {}) {
  return {
    product: {
      sku: unique('SKU-'),
      name: 'Test product',
      description: 'A product made by a test',
      price: 1999,
      currency: 'EUR',
      category: 'test-things',
      stock: 5,
      ...overrides,
    },
  };
}

/** Creates a product through the API as `admin`; its JSON. */
export async function createProduct(api: ApiClient, admin: TestUser, overrides: ProductInput = {}) {
  const res = await api.post('/api/products', productBody(overrides), { token: admin.token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.product as { id: number; sku: string; name: string; price: number; stock: number; category: string };
}

/** An error answer from the catalog of errors: the status, its stable code, and the error shape. */
export function assertCode(res: ApiResponse, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.headers.get('x-error-code'), code, JSON.stringify(res.body));
  assertErrorShape(res);
}
