// The admin console (static/console.html, served at GET /console): an app owner signs
// in with the client's master key and looks at users, rooms, the security-event log and
// analytics. Every list is read one page at a time (`limit` + `next_cursor`), so the
// console stays usable however many users and rooms the client has. Charts are
// hand-drawn SVG; nothing is built or bundled.
//
// The master key lives in sessionStorage only (this tab, gone when it closes) and
// travels only in the Authorization header, never in a URL. Data from the API is put
// into the page with textContent, never as markup.

import { ChatAPIClient, ChatAPIError } from '/chatapi.js';

const KEY_STORE = 'chatapi.console.masterKey';
const PAGE_SIZE = 50;
const MESSAGE_PAGE_SIZE = 20;
const LIVE_POLL_MS = 3000;
/** Live samples kept per chart: two minutes at one poll every 3 s. */
const LIVE_SAMPLES = 40;
const SVG = 'http://www.w3.org/2000/svg';
const SERIES_COLOURS = ['#2f6fde', '#e8710a', '#18794e', '#a23bcf', '#b42318', '#0b8a8a'];

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {ChatAPIClient | null} */
let client = null;

// ---- small DOM helpers -------------------------------------------------------------

/** An element with properties (attributes for `aria-*`/`data-*`) and children (strings become text). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name.startsWith('aria-') || name.startsWith('data-')) node.setAttribute(name, String(value));
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** An SVG element with attributes. */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** `2026-12-02T17:40:12.345Z` → `2026-12-02 17:40:12` (UTC, as the API keeps it). */
function when(iso) {
  return iso ? String(iso).replace('T', ' ').replace(/\.\d+/, '').replace(/Z$|\+00:00$/, '') : '';
}

function showError(err) {
  if (err instanceof ChatAPIError) {
    const fields = err.errors.map((e) => `\n  ${e.field}: ${e.message}`).join('');
    $('error').textContent = `${err.code ?? 'ERROR'} (HTTP ${err.status}): ${err.detail}${fields}`;
  } else {
    $('error').textContent = `Unexpected error: ${err?.message ?? err}`;
  }
}

function clearMessages() {
  $('error').textContent = '';
  $('notice').textContent = '';
}

/** Runs an action for a button or form: clears old messages, shows a failure. */
async function attempt(action) {
  clearMessages();
  try {
    await action();
  } catch (err) {
    showError(err);
  }
}

function api(method, path, options) {
  if (!client) throw new ChatAPIError(0, { error_code: 'SIGNED_OUT', detail: 'sign in first' });
  return client.request(method, path, options);
}

// ---- paging ------------------------------------------------------------------------

/**
 * One server-side paginated list: keeps the cursors of the pages seen so far, so it can
 * go forward with `next_cursor` and back without re-reading from the start.
 */
class Pager {
  /**
   * @param {HTMLElement} container where the buttons go
   * @param {(cursor: string | null) => Promise<{data: any[], next_cursor: string | null}>} fetchPage
   * @param {(rows: any[]) => void | Promise<void>} render
   * @param {{back?: string, forward?: string, noun?: string}} [labels]
   */
  constructor(container, fetchPage, render, labels = {}) {
    this.container = container;
    this.fetchPage = fetchPage;
    this.render = render;
    this.labels = { back: 'Previous', forward: 'Next', noun: 'Page', ...labels };
    /** Cursors of the pages on the way to the current one; the last is the current's. */
    this.cursors = [null];
    this.next = null;
    /** Answers to earlier loads that arrive late are dropped. */
    this.generation = 0;
  }

  /** Back to the first page (after a new search or filter). */
  first() {
    this.cursors = [null];
    return this.load();
  }

  async load() {
    const generation = ++this.generation;
    const page = await this.fetchPage(this.cursors[this.cursors.length - 1]);
    if (generation !== this.generation) return;
    this.next = page.next_cursor;
    await this.render(page.data);
    this.drawButtons(page.data.length);
  }

  drawButtons(count) {
    const index = this.cursors.length;
    this.container.replaceChildren(
      el('button', {
        type: 'button', textContent: this.labels.back, disabled: index === 1,
        onclick: () => attempt(() => { this.cursors.pop(); return this.load(); }),
      }),
      el('span', { 'aria-live': 'polite' }, `${this.labels.noun} ${index}, ${count} shown`),
      el('button', {
        type: 'button', textContent: this.labels.forward, disabled: !this.next, 'data-next': '',
        onclick: () => attempt(() => { this.cursors.push(this.next); return this.load(); }),
      }),
    );
  }
}

