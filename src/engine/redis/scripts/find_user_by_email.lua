-- Reads a user through its client's email index, after taking a unit of the login's
-- rate bucket, in one round trip (gcra.lua is prepended).
-- KEYS[1] the email's index entry, KEYS[2] the bucket (when ARGV[3] > 0).
-- ARGV[1..2] head and tail of a user record key, ARGV[3] rate interval in ms (0: no
-- limit), ARGV[4] rate burst.
-- Returns gcra's four numbers, then, unless the bucket refused or the email is not
-- indexed, the user id and its JSON (missing if the user is gone meanwhile).
local rate = {1, 0, 0, 0}
local interval = tonumber(ARGV[3])
if interval > 0 then
  rate = gcra(KEYS[2], interval, tonumber(ARGV[4]))
  if rate[1] == 0 then
    return rate
  end
end
local id = redis.call('GET', KEYS[1])
if not id then
  return rate
end
return {rate[1], rate[2], rate[3], rate[4], id, redis.call('GET', ARGV[1] .. id .. ARGV[2])}
