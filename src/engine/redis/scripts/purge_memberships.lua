-- Removes a deleted user's memberships, a bounded chunk of its rooms per call (the
-- rooms delete_user.lua set aside); rooms.rs calls it until none is left.
-- KEYS[1] the user's rooms, as set aside
-- ARGV[1] user id, ARGV[2] rooms per call,
-- ARGV[3..4] head and tail of a room's members key, ARGV[5..6] of its member order,
-- ARGV[7..8] of its reads (each key is head .. room id .. tail; see keys.rs)
-- Returns how many rooms are left.
local rooms = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
for _, room in ipairs(rooms) do
  remove_membership(
    ARGV[3] .. room .. ARGV[4],
    ARGV[5] .. room .. ARGV[6],
    ARGV[7] .. room .. ARGV[8],
    KEYS[1], room, ARGV[1])
  -- A room deleted meanwhile has no membership to remove, which leaves it in the set.
  redis.call('ZREM', KEYS[1], room)
end
return redis.call('ZCARD', KEYS[1])
