-- Deletes a user, its indexes and order entry, and revokes its live key.
-- KEYS[1] user record, KEYS[2] email index, KEYS[3] username index,
-- KEYS[4] client's user order, KEYS[5] live-key pointer
-- ARGV[1..3] revocation (see revoke.lua), ARGV[4] order member
-- Returns 1 if the user existed, else 0.
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[4])
revoke_live(KEYS[5])
return 1
