// The SQL a data engineer would write for SPEC sections 2-5 (rows =
// changes): the states table with streak, inactive_streak, gap,
// churned_periods, active_periods, first_period and tenure, the summary,
// and, to check the engine's other tables, the transitions, the cohorts and
// the FirstLast snapshot. One text serves DuckDB-WASM (0.9.1 and 1.4.x) and
// native DuckDB (the Python harness receives it from here), so every engine
// runs exactly the same statements.
//
// Local dates are UTC, or a US zone's with the US rules written out below
// (DuckDB-WASM has no ICU, so no `AT TIME ZONE`); weeks start on any
// weekday. Periods are integers so that "p - 1" is the previous period:
//   day   = days since 1970-01-01
//   week  = weeks since the week-start day before 1970-01-01
//   month = year * 12 + month - 1

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Period and period-start expressions of a grain (`ws`: 0 Monday .. 6 Sunday). */
function periods(grain, ws) {
  // 1970-01-01 was a Thursday, three days after a Monday (as src/grain.rs).
  const PERIOD = {
    day: (d) => `(${d} - DATE '1970-01-01')`,
    week: (d) => `((${d} - DATE '1970-01-01') + ${3 - ws}) // 7`,
    month: (d) => `(year(${d}) * 12 + month(${d}) - 1)`,
  };
  const START = {
    day: (p) => `(DATE '1970-01-01' + CAST(${p} AS INTEGER))`,
    week: (p) => `(DATE '1970-01-01' + CAST(${p} * 7 - ${3 - ws} AS INTEGER))`,
    month: (p) => `make_date(CAST(${p} // 12 AS BIGINT), CAST(${p} % 12 + 1 AS BIGINT), 1)`,
  };
  const END = {
    day: (p) => START.day(p),
    week: (p) => `(${START.week(p)} + 6)`,
    month: (p) => `CAST(${START.month(p)} + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)`,
  };
  if (!PERIOD[grain]) throw new Error(`unknown grain ${grain}`);
  return { P: PERIOD[grain], START: START[grain], END: END[grain] };
}

// US zones by their standard offset (hours behind UTC): the rules below
// are the same for all.
const US_ZONES = { 'America/New_York': 5, 'America/Chicago': 6, 'America/Denver': 7, 'America/Los_Angeles': 8 };

/**
 * The local date of a UTC timestamp expression, in UTC or a US zone: US
 * rules since 2007, daylight time (an hour less behind UTC) from 02:00
 * local standard time on the second Sunday of March to 02:00 daylight
 * time on the first Sunday of November.
 */
