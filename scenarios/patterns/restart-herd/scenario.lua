-- Restart herd: a bad policy crash-loops a quota service in every
-- instance; once the fix is out, every instance restarts and reads the
-- policy store at start-up, and how they restart decides whether the store
-- lets them back. Google Cloud, 2025-06-12. See README.md.
--
--   --param restarts=jittered   the scheduler's jittered, throttled policy
--                               (topology-jittered.yaml) instead of
--                               synchronised restarts (topology.yaml)
local restarts = param("restarts", "synchronised")
if restarts ~= "synchronised" and restarts ~= "jittered" then
  error("--param restarts: 'synchronised' or 'jittered', not '" .. tostring(restarts) .. "'")
end
local jittered = restarts == "jittered"

scenario {
  name = "pattern: restart herd",
  topology = jittered and "topology-jittered.yaml" or "topology.yaml",
  start = "2025-06-12 10:00 -07:00",
  duration = "1h30m",
}

local SVC, REGION, N = "service-control", "us-central1", 100

-- 10:05: a policy with blank fields reaches the store; every instance that
-- reads it crashes, and every restart reads it again: a crash loop.
at("10:05", function()
  note("a policy with blank fields is replicated to policy-store: service-control crashes on reading it")
  write_config { item = "quota-policy", data = "bad" }
  crash { service = SVC }
end)

-- 10:45: the fix (the "red button") is out: the policy can be read again,
-- and every task is restarted with it, through the scheduler.
local fixed_at = nil
at("10:45", function()
  repair_config("quota-policy")
  restart { service = SVC }
  fixed_at = now()
end)

-- From the fix on: the herd, seen where it lands, and the time until every
-- instance serves again.
local peak_starting, herd_seen, back_after = 0, false, nil
every("5s", function()
  if not fixed_at or back_after then return end
  local starting = instances(SVC, REGION, "starting")
  local waiting = instances(SVC, REGION, "waiting")
  if starting > peak_starting then peak_starting = starting end
  local queue = metric("policy-store", "queue")
  if not herd_seen and peak_starting >= 40 and waiting >= 20 and queue >= 20 then
    herd_seen = true
    note(("restart herd: %d service-control instances booted at once; %d failed to start, "
          .. "policy-store has %d reads queued"):format(peak_starting, waiting, math.floor(queue)))
  end
  if instances(SVC, REGION, "up") == N then
    back_after = now() - fixed_at
    note(("all %d service-control instances serving again, %d s after the fix"):format(N, back_after))
  end
end)

if jittered then
  expect.that("jittered restarts are back within 3 min of the fix", function()
    return back_after ~= nil and back_after <= 180,
      back_after and ("back %d s after the fix"):format(back_after) or "not back by the end"
  end)
else
  expect.that("synchronised restarts take over 5 min after the fix", function()
    return back_after == nil or back_after > 300,
      back_after and ("back %d s after the fix"):format(back_after) or "not back by the end"
  end)
end
expect.that("the fix ends the crash loop", function()
  return back_after ~= nil, back_after and "every instance serving again" or "still down at the end"
end)
