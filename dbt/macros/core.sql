{#-
  The one computation behind every model: the facts' active days, the
  history a snapshot carries (SPEC section 5), and the walk over each
  user's active periods that gives states and streaks (sections 2, 3).
  Every public macro selects from these CTEs (all named al_*), so the
  tables cannot disagree with each other.

  `resume` says where history comes from:
    none    every fact through `through` (a full build);
    self    the snapshot model's own rows (its incremental build);
    latest  the snapshot as it stood before its latest build, for the
            period models built after it (see snapshot.sql).
-#}

{#- The snapshot's history columns per grain, in the engine's order (SPEC
    sections 5 and 12: weeks and months also keep the active days of the
    period of last_active_date, from which the open period's depth
    resumes). -#}
{% macro history_columns() %}
  {%- set cols = [] -%}
  {%- for g in ['daily', 'weekly', 'monthly'] -%}
    {%- do cols.extend([g ~ '_previous_active_date', g ~ '_streak', g ~ '_active_periods']) -%}
    {%- if g != 'daily' -%}
      {%- do cols.append(g ~ '_active_days') -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(cols) }}
{% endmacro %}

{#- "segment, " in a split layer (SPEC section 11), else nothing: the
    segment is the first part of every key, partition and group. -#}
{% macro seg(o, prefix='') -%}
  {%- if o.segment_column -%}{{ prefix }}segment, {% endif -%}
{%- endmacro %}

{#- Null-safe equality of the segments of two relations (a null segment is
    a segment of its own). -#}
{% macro same_segment(o, a, b) -%}
  {%- if o.segment_column %} and {{ a }}.segment is not distinct from {{ b }}.segment{% endif -%}
{%- endmacro %}

{#- The period of a DATE expression. -#}
{% macro period_of_date(o, grain, date_expr) -%}
  {{- activation_layer.period_of(grain, date_expr, activation_layer.day_number(date_expr), o.week_start) -}}
{%- endmacro %}

{#- CTEs al_a0, al_local, al_run, al_days (and al_s0 when resuming). -#}
{% macro fact_days(facts, o, resume, snapshot) %}
  {%- set q = adapter.quote -%}
  {%- if resume == 'latest' -%}
  al_latest as (
    select max(as_of) as latest from {{ snapshot }}
  ),
  al_a0 as (
    select max(resumed_from) as a0
    from {{ snapshot }}
    where as_of = (select latest from al_latest)
  ),
  {#- The snapshot before its latest build: the rows that build wrote, as
      they were before it (prior), and every other row as it is; users
      new in that build were not in it. -#}
  al_s0 as (
    select {{ activation_layer.seg(o) }}user_id, first_active_date,
      case when in_latest then prior.last_active_date else last_active_date end as last_active_date
      {%- for c in activation_layer.history_columns() %},
      case when in_latest then prior.{{ c }} else {{ c }} end as {{ c }}
      {%- endfor %}
    from (
      select s.*, s.as_of = (select latest from al_latest) as in_latest
      from {{ snapshot }} s
    ) s
    where not in_latest or prior is not null
  ),
  {%- elif resume == 'self' -%}
  al_a0 as (
    select max(as_of) as a0 from {{ this }}
  ),
  al_s0 as (
    select {{ activation_layer.seg(o) }}user_id, first_active_date, last_active_date
      {%- for c in activation_layer.history_columns() %}, {{ c }}{% endfor %}
    from {{ this }}
  ),
  {%- else -%}
  al_a0 as (
    select cast(null as date) as a0
  ),
  {%- endif %}
  al_local as (
    select {{ activation_layer.seg(o, 'f.') }}f.user_id, f.d
    from (
      select
        {%- if o.segment_column %} {{ q(o.segment_column) }} as segment,{% endif %}
        {{ q(o.user_column) }} as user_id,
        {{ activation_layer.local_date(q(o.time_column), o.time_kind, o.timezone) }} as d
      from {{ facts }}
      where {{ q(o.user_column) }} is not null and {{ q(o.time_column) }} is not null
      {%- if o.fact_column %}
        and cast({{ q(o.fact_column) }} as string) in ({% for v in o.fact_values %}'{{ v | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
      {%- endif %}
    ) f
    where f.d > coalesce((select a0 from al_a0), date '0001-01-01')
  ),
  al_run as (
    select al_a0.a0,
      {%- if o.through %}
      date '{{ o.through }}'
      {%- elif resume == 'latest' %}
      (select latest from al_latest)
      {%- elif resume == 'self' %}
      coalesce((select max(d) from al_local), al_a0.a0)
      {%- else %}
      (select max(d) from al_local)
      {%- endif %} as through
    from al_a0
  ),
  al_days as (
    select distinct {{ activation_layer.seg(o, 'l.') }}l.user_id, l.d, {{ activation_layer.day_number('l.d') }} as dn
    from al_local l
    where l.d <= (select through from al_run)
  )
{%- endmacro %}

{#- CTE al_bounds: the reported periods pf..pl of `grain` (SPEC section
    4): from report_from, or with a snapshot the period holding as_of + 1
    (the open period is reported again), else the first period with data;
    through the period holding `through`. Earlier periods are history. -#}
{% macro bounds(o, grain) %}
  {%- set P = activation_layer.period_of_date -%}
  {%- set after_a0 = activation_layer.date_from_day_number(activation_layer.day_number('r.a0') ~ ' + 1') -%}
  al_bounds as (
    select r.a0, r.through,
      {{ P(o, grain, 'r.through') }} as pl,
      case when r.a0 is not null then
        {%- if o.report_from %}
        greatest({{ P(o, grain, after_a0) }}, {{ P(o, grain, "date '" ~ o.report_from ~ "'") }})
        {%- else %}
        {{ P(o, grain, after_a0) }}
        {%- endif %}
      else
        {%- if o.report_from %}
        {{ P(o, grain, "date '" ~ o.report_from ~ "'") }}
        {%- else %}
        {{ P(o, grain, 'r.min_d') }}
        {%- endif %}
      end as pf
    from (select a0, through, (select min(d) from al_days) as min_d from al_run) r
  )
{%- endmacro %}

{#- CTEs al_<g>_*: the walk of `grain` over every user's active periods.
    A user resumed from the snapshot enters with one row, the period of
    their last active date (every earlier period is history that no
    reported row needs), carrying its streak, lifetime count and the
    period before it; new facts add their periods after it. Result
    al_<g>_walk: one row per user and active period, with state,
    previous_state, streak, gap, lifetime count (cnt), the first period f,
    the next active period, the latest active date before the period
    (prev_date) and the period's distinct active days (days), what the
    snapshot keeps. -#}
{% macro walk(o, grain, resume) %}
  {%- set g = activation_layer.grain_adjective(grain) -%}
  {%- set P = activation_layer.period_of_date -%}
  {%- set by = 'partition by ' ~ activation_layer.seg(o) ~ 'user_id' -%}
  al_{{ g }}_periods as (
    select {{ activation_layer.seg(o) }}user_id, p, max(max_dn) as max_dn, sum(days) as days, max(is_seed) as is_seed,
      max(seed_f) as seed_f, max(seed_streak) as seed_streak, max(seed_count) as seed_count,
      max(seed_prev_p) as seed_prev_p, max(seed_prev_date) as seed_prev_date
    from (
      {%- if resume != 'none' %}
      select {{ activation_layer.seg(o) }}user_id, {{ P(o, grain, 'last_active_date') }} as p,
        {{ activation_layer.day_number('last_active_date') }} as max_dn,
        {{ g ~ '_active_days' if g != 'daily' else 1 }} as days, 1 as is_seed,
        {{ P(o, grain, 'first_active_date') }} as seed_f,
        {{ g }}_streak as seed_streak, {{ g }}_active_periods as seed_count,
        case when {{ g }}_streak >= 2 then {{ P(o, grain, 'last_active_date') }} - 1
             else {{ P(o, grain, g ~ '_previous_active_date') }} end as seed_prev_p,
        {{ g }}_previous_active_date as seed_prev_date
      from al_s0
      union all
      {%- endif %}
      select {{ activation_layer.seg(o) }}user_id, {{ P(o, grain, 'd') }} as p, dn as max_dn, 1 as days, 0 as is_seed,
        cast(null as integer) as seed_f, cast(null as integer) as seed_streak, cast(null as integer) as seed_count,
        cast(null as integer) as seed_prev_p, cast(null as date) as seed_prev_date
      from al_days
    ) x
    group by {{ activation_layer.seg(o) }}user_id, p
  ),
  al_{{ g }}_w1 as (
    select x.*,
      row_number() over ({{ by }} order by p) as rn,
      lag(p) over ({{ by }} order by p) as lag_p,
      lag(max_dn) over ({{ by }} order by p) as lag_max_dn,
      lead(p) over ({{ by }} order by p) as next_p,
      min(p) over ({{ by }}) as min_p,
      max(seed_f) over ({{ by }}) as sf,
      max(seed_count) over ({{ by }}) as sc,
      max(seed_streak) over ({{ by }}) as ss
    from al_{{ g }}_periods x
  ),
  al_{{ g }}_w2 as (
    select x.*,
      min(p) over (partition by {{ activation_layer.seg(o) }}user_id, p - rn) as island_start
    from al_{{ g }}_w1 x
  ),
  al_{{ g }}_w3 as (
    select {{ activation_layer.seg(o) }}user_id, p, next_p, max_dn, cast(days as integer) as days, rn,
      coalesce(sf, min_p) as f,
      cast(coalesce(sc - 1, 0) + rn as integer) as cnt,
      {#- The run that holds the resumed period continues its streak. -#}
      cast(case when ss is not null and island_start = min_p then ss + (p - min_p)
                else p - island_start + 1 end as integer) as streak,
      case when is_seed = 1 then seed_prev_p else lag_p end as prev_p,
      case when is_seed = 1 then seed_prev_date
           else {{ activation_layer.date_from_day_number('lag_max_dn') }} end as prev_date
    from al_{{ g }}_w2
  ),
  al_{{ g }}_walk as (
    select x.*,
      case when p = f then 'new' when streak >= 2 then 'retained' else 'reactivated' end as state,
      case when p = f then cast(null as string)
           when streak >= 2 then case when p - 1 = f then 'new' when streak >= 3 then 'retained' else 'reactivated' end
           else 'inactive' end as previous_state
    from al_{{ g }}_w3 x
  )
{%- endmacro %}

{#- CTE al_<g>_states: the state rows of the reported periods, with the
    period as an integer p (SPEC sections 2-4): each active (user,
    period), and after each run of active periods its churn row (rows =
    changes) or a row for every inactive period up to the next active one
    (rows = all). -#}
{% macro state_rows(o, grain, rows) %}
  {%- set g = activation_layer.grain_adjective(grain) -%}
  {%- set cols = activation_layer.seg(o, 'w.') ~ 'w.user_id' -%}
  al_{{ g }}_inactive_runs as (
    select {{ cols }}, w.p as q, w.state as q_state, w.cnt, w.f,
      case when w.p + 1 > b.pf then w.p + 1 else b.pf end as lo,
      case when w.next_p is not null and w.next_p - 1 < b.pl then w.next_p - 1 else b.pl end as hi
    from al_{{ g }}_walk w
    join al_bounds b on w.next_p is null or w.next_p > w.p + 1
  ),
  al_{{ g }}_states as (
    select {{ cols }}, w.p, w.state, w.previous_state, w.streak,
      cast(0 as integer) as inactive_streak,
      cast(case when w.p = w.f then null else w.p - w.prev_p end as integer) as gap,
      cast(case when w.p <> w.f and w.streak = 1 then w.p - w.prev_p - 1 end as integer) as churned_periods,
      w.cnt as active_periods, w.f, w.p - w.f as tenure
    from al_{{ g }}_walk w
    join al_bounds b on w.p >= b.pf and w.p <= b.pl
    union all
    select {{ activation_layer.seg(o, 'i.') }}i.user_id, i.t as p, 'inactive' as state,
      case when i.t = i.q + 1 then i.q_state else 'inactive' end as previous_state,
      cast(0 as integer) as streak, cast(i.t - i.q as integer) as inactive_streak,
      cast(null as integer) as gap, cast(null as integer) as churned_periods,
      i.cnt as active_periods, i.f, i.t - i.f as tenure
    from (
      {%- if rows == 'all' %}
      select x.*, {{ activation_layer.integer_rows('x.lo', 'x.hi') }} as t
      from al_{{ g }}_inactive_runs x
      where x.lo <= x.hi
      {%- else %}
      select x.*, x.q + 1 as t
      from al_{{ g }}_inactive_runs x
      where x.lo = x.q + 1 and x.lo <= x.hi
      {%- endif %}
    ) i
  )
{%- endmacro %}

{#- Every CTE a period table needs, for one grain, from the facts and
    (when the model is incremental) the snapshot. -#}
{% macro period_layer(facts, o, snapshot, rows='changes') %}
  {%- set resume = activation_layer.period_resume(snapshot) -%}
  with
  {{ activation_layer.fact_days(facts, o, resume, snapshot) }},
  {{ activation_layer.bounds(o, o.grain) }},
  {{ activation_layer.walk(o, o.grain, resume) }},
  {{ activation_layer.state_rows(o, o.grain, rows) }}
{%- endmacro %}

{#- The incremental configuration of a period table (key: SPEC sections 4
    and 12, `segment` first in a segmented layer), or a plain table when
    the model has no snapshot to resume from. `period` is the column whose
    values an incremental build recomputes whole (the activity table's
    `date`). -#}
{% macro configure_period_model(o, key, snapshot, period='period_start') %}
  {%- if snapshot is none -%}
    {{ config(materialized='table') }}
  {%- else -%}
    {{ config(**activation_layer.model_config((['segment'] if o.segment_column else []) + key, period)) }}
  {%- endif -%}
{% endmacro %}

{#- How a period model reads history: from the snapshot as it stood before
    its latest build when the model is incremental on it (see
    snapshot.sql), else from every fact. -#}
{% macro period_resume(snapshot) %}
  {{- return('latest' if (snapshot is not none and is_incremental()) else 'none') -}}
{% endmacro %}

{#- CTE al_segments: the segments of a split layer, those of the users in
    the facts read or in the snapshot resumed from. -#}
{% macro layer_segments(resume) %}
  al_segments as (
    select distinct segment from (
      select segment from al_days
      {%- if resume != 'none' %}
      union all
      select segment from al_s0
      {%- endif %}
    ) x
  )
{%- endmacro %}
