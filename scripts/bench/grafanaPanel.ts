// From "DeepFlow: Open Grafana" to Grafana's content in the panel's frame, in the activation session's code-server:
// the panel is closed between runs, so each run starts the local proxy, checks the way to Grafana (TLS under the
// pin, the ingress, the login from the chart's Secret), frames the page through code-server's port proxy and waits
// until Grafana's own script has rendered its heading. The first open answers the first-use prompts (the platform
// URL and the certificate) and is not counted.
import type { Page } from 'playwright-core';
import { saveArtifacts } from '../../test/e2e/workbench';
import type { ActivationSession } from './activation';
import type { SimProcess } from './simProcess';
import { series, type Series } from './util';

const COMMAND = 'DeepFlow: Open Grafana';

export interface GrafanaPanelBench {
  /** Click on the palette entry → Grafana's heading rendered inside the frame, ms. */
  commandToContentMs: Series;
}

function grafanaHeading(page: Page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame').frameLocator('iframe#grafana').locator('h1').first();
}

/** Opens the palette on `label` and returns the row to click, so the timer can start at the click itself. */
async function paletteRow(page: Page, label: string) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  return row;
}

async function closeEditors(page: Page): Promise<void> {
  await (await paletteRow(page, 'View: Close All Editors')).click();
  await page.locator('.tabs-container .tab', { hasText: 'Grafana' }).first().waitFor({ state: 'detached', timeout: 10_000 });
}

export async function benchGrafanaPanel(session: ActivationSession, sim: SimProcess, runs: number): Promise<GrafanaPanelBench> {
  const { page } = session.browser;
  try {
    // First use: the platform URL and the certificate's fingerprint are asked once.
    await (await paletteRow(page, COMMAND)).click();
    const platformBox = page.locator('.quick-input-widget').filter({ hasText: /ACP platform URL that serves cluster/ }).first();
    await platformBox.waitFor({ state: 'visible', timeout: 60_000 });
    await platformBox.locator('.quick-input-box input').fill(sim.info.platformUrl);
    await platformBox.locator('.quick-input-box input').press('Enter');
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: /not trusted/ }).first();
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Trust This Certificate', exact: true }).click();
    await grafanaHeading(page).waitFor({ state: 'visible', timeout: 60_000 });

    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      await closeEditors(page);
      const row = await paletteRow(page, COMMAND);
      const started = performance.now();
      await row.click();
      await grafanaHeading(page).waitFor({ state: 'visible', timeout: 60_000 });
      times.push(performance.now() - started);
    }
    await closeEditors(page);
    return { commandToContentMs: series(times) };
  } catch (e) {
    const dir = await saveArtifacts('bench-grafana-panel', { browser: session.browser, server: session.server });
    throw new Error(`the Grafana panel benchmark failed (artifacts in ${dir}): ${e instanceof Error ? e.message : String(e)}`);
  }
}