// ---- users -------------------------------------------------------------------------

const users = new Pager($('user-pager'),
  (cursor) => api('GET', '/users', { query: { limit: PAGE_SIZE, cursor, q: $('user-search').value.trim() || null } }),
  (rows) => {
    $('user-rows').replaceChildren(...rows.map(userRow));
    if (!rows.length) $('user-rows').append(emptyRow(7, 'No users match.'));
  },
  { noun: 'Page' });

function userRow(user) {
  const toggle = user.is_active ? 'Deactivate' : 'Reactivate';
  return el('tr', { 'data-user-id': user.id, className: user.is_active ? '' : 'inactive' },
    el('td', {}, user.username),
    el('td', {}, user.email),
    el('td', {}, user.full_name ?? ''),
    el('td', {}, user.is_active ? 'active' : 'deactivated'),
    el('td', {}, when(user.created_at)),
    el('td', { className: 'mono' }, user.id),
    el('td', { className: 'actions' },
      el('button', {
        type: 'button', textContent: toggle, className: user.is_active ? 'danger' : '', 'data-action': 'toggle-active',
        'aria-label': `${toggle} ${user.username}`,
        onclick: () => attempt(async () => {
          if (user.is_active && !window.confirm(`Deactivate ${user.username}? Their key stops working.`)) return;
          const updated = await api('PATCH', `/users/${user.id}`, { body: { is_active: !user.is_active } });
          $('notice').textContent = `${updated.username} is now ${updated.is_active ? 'active' : 'deactivated'}.`;
          await users.load();
        }),
      }),
      ' ',
      el('button', {
        type: 'button', textContent: 'Revoke key', className: 'danger', 'data-action': 'revoke',
        'aria-label': `Revoke the key of ${user.username}`,
        onclick: () => attempt(async () => {
          if (!window.confirm(`Revoke the key of ${user.username}? They must log in again.`)) return;
          await api('POST', `/users/${user.id}/revoke`);
          $('notice').textContent = `The key of ${user.username} is revoked.`;
        }),
      }),
      ' ',
      el('button', {
        type: 'button', textContent: 'Events', 'data-action': 'events',
        'aria-label': `Security events of ${user.username}`,
        onclick: () => attempt(() => {
          $('event-type').value = '';
          $('event-user-id').value = user.id;
          return selectTab('events', true);
        }),
      }),
    ));
}

function emptyRow(columns, text) {
  return el('tr', {}, el('td', { colSpan: columns, className: 'empty' }, text));
}

$('user-search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(() => users.first());
});

$('user-create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const fullName = $('new-user-full-name').value.trim();
    const created = await api('POST', '/users', {
      body: { email: $('new-user-email').value.trim(), username: $('new-user-username').value.trim(), ...(fullName ? { full_name: fullName } : {}) },
    });
    /** @type {HTMLFormElement} */ ($('user-create-form')).reset();
    // The key is shown once, as the API shows it once; the console keeps no copy.
    $('notice').textContent = `Created ${created.username}. Their scoped key (shown once): ${created.scoped_api_key}`;
    await users.first();
  });
});

// ---- rooms -------------------------------------------------------------------------

/** Usernames by user id, learnt from pages and look-ups, for naming message senders. */
const usernames = new Map();
let openRoomId = null;

const rooms = new Pager($('room-pager'),
  (cursor) => api('GET', '/rooms/all', { query: { limit: PAGE_SIZE, cursor } }),
  (rows) => {
    $('room-rows').replaceChildren(...rows.map(roomRow));
    if (!rows.length) $('room-rows').append(emptyRow(7, 'No rooms yet.'));
  });

function roomRow(room) {
  return el('tr', { 'data-room-id': room.id, className: room.id === openRoomId ? 'selected' : '' },
    el('td', {}, room.name),
    el('td', {}, room.room_type),
    el('td', {}, room.is_private ? 'yes' : 'no'),
    el('td', {}, `${room.member_count} / ${room.max_members}`),
    el('td', {}, room.last_seq),
    el('td', {}, when(room.last_message_at)),
    el('td', { className: 'actions' }, el('button', {
      type: 'button', textContent: 'Open', 'data-action': 'open-room', 'aria-label': `Open room ${room.name}`,
      onclick: () => attempt(() => openRoom(room)),
    })));
}

