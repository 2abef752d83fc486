-- Claims the head of a webhook's outbox for one node, if it is due and no other
-- node holds the lease.
-- KEYS[1] outbox, KEYS[2] head state, KEYS[3] lease, KEYS[4] pending set.
-- ARGV[1] node, ARGV[2] lease ms, ARGV[3] now ms, ARGV[4] webhook id.
-- Returns {entry, attempts, due_ms}, or false.
local entry = redis.call('LINDEX', KEYS[1], 0)
if not entry then
  redis.call('SREM', KEYS[4], ARGV[4])
  return false
end
local due = tonumber(redis.call('HGET', KEYS[2], 'due_ms') or '0')
if due > tonumber(ARGV[3]) then
  return false
end
if not redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2], 'NX') then
  return false
end
return {entry, redis.call('HGET', KEYS[2], 'attempts') or '0', tostring(due)}