function localDate(ts, timezone) {
  if (timezone === 'UTC') return `CAST(${ts} AS DATE)`;
  const std = US_ZONES[timezone];
  if (!std) throw new Error(`no SQL for time zone ${timezone}`);
  const sunday = (month, from) => `(make_date(year(${ts}), ${month}, ${from}) + CAST((7 - dayofweek(make_date(year(${ts}), ${month}, ${from}))) % 7 AS INTEGER))`;
  const dst = `(${ts} >= CAST(${sunday(3, 8)} AS TIMESTAMP) + INTERVAL ${2 + std} HOUR AND ${ts} < CAST(${sunday(11, 1)} AS TIMESTAMP) + INTERVAL ${1 + std} HOUR)`;
  return `CAST(${ts} - CASE WHEN ${dst} THEN INTERVAL ${std - 1} HOUR ELSE INTERVAL ${std} HOUR END AS DATE)`;
}

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
export function activationSql(grain, source, segment = null, { timezone = 'UTC', weekStart = 'monday' } = {}) {
  const ws = WEEKDAYS.indexOf(weekStart);
  if (ws < 0) throw new Error(`unknown week start ${weekStart}`);
  const { P, START, END } = periods(grain, ws);
  const day = localDate('CAST(event_time AS TIMESTAMP)', timezone);
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
     SELECT ${seg}CAST(${START('p')} AS VARCHAR) AS period_start,
            CAST(${END('p')} AS VARCHAR) AS period_end,
            ${END('p')} <= through AS complete,
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
     SELECT CAST(${START('p')} AS VARCHAR) AS period_start, state,
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
     SELECT CAST(user_id AS VARCHAR) AS user_id, CAST(${START('p')} AS VARCHAR) AS period_start,
            state, previous_state, transition,
            CAST(streak AS INTEGER) AS streak, CAST(inactive_streak AS INTEGER) AS inactive_streak,
            CAST(gap AS INTEGER) AS gap, CAST(churned_periods AS INTEGER) AS churned_periods,
            CAST(active_periods AS INTEGER) AS active_periods,
            CAST(${START('first_p')} AS VARCHAR) AS first_period,
            CAST(tenure AS INTEGER) AS tenure
     FROM states`;
  const cleanup = ['DROP TABLE IF EXISTS states', 'DROP TABLE IF EXISTS bounds', 'DROP TABLE IF EXISTS act'];
  const out = { run, summary, statesCheck, statesRows, cleanup };
  // The other tables of a run without segments, from the same tables.
  if (!segment) Object.assign(out, otherTables(facts, grain, ws));
  return out;
}

/** The transitions, cohorts and snapshot queries (SPEC sections 4 and 5), after `run`. */
function otherTables(facts, grain, ws) {
  const { START } = periods(grain, ws);
  const reported = 'SELECT unnest(range(p0, p1 + 1)) AS p FROM bounds';
  const firsts = 'SELECT user_id, min(p) AS c FROM act GROUP BY user_id';
  const nine = [[null, 'new'], ['new', 'retained'], ['new', 'inactive'], ['retained', 'retained'], ['retained', 'inactive'],
    ['reactivated', 'retained'], ['reactivated', 'inactive'], ['inactive', 'reactivated'], ['inactive', 'inactive']]
    .map(([f, t], k) => `(${k}, ${f ? `'${f}'` : 'NULL'}, '${t}')`).join(', ');
  // Every state row is a move; the dormant users (inactive, and in the
  // period before) have no row: users known by then, less the active and
  // the churned.
  const transitions = `
     WITH r AS (${reported}),
     sizes AS (SELECT c, count(*) AS n FROM (${firsts}) GROUP BY c),
     known AS (SELECT r.p, sum(n) AS n FROM r JOIN sizes ON sizes.c <= r.p GROUP BY r.p),
     active AS (SELECT p, count(*) AS n FROM act GROUP BY p),
     churned AS (SELECT p, count(*) AS n FROM states WHERE state = 'inactive' GROUP BY p),
     moves AS (
       SELECT p, previous_state AS from_state, state AS to_state, count(*) AS users FROM states GROUP BY ALL
       UNION ALL
       SELECT known.p, 'inactive', 'inactive', known.n - coalesce(active.n, 0) - coalesce(churned.n, 0)
       FROM known LEFT JOIN active ON active.p = known.p LEFT JOIN churned ON churned.p = known.p
     ),
     nine(k, from_state, to_state) AS (VALUES ${nine})
     SELECT CAST(${START('r.p')} AS VARCHAR) AS period_start, nine.from_state, nine.to_state,
            CAST(coalesce(sum(m.users), 0) AS BIGINT) AS users
     FROM r CROSS JOIN nine
     LEFT JOIN moves m ON m.p = r.p AND m.from_state IS NOT DISTINCT FROM nine.from_state AND m.to_state = nine.to_state
     GROUP BY r.p, nine.k, nine.from_state, nine.to_state ORDER BY r.p, nine.k`;
  const cohorts = `
     WITH r AS (${reported}),
     f AS (${firsts}),
     sizes AS (SELECT c, count(*) AS n FROM f GROUP BY c),
     a AS (SELECT f.c, act.p, count(*) AS n FROM act JOIN f ON f.user_id = act.user_id GROUP BY ALL)
     SELECT CAST(${START('s.c')} AS VARCHAR) AS cohort_period, CAST(${START('r.p')} AS VARCHAR) AS period_start,
            CAST(r.p - s.c AS INTEGER) AS periods_since, CAST(s.n AS BIGINT) AS cohort_size,
            CAST(coalesce(a.n, 0) AS BIGINT) AS active_users, CAST(coalesce(a.n, 0) AS DOUBLE) / s.n AS retention
     FROM r JOIN sizes s ON s.c <= r.p LEFT JOIN a ON a.c = s.c AND a.p = r.p
     ORDER BY r.p, s.c`;
  // The snapshot: one row per user with, for each grain (weeks of the
  // run's week start), the latest active date before the period of the
  // last one, the run of consecutive active periods ending there (periods
  // minus their rank is constant along a run), and the active periods.
  const grains = ['daily', 'weekly', 'monthly'];
  const per = grains.map((g, i) => {
    const { P } = periods(['day', 'week', 'month'][i], ws);
    return `
     ${g}_runs AS (
       SELECT user_id, p, p - row_number() OVER (PARTITION BY user_id ORDER BY p) AS run,
              max(p) OVER (PARTITION BY user_id) AS lp
       FROM (SELECT DISTINCT user_id, ${P('d')} AS p FROM days)
     ),
     ${g}_last AS (SELECT user_id, run AS last_run, lp FROM ${g}_runs WHERE p = lp),
     ${g} AS (
       SELECT l.user_id, count(*) FILTER (WHERE r.run = l.last_run) AS streak, count(*) AS active_periods,
              (SELECT max(x.d) FROM days x WHERE x.user_id = l.user_id AND ${P('x.d')} < l.lp) AS previous
       FROM ${g}_last l JOIN ${g}_runs r ON r.user_id = l.user_id
       GROUP BY l.user_id, l.lp
     )`;
  });
  const snapshot = `
     WITH days AS (SELECT DISTINCT user_id, d FROM (${facts})),
     ${per.join(',')}
     SELECT CAST(u.user_id AS VARCHAR) AS user_id, CAST(u.first AS VARCHAR) AS first_active_date,
            CAST(u.last AS VARCHAR) AS last_active_date,
            ${grains.map((g) => `CAST(${g}.previous AS VARCHAR) AS ${g}_previous_active_date,
            CAST(${g}.streak AS INTEGER) AS ${g}_streak, CAST(${g}.active_periods AS INTEGER) AS ${g}_active_periods`).join(',\n            ')}
     FROM (SELECT user_id, min(d) AS first, max(d) AS last FROM days GROUP BY user_id) u
     ${grains.map((g) => `JOIN ${g} ON ${g}.user_id = u.user_id`).join(' ')}
     ORDER BY 1`;
  return { transitions, cohorts, snapshot };
}

