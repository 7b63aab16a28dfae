---@meta firedrill.patterns
-- lua/meta/firedrill/patterns.lua: LuaCATS stubs of lua/firedrill/patterns.lua,
-- so that `local patterns = require("firedrill.patterns")` completes and
-- type-checks in an editor whose LuaLS library is lua/meta/ (see
-- docs/scenarios.md, "Editor support"). `---@meta firedrill.patterns` names
-- the module this file stands for.
--
-- Never run: it is embedded in the binary like every lua/**/*.lua (as
-- "meta.firedrill.patterns"), and the error() below stops a require before
-- anything happens. See lua/meta/firedrill.lua.
error("lua/meta/firedrill/patterns.lua holds editor stubs and must not be required")

---Well-known outage patterns. Each schedules the TRIGGER of a pattern and
---nothing else; what follows is the topology's doing. Options are checked
---when the pattern is called (unknown keys too), at the caller's line.
---`at` takes what `at()` takes and may be left out to start at once.
---@class fd.patterns
local patterns = {}

---@class (exact) fd.patterns.CascadingStorageFailure
---@field storage fd.Service The storage tier that hangs.
---@field at? fd.When When it starts. Default: now.
---@field lasts fd.Duration How long it hangs.
---@field region? fd.Region Only this region's pool. Default: every region.

---A storage tier hangs (accepts requests, never answers) for `lasts`, then
---answers again: `hang{}`, `wait(lasts)`, `unhang{}`. Callers' workers wait
---on their timeouts, queues fill, and the failure climbs the call graph.
---@param o fd.patterns.CascadingStorageFailure
function patterns.cascading_storage_failure(o) end

---@class (exact) fd.patterns.StorageFailure
---@field storage fd.Service The storage tier that fails fast.
---@field at? fd.When Default: now.
---@field lasts fd.Duration
---@field errors? fd.Fraction Share of its requests that fail (not 0). Default 100%.
---@field region? fd.Region Default: every region.

---A storage tier fails fast (answers errors at once) for `lasts`:
---`errors{ rate }`, `wait(lasts)`, `errors{ rate = 0 }`. Retries, budgets,
---breakers and fallbacks decide what follows.
---@param o fd.patterns.StorageFailure
function patterns.storage_failure(o) end

---@class (exact) fd.patterns.BadConfigPush
---@field service fd.Service The service whose release writes the data.
---@field item fd.ConfigItem The item it corrupts.
---@field at? fd.When Default: now.
---@field version? string Default `"v2"`.
---@field gray? number[] Stages (cumulative fractions of the regions, rising, in (0, 1]), for code and data alike. Default: everything at once.
---@field every? fd.Duration Pause between stages. Default `"10m"`.
---@field halt_on? { error_rate: fd.Fraction } Halt the rollout when a region already done is this bad (needs `gray` with 2 stages or more).
---@field error_rate? fd.Fraction The new code's own error rate. Default: the topology's.

---A release that writes bad configuration data, through `deploy{}`. The
---data persists in its store: rolling the code back does not fix it.
---@param o fd.patterns.BadConfigPush
function patterns.bad_config_push(o) end

---@class (exact) fd.patterns.CircularDependency
---@field service fd.Service The service to take down.
---@field region fd.Region The region it goes down in (it must be deployed there).
---@field at? fd.When Default: now.
---@field how? "restart"|"crash" A redeploy through its platform (default) or a crash.
---@field batch? integer A rolling redeploy, this many at a time (only with how = "restart").

---Every instance of a service in a region goes down and must be scheduled
---back by its platform. If the platform needs the service to schedule
---anything, nothing comes back and the engine reports a recovery deadlock.
---@param o fd.patterns.CircularDependency
function patterns.circular_dependency(o) end

---@class (exact) fd.patterns.RetryStorm
---@field source fd.Source The source that spikes.
---@field at? fd.When Default: now.
---@field factor number The spike, a multiple of the normal rate, 1 to 1000 (not 1).
---@field lasts fd.Duration

---A short spike: `surge{ factor }`, `wait(lasts)`, `surge{ factor = 1 }`.
---Whether the overload outlives it (a metastable failure) is the topology's.
---@param o fd.patterns.RetryStorm
function patterns.retry_storm(o) end

---@class (exact) fd.patterns.SurgeOnRecovery
---@field service fd.Service A service on the entry path that fails.
---@field at? fd.When Default: now.
---@field lasts fd.Duration
---@field region? fd.Region Default: every region.
---@field rate? fd.Fraction Share of its requests that fail (not 0). Default 100%.

---An outage of the entry path for `lasts` (`errors{}` on, then off). The
---surge at recovery comes from the clients in the topology (users who
---`reattempt`), not from this function.
---@param o fd.patterns.SurgeOnRecovery
function patterns.surge_on_recovery(o) end

---@class (exact) fd.patterns.RegionOutage
---@field region fd.Region The region that goes dark.
---@field at? fd.When Default: now.
---@field lasts fd.Duration

---A region goes dark for `lasts`: every instance there crashes and is held
---at 0 by `scale{}`, then scaled back to the count it had. The timeline
---shows a fault line, the crash and scale lines, and "power is back in R".
---@param o fd.patterns.RegionOutage
function patterns.region_outage(o) end

return patterns
