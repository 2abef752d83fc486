-- Deletes a room with everything under it, and its entries in other records.
-- KEYS[1] room record, KEYS[2] members, KEYS[3] member order, KEYS[4] reads,
-- KEYS[5] messages, KEYS[6] room state, KEYS[7] client's room order
-- ARGV[1] room id, ARGV[2] room order member,
-- ARGV[3..4] head and tail of a user's rooms key, ARGV[5..6] of a message index entry
-- (each key is head .. id .. tail; see keys.rs)
-- Returns the ids of the members the room had (empty if it was gone).
-- client_msg_id keys are left to expire: nothing reads them once the room is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
local members = redis.call('HKEYS', KEYS[2])
for _, user in ipairs(members) do
  redis.call('ZREM', ARGV[3] .. user .. ARGV[4], ARGV[1])
end
for _, message in ipairs(redis.call('HVALS', KEYS[5])) do
  -- serde writes `id` first (records.rs tests it), so a pattern finds it without
  -- decoding the whole message; cjson is the fallback should that ever change.
  local id = string.match(message, '^{"id":"([^"]+)"') or cjson.decode(message)['id']
  redis.call('DEL', ARGV[5] .. id .. ARGV[6])
end
local pair = redis.call('HGET', KEYS[6], 'direct_pair')
if pair and redis.call('GET', pair) == ARGV[1] then
  redis.call('DEL', pair)
end
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return members
