// chatapi.js: the ChatAPI JavaScript client. One ES module, no build step, no
// dependencies; every node serves it at /chatapi.js and its types at /chatapi.d.ts.
//
// It runs in browsers and in Node 20+ (give Node a WebSocket implementation, e.g.
// `import WebSocket from 'ws'` and `new ChatAPIClient(key, { WebSocket })`).
//
//   const client = new ChatAPIClient(masterKey);              // the guide's example
//   const user = await client.createUser({ email, username });
//   const socket = client.connect(user.scoped_api_key);
//   socket.on('message.new', (message) => show(message));
//   await socket.ready;
//   await socket.send('message.send', { room_id, content: 'Hello' });
//
// Delivery: the socket keeps the last `seq` it handed to a handler per room. After a
// drop (or a server restart, close 1012) it reconnects with exponential backoff and
// jitter and sends `sync` with those positions, so `message.new` handlers see every
// message of a room once and in `seq` order. It gives up only on a dead key (4001
// invalid, 4002 expired, 4003 revoked) or on `close()`, and says so with `closed`.

/** The guide's base URL: a node on this machine. */
export const DEFAULT_BASE_URL = 'http://localhost:8000/api/v1';

/** Close codes after which reconnecting cannot help: the key is dead (API.md §6). */
const KEY_DEAD = new Map([
  [4001, { status: 401, code: 'INVALID_CREDENTIALS', detail: 'Invalid authentication credentials' }],
  [4002, { status: 401, code: 'KEY_EXPIRED', detail: 'API key has expired' }],
  [4003, { status: 401, code: 'INVALID_CREDENTIALS', detail: 'API key was revoked' }],
]);

/** The close code `close()` uses: a normal closure. */
const NORMAL_CLOSURE = 1000;

/**
 * A refusal from the API, or a failure to reach it.
 *
 * For an answer of the API, `status`, `code`, `detail` and `errors` are the documented
 * error body's `status_code`, `error_code`, `detail` and `errors`. Failures on this
 * side have `status` 0 and one of the client's own codes: `NETWORK_ERROR` (no answer),
 * `CONNECTION_LOST` (the socket dropped before a request's answer), `CLOSED` (the
 * socket was closed for good).
 */
export class ChatAPIError extends Error {
  /**
   * @param {number} status HTTP status, or 0 when no answer came.
   * @param {{detail?: string, error_code?: string, errors?: Array<{field: string, message: string}>}} [body]
   * @param {number | null} [retryAfter] seconds, from `Retry-After`.
   * @param {{cause?: unknown}} [options]
   */
  constructor(status, body = {}, retryAfter = null, options = {}) {
    super(body.detail || `HTTP ${status}`, options);
    this.name = 'ChatAPIError';
    /** @type {number} */
    this.status = status;
    /** @type {string | null} */
    this.code = body.error_code ?? null;
    /** @type {string} */
    this.detail = body.detail || this.message;
    /** @type {Array<{field: string, message: string}>} */
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    /** @type {number | null} */
    this.retryAfter = retryAfter;
  }
}

/**
 * @typedef {object} ClientOptions
 * @property {string} [baseURL] the API root, `DEFAULT_BASE_URL` unless given; in a
 *   browser it may be relative (`/api/v1`).
 * @property {typeof WebSocket} [WebSocket] the WebSocket class `connect` uses;
 *   `globalThis.WebSocket` unless given (Node 20 has none: pass `ws`).
 */

/**
 * @typedef {object} RequestOptions
 * @property {string | null} [key] the bearer key; the master key when left out, none
 *   when `null`.
 * @property {unknown} [body] sent as JSON.
 * @property {Record<string, string | number | boolean | null | undefined>} [query]
 *   appended as a query string; `null` and `undefined` values are left out.
 */

/**
 * @typedef {object} ReconnectOptions
 * @property {number} [initialDelay] milliseconds before the first retry (500).
 * @property {number} [maxDelay] the longest wait between retries (30000).
 */

