-- Takes one node's report on one client: keeps it as the node's live load, adds
-- what the node delivered to the hour's counters, and raises the hour's peak to the
-- client's connections over every node whose report is still live (dropping those
-- that are not).
-- KEYS[1] the client's live-load hash, KEYS[2] its usage hash of this hour.
-- ARGV[1] node name, ARGV[2] "{connections}|{per second}|{at ms}|{until ms}",
-- ARGV[3] now (unix ms), ARGV[4] frames delivered, ARGV[5] usage lifetime (s),
-- ARGV[6] live-load lifetime (ms).
-- Returns the client's connections over the live nodes.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
local now = tonumber(ARGV[3])
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local connections, until_ms = string.match(all[i + 1], '^(%d+)|[^|]*|%d+|(%d+)$')
  if until_ms and tonumber(until_ms) > now then
    total = total + tonumber(connections)
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
if tonumber(ARGV[4]) > 0 then
  redis.call('HINCRBY', KEYS[2], 'messages_delivered', ARGV[4])
end
local peak = tonumber(redis.call('HGET', KEYS[2], 'peak_connections') or '0')
if total > peak then
  redis.call('HSET', KEYS[2], 'peak_connections', total)
end
redis.call('EXPIRE', KEYS[2], ARGV[5])
return total
