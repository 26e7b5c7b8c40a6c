-- TPC-C-like schema and initial population (TPC-C 5.11, clauses 1.3 and 4.3.3.1), with the
-- number of warehouses as the scale: psql -v warehouses=N -f load.sql. About 100 MB per warehouse.
-- Run into an empty database; the tables are dropped first. How this differs from the
-- specification is in the README ("A TPC-C-like workload").
\set ON_ERROR_STOP on
\if :{?warehouses}
\else
\set warehouses 1
\endif

SET client_min_messages = warning;
DROP TABLE IF EXISTS warehouse, district, customer, history, new_order, orders, order_line, item, stock;

-- Random strings (clause 4.3.2.2): only their length matters for the workload.
CREATE OR REPLACE FUNCTION tpcc_astring(min_len int, max_len int) RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN substr(repeat(md5(random()::text), 16), 1, min_len + floor(random() * (max_len - min_len + 1))::int);

-- 10% of i_data and s_data contain "ORIGINAL" (clause 4.3.3.1).
CREATE OR REPLACE FUNCTION tpcc_data() RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN CASE WHEN random() < 0.1 THEN overlay(tpcc_astring(26, 50) PLACING 'ORIGINAL' FROM 5 FOR 8)
            ELSE tpcc_astring(26, 50) END;

-- NURand(A, x, y) = (((random(0, A) | random(x, y)) + C) % (y - x + 1)) + x (clause 2.1.6).
CREATE OR REPLACE FUNCTION tpcc_nurand(a int, x int, y int, c int) RETURNS int
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN (((floor(random() * (a + 1))::int | (x + floor(random() * (y - x + 1))::int)) + c) % (y - x + 1)) + x;

-- The customer last name of a number 0..999 (clause 4.3.2.3). Immutable and written as one
-- expression, so that the planner folds it into a constant in the transactions' queries.
CREATE OR REPLACE FUNCTION tpcc_last_name(n int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['BAR','OUGHT','ABLE','PRI','PRES','ESE','ANTI','CALLY','ATION','EING'])[n / 100 + 1]
    || (ARRAY['BAR','OUGHT','ABLE','PRI','PRES','ESE','ANTI','CALLY','ATION','EING'])[n / 10 % 10 + 1]
    || (ARRAY['BAR','OUGHT','ABLE','PRI','PRES','ESE','ANTI','CALLY','ATION','EING'])[n % 10 + 1];

CREATE TABLE warehouse (
  w_id int NOT NULL, w_name varchar(10), w_street_1 varchar(20), w_street_2 varchar(20),
  w_city varchar(20), w_state char(2), w_zip char(9), w_tax numeric(4,4), w_ytd numeric(12,2));
CREATE TABLE district (
  d_w_id int NOT NULL, d_id int NOT NULL, d_name varchar(10), d_street_1 varchar(20),
  d_street_2 varchar(20), d_city varchar(20), d_state char(2), d_zip char(9),
  d_tax numeric(4,4), d_ytd numeric(12,2), d_next_o_id int);
CREATE TABLE customer (
  c_w_id int NOT NULL, c_d_id int NOT NULL, c_id int NOT NULL, c_first varchar(16),
  c_middle char(2), c_last varchar(16), c_street_1 varchar(20), c_street_2 varchar(20),
  c_city varchar(20), c_state char(2), c_zip char(9), c_phone char(16), c_since timestamp,
  c_credit char(2), c_credit_lim numeric(12,2), c_discount numeric(4,4), c_balance numeric(12,2),
  c_ytd_payment numeric(12,2), c_payment_cnt int, c_delivery_cnt int, c_data varchar(500));
CREATE TABLE history (
  h_c_id int, h_c_d_id int, h_c_w_id int, h_d_id int, h_w_id int, h_date timestamp,
  h_amount numeric(6,2), h_data varchar(24));
CREATE TABLE new_order (no_w_id int NOT NULL, no_d_id int NOT NULL, no_o_id int NOT NULL);
CREATE TABLE orders (
  o_w_id int NOT NULL, o_d_id int NOT NULL, o_id int NOT NULL, o_c_id int, o_entry_d timestamp,
  o_carrier_id int, o_ol_cnt int, o_all_local int);
CREATE TABLE order_line (
  ol_w_id int NOT NULL, ol_d_id int NOT NULL, ol_o_id int NOT NULL, ol_number int NOT NULL,
  ol_i_id int, ol_supply_w_id int, ol_delivery_d timestamp, ol_quantity int,
  ol_amount numeric(6,2), ol_dist_info char(24));
CREATE TABLE item (
  i_id int NOT NULL, i_im_id int, i_name varchar(24), i_price numeric(5,2), i_data varchar(50));
CREATE TABLE stock (
  s_w_id int NOT NULL, s_i_id int NOT NULL, s_quantity int,
  s_dist_01 char(24), s_dist_02 char(24), s_dist_03 char(24), s_dist_04 char(24), s_dist_05 char(24),
  s_dist_06 char(24), s_dist_07 char(24), s_dist_08 char(24), s_dist_09 char(24), s_dist_10 char(24),
  s_ytd int, s_order_cnt int, s_remote_cnt int, s_data varchar(50));

