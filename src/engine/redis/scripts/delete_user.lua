-- Deletes a user at once for every reader, revokes its live key, and sets its rooms
-- aside for purge_memberships.lua, which removes the memberships in bounded chunks,
-- so that no single call's work grows with the number of rooms the user is in.
-- KEYS[1] user record, KEYS[2] email index, KEYS[3] username index,
-- KEYS[4] client's user order, KEYS[5] live-key pointer, KEYS[6] user's rooms,
-- KEYS[7] where the user's rooms are set aside, KEYS[8] the shard's unfinished
-- deletions
-- ARGV[1..3] revocation (see revoke.lua), ARGV[4] order member, ARGV[5] the
-- deletion's entry there, ARGV[6] now (unix ms)
-- Returns 1 if the user existed, else 0. Once the record is gone no script adds a
-- membership for the user again (add_member.lua checks the record first).
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[4])
revoke_live(KEYS[5])
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('RENAME', KEYS[6], KEYS[7])
end
redis.call('ZADD', KEYS[8], ARGV[6], ARGV[5])
return 1
