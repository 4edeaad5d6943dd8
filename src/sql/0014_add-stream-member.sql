-- Which member of a consumer group receives a stream's events. get_event, peek_event and
-- ack_event spell the same expression out inline (a function with a pinned search_path is never
-- inlined into a query), so a change here must be made there too, in a new migration.
-- abs(h % members) equals abs(h) % members and cannot overflow for h = -2^63.
CREATE FUNCTION eventlog.stream_member(stream text, members integer)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF stream_member.members IS NULL OR stream_member.members < 1 OR stream_member.members > 1024 THEN
    PERFORM eventlog._check_group(0, stream_member.members);
  END IF;
  IF stream_member.stream IS NULL THEN
    RETURN 0;
  END IF;
  RETURN pg_catalog.abs(pg_catalog.hashtextextended(stream_member.stream, 0) % stream_member.members)::integer;
END;
$$;

REVOKE EXECUTE ON FUNCTION eventlog.stream_member(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventlog.stream_member(text, integer) TO eventlog_reader, eventlog_admin;

COMMENT ON FUNCTION eventlog.stream_member(text, integer) IS
  'The member (0 to members - 1) of a consumer group of that size that receives the events of stream; events without a stream go to member 0.';
