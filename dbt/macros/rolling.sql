{#-
  Rolling activity and depth of use (SPEC section 12): the activity table
  (users active each day and in each trailing window, stickiness) and the
  depth table (users by distinct active days per week or month). Like the
  period tables, each is a whole model, incremental on the snapshot model
  when given one:

    {{ activation_layer.activation_activity(ref('fact_app_visit'),
                                            snapshot=ref('fact_app_visit_firstlast')) }}
    {{ activation_layer.activation_depth(ref('fact_app_visit'), grain='week',
                                         snapshot=ref('fact_app_visit_firstlast')) }}
-#}

{#- The activity table: a row per day from the first day of the first
    reported period of `grain` (default day: the report_from day, or the
    first day with data; an incremental build: the day after the
    snapshot's as_of) through `through`.

    A user active on day a counts in the window of N days ending on d when
    a <= d < a + N. Each active day covers the days up to the next active
    day of the user or N days, whichever comes first; these spans never
    overlap, so a +1 where each starts and a -1 where it stops, summed over
    the days, gives every window's count in one pass (the engine's
    rolling.rs does the same). A resumed user enters with their last
    active date: no earlier day reaches a reported one further. -#}
{% macro activation_activity(facts, snapshot=none, grain='day') %}
  {%- set o = activation_layer.options(facts, grain, **kwargs) -%}
  {{ activation_layer.configure_period_model(o, ['date'], snapshot, 'date') }}
  {%- set resume = activation_layer.period_resume(snapshot) -%}
  {%- set s = activation_layer.seg(o) -%}
  {%- set widths = [1] + o.windows -%}
  {%- set order_days = ('partition by segment ' if o.segment_column else '') ~ 'order by day' -%}
  {%- set DN = activation_layer.day_number -%}
  {#- One-row CTEs are read through scalar subqueries: Spark's join
      reordering fails on cross joins of them. -#}
  {%- set first_dn = 'h.first_dn' if o.segment_column else '(select first_dn from al_act_history)' -%}
  with
  {{ activation_layer.fact_days(facts, o, resume, snapshot) }},
  {{ activation_layer.bounds(o, grain) }},
  al_act_span as (
    select through_dn,
      case when a0_dn is not null and a0_dn + 1 > pf_dn then a0_dn + 1 else pf_dn end as from_dn
    from (
      select {{ DN('through') }} as through_dn, {{ DN('a0') }} as a0_dn,
        {{ DN(activation_layer.period_start(grain, 'pf', o.week_start)) }} as pf_dn
      from al_bounds
    ) b
  ),
  al_act_days as (
    select {{ s }}user_id, dn, lead(dn) over (partition by {{ s }}user_id order by dn) as next_dn
    from (
      select {{ s }}user_id, dn from al_days
      {%- if resume != 'none' %}
      union all
      select {{ s }}user_id, {{ DN('last_active_date') }} as dn from al_s0
      {%- endif %}
    ) x
  ),
  al_act_marks as (
    select {{ s }}dn as day{% for w in widths %}, 1 as c{{ w }}{% endfor %}
    from al_act_days
    {%- for w in widths %}
    union all
    select {{ s }}e as day{% for v in widths %}, {{ -1 if v == w else 0 }} as c{{ v }}{% endfor %}
    from (
      select {{ s }}case when next_dn is not null and next_dn < dn + {{ w }} then next_dn else dn + {{ w }} end as e
      from al_act_days
    ) x
    where e <= (select through_dn from al_act_span)
    {%- endfor %}
  ),
  {%- if o.segment_column %}
  {{ activation_layer.layer_segments(resume) }},
  {%- endif %}
  {#- Every reported day of every segment has a row, zeros included. -#}
  al_act_calendar as (
    select {{ activation_layer.seg(o, 'g.') }}c.day
    from (
      select {{ activation_layer.integer_rows('from_dn', 'through_dn') }} as day
      from al_act_span where from_dn <= through_dn
    ) c
    {%- if o.segment_column %}
    cross join al_segments g
    {%- endif %}
  ),
  al_act_counts as (
    select {{ s }}day{% for w in widths %},
      sum(c{{ w }}) over ({{ order_days }} rows between unbounded preceding and current row) as n{{ w }}
      {%- endfor %}
    from (
      select {{ s }}day{% for w in widths %}, sum(c{{ w }}) as c{{ w }}{% endfor %}
      from (
        select {{ s }}day{% for w in widths %}, c{{ w }}{% endfor %} from al_act_marks
        union all
        select {{ s }}day{% for w in widths %}, 0 as c{{ w }}{% endfor %} from al_act_calendar
      ) x
      group by {{ s }}day
    ) x
  ),
  {#- The first day of history: the earliest first active date of the
      snapshot and the facts (a split's segment: its own). -#}
  al_act_history as (
    select {{ s }}min(dn) as first_dn
    from (
      select {{ s }}dn from al_days
      {%- if resume != 'none' %}
      union all
      select {{ s }}{{ DN('first_active_date') }} as dn from al_s0
      {%- endif %}
    ) x
    {%- if o.segment_column %}
    group by segment
    {%- endif %}
  )
  select {{ activation_layer.seg(o, 'x.') }}{{ activation_layer.date_from_day_number('x.day') }} as date,
    cast(x.n1 as bigint) as active_1d
    {%- for w in o.windows %},
    cast(x.n{{ w }} as bigint) as active_{{ w }}d,
    {{ activation_layer.rate('x.n1', 'x.n' ~ w) }} as stickiness_{{ w }}d,
    coalesce(x.day - {{ w - 1 }} >= {{ first_dn }}, false) as complete_{{ w }}d
    {%- endfor %}
  from al_act_counts x
  {%- if o.segment_column %}
  left join al_act_history h on h.segment is not distinct from x.segment
  {%- endif %}
  where x.day >= (select from_dn from al_act_span)
{% endmacro %}

{#- The depth table of a week or month grain: per reported period and every
    k from 1 to its number of days, the users active on exactly k distinct
    days of it, zeros included. A resumed user's days in the period of
    their last active date are the snapshot's {g}_active_days plus the new
    ones, so the open period is counted whole again. -#}
{% macro activation_depth(facts, grain, snapshot=none) %}
  {%- if grain not in ['week', 'month'] -%}
    {{ exceptions.raise_compiler_error("activation_layer: the depth table counts active days per week or month: grain must be week or month, not " ~ grain) }}
  {%- endif -%}
  {%- set o = activation_layer.options(facts, grain, **kwargs) -%}
  {%- set g = activation_layer.grain_adjective(grain) -%}
  {{ activation_layer.configure_period_model(o, ['period_start', 'days_active'], snapshot) }}
  {%- set resume = activation_layer.period_resume(snapshot) -%}
  {%- set s = activation_layer.seg(o) -%}
  {%- set P = activation_layer.period_of_date -%}
  with
  {{ activation_layer.fact_days(facts, o, resume, snapshot) }},
  {{ activation_layer.bounds(o, grain) }},
  al_depth_users as (
    select {{ s }}p, sum(days) as k
    from (
      select {{ s }}user_id, {{ P(o, grain, 'd') }} as p, 1 as days from al_days
      {%- if resume != 'none' %}
      union all
      select {{ s }}user_id, {{ P(o, grain, 'last_active_date') }} as p, {{ g }}_active_days as days from al_s0
      {%- endif %}
    ) x
    group by {{ s }}user_id, p
  ),
  al_depth_counts as (
    select {{ activation_layer.seg(o, 'u.') }}u.p, u.k, count(*) as users
    from al_depth_users u
    join al_bounds b on u.p >= b.pf and u.p <= b.pl
    group by {{ activation_layer.seg(o, 'u.') }}u.p, u.k
  ),
  {%- if o.segment_column %}
  {{ activation_layer.layer_segments(resume) }},
  {%- endif %}
  al_depth_periods as (
    select p, {{ activation_layer.integer_rows(1, activation_layer.day_number(activation_layer.period_start(grain, '(p) + 1', o.week_start))
                ~ ' - ' ~ activation_layer.day_number(activation_layer.period_start(grain, 'p', o.week_start))) }} as k
    from (select {{ activation_layer.integer_rows('pf', 'pl') }} as p from al_bounds where pf <= pl) x
  )
  select {{ activation_layer.seg(o, 'g.') }}{{ activation_layer.period_start(grain, 'x.p', o.week_start) }} as period_start,
    cast(x.k as integer) as days_active,
    cast(coalesce(c.users, 0) as bigint) as users
  from al_depth_periods x
  {%- if o.segment_column %}
  cross join al_segments g
  {%- endif %}
  left join al_depth_counts c on c.p = x.p and c.k = x.k{{ activation_layer.same_segment(o, 'c', 'g') }}
{% endmacro %}