/**
 * @typedef {object} ConnectOptions
 * @property {Record<string, number>} [lastSeq] per room id, the last `seq` the caller
 *   already has: the socket syncs from there once connected.
 * @property {ReconnectOptions | false} [reconnect] backoff settings, or `false` to
 *   never reconnect.
 */

/**
 * A frame of the WebSocket protocol (API.md §6), either way.
 * @typedef {{type: string, id?: string, data?: any}} Frame
 */

/** The ChatAPI REST client, with the methods of the guide's "Integration Examples". */
export class ChatAPIClient {
  /**
   * Registers a new client application (`POST /clients`).
   * @param {{name: string, description?: string}} app
   * @param {{baseURL?: string, adminToken?: string}} [options] `adminToken` is needed
   *   only when the node sets `CHATAPI_ADMIN_TOKEN`.
   * @returns {Promise<object>} the registration, with `master_api_key` (shown once).
   */
  static register(app, { baseURL = DEFAULT_BASE_URL, adminToken } = {}) {
    return new ChatAPIClient(null, { baseURL }).request('POST', '/clients', {
      key: adminToken ?? null,
      body: app,
    });
  }

  /**
   * @param {string | null} masterKey the application's `ck_live_…` key; `null` for a
   *   client that only ever passes scoped keys.
   * @param {ClientOptions} [options]
   */
  constructor(masterKey, { baseURL = DEFAULT_BASE_URL, WebSocket = globalThis.WebSocket } = {}) {
    /** @type {string | null} */
    this.masterKey = masterKey;
    /** @type {string} */
    this.baseURL = baseURL.replace(/\/+$/, '');
    /** @private */
    this.WebSocket = WebSocket;
  }

  /**
   * Creates a user (`POST /users`, master key). The answer holds its first
   * `scoped_api_key`.
   * @param {{email: string, username: string, full_name?: string, metadata?: object}} userData
   */
  createUser(userData) {
    return this.request('POST', '/users', { body: userData });
  }

  /**
   * Logs a user in (`POST /users/login`, master key): a fresh `scoped_api_key`, which
   * revokes the user's previous one.
   * @param {string} email
   */
  loginUser(email) {
    return this.request('POST', '/users/login', { body: { email } });
  }

  /**
   * Sends a message as the user (`POST /messages`, scoped key).
   * @param {string} userKey
   * @param {{room_id: string, content: string, message_type?: string, metadata?: object, reply_to?: string, client_msg_id?: string}} messageData
   */
  sendMessage(userKey, messageData) {
    return this.request('POST', '/messages', { key: userKey, body: messageData });
  }

  /**
   * Calls any route. Resolves with the parsed JSON answer (`null` for 204); rejects
   * with `ChatAPIError`.
   * @param {string} method
   * @param {string} path below the base URL, e.g. `/rooms`.
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async request(method, path, { key, body, query } = {}) {
    const bearer = key === undefined ? this.masterKey : key;
    /** @type {Record<string, string>} */
    const headers = {};
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(this.baseURL + path + queryString(query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new ChatAPIError(0, { error_code: 'NETWORK_ERROR', detail: `${method} ${path}: no answer` }, null, { cause });
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null; // not ours (a proxy's page?); the status still says what happened
    }
    if (!response.ok) {
      const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
      throw new ChatAPIError(response.status, data ?? {}, Number.isNaN(retryAfter) ? null : retryAfter);
    }
    return data;
  }

  /**
   * Opens a realtime connection for a user (`GET /ws`); see `ChatSocket`.
   * @param {string} userKey
   * @param {ConnectOptions} [options]
   * @returns {ChatSocket}
   */
  connect(userKey, options = {}) {
    if (typeof this.WebSocket !== 'function') {
      throw new TypeError('no WebSocket implementation: pass { WebSocket } (e.g. the ws package) to ChatAPIClient');
    }
    return new ChatSocket(socketURL(this.baseURL), userKey, this.WebSocket, options);
  }
}

