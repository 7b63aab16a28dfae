-- An M/M/1 station, nothing happening to it: the product path's speed on
-- the model every peer can write (bench/README.md, section 2).
scenario { name = "M/M/1 through firedrill run", topology = "topology.yaml",
           start = "2024-01-01 00:00 +00:00", duration = "125000s" }
