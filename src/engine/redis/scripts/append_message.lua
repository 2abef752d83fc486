-- Appends a message with the room's next seq, unless its client_msg_id was seen.
-- KEYS[1] room record, KEYS[2] room state, KEYS[3] room's messages,
-- KEYS[4] message index entry, KEYS[5] client_msg_id key (absent without one)
-- ARGV[1] message JSON (seq 0: the hash field is the seq), ARGV[2] created_at (RFC 3339),
-- ARGV[3] room id, ARGV[4] idempotency window in milliseconds,
-- ARGV[5] the room's pub/sub channel
-- Returns {'NEW', seq}, {'DUPLICATE', seq, original JSON} or {'GONE'} (no room).
-- A new message is announced on the room's channel as {"seq": N} in this same script,
-- so other nodes hear of seqs in exactly the order they were given.
-- The seq comes from HINCRBY inside this one script, so concurrent appends get
-- 1, 2, 3… with no gap and no repeat.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'GONE'}
end
local cmid = KEYS[5]
if cmid then
  local seen = redis.call('GET', cmid)
  if seen then
    local original = redis.call('HGET', KEYS[3], seen)
    if original then
      return {'DUPLICATE', seen, original}
    end
  end
end
local seq = string.format('%d', redis.call('HINCRBY', KEYS[2], 'seq', 1))
redis.call('HSET', KEYS[3], seq, ARGV[1])
redis.call('HSET', KEYS[2], 'last_message_at', ARGV[2])
if cmid then
  redis.call('SET', cmid, seq, 'PX', ARGV[4])
end
redis.call('SET', KEYS[4], ARGV[3] .. ':' .. seq)
redis.call('PUBLISH', ARGV[5], '{"seq":' .. seq .. '}')
return {'NEW', seq}
