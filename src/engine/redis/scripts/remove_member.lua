-- Removes one member from a room (see membership.lua).
-- KEYS[1] room's members, KEYS[2] member order, KEYS[3] reads, KEYS[4] user's rooms
-- ARGV[1] room id, ARGV[2] user id
-- Returns 1 if the user was a member, else 0.
if remove_membership(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2]) then
  return 1
end
return 0
