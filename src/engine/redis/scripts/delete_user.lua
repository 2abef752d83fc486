-- Deletes a user, its indexes and order entry, its memberships, and revokes its live key.
-- KEYS[1] user record, KEYS[2] email index, KEYS[3] username index,
-- KEYS[4] client's user order, KEYS[5] live-key pointer, KEYS[6] user's rooms
-- ARGV[1..3] revocation (see revoke.lua), ARGV[4] order member, ARGV[5] user id,
-- ARGV[6..7] head and tail of a room's members key, ARGV[8..9] of its member order,
-- ARGV[10..11] of its reads (each key is head .. room id .. tail; see keys.rs)
-- Returns 1 if the user existed, else 0.
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[4])
revoke_live(KEYS[5])
for _, room in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
  remove_membership(
    ARGV[6] .. room .. ARGV[7],
    ARGV[8] .. room .. ARGV[9],
    ARGV[10] .. room .. ARGV[11],
    KEYS[6], room, ARGV[5])
end
redis.call('DEL', KEYS[6])
return 1