/**
 * One user's realtime connection, carrying all of the user's rooms, kept up across
 * drops. Handlers registered with `on` get each server frame's `data`, by frame type
 * (`message.new`, `typing`, `presence`, …), plus the socket's own events: `ready`
 * (after every (re)connect), `reconnecting` `{attempt, delay, code}`, `error` (an
 * `error` frame no request owns, as `ChatAPIError`), `closed` `{code, reason}` (for
 * good).
 */
export class ChatSocket {
  /**
   * Use `ChatAPIClient.connect`.
   * @param {string} url
   * @param {string} key
   * @param {typeof WebSocket} WebSocketImpl
   * @param {ConnectOptions} options
   */
  constructor(url, key, WebSocketImpl, { lastSeq = {}, reconnect = {} } = {}) {
    /** @private */ this.url = url;
    /** @private */ this.key = key;
    /** @private */ this.WebSocketImpl = WebSocketImpl;
    /** @private */ this.backoff = reconnect === false ? null : { initialDelay: 500, maxDelay: 30000, ...reconnect };
    /**
     * Per room id, the highest `seq` handed to `message.new` handlers (or given as
     * `lastSeq`): where the next `sync` starts.
     * @type {Record<string, number>}
     */
    this.lastSeq = { ...lastSeq };
    /** @private @type {Map<string, Set<Function>>} */ this.handlers = new Map();
    /** @private @type {Map<string, {frame: Frame, resolve: (data: any) => void, reject: (error: unknown) => void}>} */
    this.pending = new Map();
    /** @private @type {Frame[]} frames asked for while not connected, sent after the next `ready`. */
    this.queued = [];
    /** @private */ this.nextId = 0;
    /** @private */ this.attempt = 0;
    /** @private @type {WebSocket | null} */ this.ws = null;
    /** @private @type {ReturnType<typeof setTimeout> | undefined} */ this.retryTimer = undefined;
    /** @private */ this.isReady = false;
    /** @private true once closed for good. */ this.done = false;
    /**
     * While a `sync` is under way, its replays and any live message are held here per
     * room and handed out in `seq` order when its `ack` comes.
     * @private @type {Map<string, Map<number, {message: any, frame: Frame}>> | null}
     */
    this.syncing = null;
    /** @private @type {string | null} */ this.syncId = null;
    /** @private @type {{resolve: (data: any) => void, reject: (error: unknown) => void}} */
    this.settleReady = { resolve: () => {}, reject: () => {} };
    /**
     * The first `ready` data (`{user, rooms}`); rejects with `ChatAPIError` if the
     * socket is closed for good before that.
     * @type {Promise<{user: object, rooms: Array<{room_id: string, last_seq: number}>}>}
     */
    this.ready = new Promise((resolve, reject) => { this.settleReady = { resolve, reject }; });
    // A caller that never awaits `ready` must not get an unhandled rejection.
    this.ready.catch(() => {});
    this.open();
  }

