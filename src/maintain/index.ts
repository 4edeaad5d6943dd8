// npx pg-eventlog maintain: the periodic work of a partitioned log (docs/partitions.md), for
// databases without pg_cron. One call of <schema>.ensure_partitions(ahead); run it from cron or a
// systemd timer every few minutes, as a member of <prefix>_admin.
import { DEFAULT_SCHEMA, withConnection, type ConnectionOptions } from '../install/index.ts';
import { quoteIdent } from '../install/migrations.ts';

export const DEFAULT_AHEAD = 2;

export interface MaintainOptions extends ConnectionOptions {
  schema?: string;
  /** Empty partitions to keep above the current one. */
  ahead?: number;
}

export interface CreatedPartition {
  partition: string;
  fromEtag: string;
  toEtag: string;
}

export interface MaintainResult {
  schema: string;
  created: CreatedPartition[];
}

export async function maintain(options: MaintainOptions = {}): Promise<MaintainResult> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const ahead = options.ahead ?? DEFAULT_AHEAD;
  return withConnection(options, async (client) => {
    const r = await client.query<{ partition_name: string; from_etag: string; to_etag: string }>(
      `SELECT partition_name, from_etag, to_etag FROM ${quoteIdent(schema)}.ensure_partitions($1::integer)`, [ahead]);
    return {
      schema,
      created: r.rows.map((row) => ({ partition: `${schema}.${row.partition_name}`, fromEtag: row.from_etag, toEtag: row.to_etag })),
    };
  });
}