INSERT INTO item
SELECT i, 1 + floor(random() * 10000)::int, tpcc_astring(14, 24),
       (1 + floor(random() * 9901)::int) / 100.0, tpcc_data()
FROM generate_series(1, 100000) i;

INSERT INTO warehouse
SELECT w, tpcc_astring(6, 10), tpcc_astring(10, 20), tpcc_astring(10, 20), tpcc_astring(10, 20),
       'CA', '123411111', floor(random() * 2001)::int / 10000.0, 300000
FROM generate_series(1, :warehouses) w;

INSERT INTO stock
SELECT w, i, 10 + floor(random() * 91)::int,
       tpcc_astring(24, 24), tpcc_astring(24, 24), tpcc_astring(24, 24), tpcc_astring(24, 24),
       tpcc_astring(24, 24), tpcc_astring(24, 24), tpcc_astring(24, 24), tpcc_astring(24, 24),
       tpcc_astring(24, 24), tpcc_astring(24, 24), 0, 0, 0, tpcc_data()
FROM generate_series(1, :warehouses) w, generate_series(1, 100000) i;

INSERT INTO district
SELECT w, d, tpcc_astring(6, 10), tpcc_astring(10, 20), tpcc_astring(10, 20), tpcc_astring(10, 20),
       'CA', '123411111', floor(random() * 2001)::int / 10000.0, 30000, 3001
FROM generate_series(1, :warehouses) w, generate_series(1, 10) d;

-- The first 1,000 customers of a district take the last names 0..999 in order, the others
-- NURand(255, 0, 999) with the load's C = 157.
INSERT INTO customer
SELECT w, d, c, tpcc_astring(8, 16), 'OE',
       tpcc_last_name(CASE WHEN c <= 1000 THEN c - 1 ELSE tpcc_nurand(255, 0, 999, 157) END),
       tpcc_astring(10, 20), tpcc_astring(10, 20), tpcc_astring(10, 20), 'CA', '123411111',
       lpad((floor(random() * 1e16))::bigint::text, 16, '0'), now(),
       CASE WHEN random() < 0.1 THEN 'BC' ELSE 'GC' END, 50000,
       floor(random() * 5001)::int / 10000.0, -10, 10, 1, 0, tpcc_astring(300, 500)
FROM generate_series(1, :warehouses) w, generate_series(1, 10) d, generate_series(1, 3000) c;

INSERT INTO history
SELECT c_id, c_d_id, c_w_id, c_d_id, c_w_id, now(), 10, tpcc_astring(12, 24) FROM customer;

-- 3,000 orders per district, one for each customer in a random order; the first 2,100 are
-- delivered.
INSERT INTO orders
SELECT w, d, o, c, now(), CASE WHEN o < 2101 THEN 1 + floor(random() * 10)::int END,
       5 + floor(random() * 11)::int, 1
FROM (SELECT w, d, row_number() OVER (PARTITION BY w, d ORDER BY random())::int AS o, c
      FROM generate_series(1, :warehouses) w, generate_series(1, 10) d,
           generate_series(1, 3000) c) AS permutation;

INSERT INTO order_line
SELECT o_w_id, o_d_id, o_id, n, 1 + floor(random() * 100000)::int, o_w_id,
       CASE WHEN o_id < 2101 THEN o_entry_d END, 5,
       CASE WHEN o_id < 2101 THEN 0 ELSE (1 + floor(random() * 999999)::int) / 100.0 END,
       tpcc_astring(24, 24)
FROM orders, generate_series(1, o_ol_cnt) n;

INSERT INTO new_order SELECT o_w_id, o_d_id, o_id FROM orders WHERE o_id > 2100;

ALTER TABLE warehouse ADD PRIMARY KEY (w_id);
ALTER TABLE district ADD PRIMARY KEY (d_w_id, d_id);
ALTER TABLE customer ADD PRIMARY KEY (c_w_id, c_d_id, c_id);
ALTER TABLE new_order ADD PRIMARY KEY (no_w_id, no_d_id, no_o_id);
ALTER TABLE orders ADD PRIMARY KEY (o_w_id, o_d_id, o_id);
ALTER TABLE order_line ADD PRIMARY KEY (ol_w_id, ol_d_id, ol_o_id, ol_number);
ALTER TABLE item ADD PRIMARY KEY (i_id);
ALTER TABLE stock ADD PRIMARY KEY (s_w_id, s_i_id);
-- Customer by last name (Payment, Order-Status) and a customer's latest order (Order-Status).
CREATE INDEX customer_name ON customer (c_w_id, c_d_id, c_last, c_first);
CREATE INDEX orders_customer ON orders (o_w_id, o_d_id, o_c_id, o_id);

VACUUM (ANALYZE, FREEZE);
