-- Compare-and-set of one stored message.
-- KEYS[1] room's messages
-- ARGV[1] seq, ARGV[2] the JSON the message must still hold, ARGV[3] new JSON
-- Returns 'OK' or 'STALE' (changed or gone since read).
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 'STALE'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 'OK'
