-- TPC-C Payment (clause 2.5): 43% of the mix. pgbench -D warehouses=N.
-- The customer is from the home warehouse 85% of the time (from another one otherwise, when
-- there are several), chosen by last name 60% of the time (the middle one of those with that
-- name, ordered by first name) and by NURand(1023, 1, 3000) otherwise.
\set w_id random(1, :warehouses)
\set d_id random(1, 10)
\set local random(1, 100)
\set c_w_id CASE WHEN :local <= 85 OR :warehouses = 1 THEN :w_id ELSE (:w_id + random(0, :warehouses - 2)) % :warehouses + 1 END
\set c_d_id CASE WHEN :c_w_id = :w_id THEN :d_id ELSE random(1, 10) END
\set by_name random(1, 100)
\set c_id ((random(0, 1023) | random(1, 3000)) + 259) % 3000 + 1
\set c_last ((random(0, 255) | random(0, 999)) + 223) % 1000
\set h_amount random(100, 500000)
BEGIN;
UPDATE warehouse SET w_ytd = w_ytd + :h_amount / 100.0 WHERE w_id = :w_id
RETURNING w_name, w_street_1, w_street_2, w_city, w_state, w_zip \gset
UPDATE district SET d_ytd = d_ytd + :h_amount / 100.0 WHERE d_w_id = :w_id AND d_id = :d_id
RETURNING d_name, d_street_1, d_street_2, d_city, d_state, d_zip \gset
\if :by_name <= 60
SELECT c_id FROM customer
WHERE c_w_id = :c_w_id AND c_d_id = :c_d_id AND c_last = tpcc_last_name(:c_last)
ORDER BY c_first
OFFSET (SELECT (count(*) - 1) / 2 FROM customer
        WHERE c_w_id = :c_w_id AND c_d_id = :c_d_id AND c_last = tpcc_last_name(:c_last))
LIMIT 1 \gset
\endif
UPDATE customer SET c_balance = c_balance - :h_amount / 100.0,
       c_ytd_payment = c_ytd_payment + :h_amount / 100.0, c_payment_cnt = c_payment_cnt + 1,
       c_data = CASE WHEN c_credit = 'BC'
                THEN left(concat_ws(' ', c_id, c_d_id, c_w_id, :d_id::int, :w_id::int, :h_amount / 100.0, '|', c_data), 500)
                ELSE c_data END
WHERE c_w_id = :c_w_id AND c_d_id = :c_d_id AND c_id = :c_id
RETURNING c_first, c_middle, c_last, c_street_1, c_street_2, c_city, c_state, c_zip, c_phone,
          c_since, c_credit, c_credit_lim, c_discount, c_balance, left(c_data, 200);
INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id, h_date, h_amount, h_data)
VALUES (:c_id, :c_d_id, :c_w_id, :d_id, :w_id, now(), :h_amount / 100.0, :w_name || '    ' || :d_name);
COMMIT;
