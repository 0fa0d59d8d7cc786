// The SQL a data engineer would write for SPEC sections 2-4 (rows =
// changes, UTC local dates, Monday weeks): the states table with streak,
// inactive_streak, gap, churned_periods, active_periods, first_period and
// tenure, and the summary. One text serves DuckDB-WASM (0.9.1 and 1.4.x)
// and native DuckDB (the Python harness receives it from here), so every
// engine runs exactly the same statements.
//
// Periods are integers so that "p - 1" is the previous period:
//   day   = days since 1970-01-01
//   week  = weeks since Monday 1969-12-29
//   month = year * 12 + month - 1

const PERIOD = {
  day: (d) => `(${d} - DATE '1970-01-01')`,
  week: (d) => `((${d} - DATE '1970-01-01') + 3) // 7`,
  month: (d) => `(year(${d}) * 12 + month(${d}) - 1)`,
};
const START = {
  day: (p) => `(DATE '1970-01-01' + CAST(${p} AS INTEGER))`,
  week: (p) => `(DATE '1970-01-01' + CAST(${p} * 7 - 3 AS INTEGER))`,
  month: (p) => `make_date(CAST(${p} // 12 AS BIGINT), CAST(${p} % 12 + 1 AS BIGINT), 1)`,
};
const END = {
  day: (p) => START.day(p),
  week: (p) => `(${START.week(p)} + 6)`,
  month: (p) => `CAST(${START.month(p)} + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)`,
};

/** A source expression for a registered Parquet or CSV file. */
export function sourceExpr(kind, file, intIds = false) {
  if (kind === 'parquet') return `read_parquet('${file}')`;
  // TIMESTAMP parses the `Z` of the generated times as UTC; no ICU needed.
  const idType = intIds ? 'BIGINT' : 'VARCHAR';
  return `read_csv('${file}', header = true, delim = ',', columns = {'user_id': '${idType}', 'event_time': 'TIMESTAMP'})`;
}

/**
 * The statements of one weekly/daily/monthly computation.
 * `run`: executed in order (they build the tables `act`, `bounds`, `states`);
 * `summary`: the summary query (its result is fetched by the caller);
 * `cleanup`: drops the tables.
 * `segment` (SPEC section 11), optional: `{ column }` splits by a fact
 * column, `{ users, attribute }` partitions by a users table's attribute
 * (`users` a source expression); every table then has a first column
 * `segment`, and every window and aggregate is per segment.
 */
