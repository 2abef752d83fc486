// Each marked line misuses chatapi.d.ts; types.test.mjs expects tsc to name them all.
import { ChatAPIClient } from '../../../static/chatapi.js';

export async function misuses(): Promise<void> {
  const client = new ChatAPIClient('ck_live_x');
  await client.createUser({ email: 'a@example.com' }); // line 6: no username
  const socket = client.connect('sk_user_x');
  socket.on('closed', (data) => data.missing); // line 8: closed has {code, reason}
  // A message needs its room.
  await client.sendMessage('sk_user_x', { content: 'hi' }); // line 10
  socket.close();
}
