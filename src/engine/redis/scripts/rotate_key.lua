-- Makes a new key its owner's live key and revokes the previous one, records the
-- rotation's security event and webhook event, and tells every node on the control
-- channel, in one step (outbox.lua is prepended). PUBLISH names no key, so it is
-- allowed in any slot, and Redis Cluster carries it to every node.
-- KEYS[1] owner record (client or user JSON, with `is_active`)
-- KEYS[2] owner's live-key pointer
-- KEYS[3] the new key's record (hash)
-- KEYS[4] the client's security-event stream, KEYS[5] its webhook hash,
-- KEYS[6] the pending-webhooks set
-- ARGV[1..3] revocation (see revoke.lua)
-- ARGV[4] new key digest (hex)
-- ARGV[5] new record's purge time in unix ms, or '' to keep it until revoked
-- ARGV[6] the event stream's horizon (unix ms: older entries may go), ARGV[7] the
-- stream entry's field, ARGV[8] the security event JSON
-- ARGV[9..10] head and tail of a webhook's outbox key, ARGV[11] the webhook event's
-- name ('' for none), ARGV[12] its outbox entry
-- ARGV[13] the control channel, ARGV[14] the notice published on it
-- ARGV[15..] new record field/value pairs
-- Returns {'OK', the revoked digest or ''}, {'GONE'} (no owner) or {'DISABLED'} (owner
-- deactivated).
local owner = redis.call('GET', KEYS[1])
if not owner then
  return {'GONE'}
end
if not cjson.decode(owner)['is_active'] then
  return {'DISABLED'}
end
local revoked = revoke_live(KEYS[2]) or ''
redis.call('HSET', KEYS[3], unpack(ARGV, 15))
if ARGV[5] ~= '' then
  redis.call('PEXPIREAT', KEYS[3], ARGV[5])
end
redis.call('SET', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[4], 'MINID', '~', ARGV[6], '*', ARGV[7], ARGV[8])
if ARGV[11] ~= '' then
  enqueue(KEYS[5], ARGV[9], ARGV[10], KEYS[6], ARGV[11], ARGV[12])
end
redis.call('PUBLISH', ARGV[13], ARGV[14])
return {'OK', revoked}
