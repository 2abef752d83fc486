// static/chatapi.js driven from Node against live nodes (run.sh builds the binary and
// runs this once on the memory store and once on a redis-server of its own).
//
// Env: CHATAPI_BIN (the binary), REDIS_URL (set: the Redis run). Each describe block
// starts its own node(s) on free ports; every wait has a deadline.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';

import { ChatAPIClient, ChatAPIError, ChatSocket } from '../../static/chatapi.js';
import { DEADLINE, Node, eventually, freePort } from './node.mjs';

const REDIS_URL = process.env.REDIS_URL || '';
const STORE = REDIS_URL ? 'redis' : 'memory';
const tag = () => randomUUID().slice(0, 8);

/** Env of a node on this run's store; Redis nodes share one prefix per run. */
const PREFIX = `jstest:${tag()}:`;
const storeEnv = (extra = {}) => ({ ...(REDIS_URL ? { REDIS_URL, CHATAPI_REDIS_PREFIX: PREFIX } : {}), ...extra });

/** A rejection as a ChatAPIError, failing if the promise resolved. */
async function refusal(promise) {
  try {
    const value = await promise;
    assert.fail(`expected a ChatAPIError, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (!(err instanceof ChatAPIError)) throw err;
    return err;
  }
}

/** Resolves with the first `type` event the socket emits, within the deadline. */
function nextEvent(socket, type, predicate = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.off(type, handler); reject(new Error(`no ${type} within ${DEADLINE} ms`)); }, DEADLINE);
    function handler(data) {
      if (!predicate(data)) return;
      clearTimeout(timer);
      socket.off(type, handler);
      resolve(data);
    }
    socket.on(type, handler);
  });
}

/** A fresh client with two users (A owns a room B has joined). */
async function world(base) {
  const registration = await ChatAPIClient.register({ name: `js ${tag()}`, description: 'client test' }, { baseURL: base });
  const client = new ChatAPIClient(registration.master_api_key, { baseURL: base, WebSocket });
  const t = tag();
  const a = await client.createUser({ email: `a-${t}@example.com`, username: `a_${t}`, full_name: 'A' });
  const b = await client.createUser({ email: `b-${t}@example.com`, username: `b_${t}` });
  const room = await client.request('POST', '/rooms', { key: a.scoped_api_key, body: { name: `room ${t}` } });
  await client.request('POST', '/rooms/join', { key: b.scoped_api_key, body: { room_id: room.id } });
  return { registration, client, a, b, room };
}

/** Collects a socket's message.new of one room. */
function collect(socket, roomId) {
  const seen = [];
  socket.on('message.new', (m) => { if (m.room_id === roomId) seen.push(m); });
  return seen;
}

/** Every seq from `first` on, once, in order: what "exactly once" means for a room. */
function assertContiguous(seen, first = 1) {
  const seqs = seen.map((m) => m.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => first + i), `seqs ${seqs.join(',')}`);
}

describe(`REST methods (${STORE})`, () => {
  let node;
  let w;
  before(async () => {
    node = await new Node(await freePort(), storeEnv()).start();
    w = await world(node.base);
  });
  after(() => node.stop());

  it('register returns the master key once', () => {
    assert.match(w.registration.master_api_key, /^ck_live_[A-Za-z0-9]{40}$/);
    assert.equal(w.registration.is_active, true);
  });

  it('createUser returns the user with its scoped key', () => {
    assert.match(w.a.scoped_api_key, /^sk_user_[A-Za-z0-9]{40}$/);
    assert.equal(w.a.full_name, 'A');
    assert.ok(w.a.expires_at);
  });

  it('loginUser rotates the key: the old one is refused with 401 INVALID_CREDENTIALS', async () => {
    const t = tag();
    const user = await w.client.createUser({ email: `login-${t}@example.com`, username: `login_${t}` });
    const login = await w.client.loginUser(user.email);
    assert.equal(login.user.id, user.id);
    assert.notEqual(login.scoped_api_key, user.scoped_api_key);
    const me = await w.client.request('GET', '/users/me', { key: login.scoped_api_key });
    assert.equal(me.id, user.id);
    const err = await refusal(w.client.request('GET', '/users/me', { key: user.scoped_api_key }));
    assert.equal(err.status, 401);
    assert.equal(err.code, 'INVALID_CREDENTIALS');
  });

  it('sendMessage posts as the user; request reads history with a query', async () => {
    const first = await w.client.sendMessage(w.a.scoped_api_key, { room_id: w.room.id, content: 'Hello, world!', message_type: 'text' });
    assert.equal(first.content, 'Hello, world!');
    assert.equal(first.sender_id, w.a.id);
    await w.client.sendMessage(w.b.scoped_api_key, { room_id: w.room.id, content: 'second' });
    const page = await w.client.request('GET', `/rooms/${w.room.id}/messages`, {
      key: w.b.scoped_api_key,
      query: { after_seq: first.seq - 1, limit: 2, cursor: undefined, before_seq: null },
    });
    assert.deepEqual(page.data.map((m) => m.content), ['Hello, world!', 'second']);
  });

  it('request defaults to the master key, sends none with key null, and returns null for 204', async () => {
    const all = await w.client.request('GET', '/users', { query: { q: w.a.username } });
    assert.deepEqual(all.data.map((u) => u.id), [w.a.id]);
    const health = await w.client.request('GET', '/health', { key: null });
    assert.ok(health);
    const err = await refusal(w.client.request('GET', '/users', { key: null }));
    assert.equal(err.status, 401);
    const t = tag();
    const doomed = await w.client.createUser({ email: `gone-${t}@example.com`, username: `gone_${t}` });
    assert.equal(await w.client.request('POST', `/users/${doomed.id}/revoke`), null);
  });

  it('maps 404 and 409 to ChatAPIError fields', async () => {
    const missing = await refusal(w.client.request('GET', `/users/${randomUUID()}`));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'USER_NOT_FOUND');
    assert.ok(missing.detail);
    assert.equal(missing.message, missing.detail);
    assert.equal(missing.retryAfter, null);
    const taken = await refusal(w.client.createUser({ email: w.a.email, username: `x_${tag()}` }));
    assert.equal(taken.status, 409);
    assert.equal(taken.code, 'EMAIL_TAKEN');
  });

  it('maps 422 with its per-field errors', async () => {
    const err = await refusal(w.client.createUser({ email: 'not an email', username: 'x' }));
    assert.equal(err.status, 422);
    assert.equal(err.code, 'VALIDATION_ERROR');
    const fields = err.errors.map((e) => e.field).sort();
    assert.deepEqual(fields, ['email', 'username']);
    assert.ok(err.errors.every((e) => typeof e.message === 'string'));
  });

  it('maps 429 with retryAfter from Retry-After', async () => {
    const t = tag();
    const user = await w.client.createUser({ email: `busy-${t}@example.com`, username: `busy_${t}` });
    let err;
    for (let i = 0; i < 20 && !err; i++) {
      try { await w.client.loginUser(user.email); } catch (e) { err = e; }
    }
    assert.ok(err instanceof ChatAPIError, 'the login limit never answered 429');
    assert.equal(err.status, 429);
    assert.equal(err.code, 'RATE_LIMIT_EXCEEDED');
    assert.ok(Number.isInteger(err.retryAfter) && err.retryAfter >= 1, `retryAfter ${err.retryAfter}`);
  });

  it('a node that does not answer is a NETWORK_ERROR with status 0', async () => {
    const nobody = new ChatAPIClient('ck_live_x', { baseURL: `http://127.0.0.1:${await freePort()}/api/v1` });
    const err = await refusal(nobody.createUser({ email: 'a@example.com', username: 'abc' }));
    assert.equal(err.status, 0);
    assert.equal(err.code, 'NETWORK_ERROR');
  });
});

