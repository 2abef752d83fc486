-- The GCRA rate-limit rule, the same as engine/rules/rate.rs, line for line.
-- gcra(key, interval_ms, burst) takes one unit from the bucket at `key` if it has
-- one, with Redis's own clock (one clock for every node), and returns
-- {allowed (1|0), remaining, retry_after_ms, reset_ms}. The key holds the bucket's
-- theoretical arrival time in ms and expires when the bucket is full again.
local function gcra(key, interval, burst)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local window = interval * burst
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then
    tat = now
  end
  local next = tat + interval
  local allowed_at = next - window
  if now < allowed_at then
    return {0, 0, allowed_at - now, tat - now}
  end
  local used = next - now
  redis.call('SET', key, string.format('%d', next), 'PX', used)
  return {1, math.floor((window - used) / interval), 0, used}
end