export function activationSql(grain, source, segment = null) {
  const P = PERIOD[grain];
  if (!P) throw new Error(`unknown grain ${grain}`);
  const day = `CAST(CAST(event_time AS TIMESTAMP) AS DATE)`;
  // With segments: the segment is one more key of every partition and group.
  const seg = segment ? 'segment, ' : '';
  const by = segment ? 'PARTITION BY segment ' : '';
  const valid = `WHERE user_id IS NOT NULL AND event_time IS NOT NULL`;
  const facts = !segment
    ? `SELECT user_id, ${day} AS d FROM ${source} ${valid}`
    : segment.column
      ? `SELECT ${segment.column} AS segment, user_id, ${day} AS d FROM ${source} ${valid}`
      : `SELECT u.${segment.attribute} AS segment, f.user_id, f.d
         FROM (SELECT user_id, ${day} AS d FROM ${source} ${valid}) f
         LEFT JOIN (SELECT user_id, ${segment.attribute} FROM ${segment.users}) u ON u.user_id = f.user_id`;
  const run = [
    // Each user's active periods (and the last date, for `through`).
    `CREATE OR REPLACE TEMP TABLE act AS
       SELECT ${seg}user_id, ${P('d')} AS p, max(d) AS maxd
       FROM (${facts})
       GROUP BY ALL`,
    `CREATE OR REPLACE TEMP TABLE bounds AS
       SELECT min(p) AS p0, max(p) AS p1, max(maxd) AS through FROM act`,
    // Rows = changes: one row per active (user, period), plus one churn row
    // on the period after each run of active periods (when reported).
    `CREATE OR REPLACE TEMP TABLE states AS
     WITH w AS (
       SELECT ${seg}user_id, p,
              lag(p) OVER u AS prev_p,
              lag(p, 2) OVER u AS prev2_p,
              lead(p) OVER u AS next_p,
              first_value(p) OVER u AS first_p,
              row_number() OVER u AS active_periods
       FROM act
       WINDOW u AS (PARTITION BY ${seg}user_id ORDER BY p)
     ),
     s AS (
       SELECT *,
              row_number() OVER (PARTITION BY ${seg}user_id, p - active_periods ORDER BY p) AS streak,
              CASE WHEN prev_p IS NULL THEN 'new'
                   WHEN prev_p = p - 1 THEN 'retained'
                   ELSE 'reactivated' END AS state,
              CASE WHEN prev_p IS NULL THEN NULL
                   WHEN prev_p < p - 1 THEN 'inactive'
                   WHEN prev2_p IS NULL THEN 'new'
                   WHEN prev2_p = prev_p - 1 THEN 'retained'
                   ELSE 'reactivated' END AS previous_state
       FROM w
     )
     SELECT ${seg}user_id, p, state, previous_state,
            CASE WHEN previous_state IS NULL THEN 'new' ELSE previous_state || '_to_' || state END AS transition,
            streak, 0 AS inactive_streak,
            CASE WHEN prev_p IS NULL THEN NULL ELSE p - prev_p END AS gap,
            CASE WHEN prev_p < p - 1 THEN p - prev_p - 1 ELSE NULL END AS churned_periods,
            active_periods, first_p, p - first_p AS tenure
     FROM s
     UNION ALL
     SELECT ${seg}user_id, p + 1, 'inactive', state, state || '_to_inactive',
            0, 1, NULL, NULL, active_periods, first_p, p + 1 - first_p
     FROM s, bounds
     WHERE (next_p IS NULL OR next_p > p + 1) AND p + 1 <= bounds.p1`,
  ];
  const summary = `
     WITH c AS (
       SELECT ${seg}p,
              count(*) FILTER (WHERE state <> 'inactive') AS active,
              count(*) FILTER (WHERE state = 'new') AS new,
              count(*) FILTER (WHERE state = 'retained') AS retained,
              count(*) FILTER (WHERE state = 'reactivated') AS reactivated,
              count(*) FILTER (WHERE state = 'inactive') AS churned
       FROM states GROUP BY ${seg}p
     ),
     r AS (SELECT ${segment ? 's.segment, ' : ''}unnest(range(p0, p1 + 1)) AS p, through FROM bounds${segment ? ', (SELECT DISTINCT segment FROM act) s' : ''}),
     t AS (
       SELECT ${segment ? 'r.segment, ' : ''}r.p, r.through,
              coalesce(active, 0) AS active, coalesce(new, 0) AS new,
              coalesce(retained, 0) AS retained, coalesce(reactivated, 0) AS reactivated,
              coalesce(churned, 0) AS churned,
              sum(coalesce(new, 0)) OVER (${segment ? 'PARTITION BY r.segment ' : ''}ORDER BY r.p) AS total_users
       FROM r LEFT JOIN c ON c.p = r.p${segment ? ' AND c.segment IS NOT DISTINCT FROM r.segment' : ''}
     ),
     u AS (
       SELECT *, total_users - active AS inactive,
              lag(active) OVER (${by}ORDER BY p) AS active_prev,
              lag(total_users - active) OVER (${by}ORDER BY p) AS inactive_prev
       FROM t
     )
     SELECT ${seg}CAST(${START[grain]('p')} AS VARCHAR) AS period_start,
            CAST(${END[grain]('p')} AS VARCHAR) AS period_end,
            ${END[grain]('p')} <= through AS complete,
            CAST(active AS BIGINT) AS active, CAST(new AS BIGINT) AS new,
            CAST(retained AS BIGINT) AS retained, CAST(reactivated AS BIGINT) AS reactivated,
            CAST(churned AS BIGINT) AS churned, CAST(inactive - churned AS BIGINT) AS dormant,
            CAST(inactive AS BIGINT) AS inactive, CAST(total_users AS BIGINT) AS total_users,
            CASE WHEN coalesce(active_prev, 0) = 0 THEN NULL ELSE CAST(retained AS DOUBLE) / active_prev END AS retention_rate,
            CASE WHEN coalesce(active_prev, 0) = 0 THEN NULL ELSE CAST(churned AS DOUBLE) / active_prev END AS churn_rate,
            CASE WHEN coalesce(inactive_prev, 0) = 0 THEN NULL ELSE CAST(reactivated AS DOUBLE) / inactive_prev END AS reactivation_rate,
            CASE WHEN churned = 0 THEN NULL ELSE CAST(new + reactivated AS DOUBLE) / churned END AS quick_ratio
     FROM u ORDER BY ${segment ? 'segment NULLS LAST, ' : ''}p`;
  // Per period and state: row count and sums of the metadata columns, the
  // fingerprint compared with the engine's states table at every scale.
  const statesCheck = `
     SELECT CAST(${START[grain]('p')} AS VARCHAR) AS period_start, state,
            CAST(count(*) AS BIGINT) AS n,
            CAST(sum(streak) AS BIGINT) AS streak,
            CAST(sum(inactive_streak) AS BIGINT) AS inactive_streak,
            CAST(coalesce(sum(gap), 0) AS BIGINT) AS gap,
            CAST(coalesce(sum(churned_periods), 0) AS BIGINT) AS churned_periods,
            CAST(sum(active_periods) AS BIGINT) AS active_periods,
            CAST(sum(tenure) AS BIGINT) AS tenure,
            CAST(count(previous_state) AS BIGINT) AS with_previous
     FROM states GROUP BY ALL ORDER BY 1, 2`;
  // Every row, for the full comparison at small scale.
  const statesRows = `
     SELECT CAST(user_id AS VARCHAR) AS user_id, CAST(${START[grain]('p')} AS VARCHAR) AS period_start,
            state, previous_state, transition,
            CAST(streak AS INTEGER) AS streak, CAST(inactive_streak AS INTEGER) AS inactive_streak,
            CAST(gap AS INTEGER) AS gap, CAST(churned_periods AS INTEGER) AS churned_periods,
            CAST(active_periods AS INTEGER) AS active_periods,
            CAST(${START[grain]('first_p')} AS VARCHAR) AS first_period,
            CAST(tenure AS INTEGER) AS tenure
     FROM states`;
  const cleanup = ['DROP TABLE IF EXISTS states', 'DROP TABLE IF EXISTS bounds', 'DROP TABLE IF EXISTS act'];
  return { run, summary, statesCheck, statesRows, cleanup };
}
