-- Creates the direct room of a pair of users unless the pair has a live one already.
-- KEYS[1] pair key, KEYS[2] room record, KEYS[3] client's room order,
-- KEYS[4] room's members, KEYS[5] member order, KEYS[6] room state,
-- KEYS[7] first user's rooms, KEYS[8] second user's rooms
-- ARGV[1] room id, ARGV[2] room JSON, ARGV[3] room order member,
-- ARGV[4..5] head and tail of a room record key (to check the pair's room; see keys.rs),
-- ARGV[6..8] first user id, membership JSON, order member; ARGV[9..11] the second's
-- Returns the pair's room id: the existing one, or ARGV[1] if this call made it.
local existing = redis.call('GET', KEYS[1])
if existing and redis.call('EXISTS', ARGV[4] .. existing .. ARGV[5]) == 1 then
  return existing
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[3])
redis.call('HSET', KEYS[4], ARGV[6], ARGV[7], ARGV[9], ARGV[10])
redis.call('ZADD', KEYS[5], 0, ARGV[8], 0, ARGV[11])
redis.call('HSET', KEYS[6], 'direct_pair', KEYS[1])
redis.call('ZADD', KEYS[7], 0, ARGV[1])
redis.call('ZADD', KEYS[8], 0, ARGV[1])
return ARGV[1]
