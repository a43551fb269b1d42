-- A lease of tokens from one GCRA bucket shared by every replica, on Redis's own clock.
-- KEYS[1]: the bucket; its value is the theoretical arrival time (TAT), in microseconds of Redis's clock.
-- ARGV[1]: interval, microseconds for one token to come back (>= 1)
-- ARGV[2]: burst, the bucket's capacity in tokens (>= 1)
-- ARGV[3]: wanted, how many tokens the caller would like (>= 0)
-- Returns {granted, waitMicros}: granted is 0..wanted, as many as the bucket holds now; waitMicros is how
-- long until the bucket holds one more token (0 when it holds one now).
-- Redis's clock, not the replicas', so replicas whose clocks disagree still share one bucket. Microseconds
-- since the epoch (~1.8e15) are exact in Lua's doubles (up to 2^53), nanoseconds would not be.
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
  tat = now -- a bucket whose time has passed is full
end
local capacity = interval * burst
local held = math.floor((capacity - (tat - now)) / interval) -- tokens in the bucket now
local granted = math.max(0, math.min(wanted, held))
if granted > 0 then
  tat = tat + granted * interval
  -- Expires when it is full again: then it is the same as absent. '%.0f': tostring would write 1.8e+15.
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1)
end
local wait = tat + interval - capacity - now
if wait < 0 then
  wait = 0
end
return {granted, wait}
