-- Prelude: puts an event into the outbox of each of a client's active webhooks whose
-- filter names it, and marks those outboxes pending.
-- hooks: the client's webhook hash (id -> '*' or ',name,name,'); head/tail: the
-- outbox key around a webhook id; pending: the set of pending webhooks.
local function enqueue(hooks, head, tail, pending, event, entry)
  local all = redis.call('HGETALL', hooks)
  for i = 1, #all, 2 do
    local filter = all[i + 1]
    if filter == '*' or string.find(filter, ',' .. event .. ',', 1, true) then
      redis.call('RPUSH', head .. all[i] .. tail, entry)
      redis.call('SADD', pending, all[i])
    end
  end
end
