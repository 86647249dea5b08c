import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); no browser is downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 375, height: 812 } as const;

/** Chromium with a fresh, empty profile folder; closing it deletes nothing but the browser. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.0–2.2 A and AA rules) on the page as it is. axe is evaluated
 * through the DevTools protocol, which the page's CSP does not govern, so the CSP stays
 * exactly as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const options = {
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    },
  };
  // A string, evaluated in the page: this package is compiled without the DOM's types.
  const results = (await page.evaluate(`axe.run(document, ${JSON.stringify(options)})`)) as {
    violations: {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }[];
  };
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
  }));
}

/** Screenshots and findings of one browser run, kept in a folder outside the repository. */
export class Artefacts {
  readonly dir: string;
  private step = 0;
  readonly axe: Record<string, AxeViolation[]> = {};
  readonly timings: Record<string, number> = {};

  constructor(label: string) {
    const base = process.env.DOCAT_TEST_ARTEFACTS ?? join(tmpdir(), 'docat-test-artefacts');
    this.dir = join(base, `web-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(this.dir, { recursive: true });
  }

  /** A full-page screenshot at the page's current size, numbered in step order. */
  async shoot(page: Page, name: string): Promise<string> {
    this.step += 1;
    const file = join(this.dir, `${String(this.step).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Desktop and phone screenshots of the page, then back to the desktop size. */
  async shootBoth(page: Page, name: string): Promise<void> {
    await this.shoot(page, `${name}-1280`);
    await page.setViewportSize(PHONE);
    await this.shoot(page, `${name}-375`);
    await page.setViewportSize(DESKTOP);
  }

  /** Runs axe, records every violation, and answers the serious and critical ones. */
  async check(page: Page, name: string): Promise<AxeViolation[]> {
    const found = await axeViolations(page);
    this.axe[name] = found;
    return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  save(): void {
    writeFileSync(join(this.dir, 'axe.json'), JSON.stringify(this.axe, null, 2));
    writeFileSync(join(this.dir, 'timings.json'), JSON.stringify(this.timings, null, 2));
  }
}

/** Console errors about the CSP and uncaught page errors: any is a defect of the app. */
export function watchPageErrors(context: BrowserContext, problems: string[]): void {
  context.on('page', (page) => {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
        problems.push(`CSP: ${message.text()}`);
    });
  });
}
