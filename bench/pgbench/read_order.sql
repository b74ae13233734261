-- One order read by id: the library's PG_ORDER_GET (pg_statements.c), the id from bench_reads.
\set k random(1, :rows)
SELECT v.id, v.user_id, v.currency, v.amount, v.status, v.created_at, v.updated_at,
       v.item_id, v.product_id, v.product_name, v.price, v.quantity
  FROM bench_reads b JOIN w3w_order_item_v v ON v.id = b.order_id::uuid
 WHERE b.n = :k ORDER BY v.position;
