// What the browser scenarios share: the browser to launch, a bounded REST call for
// the setup, and named, bounded steps and waits.

export const BASE = (process.env.CHATAPI_URL || '').replace(/\/+$/, '');
export const TIMEOUT = 10_000;
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// REST call with a timeout; throws with the contract's error body on failure.
export async function rest(method, path, key, body, base = BASE) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT),
  }).catch((err) => { throw new Error(`${method} ${path}: ${err.cause?.code || err.cause?.message || err.message}`); });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

// Names each step, so a failure says where it happened.
export async function step(name, fn) {
  try { return await fn(); } catch (err) {
    throw new Error(`${name}: ${err.message.split('\n')[0]}`);
  }
}

// Waits until the element matching `sel` has text containing `text`.
export function waitText(page, sel, text) {
  return page.waitForFunction(([s, t]) => (document.querySelector(s)?.textContent || '').includes(t),
    [sel, text], { timeout: TIMEOUT });
}

// A tag unique to one run, for names that must not collide.
export const uniqueTag = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
