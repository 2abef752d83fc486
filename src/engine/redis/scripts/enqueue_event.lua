-- Puts one event into the matching outboxes (outbox.lua is prepended).
-- KEYS[1] the client's webhook hash, KEYS[2] the pending set.
-- ARGV[1..2] outbox key head and tail, ARGV[3] event name, ARGV[4] the entry.
enqueue(KEYS[1], ARGV[1], ARGV[2], KEYS[2], ARGV[3], ARGV[4])
return 1
