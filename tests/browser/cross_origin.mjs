// A page of another origin (another port) runs the guide's frontend example with
// chatapi.js: against a node whose CHATAPI_CORS_ORIGINS lists that origin it works,
// and the rate-limit headers are readable; against a node without the setting the
// browser's preflight is refused and nothing reaches the API.
//
// The origin's server (here) serves the page and its own copy of static/chatapi.js,
// as a product would bundle it. Every wait is bounded by `timeout`.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const CLIENT = readFileSync(fileURLToPath(new URL('../../static/chatapi.js', import.meta.url)), 'utf8');

// The guide's "Frontend Integration" example, as written, plus a socket; returns what
// happened rather than throwing, so the test can tell the cases apart.
const PAGE = `<!doctype html><meta charset="utf-8"><title>another origin</title>
<script type="module">
import { ChatAPIClient } from '/chatapi.js';
window.guideExample = async (baseURL, masterKey, tag) => {
  const client = new ChatAPIClient(masterKey, { baseURL });
  try {
    const newUser = await client.createUser({ email: 'user-' + tag + '@example.com', username: 'user_' + tag, full_name: 'User Name' });
    const loginResult = await client.loginUser('user-' + tag + '@example.com');
    const userKey = loginResult.scoped_api_key;
    const room = await client.request('POST', '/rooms', { key: userKey, body: { name: 'cross ' + tag } });
    const socket = client.connect(userKey);
    await socket.ready;
    const heard = new Promise((resolve) => socket.on('message.new', resolve));
    const sent = await client.sendMessage(userKey, { room_id: room.id, content: 'Hello, world!', message_type: 'text' });
    const live = await heard;
    socket.close();
    let limited = null;
    for (let i = 0; i < 20 && !limited; i++) {
      try { await client.loginUser(newUser.email); } catch (err) { limited = { status: err.status, retryAfter: err.retryAfter }; }
    }
    return { ok: true, sent: sent.content, live: live.content, limited };
  } catch (err) {
    return { ok: false, status: err.status, code: err.code, detail: err.detail };
  }
};
</script>`;

/** Serves the page and chatapi.js on `port`; resolves with the server. */
export function serveOrigin(port) {
  const server = createServer((req, res) => {
    if (req.url === '/chatapi.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(CLIENT);
    } else if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Opens the origin's page and runs the guide's example against `api`. */
export async function runGuideExample(page, originURL, api, masterKey, tag, timeout) {
  await page.goto(`${originURL}/`, { timeout });
  await page.waitForFunction(() => typeof window.guideExample === 'function', null, { timeout });
  return page.evaluate(([base, key, t]) => window.guideExample(base, key, t), [`${api}/api/v1`, masterKey, tag]);
}
