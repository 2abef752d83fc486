-- Shared prelude of every script that removes a membership (prepended by `scripts.rs`).
--
-- remove_membership takes the room's members hash, member order and reads hash, the
-- user's rooms set, then the room id and user id. It finds the member's order entry
-- through the `order_key` its stored record carries (see `records.rs`), and removes
-- the member everywhere, read position included, so a later rejoin starts at 0.
-- Returns true if the user was a member.
local function remove_membership(members, order, reads, user_rooms, room, user)
  local record = redis.call('HGET', members, user)
  if not record then
    return false
  end
  redis.call('ZREM', order, cjson.decode(record)['order_key'])
  redis.call('HDEL', members, user)
  redis.call('HDEL', reads, user)
  redis.call('ZREM', user_rooms, room)
  return true
end
