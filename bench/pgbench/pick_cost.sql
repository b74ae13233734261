-- What the row pick adds to each pgbench claim, server side: 20,000 picks by primary key in one
-- statement, minus the same loop without them; bench.py divides the difference by 20,000.
-- psql variable: rows (rows in bench_claims).
EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
SELECT count(x.payload) FROM generate_series(1, 20000) g,
  LATERAL (SELECT b.payload FROM bench_claims b WHERE b.n = 1 + g % :rows OFFSET 0) x;
EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
SELECT count(x.v) FROM generate_series(1, 20000) g,
  LATERAL (SELECT 1 + g % :rows AS v OFFSET 0) x;
