import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './cli-process.js';
import { skipUnlessAvailable } from './services-required.js';

/** Debian's Chromium, installed by tools/setup-services.sh. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** node:test options: skip without Chromium on a laptop, fail under CI/REQUIRE_SERVICES. */
export function browserTestOptions(): { skip?: string } {
  return skipUnlessAvailable(existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
}

/** The web client as `npm start` serves it: built by tools/build-web.mjs when missing or stale. */
export function buildWebClient(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, 'tools/build-web.mjs')], { stdio: 'inherit' });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** Where the browser tests save their screenshots (reports/ is not committed; docs/screenshots/ holds a copy). */
export const SCREENSHOTS_DIR = process.env['SCREENSHOTS_DIR'] ?? join(REPO_ROOT, 'reports', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs up through the Conduit client's form and waits for the header to show the user. */
export async function signUpInBrowser(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(`${baseUrl}/#/register`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('link', { name: username }).waitFor();
}
