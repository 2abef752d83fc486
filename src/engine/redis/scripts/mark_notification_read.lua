-- Marks one entry of a user's inbox read, unless it is not in that inbox; a second
-- call keeps the first time.
-- KEYS[1] the user's inbox, KEYS[2] its unread set, KEYS[3] its read times.
-- ARGV[1] the entry's inbox key, ARGV[2] the notification id, ARGV[3] now (RFC 3339).
-- Returns the time it was read, or false if the entry is not in the inbox.
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return false
end
redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HGET', KEYS[3], ARGV[2])