  /**
   * Adds a handler for a frame type or socket event.
   * @param {string} type
   * @param {(data: any, frame?: object) => void} handler
   * @returns {this}
   */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type)?.add(handler);
    return this;
  }

  /**
   * Removes a handler added with `on`.
   * @param {string} type
   * @param {(data: any, frame?: object) => void} handler
   * @returns {this}
   */
  off(type, handler) {
    this.handlers.get(type)?.delete(handler);
    return this;
  }

  /**
   * Sends a request frame and resolves with its `ack` data, or rejects with the
   * `error` frame as `ChatAPIError`. While reconnecting, the frame waits for the next
   * `ready`. A `message.send` gets a `client_msg_id` when it has none, so it can be
   * sent again safely after a drop (the server answers with the original); any other
   * request in flight when the connection drops rejects with `CONNECTION_LOST`.
   * @param {string} type
   * @param {Record<string, any>} [data]
   * @returns {Promise<any>}
   */
  send(type, data = {}) {
    if (this.done) return Promise.reject(closedError());
    const payload = type === 'message.send' && !data.client_msg_id ? { ...data, client_msg_id: uuid() } : data;
    const id = `r${++this.nextId}`;
    /** @type {Frame} */
    const frame = { type, id, data: payload };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { frame, resolve, reject });
      if (this.isReady) this.write(frame); else this.queued.push(frame);
    });
  }

  /** Closes the connection for good; emits `closed` with code 1000. */
  close() {
    this.finish(NORMAL_CLOSURE, 'closed by the client');
  }

  // ---- the connection ----

  /** @private */
  open() {
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    // Browsers cannot set headers on a WebSocket, so the key goes in the first frame.
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.key }));
    ws.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data));
      } catch {
        return; // not a frame of ours
      }
      this.receive(frame);
    };
    ws.onclose = (event) => { if (this.ws === ws) this.dropped(event.code, event.reason); };
    ws.onerror = () => {}; // a close event always follows, with the code
  }

  /**
   * @private
   * @param {number} code
   * @param {string} reason
   */
  dropped(code, reason) {
    this.ws = null;
    this.isReady = false;
    this.syncing = null;
    this.syncId = null;
    const dead = KEY_DEAD.get(code);
    if (dead || !this.backoff) {
      const error = dead ? new ChatAPIError(dead.status, { error_code: dead.code, detail: dead.detail }) : closedError();
      this.finish(code, reason, error);
      return;
    }
    // Answers to requests in flight are lost; a message.send goes again (idempotent),
    // and what was never sent waits on. Both keep the order they were asked in.
    const unsent = new Set(this.queued);
    this.queued = [];
    for (const [id, request] of this.pending) {
      if (request.frame.type === 'message.send' || unsent.has(request.frame)) this.queued.push(request.frame);
      else {
        this.pending.delete(id);
        request.reject(new ChatAPIError(0, { error_code: 'CONNECTION_LOST', detail: 'the connection dropped before the answer' }));
      }
    }
    // Exponential backoff with jitter (half to all of the step), so that the clients of
    // a restarted node do not all come back at the same instant.
    const step = Math.min(this.backoff.maxDelay, this.backoff.initialDelay * 2 ** this.attempt);
    const delay = Math.round(step * (0.5 + Math.random() / 2));
    this.attempt += 1;
    this.emit('reconnecting', { attempt: this.attempt, delay, code });
    this.retryTimer = setTimeout(() => { this.retryTimer = undefined; if (!this.done) this.open(); }, delay);
  }

  /**
   * @private closes for good: rejects what waits, emits `closed` once.
   * @param {number} code
   * @param {string} reason
   * @param {ChatAPIError} [error] what waiting promises reject with.
   */
  finish(code, reason, error = closedError()) {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    this.isReady = false;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try { ws.close(NORMAL_CLOSURE); } catch { /* already closing */ }
    }
    this.settleReady.reject(error);
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
    this.queued = [];
    this.emit('closed', { code, reason: reason || '' });
  }

  /**
   * @private
   * @param {Frame} frame
   */
  write(frame) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(frame));
  }

  // ---- frames in ----

  /**
   * @private
   * @param {Frame} frame
   */
  receive(frame) {
    const data = frame.data ?? {};
    switch (frame.type) {
      case 'ready': return this.onReady(data, frame);
      case 'ack': return this.onAck(frame.id, data);
      case 'error': return this.onError(frame.id, data);
      case 'message.new': return this.onMessage(data, frame);
      default: return this.emit(frame.type, data, frame);
    }
  }

  /**
   * @private
   * @param {{user: object, rooms?: Array<{room_id: string, last_seq: number}>}} data
   * @param {Frame} frame
   */
  onReady(data, frame) {
    this.isReady = true;
    this.attempt = 0;
    // A room met for the first time starts at its current end: its history is the
    // application's to load (REST), the socket delivers what comes next.
    for (const room of data.rooms ?? []) {
      if (!(room.room_id in this.lastSeq)) this.lastSeq[room.room_id] = room.last_seq;
    }
    this.settleReady.resolve(data);
    this.emit('ready', data, frame);
    if (Object.keys(this.lastSeq).length) this.startSync();
    const queued = this.queued;
    this.queued = [];
    for (const request of queued) this.write(request);
  }

  /** @private asks for everything after `lastSeq`; replays are held until the ack. */
  startSync() {
    this.syncing = new Map();
    this.syncId = `s${++this.nextId}`;
    this.write({ type: 'sync', id: this.syncId, data: { rooms: { ...this.lastSeq } } });
  }

  /**
   * @private
   * @param {{room_id: string, seq: number}} message
   * @param {Frame} frame
   */
  onMessage(message, frame) {
    if (this.syncing) {
      if (!this.syncing.has(message.room_id)) this.syncing.set(message.room_id, new Map());
      this.syncing.get(message.room_id)?.set(message.seq, { message, frame });
      return;
    }
    this.deliver(message, frame);
  }

  /**
   * @private hands a message to the handlers unless it was handed out already.
   * @param {{room_id: string, seq: number}} message
   * @param {Frame} frame
   */
  deliver(message, frame) {
    const last = this.lastSeq[message.room_id];
    if (last !== undefined && message.seq <= last) return;
    this.lastSeq[message.room_id] = message.seq;
    this.emit('message.new', message, frame);
  }

  /**
   * @private
   * @param {string | undefined} id
   * @param {any} data
   */
  onAck(id, data) {
    if (id && id === this.syncId) {
      const held = this.syncing ?? new Map();
      this.syncing = null;
      this.syncId = null;
      for (const room of held.values()) {
        for (const seq of [...room.keys()].sort((a, b) => a - b)) {
          const entry = room.get(seq);
          if (entry) this.deliver(entry.message, entry.frame);
        }
      }
      // One sync replays a bounded number of messages; ask again for the rest.
      if (data.truncated) this.startSync();
      return;
    }
    const request = id ? this.pending.get(id) : undefined;
    if (!id || !request) return;
    this.pending.delete(id);
    request.resolve(data);
  }

  /**
   * @private
   * @param {string | undefined} id
   * @param {{detail?: string, error_code?: string, status_code?: number, retry_after?: number}} data
   */
  onError(id, data) {
    const error = new ChatAPIError(data.status_code ?? 0, data, data.retry_after ?? null);
    if (id && id === this.syncId) {
      // The sync failed (the store is away?): hand out what came and carry on live.
      this.onAck(id, {});
      this.emit('error', error);
      return;
    }
    const request = id ? this.pending.get(id) : undefined;
    if (!id || !request) {
      this.emit('error', error);
      return;
    }
    this.pending.delete(id);
    request.reject(error);
  }

  /**
   * @private a handler that throws must not stop the others, nor the socket.
   * @param {string} type
   * @param {any} data
   * @param {Frame} [frame]
   */
  emit(type, data, frame) {
    for (const handler of [...(this.handlers.get(type) ?? [])]) {
      try {
        handler(data, frame);
      } catch (err) {
        setTimeout(() => { throw err; }); // reported as uncaught, outside our loop
      }
    }
  }
}

// ---- helpers ----

/** @param {RequestOptions['query']} query */
function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined) params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The WebSocket URL under a REST base URL (relative ones resolve against the page).
 * @param {string} baseURL
 */
function socketURL(baseURL) {
  const url = new URL(`${baseURL}/ws`, globalThis.location?.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function closedError() {
  return new ChatAPIError(0, { error_code: 'CLOSED', detail: 'the socket is closed' });
}

/** A random UUID v4; `crypto.randomUUID` needs a secure context, this does not. */
function uuid() {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
