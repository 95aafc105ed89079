"""Redis counters: the same sliding-window estimate, checked and added atomically in one Lua call,
so several gateway processes share one limit."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from bastion.counters.base import WINDOW_S, Limit, Outcome, estimate, retry_after, window_index

# KEYS: for each limit, its previous-window key then its current-window key.
# ARGV: now, window, then for each limit its cost and its limit.
# Returns {1} when all fit (costs added), or {0, i, prev, curr} for the first refusing limit i (1-based).
_CHECK_AND_ADD = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = now % window
local n = #KEYS / 2
local counts = {}
for i = 1, n do
  local prev = tonumber(redis.call('GET', KEYS[2*i-1]) or '0')
  local curr = tonumber(redis.call('GET', KEYS[2*i]) or '0')
  local cost = tonumber(ARGV[1 + 2*i])
  local limit = tonumber(ARGV[2 + 2*i])
  if prev * (1 - elapsed / window) + curr + cost > limit then
    return {0, i, tostring(prev), tostring(curr)}
  end
  counts[i] = cost
end
local ttl = math.ceil(window * 2)
for i = 1, n do
  if counts[i] > 0 then
    redis.call('INCRBY', KEYS[2*i], counts[i])
  end
  redis.call('EXPIRE', KEYS[2*i], ttl)
end
return {1}
"""


class RedisCounters:
    def __init__(self, url: str, prefix: str = "bastion:rl", window: float = WINDOW_S) -> None:
        self.client = aioredis.from_url(url)
        self.prefix = prefix
        self.window = window
        self._script = self.client.register_script(_CHECK_AND_ADD)

    def _keys(self, key: str, now: float) -> tuple[str, str]:
        idx = window_index(now, self.window)
        return f"{self.prefix}:{key}:{idx - 1}", f"{self.prefix}:{key}:{idx}"

    async def check_and_add(self, limits: Sequence[Limit], now: float) -> Outcome:
        keys: list[str] = []
        args: list[float | int] = [now, self.window]
        for lim in limits:
            keys.extend(self._keys(lim.key, now))
            args.extend((lim.cost, lim.limit))
        res = await self._script(keys=keys, args=args)
        if int(res[0]) == 1:
            return Outcome(True)
        lim = limits[int(res[1]) - 1]
        prev, curr = float(res[2]), float(res[3])
        return Outcome(False, lim.key, estimate(prev, curr, now, self.window),
                       retry_after(prev, curr, lim.cost, lim.limit, now, self.window))

    async def add(self, key: str, amount: int, now: float) -> None:
        _, curr = self._keys(key, now)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incrby(curr, amount)
            pipe.expire(curr, int(self.window * 2))
            await pipe.execute()

    async def close(self) -> None:
        await self.client.aclose()
