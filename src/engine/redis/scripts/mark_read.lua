-- Moves a member's read position forward (never back).
-- KEYS[1] room's members, KEYS[2] reads
-- ARGV[1] user id, ARGV[2] seq as canonical decimal text
-- Returns the position after the call as decimal text, or nil if not a member.
-- Positions are compared as text (longer is larger, then lexically), which is exact
-- for every u64; Lua numbers are doubles and are not.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return false
end
local current = redis.call('HGET', KEYS[2], ARGV[1]) or '0'
local seq = ARGV[2]
if #seq > #current or (#seq == #current and seq > current) then
  redis.call('HSET', KEYS[2], ARGV[1], seq)
  return seq
end
return current
