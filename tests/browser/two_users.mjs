// Two users chat through the demo page (static/index.html) in headless Chromium; then
// a page of another origin uses chatapi.js cross-origin (cross_origin.mjs), and the app
// owner looks at it all in the admin console (console.mjs).
//
// Usage: CHATAPI_URL=http://127.0.0.1:8000 CHATAPI_URL_NO_CORS=http://127.0.0.1:8001 \
//        CHATAPI_ORIGIN_PORT=8002 node two_users.mjs
// (tests/browser/run.sh builds and starts both nodes, the first with
// CHATAPI_CORS_ORIGINS=http://127.0.0.1:<origin port>, then runs this.)
//
// The setup (client, users, room, membership) goes over REST, as an integrating
// backend would; everything a person does — signing in, picking the room, typing,
// sending, reading — goes through the page. Every wait is bounded by TIMEOUT.
// Screenshots of both pages land in tests/browser/out/ whatever the outcome.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { ARGS, BASE, CHROMIUM, TIMEOUT, rest, step, uniqueTag, waitText } from './common.mjs';
import { consoleScenario } from './console.mjs';
import { runGuideExample, serveOrigin } from './cross_origin.mjs';

const NO_CORS = (process.env.CHATAPI_URL_NO_CORS || '').replace(/\/+$/, '');
const ORIGIN_PORT = Number(process.env.CHATAPI_ORIGIN_PORT || 0);
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
let screenshots = 0;

// Waits until some message in #messages has exactly `content`; returns its seq.
async function waitMessage(page, content) {
  const handle = await page.waitForFunction((c) => {
    const li = [...document.querySelectorAll('#messages [data-seq]')]
      .find((m) => m.querySelector('.content')?.textContent === c);
    return li ? Number(li.dataset.seq) : null;
  }, content, { timeout: TIMEOUT });
  return handle.jsonValue();
}

// The seqs shown in #messages, in display order.
const shownSeqs = (page) => page.$$eval('#messages [data-seq]', (els) => els.map((e) => Number(e.dataset.seq)));

async function signIn(page, key) {
  await page.goto(`${BASE}/`, { timeout: TIMEOUT });
  await page.fill('#key', key, { timeout: TIMEOUT });
  await page.click('#login', { timeout: TIMEOUT });
  await waitText(page, '#status', 'connected');
}

async function openRoom(page, roomId) {
  await page.click(`#rooms [data-room-id="${roomId}"]`, { timeout: TIMEOUT });
  await page.waitForSelector('#composer:not([disabled])', { timeout: TIMEOUT });
}