describe(`ChatSocket (${STORE})`, () => {
  let node;
  let w;
  const sockets = [];
  const open = (key, options) => { const s = w.client.connect(key, options); sockets.push(s); return s; };
  before(async () => {
    node = await new Node(await freePort(), storeEnv()).start();
    w = await world(node.base);
  });
  after(async () => { for (const s of sockets) s.close(); await node.stop(); });

  it('connect authenticates with the auth frame; ready has the user and rooms', async () => {
    const socket = open(w.a.scoped_api_key);
    assert.ok(socket instanceof ChatSocket);
    const ready = await socket.ready;
    assert.equal(ready.user.id, w.a.id);
    assert.deepEqual(ready.rooms.map((r) => r.room_id), [w.room.id]);
    socket.close();
  });

  it('send resolves with the ack data; on and off route message.new', async () => {
    const sender = open(w.a.scoped_api_key);
    const reader = open(w.b.scoped_api_key);
    await Promise.all([sender.ready, reader.ready]);
    const removed = [];
    const dropped = (m) => removed.push(m);
    reader.on('message.new', dropped);
    reader.off('message.new', dropped);
    const arrives = nextEvent(reader, 'message.new', (m) => m.content === 'over the socket');
    const ack = await sender.send('message.send', { room_id: w.room.id, content: 'over the socket' });
    assert.equal(ack.content, 'over the socket');
    assert.ok(ack.client_msg_id, 'message.send got a client_msg_id');
    const seen = await arrives;
    assert.equal(seen.id, ack.id);
    assert.equal(reader.lastSeq[w.room.id], ack.seq);
    assert.deepEqual(removed, []);
    const typing = nextEvent(reader, 'typing');
    await sender.send('typing', { room_id: w.room.id, is_typing: true });
    assert.equal((await typing).user_id, w.a.id);
    sender.close();
    reader.close();
  });

  it('send rejects with the error frame as ChatAPIError', async () => {
    const socket = open(w.a.scoped_api_key);
    await socket.ready;
    const err = await refusal(socket.send('message.send', { room_id: randomUUID(), content: 'nowhere' }));
    assert.equal(err.status, 404);
    assert.equal(err.code, 'ROOM_NOT_FOUND');
    const invalid = await refusal(socket.send('message.send', { room_id: w.room.id, content: '' }));
    assert.equal(invalid.status, 422);
    assert.equal(invalid.code, 'VALIDATION_ERROR');
    socket.close();
  });

  it('close emits closed 1000, and later sends reject with CLOSED', async () => {
    const socket = open(w.a.scoped_api_key);
    await socket.ready;
    const closed = nextEvent(socket, 'closed');
    socket.close();
    assert.equal((await closed).code, 1000);
    const err = await refusal(socket.send('ping'));
    assert.equal(err.code, 'CLOSED');
  });

  it('lastSeq makes the first connect sync from there', async () => {
    const t = tag();
    const sent = [];
    for (const content of [`one ${t}`, `two ${t}`, `three ${t}`]) {
      sent.push(await w.client.sendMessage(w.a.scoped_api_key, { room_id: w.room.id, content }));
    }
    const socket = open(w.b.scoped_api_key, { lastSeq: { [w.room.id]: sent[0].seq } });
    const seen = collect(socket, w.room.id);
    await socket.ready;
    await eventually('the two missed messages', () => seen.length >= 2);
    assert.deepEqual(seen.map((m) => m.content), [`two ${t}`, `three ${t}`]);
    assertContiguous(seen, sent[1].seq);
    socket.close();
  });

  it('an invalid key closes with 4001: ready rejects, closed says so, no reconnect', async () => {
    const socket = open(`sk_user_${'x'.repeat(40)}`, { reconnect: { initialDelay: 50 } });
    const reconnects = [];
    socket.on('reconnecting', (d) => reconnects.push(d));
    const closed = nextEvent(socket, 'closed');
    const err = await refusal(socket.ready);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'INVALID_CREDENTIALS');
    assert.equal((await closed).code, 4001);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(reconnects, []);
  });

  it('a revoked key closes with 4003 and does not reconnect', async () => {
    const t = tag();
    const user = await w.client.createUser({ email: `rev-${t}@example.com`, username: `rev_${t}` });
    const socket = open(user.scoped_api_key, { reconnect: { initialDelay: 50 } });
    await socket.ready;
    const reconnects = [];
    socket.on('reconnecting', (d) => reconnects.push(d));
    const closed = nextEvent(socket, 'closed');
    await w.client.loginUser(user.email);
    assert.equal((await closed).code, 4003);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(reconnects, []);
  });

  it('after a revoke-free server close (4008) it reconnects and replays the missed messages once', async () => {
    const t = tag();
    const room = await w.client.request('POST', '/rooms', { key: w.a.scoped_api_key, body: { name: `flood ${t}` } });
    await w.client.request('POST', '/rooms/join', { key: w.b.scoped_api_key, body: { room_id: room.id } });
    // Away long enough for B's posts to land before A is back.
    const socket = open(w.a.scoped_api_key, { reconnect: { initialDelay: 3000, maxDelay: 3000 } });
    const seen = collect(socket, room.id);
    const readies = [];
    socket.on('ready', () => readies.push(Date.now()));
    await socket.ready;
    const missed = [`missed 1 ${t}`, `missed 2 ${t}`, `missed 3 ${t}`];
    let postedAt = 0;
    const posted = nextEvent(socket, 'reconnecting').then(async (d) => {
      assert.equal(d.code, 4008);
      for (const content of missed) await w.client.sendMessage(w.b.scoped_api_key, { room_id: room.id, content });
      postedAt = Date.now();
    });
    // The server closes a socket that ignores 20 RATE_LIMIT_EXCEEDED in a row.
    let refused = 0;
    const flood = [];
    for (let i = 0; i < 400 && !postedAt && socket.isReady !== false; i++) {
      const sending = socket.send('message.send', { room_id: room.id, content: `flood ${i}` });
      flood.push(sending.catch((e) => { if (e.code === 'RATE_LIMIT_EXCEEDED') refused++; else throw e; }));
      await Promise.race([sending.catch(() => {}), new Promise((r) => setTimeout(r, 50))]);
    }
    await posted;
    assert.ok(refused >= 1, 'no send was refused');
    await eventually('the second ready', () => readies.length >= 2);
    assert.ok(readies[1] > postedAt, 'A came back before the missed messages were posted');
    await Promise.all(flood);
    await eventually('the missed messages', () => missed.every((c) => seen.some((m) => m.content === c)));
    const live = await w.client.sendMessage(w.b.scoped_api_key, { room_id: room.id, content: `live ${t}` });
    await eventually('the live message', () => seen.some((m) => m.id === live.id));
    assertContiguous(seen);
    for (const content of missed) assert.equal(seen.filter((m) => m.content === content).length, 1, content);
    const history = await w.client.request('GET', `/rooms/${room.id}/messages`, { query: { after_seq: 0, limit: 200 } });
    assert.deepEqual(seen.map((m) => m.id), history.data.map((m) => m.id));
    socket.close();
  });
});

