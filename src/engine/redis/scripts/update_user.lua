-- Compare-and-set of a user record, moving the username index with it.
-- KEYS[1] user record, KEYS[2] current username index, KEYS[3] new username index,
-- KEYS[4] live-key pointer
-- ARGV[1..3] revocation (see revoke.lua)
-- ARGV[4] the JSON the record must still hold, ARGV[5] new JSON, ARGV[6] user id,
-- ARGV[7] '1' to revoke the live key (deactivation)
-- Returns 'OK', 'STALE' (changed or gone since read) or 'USERNAME_TAKEN'.
if redis.call('GET', KEYS[1]) ~= ARGV[4] then
  return 'STALE'
end
if KEYS[2] ~= KEYS[3] then
  if redis.call('EXISTS', KEYS[3]) == 1 then
    return 'USERNAME_TAKEN'
  end
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[3], ARGV[6])
end
redis.call('SET', KEYS[1], ARGV[5])
if ARGV[7] == '1' then
  revoke_live(KEYS[4])
end
return 'OK'
