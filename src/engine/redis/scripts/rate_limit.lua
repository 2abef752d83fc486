-- Takes one unit from a rate-limit bucket (gcra.lua is prepended).
-- KEYS[1] the bucket; ARGV[1] interval in ms, ARGV[2] burst.
-- Returns gcra's {allowed, remaining, retry_after_ms, reset_ms}.
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
