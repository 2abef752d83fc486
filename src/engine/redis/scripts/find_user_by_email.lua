-- Reads a user through its client's email index, in one round trip.
-- KEYS[1] the email's index entry; ARGV[1..2] head and tail of a user record key.
-- Returns {user id, user JSON}: the JSON is nil if the user is gone meanwhile, and
-- the whole reply is nil if the email is not indexed.
local id = redis.call('GET', KEYS[1])
if not id then
  return false
end
return {id, redis.call('GET', ARGV[1] .. id .. ARGV[2])}
