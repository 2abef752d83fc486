-- Appends a message with the room's next seq, unless its sender may not post there,
-- already sent its client_msg_id in this room, or its rate limit refuses it (gcra.lua
-- is prepended), all in one round trip: the whole send.
-- KEYS[1] room record, KEYS[2] room state, KEYS[3] room's messages,
-- KEYS[4] message index entry, KEYS[5] room's members, KEYS[6] the pending-webhooks
-- set, then the sender's rate bucket (when ARGV[6] > 0), then the (room, sender,
-- client_msg_id) key (when there is one).
-- ARGV[1] message JSON (seq 0: the hash field is the seq), ARGV[2] created_at (RFC 3339),
-- ARGV[3] room id, ARGV[4] idempotency window in milliseconds,
-- ARGV[5] the room's pub/sub channel, ARGV[6] rate interval in ms (0: no limit),
-- ARGV[7] rate burst, ARGV[8..9] head and tail of the client's usage hash of this
-- hour, ARGV[10..11] the same of its active-users set, ARGV[12] their lifetime in
-- seconds, ARGV[13] the sender's id ('' for a system message), ARGV[14..15] head
-- and tail of the client's webhook hash, ARGV[16..17] of a webhook's outbox
-- (outbox.lua is prepended: message.created goes into the outboxes here, so they hold
-- a room's messages in seq order).
-- Returns {'NEW', seq, rate...}, {'DUPLICATE', seq, original JSON},
-- {'LIMITED', rate...}, {'GONE'} (no room), {'NOT_MEMBER'} (the sender is not one)
-- or {'NOT_PERMITTED'} (a channel, and the sender neither its owner nor an admin);
-- rate... is gcra's four numbers.
-- A new message is announced on the room's channel as {"seq": N, "message": JSON} in
-- this same script, so other nodes hear of seqs in exactly the order they were given,
-- and deliver from the notice without reading the store (they read it for a gap).
-- The JSON is ARGV[1], whose seq is 0: the notice's seq is the message's.
-- The seq comes from HINCRBY inside this one script, so concurrent appends get
-- 1, 2, 3… with no gap and no repeat.
-- What a send needs of the room (its client and type, which never change) is kept in
-- its state hash, so only a room's first send decodes the record. delete_room.lua
-- removes the state with the record, so these fields also say the room exists.
local room = {}
room.client_id, room.room_type = unpack(redis.call('HMGET', KEYS[2], 'client_id', 'room_type'))
if not room.client_id then
  local stored_room = redis.call('GET', KEYS[1])
  if not stored_room then
    return {'GONE'}
  end
  room = cjson.decode(stored_room)
  redis.call('HSET', KEYS[2], 'client_id', room.client_id, 'room_type', room.room_type)
end
if ARGV[13] ~= '' then
  if room.room_type ~= 'channel' then
    if redis.call('HEXISTS', KEYS[5], ARGV[13]) == 0 then
      return {'NOT_MEMBER'}
    end
  else
    local membership = redis.call('HGET', KEYS[5], ARGV[13])
    if not membership then
      return {'NOT_MEMBER'}
    end
    local role = cjson.decode(membership).role
    if role ~= 'owner' and role ~= 'admin' then
      return {'NOT_PERMITTED'}
    end
  end
end
local interval = tonumber(ARGV[6])
local next_key = 7
local bucket = nil
if interval > 0 then
  bucket = KEYS[next_key]
  next_key = next_key + 1
end
local cmid = KEYS[next_key]
if cmid then
  local seen = redis.call('GET', cmid)
  if seen then
    local original = redis.call('HGET', KEYS[3], seen)
    if original then
      return {'DUPLICATE', seen, original}
    end
  end
end
local rate = {1, 0, 0, 0}
if bucket then
  rate = gcra(bucket, interval, tonumber(ARGV[7]))
  if rate[1] == 0 then
    return {'LIMITED', rate[1], rate[2], rate[3], rate[4]}
  end
end
local seq = string.format('%d', redis.call('HINCRBY', KEYS[2], 'seq', 1))
redis.call('HSET', KEYS[3], seq, ARGV[1])
redis.call('HSET', KEYS[2], 'last_message_at', ARGV[2])
if cmid then
  redis.call('SET', cmid, seq, 'PX', ARGV[4])
end
redis.call('SET', KEYS[4], ARGV[3] .. ':' .. seq)
-- The client's analytics are counted here, so the send costs no extra round trip.
local client = room.client_id
-- Each is given its lifetime when it is made (every writer of the usage hash sets it).
local usage = ARGV[8] .. client .. ARGV[9]
if redis.call('HINCRBY', usage, 'messages_sent', 1) == 1 then
  redis.call('EXPIRE', usage, ARGV[12])
end
if ARGV[13] ~= '' then
  local active = ARGV[10] .. client .. ARGV[11]
  if redis.call('SADD', active, ARGV[13]) == 1 then
    redis.call('EXPIRE', active, ARGV[12])
  end
end
enqueue(ARGV[14] .. client .. ARGV[15], ARGV[16], ARGV[17], KEYS[6],
  'message.created', 'M|' .. seq .. '|' .. ARGV[1])
redis.call('PUBLISH', ARGV[5], '{"seq":' .. seq .. ',"message":' .. ARGV[1] .. '}')
return {'NEW', seq, rate[1], rate[2], rate[3], rate[4]}