const members = new Pager($('member-pager'),
  (cursor) => api('GET', `/rooms/${openRoomId}/members`, { query: { limit: PAGE_SIZE, cursor } }),
  (rows) => {
    for (const m of rows) if (m.username) usernames.set(m.user_id, m.username);
    $('member-rows').replaceChildren(...rows.map((m) => el('tr', { 'data-user-id': m.user_id },
      el('td', {}, m.username ?? '(deleted user)'),
      el('td', {}, m.role),
      el('td', {}, m.online ? 'online' : ''),
      el('td', {}, when(m.joined_at)))));
    if (!rows.length) $('member-rows').append(emptyRow(4, 'No members.'));
  });

const messages = new Pager($('message-pager'),
  (cursor) => api('GET', `/rooms/${openRoomId}/messages`, { query: { limit: MESSAGE_PAGE_SIZE, cursor } }),
  async (rows) => {
    await learnUsernames(rows.map((m) => m.sender_id));
    $('message-list').replaceChildren(...rows.map((m) => el('div', { className: 'msg', 'data-seq': m.seq },
      el('span', { className: 'who' }, m.sender_id ? usernames.get(m.sender_id) ?? m.sender_id : 'system'),
      el('span', { className: 'content' }, m.deleted_at ? '(deleted)' : m.content),
      el('span', { className: 'time' }, `#${m.seq} ${when(m.created_at)}`))));
    if (!rows.length) $('message-list').append(el('p', { className: 'empty' }, 'No messages yet.'));
  },
  { back: 'Newer', forward: 'Older', noun: 'Page' });

/** Looks up the senders not yet known (one page's worth at most). */
async function learnUsernames(ids) {
  const unknown = [...new Set(ids.filter((id) => id && !usernames.has(id)))];
  await Promise.all(unknown.map(async (id) => {
    try {
      usernames.set(id, (await api('GET', `/users/${id}`)).username);
    } catch (err) {
      if (!(err instanceof ChatAPIError && err.status === 404)) throw err;
      usernames.set(id, '(deleted user)');
    }
  }));
}

async function openRoom(room) {
  openRoomId = room.id;
  for (const row of $('room-rows').querySelectorAll('tr')) row.classList.toggle('selected', row.dataset.roomId === room.id);
  $('room-members-title').textContent = `Members of ${room.name}`;
  $('room-messages-title').textContent = `Latest messages in ${room.name} (newest first)`;
  $('room-detail').classList.remove('hidden');
  await Promise.all([members.first(), messages.first()]);
}

// ---- security events ---------------------------------------------------------------

const events = new Pager($('event-pager'),
  (cursor) => api('GET', '/security-events', {
    query: { limit: PAGE_SIZE, cursor, type: $('event-type').value || null, user_id: $('event-user-id').value.trim() || null },
  }),
  (rows) => {
    $('event-rows').replaceChildren(...rows.map((e) => el('tr', { 'data-type': e.type },
      el('td', {}, when(e.at)),
      el('td', {}, e.type),
      el('td', { className: 'mono' }, e.user_id ?? ''),
      el('td', {}, e.ip ?? ''),
      el('td', {}, e.reason ?? ''),
      el('td', { className: 'mono' }, e.key_prefix ?? ''))));
    if (!rows.length) $('event-rows').append(emptyRow(6, 'No events match.'));
  });

$('event-filter-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(() => events.first());
});

// ---- charts ------------------------------------------------------------------------

const CHART = { width: 480, height: 200, left: 44, right: 12, top: 12, bottom: 26 };

/** The smallest of 1, 2, 5 × 10^k at or above `value` (1 for nothing to show). */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= value - 1e-9) ?? 10 * power;
}

const formatNumber = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The frame every chart shares: grid lines and y labels at 0, half and top, and x labels. */
function chartFrame(titleId, summary, yMax, xLabels) {
  const { width, height, left, right, top, bottom } = CHART;
  const plotHeight = height - top - bottom;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, 'aria-describedby': `${titleId}-desc` },
    svg('desc', { id: `${titleId}-desc` }, summary));
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    root.append(svg('line', { class: fraction ? 'grid' : 'axis', x1: left, x2: width - right, y1: y, y2: y }),
      svg('text', { x: left - 6, y: y + 3, 'text-anchor': 'end' }, formatNumber(yMax * fraction)));
  }
  const plotWidth = width - left - right;
  const every = Math.max(1, Math.ceil(xLabels.length / 6));
  xLabels.forEach((label, i) => {
    if (i % every) return;
    const x = left + plotWidth * (i + 0.5) / xLabels.length;
    root.append(svg('text', { x, y: height - 8, 'text-anchor': 'middle' }, label));
  });
  return root;
}

