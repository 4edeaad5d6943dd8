-- Named clients (server-side cursors). One row per client and group member: the log position
-- (tx_order, etag) of the last event delivered to it. A plain client is a group of one
-- (members = 1, member = 0); a consumer group of N members has N rows. See docs/cursors.md.
-- peeked_tx_order/_etag: the end of the furthest batch peek_event has returned to this row since
-- it was created or sought; ack_event accepts only etags between the cursor and it.
--
-- Only the client functions write here; they run as the table owner and check the caller against
-- owner_role. Moving a cursor changes no indexed column, so it is a HOT update; the fillfactor
-- leaves room on each page for the new row versions. No CHECK constraints, for the same reason as
-- on events: they would be prepared again on every cursor move, and the functions check first.
CREATE TABLE eventlog.client_cursors (
  client text NOT NULL,
  members integer NOT NULL,
  member integer NOT NULL,
  tx_order bigint NOT NULL,
  etag bigint NOT NULL,
  previous_tx_order bigint NOT NULL DEFAULT -1,
  previous_etag bigint NOT NULL DEFAULT 0,
  peeked_tx_order bigint NOT NULL DEFAULT -1,
  peeked_etag bigint NOT NULL DEFAULT 0,
  owner_role name NOT NULL,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  moved_at timestamptz,
  CONSTRAINT client_cursors_pkey PRIMARY KEY (client, members, member)
) WITH (fillfactor = 50);

GRANT SELECT ON eventlog.client_cursors TO eventlog_admin;

COMMENT ON TABLE eventlog.client_cursors IS
  'Named clients: the position of each client (and each member of a consumer group) in the log.';
COMMENT ON COLUMN eventlog.client_cursors.client IS
  'Client name, 1 to 200 characters.';
COMMENT ON COLUMN eventlog.client_cursors.members IS
  'Size of the consumer group this row belongs to; 1 for a plain client.';
COMMENT ON COLUMN eventlog.client_cursors.member IS
  'This row''s member number in the group, 0 to members - 1.';
COMMENT ON COLUMN eventlog.client_cursors.tx_order IS
  'tx_order of the last event delivered; -1 at the beginning of the log.';
COMMENT ON COLUMN eventlog.client_cursors.etag IS
  'etag of the last event delivered; 0 at the beginning of the log.';
COMMENT ON COLUMN eventlog.client_cursors.previous_tx_order IS
  'tx_order of the position before the last move by get_event: its batch began after it.';
COMMENT ON COLUMN eventlog.client_cursors.previous_etag IS
  'etag of the position before the last move by get_event: its batch began after it.';
COMMENT ON COLUMN eventlog.client_cursors.peeked_tx_order IS
  'tx_order of the last event of the furthest batch peek_event returned since the cursor was created or sought; -1 if none.';
COMMENT ON COLUMN eventlog.client_cursors.peeked_etag IS
  'etag of the last event of the furthest batch peek_event returned since the cursor was created or sought; ack_event accepts etags up to it.';
COMMENT ON COLUMN eventlog.client_cursors.owner_role IS
  'Role the client belongs to: the role that first used it; members of it and of eventlog_admin may use it too.';
COMMENT ON COLUMN eventlog.client_cursors.created_at IS
  'When this row (the client, or this group shape of it) was created.';
COMMENT ON COLUMN eventlog.client_cursors.moved_at IS
  'When the cursor last moved (get_event, ack_event or seek_client); NULL if never.';
