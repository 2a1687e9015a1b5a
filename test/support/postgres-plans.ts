// PostgreSQL at volume, for the store's tests and the bench: payment rows written in bulk the way
// the store writes them, and the plan PostgreSQL chooses for each statement the store sends.
// Relative imports, not @app/*: the bench (compiled by tsc, which leaves aliases as written) imports it too.
import type pg from 'pg';
import { rowParameters } from '../../libs/singapay/src/postgres/postgres-payment.rows.js';
import { SINGAPAY_POSTGRES_TABLE } from '../../libs/singapay/src/postgres/postgres-schema.js';
import type { SingapayPaymentRecord } from '../../libs/singapay/src/stores/index.js';

/**
 * Writes `count` records made by `make`, 5,000 to a statement, with the store's own row mapping,
 * then gathers the table's statistics as autovacuum would on a table that size.
 */
export async function insertPaymentRows(
  pool: pg.Pool,
  namespace: string,
  count: number,
  make: (i: number) => SingapayPaymentRecord,
): Promise<void> {
  for (let from = 0; from < count; from += 5000) {
    const rows = Array.from({ length: Math.min(5000, count - from) }, (_, i) => rowParameters(namespace, make(from + i)));
    await pool.query(
      `INSERT INTO ${SINGAPAY_POSTGRES_TABLE} (namespace, idempotency_key, version, state, settled, transaction_id, created_at, updated_at, record, record_exact)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::jsonb[], $10::text[])`,
      Array.from({ length: 10 }, (_, c) => rows.map((r) => r[c])),
    );
  }
  await pool.query(`ANALYZE ${SINGAPAY_POSTGRES_TABLE}`);
}

/** What PostgreSQL did for one statement: its plan's nodes, outermost first, and its time. */
export interface PostgresPlan {
  /** The label it was sent under (`ExplainingPool.label`). */
  statement: string;
  /** "Limit > Index Scan (singapay_payments_unsettled_idx)": the plan's nodes, depth first. */
  plan: string;
  /** `EXPLAIN ANALYZE`'s execution time; writes are planned without running them, so they have none. */
  executionMs?: number;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function describePlan(node: PlanNode): string {
  const self = node['Index Name'] ? `${node['Node Type']} (${node['Index Name']})` : node['Node Type'];
  return [self, ...(node.Plans ?? []).map(describePlan)].join(' > ');
}

export interface ExplainingPool {
  /** The pool to give the store. */
  pool: pg.Pool;
  /** While set, each statement is explained first and its plan kept under this label. */
  label?: string;
  plans: PostgresPlan[];
}

/**
 * A pool that, while a label is set, first asks PostgreSQL for the plan of each statement with the
 * store's own text and values: reads by running them (`EXPLAIN ANALYZE`), writes only planned.
 */
export function explainingPool(pool: pg.Pool): ExplainingPool {
  const state: ExplainingPool = { pool, plans: [] };
  const query = async (textOrConfig: string | { text: string; values?: unknown[]; name?: string }, values?: unknown[]) => {
    const config = typeof textOrConfig === 'string' ? { text: textOrConfig, values } : textOrConfig;
    if (state.label !== undefined) {
      const writes = /\b(INSERT|UPDATE|DELETE)\b/.test(config.text);
      const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time'?: number }] }>(
        `EXPLAIN (${writes ? '' : 'ANALYZE, '}FORMAT JSON) ${config.text}`,
        config.values,
      );
      const [explained] = rows[0]!['QUERY PLAN'];
      state.plans.push({
        statement: state.label,
        plan: describePlan(explained.Plan),
        ...(explained['Execution Time'] !== undefined ? { executionMs: explained['Execution Time'] } : {}),
      });
    }
    return pool.query(config);
  };
  state.pool = new Proxy(pool, { get: (target, p) => (p === 'query' ? query : Reflect.get(target, p, target)) });
  return state;
}