/** Bars of `values`, one per label. */
function barChart(container, titleId, labels, values) {
  const { width, height, left, right, top, bottom } = CHART;
  const yMax = niceCeiling(Math.max(0, ...values));
  const total = values.reduce((a, b) => a + b, 0);
  const root = chartFrame(titleId, `${values.length} buckets, total ${formatNumber(total)}, highest ${formatNumber(Math.max(0, ...values))}`, yMax, labels);
  const slot = (width - left - right) / Math.max(1, values.length);
  const plotHeight = height - top - bottom;
  values.forEach((value, i) => {
    if (!(value > 0)) return;
    const barHeight = Math.max(1, (value / yMax) * plotHeight);
    root.append(svg('rect', { class: 'bar', x: left + i * slot + slot * 0.1, y: top + plotHeight - barHeight, width: Math.max(1, slot * 0.8), height: barHeight },
      svg('title', {}, `${labels[i]}: ${formatNumber(value)}`)));
  });
  container.replaceChildren(root);
}

/**
 * One line per series over the labels; a `null` value is a gap (a node that did not
 * report then). A lone point is drawn as a dot.
 */
function lineChart(container, titleId, labels, series) {
  const { width, height, left, right, top, bottom } = CHART;
  const all = series.flatMap((s) => s.values.filter((v) => v !== null));
  const yMax = niceCeiling(Math.max(0, ...all));
  const summary = series.map((s) => `${s.name}: ${formatNumber(s.values.filter((v) => v !== null).at(-1) ?? 0)} now`).join('; ') || 'no data';
  const root = chartFrame(titleId, summary, yMax, labels);
  const slot = (width - left - right) / Math.max(1, labels.length);
  const plotHeight = height - top - bottom;
  const x = (i) => left + slot * (i + 0.5);
  const y = (v) => top + plotHeight * (1 - v / yMax);
  series.forEach((s, index) => {
    const colour = SERIES_COLOURS[index % SERIES_COLOURS.length];
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
      root.append(svg('circle', { cx: x(i), cy: y(v), r: 2.5, fill: colour }, svg('title', {}, `${s.name} ${labels[i]}: ${formatNumber(v)}`)));
    });
    if (d) root.append(svg('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2, 'data-series': s.name }));
  });
  if (!series.length) {
    root.append(svg('text', { class: 'empty', x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'No node has reported in the last 5 s'));
  }
  const legend = el('ul', { className: 'legend' }, series.map((s, index) => {
    const item = el('li', {}, s.name);
    item.style.setProperty('--swatch', SERIES_COLOURS[index % SERIES_COLOURS.length]);
    return item;
  }));
  container.replaceChildren(root, legend);
}

// ---- analytics ---------------------------------------------------------------------

/** `start` of a bucket as its axis label: `17:00` for hours, `12-02` for days. */
function bucketLabel(start, bucket) {
  const iso = String(start);
  return bucket === 'hour' ? iso.slice(11, 16) : iso.slice(5, 10);
}

async function loadUsage() {
  const bucket = /** @type {HTMLSelectElement} */ ($('analytics-bucket')).value;
  const usage = await api('GET', '/analytics', { query: { bucket } });
  const labels = usage.data.map((b) => bucketLabel(b.start, usage.bucket));
  const per = bucket === 'hour' ? 'per hour' : 'per day';
  $('chart-messages-title').textContent = `Messages sent ${per}`;
  $('chart-active-title').textContent = `Active users ${per}`;
  $('chart-peak-title').textContent = `Peak connections ${per}`;
  barChart($('chart-messages'), 'chart-messages-title', labels, usage.data.map((b) => b.messages_sent));
  barChart($('chart-active'), 'chart-active-title', labels, usage.data.map((b) => b.active_users));
  lineChart($('chart-peak'), 'chart-peak-title', labels, [{ name: 'all nodes', values: usage.data.map((b) => b.peak_connections) }]);
}

/** The polls seen while the analytics tab was open, oldest first. */
let livePolls = [];
let liveTimer = null;

async function pollLive() {
  const live = await api('GET', '/analytics/live');
  livePolls = [...livePolls, { at: new Date(), nodes: new Map(live.nodes.map((n) => [n.node, n])) }].slice(-LIVE_SAMPLES);
  $('live-rows').replaceChildren(...live.nodes.map((n) => el('tr', { 'data-node': n.node },
    el('td', { className: 'mono' }, n.node),
    el('td', {}, n.connections),
    el('td', {}, formatNumber(n.messages_per_sec)),
    el('td', {}, when(n.at)))),
  el('tr', {}, el('th', {}, 'total'), el('th', {}, live.total.connections), el('th', {}, formatNumber(live.total.messages_per_sec)), el('th', {})));
  const names = [...new Set(livePolls.flatMap((p) => [...p.nodes.keys()]))].sort();
  const labels = livePolls.map((p) => p.at.toISOString().slice(11, 19));
  const seriesOf = (field) => names.map((name) => ({ name, values: livePolls.map((p) => p.nodes.get(name)?.[field] ?? null) }));
  lineChart($('chart-live-connections'), 'chart-live-connections-title', labels, seriesOf('connections'));
  lineChart($('chart-live-rate'), 'chart-live-rate-title', labels, seriesOf('messages_per_sec'));
}

function startLive() {
  stopLive();
  const tick = () => pollLive().catch(showError).finally(() => {
    if (liveTimer !== null) liveTimer = setTimeout(tick, LIVE_POLL_MS);
  });
  liveTimer = setTimeout(tick, 0);
}

function stopLive() {
  if (liveTimer !== null) clearTimeout(liveTimer);
  liveTimer = null;
}

$('analytics-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(loadUsage);
});

