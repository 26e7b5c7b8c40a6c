-- TPC-C Delivery (clause 2.7): 4% of the mix. pgbench -D warehouses=N.
-- Run inline rather than queued: for each of the warehouse's 10 districts, the oldest
-- undelivered order is taken off new_order, given the carrier and delivery date, and its
-- amount is added to the customer's balance. One statement per district; pgbench has no loops.
\set w_id random(1, :warehouses)
\set carrier random(1, 10)
BEGIN;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 1
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 1 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 1 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 1 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 2
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 2 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 2 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 2 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 3
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 3 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 3 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 3 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 4
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 4 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 4 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 4 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 5
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 5 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 5 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 5 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 6
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 6 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 6 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 6 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 7
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 7 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 7 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 7 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 8
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 8 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 8 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 8 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 9
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 9 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 9 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 9 AND c_id = o_c_id;
WITH no AS (DELETE FROM new_order
            WHERE (no_w_id, no_d_id, no_o_id) =
                  (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = :w_id AND no_d_id = 10
                   ORDER BY no_o_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING no_o_id),
o AS (UPDATE orders SET o_carrier_id = :carrier FROM no
      WHERE o_w_id = :w_id AND o_d_id = 10 AND o_id = no_o_id RETURNING o_id, o_c_id),
ol AS (UPDATE order_line SET ol_delivery_d = now() FROM o
       WHERE ol_w_id = :w_id AND ol_d_id = 10 AND ol_o_id = o_id RETURNING ol_amount)
UPDATE customer SET c_balance = c_balance + (SELECT sum(ol_amount) FROM ol), c_delivery_cnt = c_delivery_cnt + 1
FROM o WHERE c_w_id = :w_id AND c_d_id = 10 AND c_id = o_c_id;
COMMIT;
