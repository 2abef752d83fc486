// The app owner's admin console (static/console.html at /console) in headless Chromium.
//
// The setup goes over REST: a client, 55 users (more than one page of 50), two rooms
// and messages; one user keeps a WebSocket open through the demo page, so the live
// load and the peak connections have something to show. Then, through the console
// only: a wrong key is refused with the error's code, the master key signs in (kept in
// sessionStorage, never in the URL, surviving a reload), the users are paged through
// and searched, one is created, one deactivated and reactivated and one revoked; the
// rooms are listed and one opened (members, latest messages); the security events are
// filtered; and the analytics charts are drawn. A screenshot of the chart area is decoded and must hold
// bars and lines in the chart colour, not a blank panel.

import { mkdirSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

import { ARGS, BASE, CHROMIUM, TIMEOUT, rest, step, uniqueTag, waitText } from './common.mjs';

const FILLER_USERS = 52;
/** The console's bar and first-series colour, #2f6fde. */
const CHART_COLOUR = [0x2f, 0x6f, 0xde];
/** Pixels of that colour a drawn chart area holds at the least (one bar alone has ~1,000). */
const MIN_CHART_PIXELS = 500;

/** The cells of one column of a table body, as text. */
const column = (page, tbody, index) => page.$$eval(`#${tbody} tr`, (rows, i) =>
  rows.map((row) => row.children[i]?.textContent ?? ''), index);

/** Waits until the table body holds from `min` to `max` rows (the empty note not counted). */
function waitRows(page, tbody, min, max = min) {
  return page.waitForFunction(([id, low, high]) => {
    const rows = [...document.querySelectorAll(`#${id} tr`)].filter((r) => !r.querySelector('.empty'));
    return rows.length >= low && rows.length <= high;
  }, [tbody, min, max], { timeout: TIMEOUT });
}

async function searchUsers(page, text) {
  await page.fill('#user-search', text, { timeout: TIMEOUT });
  await page.click('#user-search-form button[type=submit]', { timeout: TIMEOUT });
  await page.waitForFunction((t) => {
    const rows = [...document.querySelectorAll('#user-rows tr[data-user-id]')];
    return rows.length > 0 && rows.every((r) => r.children[0].textContent.startsWith(t) || r.children[1].textContent.startsWith(t));
  }, text, { timeout: TIMEOUT });
}

/**
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are)
 * into its size and the RGB of each pixel.
 */
export function decodePng(png) {
  let offset = 8;
  let header = null;
  const data = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colour: body[9], interlace: body[12] };
    } else if (type === 'IDAT') {
      data.push(body);
    }
    offset += 12 + length;
  }
  if (!header || header.depth !== 8 || ![2, 6].includes(header.colour) || header.interlace) {
    throw new Error(`unexpected PNG format ${JSON.stringify(header)}`);
  }
  const channels = header.colour === 6 ? 4 : 3;
  const stride = header.width * channels;
  const raw = inflateSync(Buffer.concat(data));
  const pixels = Buffer.alloc(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const upLeft = y > 0 && x >= channels ? pixels[(y - 1) * stride + x - channels] : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + x] = (line[x] + predicted) & 0xff;
    }
  }
  return { width: header.width, height: header.height, channels, pixels };
}

/** How many pixels are within a small distance of `rgb`. */
function countColour({ width, height, channels, pixels }, rgb) {
  let count = 0;
  for (let i = 0; i < width * height; i++) {
    const at = i * channels;
    if (rgb.every((c, k) => Math.abs(pixels[at + k] - c) <= 24)) count++;
  }
  return count;
}

