-- Shared prelude of every script that revokes a key (prepended by `scripts.rs`).
-- Those scripts take the revocation as their first three arguments:
--   ARGV[1] key-record name prefix (`Keys::key_record_prefix`)
--   ARGV[2] revocation time, RFC 3339
--   ARGV[3] tombstone purge time, unix milliseconds
--
-- revoke_live marks the key that `pointer` names as revoked, keeps its record until
-- the purge time so a late use of it is still attributed, and clears the pointer.
-- Returns the revoked digest, or false when the owner had no live key.
local function revoke_live(pointer)
  local digest = redis.call('GET', pointer)
  if not digest then
    return false
  end
  local record = ARGV[1] .. digest
  if redis.call('EXISTS', record) == 1 then
    redis.call('HSET', record, 'revoked_at', ARGV[2])
    redis.call('PEXPIREAT', record, ARGV[3])
  end
  redis.call('DEL', pointer)
  return digest
end