async function main() {
  if (!BASE) throw new Error('set CHATAPI_URL, e.g. http://127.0.0.1:8000');
  const tag = uniqueTag();

  const { master_api_key: master } = await step('register client', () =>
    rest('POST', '/clients', null, { name: `browser-test-${tag}` }));
  const alice = await step('create user A', () =>
    rest('POST', '/users', master, { email: `alice-${tag}@example.com`, username: `alice_${tag}` }));
  const bob = await step('create user B', () =>
    rest('POST', '/users', master, { email: `bob-${tag}@example.com`, username: `bob_${tag}` }));
  const room = await step('A creates a room', () =>
    rest('POST', '/rooms', alice.scoped_api_key, { name: `browser ${tag}` }));
  await step('B joins the room', () =>
    rest('POST', '/rooms/join', bob.scoped_api_key, { room_id: room.id }));

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: TIMEOUT });
  const pages = {};
  const pageErrors = [];
  try {
    for (const who of ['A', 'B']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      // An uncaught exception in the page fails the test even if the flow looks fine.
      page.on('pageerror', (err) => pageErrors.push(`${who}: ${err.message}`));
      pages[who] = page;
    }
    const { A, B } = pages;
    try {
      await step('A signs in', () => signIn(A, alice.scoped_api_key));
      await step('B signs in', () => signIn(B, bob.scoped_api_key));
      await step('A sees who they are', () => waitText(A, '#me', alice.username));
      await step('A opens the room', () => openRoom(A, room.id));
      await step('B opens the room', () => openRoom(B, room.id));

      await step('A types', () => A.locator('#composer').pressSequentially('Hi B', { delay: 40, timeout: TIMEOUT }));
      await step('B sees A typing', () => waitText(B, '#typing', alice.username));

      // Markup in the content must come out as text, never as elements.
      const hello = `Hi B <b>bold?</b> & "quoted" ${tag}`;
      await step('A sends', async () => {
        await A.fill('#composer', hello, { timeout: TIMEOUT });
        await A.click('#send', { timeout: TIMEOUT });
      });
      const seqHello = await step('B sees A\'s message', () => waitMessage(B, hello));
      await step('A sees own message', () => waitMessage(A, hello));
      await step('content is escaped', async () => {
        if (await B.$('#messages b')) throw new Error('message markup was rendered as HTML');
      });
      await step('A\'s typing indicator clears on B', () =>
        B.waitForFunction(() => document.querySelector('#typing').textContent === '', null, { timeout: TIMEOUT }));

      const reply = `Hello A, from B ${tag}`;
      await step('B replies', async () => {
        await B.fill('#composer', reply, { timeout: TIMEOUT });
        await B.click('#send', { timeout: TIMEOUT });
      });
      const seqReply = await step('A sees B\'s reply', () => waitMessage(A, reply));
      await step('B sees own reply', () => waitMessage(B, reply));
      await step('messages in seq order, no duplicates', async () => {
        if (!(seqReply > seqHello)) throw new Error(`reply seq ${seqReply} not after ${seqHello}`);
        for (const [who, page] of Object.entries(pages)) {
          const seqs = await shownSeqs(page);
          const sorted = [...new Set(seqs)].sort((x, y) => x - y);
          if (seqs.join() !== sorted.join()) throw new Error(`${who} shows seqs ${seqs.join(',')}`);
        }
      });
      await step('B sees A online', () =>
        B.waitForSelector(`#online [data-user-id="${alice.id}"]`, { timeout: TIMEOUT }));
      if (pageErrors.length) throw new Error(`uncaught page errors: ${pageErrors.join('; ')}`);
    } finally {
      mkdirSync(OUT, { recursive: true });
      for (const [who, page] of Object.entries(pages)) {
        await page.screenshot({ path: `${OUT}${who}.png`, timeout: TIMEOUT }).then(() => screenshots++, () => {});
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }
}

// The guide's frontend example from another origin: allowed where the node lists it,
// refused by the browser (nothing reaches the API) where the node does not.
async function crossOrigin() {
  if (!NO_CORS || !ORIGIN_PORT) throw new Error('set CHATAPI_URL_NO_CORS and CHATAPI_ORIGIN_PORT');
  const originURL = `http://127.0.0.1:${ORIGIN_PORT}`;
  const server = await step('serve the other origin', () => serveOrigin(ORIGIN_PORT));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: TIMEOUT });
  let page;
  try {
    page = await (await browser.newContext()).newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const tag = uniqueTag();
    const { master_api_key: listed } = await step('register on the node that lists the origin', () =>
      rest('POST', '/clients', null, { name: `cors-${tag}` }));
    await step('the listed origin runs the guide\'s example', async () => {
      const result = await runGuideExample(page, originURL, BASE, listed, tag, TIMEOUT);
      if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
      if (result.sent !== 'Hello, world!' || result.live !== 'Hello, world!') throw new Error(JSON.stringify(result));
      // Retry-After is readable only because the node exposes it.
      if (result.limited?.status !== 429 || !(result.limited.retryAfter >= 1)) {
        throw new Error(`rate limit not readable: ${JSON.stringify(result.limited)}`);
      }
    });
    const { master_api_key: unlisted } = await step('register on the node without the setting', () =>
      rest('POST', '/clients', null, { name: `no-cors-${tag}` }, NO_CORS));
    await step('the unlisted origin is refused by the browser', async () => {
      const result = await runGuideExample(page, originURL, NO_CORS, unlisted, tag, TIMEOUT);
      if (result.ok || result.status !== 0 || result.code !== 'NETWORK_ERROR') {
        throw new Error(`expected a blocked call, got ${JSON.stringify(result)}`);
      }
      const users = await rest('GET', '/users', unlisted, undefined, NO_CORS);
      if (users.data.length) throw new Error('the refused page still created a user');
    });
    if (pageErrors.length) throw new Error(`uncaught page errors: ${pageErrors.join('; ')}`);
  } finally {
    mkdirSync(OUT, { recursive: true });
    if (page) await page.screenshot({ path: `${OUT}cross-origin.png`, timeout: TIMEOUT }).then(() => screenshots++, () => {});
    await browser.close().catch(() => {});
    server.close();
  }
}

const scenarios = [
  ['two users chat through the page', main],
  ['a page of another origin uses chatapi.js', crossOrigin],
  ['the app owner uses the admin console', () => consoleScenario(OUT, () => screenshots++)],
];
const failures = [];
for (const [name, scenario] of scenarios) {
  try {
    await scenario();
  } catch (err) {
    failures.push(`${name}: ${err.message}`);
  }
}
console.log(`browser: ${scenarios.length - failures.length} passed, ${failures.length} failed`);
for (const failure of failures) console.log(`  ${failure}`);
if (failures.length && screenshots) console.log(`  screenshots: ${OUT}`);
process.exit(failures.length ? 1 : 0);
