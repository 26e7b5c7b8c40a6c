-- TPC-C Order-Status (clause 2.6): 4% of the mix, read-only. pgbench -D warehouses=N.
-- The customer is chosen by last name 60% of the time and by NURand(1023, 1, 3000) otherwise;
-- the customer's latest order and its lines are read in one statement.
\set w_id random(1, :warehouses)
\set d_id random(1, 10)
\set by_name random(1, 100)
\set c_id ((random(0, 1023) | random(1, 3000)) + 259) % 3000 + 1
\set c_last ((random(0, 255) | random(0, 999)) + 223) % 1000
BEGIN;
\if :by_name <= 60
SELECT c_id FROM customer
WHERE c_w_id = :w_id AND c_d_id = :d_id AND c_last = tpcc_last_name(:c_last)
ORDER BY c_first
OFFSET (SELECT (count(*) - 1) / 2 FROM customer
        WHERE c_w_id = :w_id AND c_d_id = :d_id AND c_last = tpcc_last_name(:c_last))
LIMIT 1 \gset
\endif
SELECT c_balance, c_first, c_middle, c_last FROM customer
WHERE c_w_id = :w_id AND c_d_id = :d_id AND c_id = :c_id;
WITH o AS (SELECT o_id, o_entry_d, o_carrier_id FROM orders
           WHERE o_w_id = :w_id AND o_d_id = :d_id AND o_c_id = :c_id
           ORDER BY o_id DESC LIMIT 1)
SELECT o_id, o_entry_d, o_carrier_id, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_delivery_d
FROM o JOIN order_line ON ol_w_id = :w_id AND ol_d_id = :d_id AND ol_o_id = o_id;
COMMIT;
