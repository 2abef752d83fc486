-- Revokes a user's live key.
-- KEYS[1] live-key pointer
-- ARGV[1..3] revocation (see revoke.lua)
-- ARGV[4] the digest the pointer must hold, or '' for whatever it holds
-- Returns 1 if a key was revoked, else 0.
if ARGV[4] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[4] then
  return 0
end
if revoke_live(KEYS[1]) then
  return 1
end
return 0
