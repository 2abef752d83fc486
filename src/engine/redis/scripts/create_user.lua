-- Creates a user with its first key, unless the email or username is taken.
-- KEYS[1] email index, KEYS[2] username index, KEYS[3] user record,
-- KEYS[4] client's user order (sorted set), KEYS[5] key record, KEYS[6] live-key pointer
-- ARGV[1] user id, ARGV[2] user JSON, ARGV[3] order member,
-- ARGV[4] key digest, ARGV[5] key record purge time (unix ms), ARGV[6..] key fields
-- Returns 'OK', 'EMAIL_TAKEN' or 'USERNAME_TAKEN'.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'EMAIL_TAKEN'
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'USERNAME_TAKEN'
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[4], 0, ARGV[3])
redis.call('HSET', KEYS[5], unpack(ARGV, 6))
redis.call('PEXPIREAT', KEYS[5], ARGV[5])
redis.call('SET', KEYS[6], ARGV[4])
return 'OK'
