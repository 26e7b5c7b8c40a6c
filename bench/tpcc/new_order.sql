-- TPC-C New-Order (clause 2.4): 45% of the mix. pgbench -D warehouses=N.
-- 5 to 15 order lines, each an item chosen by NURand(8191, 1, 100000) from the home warehouse
-- (from another one 1% of the time when there are several); 1% of the orders name an unused
-- item and are rolled back. pgbench has no loops: lines 6 to 15 are written out under \if.
\set w_id random(1, :warehouses)
\set d_id random(1, 10)
\set c_id ((random(0, 1023) | random(1, 3000)) + 259) % 3000 + 1
\set ol_cnt random(5, 15)
\set rbk random(1, 100)
\set remote 0
BEGIN;
SELECT c_discount, c_last, c_credit, w_tax FROM customer JOIN warehouse ON w_id = c_w_id
WHERE c_w_id = :w_id AND c_d_id = :d_id AND c_id = :c_id;
UPDATE district SET d_next_o_id = d_next_o_id + 1 WHERE d_w_id = :w_id AND d_id = :d_id
RETURNING d_next_o_id - 1 AS o_id, d_tax \gset
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 1, :i, :s, :q, :q * i_price, dist FROM i, s;
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 2, :i, :s, :q, :q * i_price, dist FROM i, s;
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 3, :i, :s, :q, :q * i_price, dist FROM i, s;
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 4, :i, :s, :q, :q * i_price, dist FROM i, s;
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 5, :i, :s, :q, :q * i_price, dist FROM i, s;
\if :ol_cnt >= 6
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 6, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 7
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 7, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 8
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 8, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 9
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 9, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 10
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 10, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 11
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 11, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 12
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 12, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 13
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 13, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 14
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 14, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
\if :ol_cnt >= 15
\set i ((random(0, 8191) | random(1, 100000)) + 7911) % 100000 + 1
\set s CASE WHEN :warehouses > 1 AND random(1, 100) = 1 THEN (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 ELSE :w_id END
\set q random(1, 10)
\set remote :remote + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
WITH i AS (SELECT i_price FROM item WHERE i_id = :i),
s AS (UPDATE stock SET s_quantity = CASE WHEN s_quantity >= :q + 10 THEN s_quantity - :q ELSE s_quantity - :q + 91 END,
             s_ytd = s_ytd + :q, s_order_cnt = s_order_cnt + 1, s_remote_cnt = s_remote_cnt + CASE WHEN :s = :w_id THEN 0 ELSE 1 END
      WHERE s_w_id = :s AND s_i_id = :i
      RETURNING (ARRAY[s_dist_01, s_dist_02, s_dist_03, s_dist_04, s_dist_05, s_dist_06, s_dist_07, s_dist_08, s_dist_09, s_dist_10])[:d_id] AS dist)
INSERT INTO order_line (ol_w_id, ol_d_id, ol_o_id, ol_number, ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_dist_info)
SELECT :w_id, :d_id, :o_id, 15, :i, :s, :q, :q * i_price, dist FROM i, s;
\endif
INSERT INTO orders (o_w_id, o_d_id, o_id, o_c_id, o_entry_d, o_carrier_id, o_ol_cnt, o_all_local)
VALUES (:w_id, :d_id, :o_id, :c_id, now(), NULL, :ol_cnt, CASE WHEN :remote = 0 THEN 1 ELSE 0 END);
INSERT INTO new_order (no_w_id, no_d_id, no_o_id) VALUES (:w_id, :d_id, :o_id);
\if :rbk = 1
SELECT i_price FROM item WHERE i_id = 100001;
ROLLBACK;
\else
COMMIT;
\endif
