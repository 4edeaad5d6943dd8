-- Demo data for `make start` / `make seed`: a small shop's events, appended the way an
-- application would. Reloading appends another copy (the log is append-only).
SELECT count(*) AS appended FROM (
  SELECT eventlog.log_event('{"name": "Ada", "email": "ada@example.com"}', 'customer_registered', 'customer-1')
  UNION ALL
  SELECT eventlog.log_event('{"name": "Grace", "email": "grace@example.com"}', 'customer_registered', 'customer-2')
  UNION ALL
  SELECT eventlog.log_event(
    '[{"order": 1001, "customer": 1, "total": 42.50},
      {"order": 1001, "line": 1, "sku": "TEA-01", "qty": 2},
      {"order": 1001, "line": 2, "sku": "CUP-07", "qty": 1}]',
    'order_placed', 'order-1001', '{"source": "web"}')
  UNION ALL
  SELECT eventlog.log_event('{"order": 1001, "amount": 42.50, "method": "card"}', 'payment_received', 'order-1001')
  UNION ALL
  SELECT eventlog.log_event('{"order": 1002, "customer": 2, "total": 9.90}', 'order_placed', 'order-1002', '{"source": "app"}')
  UNION ALL
  SELECT eventlog.log_event('{"order": 1001, "carrier": "DHL"}', 'order_shipped', 'order-1001')
  UNION ALL
  SELECT eventlog.log_event('{"message": "nightly report finished"}', 'job_finished')
) AS appended;