describe(`register with an admin token (${STORE})`, () => {
  const token = `admin-${randomUUID()}`;
  let node;
  before(async () => { node = await new Node(await freePort(), storeEnv({ CHATAPI_ADMIN_TOKEN: token })).start(); });
  after(() => node.stop());

  it('register passes adminToken, and is refused without it', async () => {
    const refused = await refusal(ChatAPIClient.register({ name: 'no token' }, { baseURL: node.base }));
    assert.equal(refused.status, 401);
    assert.equal(refused.code, 'INVALID_CREDENTIALS');
    const registration = await ChatAPIClient.register({ name: 'with token' }, { baseURL: node.base, adminToken: token });
    assert.match(registration.master_api_key, /^ck_live_/);
  });
});

describe(`graceful restart (${STORE})`, { skip: REDIS_URL ? false : 'the memory store loses everything on restart' }, () => {
  let one;
  let two;
  before(async () => {
    // No message limit: the second test posts more than one sync replays.
    const env = (name) => storeEnv({ CHATAPI_NODE_ID: `js-${name}-${tag()}`, CHATAPI_RATE_MESSAGES_PER_SEC: '0' });
    one = await new Node(await freePort(), env('one')).start();
    two = await new Node(await freePort(), env('two')).start();
  });
  after(async () => { await one.stop(); await two.stop(); });

  it('after 1012 it reconnects to the restarted node and replays what was sent meanwhile, once', async () => {
    const w = await world(one.base);
    const viaTwo = new ChatAPIClient(w.registration.master_api_key, { baseURL: two.base });
    const socket = w.client.connect(w.b.scoped_api_key, { reconnect: { initialDelay: 200, maxDelay: 1000 } });
    const seen = collect(socket, w.room.id);
    const codes = [];
    socket.on('reconnecting', (d) => codes.push(d.code));
    const readies = [];
    socket.on('ready', () => readies.push(Date.now()));
    try {
      await socket.ready;
      const before = await w.client.sendMessage(w.a.scoped_api_key, { room_id: w.room.id, content: 'before' });
      await eventually('the first message', () => seen.length === 1);
      await one.stop();
      await eventually('the drop', () => codes.length >= 1);
      assert.equal(codes[0], 1012);
      const missed = [];
      for (const content of ['while away 1', 'while away 2', 'while away 3']) {
        missed.push(await viaTwo.sendMessage(w.a.scoped_api_key, { room_id: w.room.id, content }));
      }
      await one.start();
      await eventually('the second ready', () => readies.length >= 2);
      await eventually('the missed messages', () => seen.length >= 4);
      const live = await viaTwo.sendMessage(w.a.scoped_api_key, { room_id: w.room.id, content: 'after' });
      await eventually('the live message', () => seen.some((m) => m.id === live.id));
      assert.deepEqual(seen.map((m) => m.id), [before, ...missed, live].map((m) => m.id));
      assertContiguous(seen, before.seq);
    } finally {
      socket.close();
    }
  });

  it('after missing more than one sync replays (truncated), it syncs again until it has them all', async () => {
    const w = await world(one.base);
    const viaTwo = new ChatAPIClient(w.registration.master_api_key, { baseURL: two.base });
    const socket = w.client.connect(w.b.scoped_api_key, { reconnect: { initialDelay: 200, maxDelay: 1000 } });
    const seen = collect(socket, w.room.id);
    const readies = [];
    socket.on('ready', () => readies.push(Date.now()));
    try {
      await socket.ready;
      await one.stop();
      // 1,000 is the most one sync replays (API.md §6): miss more than that.
      const total = 1100;
      for (let i = 0; i < total; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, total - i) }, (_, j) =>
          viaTwo.sendMessage(w.a.scoped_api_key, { room_id: w.room.id, content: `bulk ${i + j}` })));
      }
      await one.start();
      await eventually('the second ready', () => readies.length >= 2);
      await eventually(`all ${total} missed messages`, () => seen.length >= total, 60_000).catch((e) => { throw new Error(`${e.message}: ${seen.length} seen, last ${seen.at(-1)?.seq}`); });
      assertContiguous(seen);
      assert.equal(seen.length, total);
    } finally {
      socket.close();
    }
  });
});