// ---- tabs --------------------------------------------------------------------------

const TABS = { users, rooms, events, analytics: null };
const loaded = new Set();

/** Shows one section; its list is read the first time (or again when `reload`). */
async function selectTab(name, reload = false) {
  for (const tab of Object.keys(TABS)) {
    $(tab).classList.toggle('hidden', tab !== name);
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
  }
  if (name === 'analytics') startLive(); else stopLive();
  if (loaded.has(name) && !reload) return;
  loaded.add(name);
  if (name === 'analytics') await loadUsage();
  else await TABS[name].first();
}

for (const tab of Object.keys(TABS)) {
  $(`tab-${tab}`).addEventListener('click', () => attempt(() => selectTab(tab)));
}

// The tab list's keys: Left and Right move to the neighbouring tab (WAI-ARIA tabs).
document.querySelector('[role=tablist]').addEventListener('keydown', (event) => {
  const names = Object.keys(TABS);
  const current = names.findIndex((tab) => $(`tab-${tab}`) === document.activeElement);
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (current < 0 || !step) return;
  event.preventDefault();
  const next = names[(current + step + names.length) % names.length];
  $(`tab-${next}`).focus();
  attempt(() => selectTab(next));
});

// ---- signing in and out ------------------------------------------------------------

async function signIn(key) {
  const candidate = new ChatAPIClient(key, { baseURL: '/api/v1' });
  const me = await candidate.request('GET', '/clients/me');
  client = candidate;
  sessionStorage.setItem(KEY_STORE, key);
  // Out of the page as soon as it is accepted, not once the first tab has loaded.
  /** @type {HTMLInputElement} */ ($('master-key')).value = '';
  $('client-name').textContent = me.name;
  $('login-panel').classList.add('hidden');
  $('app').classList.remove('hidden');
  $('sign-out').classList.remove('hidden');
  loaded.clear();
  await selectTab('users');
}

function signOut() {
  stopLive();
  client = null;
  sessionStorage.removeItem(KEY_STORE);
  livePolls = [];
  openRoomId = null;
  usernames.clear();
  loaded.clear();
  for (const id of ['user-rows', 'room-rows', 'member-rows', 'message-list', 'event-rows', 'live-rows',
    'chart-messages', 'chart-active', 'chart-peak', 'chart-live-connections', 'chart-live-rate']) {
    $(id).replaceChildren();
  }
  $('room-detail').classList.add('hidden');
  $('client-name').textContent = '';
  $('app').classList.add('hidden');
  $('sign-out').classList.add('hidden');
  $('login-panel').classList.remove('hidden');
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('master-key'));
  const key = input.value.trim();
  attempt(() => signIn(key));
});

$('sign-out').addEventListener('click', () => {
  clearMessages();
  signOut();
});

const stored = sessionStorage.getItem(KEY_STORE);
if (stored) {
  attempt(() => signIn(stored).catch((err) => {
    // A key rotated or mistyped since: forget it, ask again.
    if (err instanceof ChatAPIError && err.status === 401) signOut();
    throw err;
  }));
}