export async function consoleScenario(out, noteScreenshot) {
  if (!BASE) throw new Error('set CHATAPI_URL, e.g. http://127.0.0.1:8000');
  const tag = uniqueTag();
  const clientName = `console-test-${tag}`;
  const { master_api_key: master } = await step('register client', () =>
    rest('POST', '/clients', null, { name: clientName }));
  const makeUser = (name) => rest('POST', '/users', master, { email: `${name}-${tag}@example.com`, username: `${name}_${tag}` });
  const [alice, bob, carol] = await step('create the named users', () =>
    Promise.all(['alice', 'bob', 'carol'].map(makeUser)));
  await step('create more users than a page holds', async () => {
    for (let i = 0; i < FILLER_USERS; i += 13) {
      await Promise.all(Array.from({ length: Math.min(13, FILLER_USERS - i) }, (_, k) => makeUser(`filler${i + k}`)));
    }
  });
  const room = await step('alice creates a room', () =>
    rest('POST', '/rooms', alice.scoped_api_key, { name: `console room ${tag}` }));
  const other = await step('the master creates another room', () =>
    rest('POST', '/rooms', master, { name: `console other ${tag}` }));
  await step('bob joins', () => rest('POST', '/rooms/join', bob.scoped_api_key, { room_id: room.id }));
  const said = [`first from alice ${tag}`, `reply from bob ${tag}`, `second from alice ${tag}`];
  await step('messages are sent', async () => {
    for (const [i, content] of said.entries()) {
      const key = i === 1 ? bob.scoped_api_key : alice.scoped_api_key;
      await rest('POST', '/messages', key, { room_id: room.id, content });
    }
  });

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: TIMEOUT });
  const pageErrors = [];
  let page;
  try {
    const demo = await (await browser.newContext()).newPage();
    await step('alice keeps a socket open on the demo page', async () => {
      await demo.goto(`${BASE}/`, { timeout: TIMEOUT });
      await demo.fill('#key', alice.scoped_api_key, { timeout: TIMEOUT });
      await demo.click('#login', { timeout: TIMEOUT });
      await waitText(demo, '#status', 'connected');
    });

    page = await (await browser.newContext({ viewport: { width: 1280, height: 1600 } })).newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // The console asks before deactivating or revoking; the owner says yes.
    page.on('dialog', (dialog) => dialog.accept());
    try {
      await step('a wrong key is refused with the error code', async () => {
        await page.goto(`${BASE}/console`, { timeout: TIMEOUT });
        await page.fill('#master-key', 'ck_live_not_a_real_key', { timeout: TIMEOUT });
        await page.click('#sign-in', { timeout: TIMEOUT });
        await page.waitForFunction(() => /[A-Z_]+ \(HTTP 401\): \S/.test(document.querySelector('#error').textContent), null, { timeout: TIMEOUT });
        if (await page.isVisible('#app')) throw new Error('the console opened with a wrong key');
        if (await page.evaluate(() => sessionStorage.length)) throw new Error('a refused key was stored');
      });
      await step('the master key signs in', async () => {
        await page.fill('#master-key', master, { timeout: TIMEOUT });
        await page.click('#sign-in', { timeout: TIMEOUT });
        await waitText(page, '#client-name', clientName);
        if (page.url().includes(master)) throw new Error('the key is in the URL');
        const stored = await page.evaluate(() => Object.values(sessionStorage));
        if (!stored.includes(master)) throw new Error('the key is not in sessionStorage');
        if (await page.evaluate(() => Object.values(localStorage).length)) throw new Error('something went to localStorage');
        if (await page.inputValue('#master-key')) throw new Error('the key stays in the input');
      });
      await step('a reload stays signed in', async () => {
        await page.reload({ timeout: TIMEOUT });
        await waitText(page, '#client-name', clientName);
      });

      await step('the users come a page of 50 at a time', async () => {
        await waitRows(page, 'user-rows', 50);
        const first = await column(page, 'user-rows', 0);
        await page.click('#user-pager [data-next]', { timeout: TIMEOUT });
        await waitRows(page, 'user-rows', 3 + FILLER_USERS - 50);
        const second = await column(page, 'user-rows', 0);
        if (second.some((name) => first.includes(name))) throw new Error('page 2 repeats page 1');
        for (const user of [alice, bob, carol]) {
          if (!first.includes(user.username) && !second.includes(user.username)) throw new Error(`${user.username} not listed`);
        }
        if (!(await page.isDisabled('#user-pager [data-next]'))) throw new Error('next is offered past the last page');
        await page.click('#user-pager button:not([data-next])', { timeout: TIMEOUT });
        await waitRows(page, 'user-rows', 50);
      });
      await step('search finds by prefix', async () => {
        await searchUsers(page, `carol_${tag}`);
        await waitRows(page, 'user-rows', 1);
      });
      const created = `dave_${tag}`;
      await step('a user is created', async () => {
        await page.fill('#new-user-email', `dave-${tag}@example.com`, { timeout: TIMEOUT });
        await page.fill('#new-user-username', created, { timeout: TIMEOUT });
        await page.fill('#new-user-full-name', 'Dave Console', { timeout: TIMEOUT });
        await page.click('#create-user', { timeout: TIMEOUT });
        await waitText(page, '#notice', 'sk_user_');
        await searchUsers(page, created);
        await waitText(page, '#user-rows', 'Dave Console');
      });
      await step('a user is deactivated', async () => {
        await searchUsers(page, `bob_${tag}`);
        await page.click(`#user-rows [data-user-id="${bob.id}"] [data-action=toggle-active]`, { timeout: TIMEOUT });
        await waitText(page, `#user-rows [data-user-id="${bob.id}"]`, 'deactivated');
        const read = await rest('GET', `/users/${bob.id}`, master);
        if (read.is_active !== false) throw new Error(`the API says is_active ${read.is_active}`);
      });
      await step('a deactivated user is reactivated', async () => {
        await page.click(`#user-rows [data-user-id="${bob.id}"] [data-action=toggle-active]`, { timeout: TIMEOUT });
        await page.waitForFunction((id) => document.querySelector(`#user-rows [data-user-id="${id}"] td:nth-child(4)`)?.textContent === 'active', bob.id, { timeout: TIMEOUT });
        if (!(await rest('GET', `/users/${bob.id}`, master)).is_active) throw new Error('the API says inactive');
      });
      await step('a key is revoked', async () => {
        await searchUsers(page, `carol_${tag}`);
        await page.click(`#user-rows [data-user-id="${carol.id}"] [data-action=revoke]`, { timeout: TIMEOUT });
        await waitText(page, '#notice', 'revoked');
        const me = await fetch(`${BASE}/api/v1/users/me`, { headers: { Authorization: `Bearer ${carol.scoped_api_key}` } });
        if (me.status !== 401) throw new Error(`the revoked key still answers ${me.status}`);
      });
      await step('security events filter by user and type', async () => {
        await page.click(`#user-rows [data-user-id="${carol.id}"] [data-action=events]`, { timeout: TIMEOUT });
        await waitRows(page, 'event-rows', 2, Number.MAX_SAFE_INTEGER);
        const users = await column(page, 'event-rows', 2);
        if (users.some((id) => id !== carol.id)) throw new Error(`other users' events shown: ${users}`);
        const types = await column(page, 'event-rows', 1);
        if (!types.includes('user.created') || !types.includes('key.revoked')) throw new Error(`types shown: ${types}`);
        await page.selectOption('#event-type', 'key.revoked', { timeout: TIMEOUT });
        await page.click('#event-filter-form button[type=submit]', { timeout: TIMEOUT });
        await page.waitForFunction(() => {
          const rows = [...document.querySelectorAll('#event-rows tr[data-type]')];
          return rows.length > 0 && rows.every((r) => r.dataset.type === 'key.revoked');
        }, null, { timeout: TIMEOUT });
      });

      await step('the rooms are listed (the tab reached by keyboard)', async () => {
        await page.focus('#tab-events', { timeout: TIMEOUT });
        await page.keyboard.press('ArrowLeft');
        await page.waitForSelector('#rooms:not(.hidden)', { timeout: TIMEOUT });
        await waitText(page, '#room-rows', room.name);
        await waitText(page, '#room-rows', other.name);
      });
      await step('a room shows its members and latest messages', async () => {
        await page.click(`#room-rows [data-room-id="${room.id}"] [data-action=open-room]`, { timeout: TIMEOUT });
        await waitText(page, '#member-rows', alice.username);
        await waitText(page, '#member-rows', bob.username);
        for (const content of said) await waitText(page, '#message-list', content);
        const newestFirst = await page.$$eval('#message-list [data-seq]', (els) => els.map((e) => Number(e.dataset.seq)));
        if (newestFirst.join() !== [...newestFirst].sort((a, b) => b - a).join()) throw new Error(`seqs ${newestFirst}`);
        await waitText(page, '#message-list', alice.username);
        mkdirSync(out, { recursive: true });
        await page.screenshot({ path: `${out}console-rooms.png`, fullPage: true, timeout: TIMEOUT });
        noteScreenshot();
      });

      await step('the analytics charts are drawn', async () => {
        await page.click('#tab-analytics', { timeout: TIMEOUT });
        for (const chart of ['chart-messages', 'chart-active']) {
          await page.waitForSelector(`#${chart} rect.bar`, { timeout: TIMEOUT });
          const sizes = await page.$$eval(`#${chart} rect.bar`, (rects) => rects.map((r) => r.getBBox()).map((b) => b.width * b.height));
          if (!sizes.every((s) => s > 0)) throw new Error(`${chart}: an empty bar`);
        }
        await page.waitForSelector('#chart-peak path', { timeout: TIMEOUT });
        // Two polls at least, so the live charts have a line; the node reports alice's socket.
        await page.waitForFunction(() => document.querySelectorAll('#chart-live-connections circle').length >= 2, null, { timeout: TIMEOUT });
        await page.waitForSelector('#live-rows tr[data-node]', { timeout: TIMEOUT });
        const [connections] = await column(page, 'live-rows', 1);
        if (Number(connections) < 1) throw new Error(`live connections ${connections}`);
        const totals = await page.$eval('#chart-messages desc', (d) => d.textContent);
        if (!totals.includes(`total ${said.length}`)) throw new Error(`messages chart says "${totals}"`);
      });
      await step('the chart area is not blank', async () => {
        mkdirSync(out, { recursive: true });
        const shot = await page.locator('#charts').screenshot({ path: `${out}console-charts.png`, timeout: TIMEOUT });
        noteScreenshot();
        const image = decodePng(shot);
        const coloured = countColour(image, CHART_COLOUR);
        if (coloured < MIN_CHART_PIXELS) throw new Error(`only ${coloured} chart-coloured pixels in ${image.width}x${image.height}`);
      });
      await step('signing out forgets the key', async () => {
        await page.click('#sign-out', { timeout: TIMEOUT });
        await page.waitForSelector('#login-panel:not(.hidden)', { timeout: TIMEOUT });
        if (await page.evaluate(() => sessionStorage.length)) throw new Error('the key is still stored');
        if (await page.$('#user-rows tr')) throw new Error('the users are still in the page');
      });
      if (pageErrors.length) throw new Error(`uncaught page errors: ${pageErrors.join('; ')}`);
    } finally {
      mkdirSync(out, { recursive: true });
      await page.screenshot({ path: `${out}console.png`, fullPage: true, timeout: TIMEOUT }).then(noteScreenshot, () => {});
    }
  } finally {
    await browser.close().catch(() => {});
  }
}
