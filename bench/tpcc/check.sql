-- TPC-C consistency conditions 1 to 4 (clause 3.3.2) and condition 5 for delivered orders:
-- one row per condition with the number of warehouses or districts that violate it; all
-- zero after any number of transactions.
SELECT 1 AS condition, 'w_ytd = sum(d_ytd)' AS rule, count(*) AS violations
FROM warehouse w
WHERE w_ytd <> (SELECT sum(d_ytd) FROM district WHERE d_w_id = w_id)
UNION ALL
SELECT 2, 'd_next_o_id - 1 = max(o_id) = max(no_o_id)', count(*)
FROM district
WHERE d_next_o_id - 1 <> (SELECT max(o_id) FROM orders WHERE o_w_id = d_w_id AND o_d_id = d_id)
   OR d_next_o_id - 1 <> (SELECT max(no_o_id) FROM new_order WHERE no_w_id = d_w_id AND no_d_id = d_id)
UNION ALL
SELECT 3, 'new_order ids are contiguous', count(*)
FROM (SELECT max(no_o_id) - min(no_o_id) + 1 = count(*) AS ok
      FROM new_order GROUP BY no_w_id, no_d_id) n
WHERE NOT ok
UNION ALL
SELECT 4, 'sum(o_ol_cnt) = count(order_line)', count(*)
FROM (SELECT o_w_id, o_d_id, sum(o_ol_cnt) AS lines FROM orders GROUP BY 1, 2) o
JOIN (SELECT ol_w_id, ol_d_id, count(*) AS lines FROM order_line GROUP BY 1, 2) ol
  ON ol_w_id = o_w_id AND ol_d_id = o_d_id
WHERE o.lines <> ol.lines
UNION ALL
SELECT 5, 'o_carrier_id is null exactly for orders in new_order', count(*)
FROM orders
WHERE (o_carrier_id IS NULL) <> EXISTS (SELECT FROM new_order
                                        WHERE no_w_id = o_w_id AND no_d_id = o_d_id AND no_o_id = o_id)
ORDER BY 1;
