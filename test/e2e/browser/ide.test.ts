/**
 * The GraphiQL IDE and the operations page in a real headless Chromium against a real stack:
 * a cross-system query and a live subscription typed into GraphiQL with a bearer token in the
 * headers editor, then `/admin` with an admin token. Screenshots go to var/test-output/.
 * Skipped (by name) when Debian's chromium is not installed at /usr/bin/chromium.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, testToken, type Stack } from '../federatedGraph/startStack';
import { mountRoutes, type MountedRoutes } from './mountRoutes';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = 'var/test-output';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;
const title = existsSync(CHROMIUM) ? 'the GraphiQL IDE and the operations page in Chromium' : `the GraphiQL IDE and the operations page in Chromium (skipped: no ${CHROMIUM})`;

/** Replaces a Monaco editor's text (anything Monaco auto-closed after the cursor is removed too). */
async function replaceText(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .monaco-editor`).first().click();
  await page.keyboard.press('ControlOrMeta+KeyA');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
  await page.keyboard.press('ControlOrMeta+Home');
}

const IDLE = '.graphiql-execute-button[aria-label^="Execute"]';
const RUNNING = '.graphiql-execute-button[aria-label^="Stop"]';

/**
 * Runs the operation named `operation` in the editor (after GraphiQL has parsed the edited text: the
 * active tab shows its name); resolves once the IDE is idle again (query) or subscribed.
 */
async function run(page: Page, operation: string, until: 'idle' | 'subscribed'): Promise<void> {
  await page.locator('.graphiql-tab-active').getByText(operation, { exact: true }).waitFor({ timeout: 10_000 });
  await page.locator(IDLE).click();
  await page.locator(until === 'idle' ? IDLE : RUNNING).waitFor({ timeout: 20_000 }).catch(async (err: unknown) => {
    await page.screenshot({ path: `${OUTPUT}/ide-failed.png` });
    throw err;
  });
}

describeWithChromium(title, () => {
  let stack: Stack;
  let routes: MountedRoutes;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    stack = await startStack({ events: true, caches: true });
    routes = await mountRoutes(stack);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await routes?.close();
    await stack?.close();
  });

  const origin = () => stack.gatewayUrl.replace('/graphql', '');
  const response = () => page.locator('.graphiql-response');

  it('runs a cross-system query with the token typed into the headers editor', async () => {
    await page.goto(`${origin()}/ide`);
    await page.locator(IDLE).waitFor({ timeout: 30_000 });
    await replaceText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', `{"authorization": "Bearer ${await testToken()}"}`);
    await replaceText(page, '.graphiql-query-editor', 'query CrossSystem { contactByEmail(email: "william.sato@nakatomisystems0.example.com") '
      + '{ name salesOrders(first: 2) { totalCount nodes { number status } } messages(first: 1) { nodes { body { content } } } } }');
    await run(page, 'CrossSystem', 'idle');
    await response().getByText('William Sato').waitFor({ timeout: 5_000 });
    await expect(response().getByText('totalCount').count()).resolves.toBeGreaterThan(0);
    // Once more: the same caller's same query is a response-cache hit (seen on /admin below).
    await run(page, 'CrossSystem', 'idle');
    await response().getByText('William Sato').waitFor({ timeout: 5_000 });
    await page.screenshot({ path: `${OUTPUT}/ide.png` });
  });

  it('shows a salesOrderChanged event over graphql-ws after an SAP status change', async () => {
    await replaceText(page, '.graphiql-query-editor', 'subscription OrderChanges { salesOrderChanged(id: "42") { changeType order { id status soldTo { name } } } }');
    await run(page, 'OrderChanges', 'subscribed');
    // The upstream subscription attaches shortly after the IDE subscribes: change the status until an event shows.
    let target = '';
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const before = await stack.query<{ salesOrder: { status: string } }>('{ salesOrder(id: "42") { status } }');
      target = before.data?.salesOrder.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
      const changed = await stack.query('mutation($s: SalesOrderStatus!) { updateSalesOrderStatus(id: "42", status: $s) { id } }', { s: target });
      expect(changed.errors).toBeUndefined();
      const shown = await response().getByText('"UPDATED"').waitFor({ timeout: 5_000 }).then(() => true, () => false);
      if (shown) break;
    }
    await response().getByText('"UPDATED"').waitFor({ timeout: 1_000 });
    await response().getByText(`"${target}"`).waitFor({ timeout: 5_000 });
    await page.locator(RUNNING).click();
    await page.locator(IDLE).waitFor({ timeout: 5_000 });
  });

  it('shows the three systems and the cache hit ratio on /admin to an admin token only', async () => {
    await page.goto(`${origin()}/admin`);
    await page.locator('#token').fill(await testToken({ scopes: ['crm:read'] }));
    await page.locator('#login button[type=submit]').click();
    await page.locator('#error').getByText('FORBIDDEN').waitFor({ timeout: 10_000 });
    await page.locator('#token').fill(await testToken({ scopes: ['admin'] }));
    await page.locator('#login button[type=submit]').click();
    for (const system of ['salesforce', 'sap', 'teams']) await page.locator(`[data-system="${system}"]`).waitFor({ timeout: 10_000 });
    await expect(page.locator('[data-system="sap"] .badge').first().textContent()).resolves.toBe('up');
    await expect(page.locator('#cache-hit-ratio').textContent()).resolves.toMatch(/^\d+\.\d %$/);
    // A flat line has an empty bounding box: wait for the chart to exist, not to be "visible".
    await page.locator('[data-system="salesforce"] polyline').waitFor({ state: 'attached', timeout: 10_000 });
    await page.screenshot({ path: `${OUTPUT}/admin.png`, fullPage: true });
  });
});
