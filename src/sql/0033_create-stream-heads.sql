-- Every stream with its version, its latest event and its newest snapshot.
CREATE VIEW eventlog.stream_heads AS
  SELECT s.stream,
    s.version,
    e.etag AS last_etag,
    e.ctime AS last_appended_at,
    (SELECT max(n.version) FROM eventlog.snapshots AS n WHERE n.stream = s.stream) AS snapshot_version
  FROM eventlog.streams AS s
  LEFT JOIN eventlog.events AS e ON e.stream = s.stream AND e.version = s.version;

GRANT SELECT ON eventlog.stream_heads TO eventlog_reader, eventlog_admin;

COMMENT ON VIEW eventlog.stream_heads IS
  'Each stream: its version, the etag and time of its latest append, and the version of its newest snapshot.';
