// Written against chatapi.d.ts: every call of the client's surface, typed.
import { ChatAPIClient, ChatAPIError, type Message } from '../../../static/chatapi.js';

export async function uses(): Promise<number> {
  const registration = await ChatAPIClient.register({ name: 'app' }, { baseURL: '/api/v1', adminToken: 'x'.repeat(16) });
  const client = new ChatAPIClient(registration.master_api_key, { baseURL: '/api/v1' });
  const user = await client.createUser({ email: 'a@example.com', username: 'abc', full_name: 'A' });
  const login = await client.loginUser(user.email);
  const sent: Message = await client.sendMessage(login.scoped_api_key, { room_id: 'r', content: 'hi', message_type: 'text' });
  const page = await client.request<{ data: Message[] }>('GET', '/rooms/r/messages', { key: login.scoped_api_key, query: { after_seq: 0, cursor: null } });
  const socket = client.connect(login.scoped_api_key, { lastSeq: { r: sent.seq }, reconnect: { initialDelay: 100 } });
  const onMessage = (message: Message) => message.seq;
  socket.on('message.new', onMessage).off('message.new', onMessage);
  socket.on('closed', ({ code }) => code);
  socket.on('reconnecting', ({ attempt, delay }) => attempt + delay);
  const ready = await socket.ready;
  const ack = await socket.send('message.send', { room_id: ready.rooms[0]?.room_id ?? 'r', content: 'x' });
  try {
    await socket.send('typing', { room_id: 'r', is_typing: true });
  } catch (err) {
    if (err instanceof ChatAPIError) return (err.retryAfter ?? 0) + err.status + err.errors.length + (err.code?.length ?? 0);
  }
  socket.close();
  return ack.seq + page.data.length + socket.lastSeq.r;
}
