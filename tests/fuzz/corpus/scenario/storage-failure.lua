-- Storage failure, failing fast: two storage tiers answer errors instead of
-- hanging. Retries absorb the partial failure, a fallback absorbs the total
-- one, and users barely notice. Compare cascading-storage-failure. See
-- README.md.
local patterns = require("firedrill.patterns")

scenario {
  name = "pattern: storage failure (fast)",
  topology = "topology.yaml",
  start = "2024-08-18 10:00 +08:00",
  duration = "30m",
}

team { name = "storage", skills = { "profile-db", "recs-store" }, oncall = 1, ack = "3m",
       diagnose = "5m" }

alert { name = "recs-errors", service = "recs", when = "error_rate > 20%", hold = "1m" }
alert { name = "profile-errors", service = "profile-db", when = "error_rate > 5%", hold = "1m" }

-- 10:05 to 10:20: the recommendations store fails every request, and the
-- profile store one in five.
patterns.storage_failure { storage = "recs-store", at = "10:05", lasts = "15m" }
patterns.storage_failure { storage = "profile-db", at = "10:05", lasts = "15m", errors = "20%" }

on_alert("recs-errors", function()
  page("storage")
  diagnose { component = "recs-store", team = "storage" }
  note("recs-store is failing fast; the app serves default recommendations meanwhile")
end)

-- Fast failure plus retries and a fallback: no incident at the entry...
expect.availability { entry = "app", min = 0.99 }
expect.that("no incident starts", function(sum)
  return sum.incident.start == nil, sum.incident.start and "an incident started" or "none"
end)
-- ...but the recommendations were degraded for the whole failure.
expect.that("answers degraded while recs-store fails", function(sum)
  local d = sum.entries.app.degraded
  return d > 0.3 and d < 0.7, ("%.1f%% of answers degraded"):format(d * 100)
end)
