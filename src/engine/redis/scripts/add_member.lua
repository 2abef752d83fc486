-- Adds a member to a room unless it is gone, the user is gone or in already, or the
-- room is full. Checking the user here closes the race with a concurrent deletion.
-- KEYS[1] room record, KEYS[2] room's members, KEYS[3] member order, KEYS[4] user's rooms,
-- KEYS[5] user record, KEYS[6] room state
-- ARGV[1] user id, ARGV[2] membership JSON (with its order key), ARGV[3] order member,
-- ARGV[4] room id, ARGV[5] max members
-- Returns {'ADDED', the room's last seq}, {'GONE'}, {'USER_GONE'}, {'MEMBER'} or
-- {'FULL'}. The seq is read in this same step: every later message is the member's.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'GONE'}
end
if redis.call('EXISTS', KEYS[5]) == 0 then
  return {'USER_GONE'}
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return {'MEMBER'}
end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  return {'FULL'}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[3])
redis.call('ZADD', KEYS[4], 0, ARGV[4])
return {'ADDED', redis.call('HGET', KEYS[6], 'seq') or '0'}
