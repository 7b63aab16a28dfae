-- Retry storm: a two-minute spike pushes the database past its capacity;
-- timeouts and retries then keep it there after the spike is gone, until
-- someone drains the queue. See README.md.
local patterns = require("firedrill.patterns")

scenario {
  name = "pattern: retry storm",
  topology = "topology.yaml",
  start = "2024-06-12 10:00 +00:00",
  duration = "30m",
}

team { name = "api", skills = { "api", "db" }, oncall = 1, ack = "2m", diagnose = "5m" }

alert { name = "api-errors", service = "api", when = "error_rate > 10%", hold = "1m" }

-- 10:05 to 10:07: twice the normal traffic.
patterns.retry_storm { source = "app", at = "10:05", factor = 2, lasts = "2m" }

on_alert("api-errors", function()
  declare("P1", "api failing")
  page("api")
  diagnose { component = "db", team = "api" }
  if metric("db", "utilisation") > 0.9 then
    note(("traffic is back to normal but db is still saturated (queue %d): retries keep it there")
      :format(math.floor(metric("db", "queue"))))
    -- Break the loop: fail the calls to db fast for a minute, so that its
    -- queue drains of work nobody waits for any more.
    open_breakers { to = "db" }
    wait("1m")
    close_breakers { to = "db" }
  end
end)

-- Retries multiplied the spike...
expect.peak_to_baseline { entry = "app", min = 3 }
-- ...the overload outlived it by far...
expect.that("overload outlives the 2m spike", function(sum)
  local d = sum.incident.duration
  return d ~= nil and d > 8 * 60, d and ("incident lasted %.1f min"):format(d / 60) or "no incident"
end)
-- ...and draining the queue ended it.
expect.recovered_within("20m")
