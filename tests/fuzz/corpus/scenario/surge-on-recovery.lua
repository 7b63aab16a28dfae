-- Surge on recovery: the edge in front of the console fails for 20 minutes.
-- Users keep coming back; when the edge recovers they all arrive at once,
-- and the console needs far more than its autoscaling allows. See README.md.
local patterns = require("firedrill.patterns")
local playbooks = require("firedrill.playbooks")

scenario {
  name = "pattern: surge on recovery",
  topology = "topology.yaml",
  start = "2024-04-08 10:00 +08:00",
  duration = "1h",
}

team { name = "edge", skills = { "edge" }, oncall = 1, ack = "2m", diagnose = "5m" }
team { name = "console", skills = { "console" }, oncall = 1, ack = "2m", diagnose = "5m" }

alert { name = "users-failing", entry = "users", when = "availability < 95%", hold = "1m" }

-- 10:05 to 10:25: the edge fails every request.
patterns.surge_on_recovery { service = "edge", at = "10:05", lasts = "20m" }

on_alert("users-failing", function()
  declare("P1", "console failing")
  page("console")
  -- The console team gets ready for the crowd: more room once it is busy.
  playbooks.scale_for_surge { service = "console", max = 20, team = "console",
                              when = "utilisation > 90%", takes = "3m", limit = "40m" }
end)

-- The most console instances serving at once, sampled every 30s.
local most = 0
every("30s", function() most = math.max(most, metric("console", "instances_up")) end)

-- Users coming back multiplied the load...
expect.peak_to_baseline { entry = "users", min = 5 }
-- ...the console needed more than its autoscaling allowed...
expect.that("console grew past its old max of 6", function()
  return most > 6, ("at most %d console instances"):format(most)
end)
-- ...and the crowd was served within minutes of the edge's return.
expect.recovered_within("35m")
