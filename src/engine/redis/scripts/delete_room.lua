-- Deletes a room at once for every reader, and sets aside what must be removed entry
-- by entry, so that no single call's work grows with the room (rooms.rs then removes
-- it in bounded chunks).
-- KEYS[1] room record, KEYS[2] members, KEYS[3] member order, KEYS[4] reads,
-- KEYS[5] messages, KEYS[6] room state, KEYS[7] client's room order,
-- KEYS[8] where the members are set aside, KEYS[9] where the messages are,
-- KEYS[10] the shard's unfinished deletions
-- ARGV[1] room id, ARGV[2] room order member, ARGV[3] now (unix ms)
-- Returns {last seq} (the messages are numbered 1..=last), or {} if the room was gone.
-- RENAME moves a key whatever its size in O(1), and UNLINK frees it in the background:
-- nothing here walks the room's entries. Once the record is gone, no script writes
-- under the room again (each checks the record or the members hash first).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
-- `seq` is the field append_message.lua numbers with.
local last = tonumber(redis.call('HGET', KEYS[6], 'seq') or '0')
local pair = redis.call('HGET', KEYS[6], 'direct_pair')
if pair and redis.call('GET', pair) == ARGV[1] then
  redis.call('DEL', pair)
end
redis.call('ZREM', KEYS[7], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RENAME', KEYS[2], KEYS[8])
end
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('RENAME', KEYS[5], KEYS[9])
end
redis.call('UNLINK', KEYS[1], KEYS[3], KEYS[4], KEYS[6])
-- Until rooms.rs has removed every chunk, so that another node can finish it.
redis.call('ZADD', KEYS[10], ARGV[3], 'room:' .. ARGV[1] .. ':' .. last)
return {last}
