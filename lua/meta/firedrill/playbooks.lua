---@meta firedrill.playbooks
-- lua/meta/firedrill/playbooks.lua: LuaCATS stubs of lua/firedrill/playbooks.lua,
-- for `local playbooks = require("firedrill.playbooks")`. Never run; see
-- lua/meta/firedrill.lua for why the error() is there.
error("lua/meta/firedrill/playbooks.lua holds editor stubs and must not be required")

---Responses people run, as functions a responder calls inside an alert
---handler or a timer. Each occupies the team with `act`/`diagnose`, waits
---in simulated time, branches on what it sees, notes what it does in the
---timeline, and returns whether it reached its goal. Options are checked
---before anything happens (unknown keys and the team's name too), at the
---caller's line; calling a playbook outside a handler or timer is an error.
---@class fd.playbooks
local playbooks = {}

---@class (exact) fd.playbooks.RollbackThenRepair
---@field service fd.Service The service whose release went bad.
---@field item fd.ConfigItem The item the release may have written.
---@field team fd.Team Who runs the playbook.
---@field verify? fd.Duration How long to wait for health after each step. Default `"12m"`.
---@field batch? integer Instances restarted at a time by the rollback. Default 2.
---@field takes? fd.Duration Time to prepare the rollback. Default `"5m"`.
---@field repair_takes? fd.Duration Time to design and apply the data repair. Default `"5m"`.

---Rolls the code back; if the service is still unhealthy after `verify`,
---diagnoses the item and, when it holds bad data, repairs it and waits
---again. Returns whether the service is healthy at the end.
---@async
---@param o fd.playbooks.RollbackThenRepair
---@return boolean healthy
function playbooks.rollback_then_repair(o) end

---@class (exact) fd.playbooks.RedirectRegion
---@field service fd.Service The service whose health in `region` decides.
---@field region fd.Region The region to drain.
---@field to fd.Region|fd.Region[] Where its traffic goes.
---@field team fd.Team Who runs the playbook.
---@field source? fd.Source Only this source. Default: every source.
---@field takes? fd.Duration Time to decide and issue the change. Default `"5m"`.
---@field break_glass? fd.Duration If the service is stalled in `region`, restart it by hand (bypassing its platform); the value is how long that takes.

---Moves a sick region's traffic to other regions (if the service is still
---unhealthy there), and with `break_glass` restarts a stalled service by
---hand. Returns whether traffic was redirected.
---@async
---@param o fd.playbooks.RedirectRegion
---@return boolean redirected
function playbooks.redirect_region(o) end

---@class (exact) fd.playbooks.ScaleForSurge
---@field service fd.Service The service to give room.
---@field max integer The new autoscaling ceiling per region (at least 1).
---@field team fd.Team Who runs the playbook.
---@field when? fd.Condition|fun(): boolean When to act: a condition on the service's metrics or a function. Default `"utilisation > 80%"`.
---@field region? fd.Region Default: every region.
---@field instances? integer Also scale to this many at once (at most `max`).
---@field takes? fd.Duration Time to get the capacity approved and applied. Default `"10m"`.
---@field limit? fd.Duration Give up waiting for `when` after this long. Default: never.

---Waits until `when` holds, occupies a responder for `takes`, then raises
---the autoscaling ceiling (and with `instances` scales at once). Returns
---whether it scaled.
---@async
---@param o fd.playbooks.ScaleForSurge
---@return boolean scaled
function playbooks.scale_for_surge(o) end

return playbooks
