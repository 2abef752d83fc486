// Types for chatapi.js, the ChatAPI JavaScript client (served at /chatapi.d.ts).
// Shapes follow API.md; fields the server may add later are allowed.

export declare const DEFAULT_BASE_URL: string;

/** One failing field of a 422 `VALIDATION_ERROR`. */
export interface FieldError {
  field: string;
  message: string;
}

/** The documented error body. */
export interface ErrorBody {
  detail?: string;
  error_code?: string;
  status_code?: number;
  errors?: FieldError[];
}

/** Codes of failures on the client's side (`status` 0). */
export type ClientErrorCode = 'NETWORK_ERROR' | 'CONNECTION_LOST' | 'CLOSED';

export declare class ChatAPIError extends Error {
  constructor(status: number, body?: ErrorBody, retryAfter?: number | null, options?: { cause?: unknown });
  /** HTTP status (`status_code`), or 0 when no answer came. */
  readonly status: number;
  /** `error_code`, e.g. `RATE_LIMIT_EXCEEDED`, or a `ClientErrorCode`. */
  readonly code: string | null;
  readonly detail: string;
  readonly errors: FieldError[];
  /** Seconds from `Retry-After`, when the answer had it. */
  readonly retryAfter: number | null;
}

export interface ClientOptions {
  /** The API root (default `http://localhost:8000/api/v1`); relative in a browser. */
  baseURL?: string;
  /** The WebSocket class `connect` uses (default `globalThis.WebSocket`). */
  WebSocket?: typeof WebSocket | (new (url: string) => WebSocketLike);
}

/** What the client uses of a WebSocket: the browser's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RequestOptions {
  /** Bearer key: the master key when left out, none when `null`. */
  key?: string | null;
  /** Sent as JSON. */
  body?: unknown;
  /** Appended as a query string; `null`/`undefined` values are left out. */
  query?: Record<string, string | number | boolean | null | undefined>;
}

export interface ReconnectOptions {
  /** Milliseconds before the first retry (500). */
  initialDelay?: number;
  /** Longest wait between retries (30000). */
  maxDelay?: number;
}

export interface ConnectOptions {
  /** Per room id, the last `seq` already held: the socket syncs from there. */
  lastSeq?: Record<string, number>;
  /** Backoff settings, or `false` to never reconnect. */
  reconnect?: ReconnectOptions | false;
}

export interface Registration {
  id: string;
  name: string;
  description: string | null;
  master_api_key: string;
  is_active: boolean;
  created_at: string;
  [field: string]: unknown;
}

export interface User {
  id: string;
  email: string;
  username: string;
  full_name: string | null;
  metadata: Record<string, unknown>;
  is_active: boolean;
  created_at: string;
  [field: string]: unknown;
}

export interface CreatedUser extends User {
  scoped_api_key: string;
  expires_at: string;
}

export interface Login {
  user: User;
  scoped_api_key: string;
  expires_at: string;
}

export interface NewUser {
  email: string;
  username: string;
  full_name?: string;
  metadata?: Record<string, unknown>;
}

export interface NewMessage {
  room_id: string;
  content: string;
  message_type?: 'text' | 'image' | 'file' | 'system' | 'custom';
  metadata?: Record<string, unknown>;
  reply_to?: string;
  client_msg_id?: string;
}

export interface Message {
  id: string;
  room_id: string;
  seq: number;
  sender_id: string | null;
  content: string;
  message_type: string;
  metadata: Record<string, unknown>;
  reply_to: string | null;
  reactions: Record<string, number>;
  client_msg_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  [field: string]: unknown;
}

export declare class ChatAPIClient {
  /** `POST /clients`; `adminToken` only when the node sets `CHATAPI_ADMIN_TOKEN`. */
  static register(
    app: { name: string; description?: string },
    options?: { baseURL?: string; adminToken?: string },
  ): Promise<Registration>;
  constructor(masterKey: string | null, options?: ClientOptions);
  readonly masterKey: string | null;
  readonly baseURL: string;
  createUser(userData: NewUser): Promise<CreatedUser>;
  loginUser(email: string): Promise<Login>;
  sendMessage(userKey: string, messageData: NewMessage): Promise<Message>;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<T>;
  connect(userKey: string, options?: ConnectOptions): ChatSocket;
}

export interface ReadyData {
  user: User;
  rooms: Array<{ room_id: string; last_seq: number }>;
}

/** The `data` of each server frame type and socket event. */
export interface SocketEvents {
  ready: ReadyData;
  'message.new': Message;
  'message.updated': Message;
  'message.deleted': { id: string; room_id: string; seq: number; deleted_at: string };
  'reaction.updated': { message_id: string; room_id: string; reactions: Record<string, number> };
  typing: { room_id: string; user_id: string; is_typing: boolean };
  read: { room_id: string; user_id: string; seq: number };
  presence: { room_id: string; user_id: string; online: boolean };
  'member.joined': { room_id: string; user_id: string };
  'member.left': { room_id: string; user_id: string };
  'room.updated': Record<string, unknown>;
  'room.deleted': Record<string, unknown>;
  notification: Record<string, unknown>;
  pong: Record<string, unknown>;
  /** An `error` frame that answers no request of this socket. */
  error: ChatAPIError;
  /** The connection dropped; the next try comes after `delay` ms. */
  reconnecting: { attempt: number; delay: number; code: number };
  /** Closed for good: a dead key (4001/4002/4003), `close()` (1000), or no reconnect. */
  closed: { code: number; reason: string };
}

export declare class ChatSocket {
  /** The first `ready`; rejects with `ChatAPIError` if closed for good before it. */
  readonly ready: Promise<ReadyData>;
  /** Per room id, the last `seq` handed to `message.new` handlers. */
  readonly lastSeq: Record<string, number>;
  on<K extends keyof SocketEvents>(type: K, handler: (data: SocketEvents[K], frame?: object) => void): this;
  on(type: string, handler: (data: any, frame?: object) => void): this;
  off<K extends keyof SocketEvents>(type: K, handler: (data: SocketEvents[K], frame?: object) => void): this;
  off(type: string, handler: (data: any, frame?: object) => void): this;
  /** Resolves with the `ack` data; rejects with `ChatAPIError`. */
  send(type: 'message.send', data: NewMessage): Promise<Message>;
  send(type: string, data?: object): Promise<any>;
  close(): void;
}
