-- Logs an attempt and settles the outbox's head, if the node still holds the lease.
-- KEYS[1] outbox, KEYS[2] head state, KEYS[3] lease, KEYS[4] deliveries stream.
-- ARGV[1] node, ARGV[2] delivery JSON, ARGV[3] '1' done / '0' retry,
-- ARGV[4] attempts so far, ARGV[5] due ms of the retry, ARGV[6] log length.
-- Returns the log entry's id, or false if the lease was not this node's.
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return false
end
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', 'd', ARGV[2])
if ARGV[3] == '1' then
  redis.call('LPOP', KEYS[1])
  redis.call('DEL', KEYS[2])
else
  redis.call('HSET', KEYS[2], 'attempts', ARGV[4], 'due_ms', ARGV[5])
end
redis.call('DEL', KEYS[3])
return id
