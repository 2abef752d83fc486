-- Makes a new key its owner's live key and revokes the previous one, in one step.
-- KEYS[1] owner record (client or user JSON, with `is_active`)
-- KEYS[2] owner's live-key pointer
-- KEYS[3] the new key's record (hash)
-- ARGV[1..3] revocation (see revoke.lua)
-- ARGV[4] new key digest (hex)
-- ARGV[5] new record's purge time in unix ms, or '' to keep it until revoked
-- ARGV[6..] new record field/value pairs
-- Returns 'OK', 'GONE' (no owner) or 'DISABLED' (owner deactivated).
local owner = redis.call('GET', KEYS[1])
if not owner then
  return 'GONE'
end
if not cjson.decode(owner)['is_active'] then
  return 'DISABLED'
end
revoke_live(KEYS[2])
redis.call('HSET', KEYS[3], unpack(ARGV, 6))
if ARGV[5] ~= '' then
  redis.call('PEXPIREAT', KEYS[3], ARGV[5])
end
redis.call('SET', KEYS[2], ARGV[4])
return 'OK'
