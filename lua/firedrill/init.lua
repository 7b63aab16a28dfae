-- firedrill: the prelude every scenario runs in.
--
-- The C engine provides the mechanisms (faults, responses, observation,
-- timers); this library adds the recipes people reach for, written against
-- the same public functions a scenario uses: waiting on a condition, staged
-- deploys and rollbacks, configuration repair, and expectations.

local expect = require("firedrill.expect")
local deploy = require("firedrill.deploy")

---Waits until `cond()` is true, checking once per metrics interval.
---Returns true when it became true, false when `limit` passed first.
function wait_until(cond, limit, poll)
  local deadline = limit and (now() + seconds(limit)) or math.huge
  local step = seconds(poll or "10s")
  while not cond() do
    -- Within a microsecond of the deadline is the deadline: now() is a float
    -- of nanoseconds, and a wait shorter than a nanosecond is no wait at all.
    if now() >= deadline - 1e-6 then return false end
    local left = deadline - now()
    wait(left < step and left or step)
  end
  return true
end

_G.expect = expect
_G.deploy = deploy.deploy
_G.rollback = deploy.rollback
_G.repair_config = deploy.repair_config
