{#-
  The period tables of SPEC section 4 (and 11 when split by a segment
  column): one public macro per table. Each is a whole model:

    {{ activation_layer.activation_states(ref('fact_app_visit'), grain='week',
                                          snapshot=ref('fact_app_visit_firstlast')) }}

  With `snapshot` the model is incremental on the FirstLast snapshot
  model: an incremental build reads only the facts after the snapshot's
  as_of before its latest build, and replaces every period from the one
  holding as_of + 1 (the open period is recomputed whole). Without it the
  model is a table computed from every fact.
-#}

{% macro activation_states(facts, grain, snapshot=none) %}
  {%- set o = activation_layer.options(facts, grain, **kwargs) -%}
  {%- set g = activation_layer.grain_adjective(grain) -%}
  {{ activation_layer.configure_period_model(o, ['user_id', 'period_start'], snapshot) }}
  {{ activation_layer.period_layer(facts, o, snapshot, o.rows) }}
  select {{ activation_layer.seg(o) }}user_id,
    {{ activation_layer.period_start(grain, 'p', o.week_start) }} as period_start,
    state, previous_state,
    case when previous_state is null then 'new' else previous_state || '_to_' || state end as transition,
    cast(streak as integer) as streak,
    cast(inactive_streak as integer) as inactive_streak,
    cast(gap as integer) as gap,
    cast(churned_periods as integer) as churned_periods,
    cast(active_periods as integer) as active_periods,
    {{ activation_layer.period_start(grain, 'f', o.week_start) }} as first_period,
    cast(tenure as integer) as tenure
  from al_{{ g }}_states
{% endmacro %}

{#- CTEs shared by the summary and transitions: per segment and reported
    period, users by transition, and total_users from the cohort sizes.
    Dormant users have no state row: they are total_users - active -
    churned (SPEC section 4's identities). -#}
{% macro period_counts(o) %}
  {%- set g = activation_layer.grain_adjective(o.grain) -%}
  {%- set s = activation_layer.seg(o) -%}
  ,
  {{ activation_layer.period_grid(o) }},
  al_by_transition as (
    select {{ s }}p,
      {%- for from_state, to_state in activation_layer.transition_pairs() %}
      sum(case when {{ "previous_state is null" if from_state is none else "previous_state = '" ~ from_state ~ "'" }}
               and state = '{{ to_state }}' then 1 else 0 end) as {{ activation_layer.transition_name(from_state, to_state) }}{{ "," if not loop.last }}
      {%- endfor %}
    from al_{{ g }}_states
    group by {{ s }}p
  ),
  al_totals as (
    select {{ activation_layer.seg(o, 'x.') }}x.p, coalesce(sum(z.n), 0) as total_users
    from al_grid x left join al_sizes z on z.f <= x.p{{ activation_layer.same_segment(o, 'z', 'x') }}
    group by {{ activation_layer.seg(o, 'x.') }}x.p
  ),
  al_counts as (
    select {{ activation_layer.seg(o, 'x.') }}x.p, x.through, t.total_users
      {%- for from_state, to_state in activation_layer.transition_pairs() if from_state != 'inactive' or to_state != 'inactive' %},
      coalesce(c.{{ activation_layer.transition_name(from_state, to_state) }}, 0) as {{ activation_layer.transition_name(from_state, to_state) }}
      {%- endfor %}
    from al_grid x
    join al_totals t on t.p = x.p{{ activation_layer.same_segment(o, 't', 'x') }}
    left join al_by_transition c on c.p = x.p{{ activation_layer.same_segment(o, 'c', 'x') }}
  ),
  al_summary as (
    select c.*,
      new + retained + reactivated as active,
      total_users - (new + retained + reactivated) - churned as dormant,
      retained + churned as active_before,
      total_users - new - (retained + churned) as inactive_before
    from (
      select x.*,
        new_to_retained + retained_to_retained + reactivated_to_retained as retained,
        inactive_to_reactivated as reactivated,
        new_to_inactive + retained_to_inactive + reactivated_to_inactive as churned
      from al_counts x
    ) c
  )
{%- endmacro %}

{#- CTEs al_grid (every segment with every reported period, zeros
    included) and al_sizes (users per segment and first period). -#}
{% macro period_grid(o) %}
  {%- set g = activation_layer.grain_adjective(o.grain) -%}
  al_periods as (
    select {{ activation_layer.integer_rows('pf', 'pl') }} as p, through
    from al_bounds where pf <= pl
  ),
  al_sizes as (
    select {{ activation_layer.seg(o) }}f, count(*) as n
    from al_{{ g }}_walk where rn = 1
    group by {{ activation_layer.seg(o) }}f
  ),
  al_grid as (
    {%- if o.segment_column %}
    select s.segment, x.p, x.through
    from (select distinct segment from al_sizes) s cross join al_periods x
    {%- else %}
    select p, through from al_periods
    {%- endif %}
  )
{%- endmacro %}

{#- The nine transitions (SPEC section 2), as (from_state, to_state). -#}
{% macro transition_pairs() %}
  {{ return([(none, 'new'), ('new', 'retained'), ('new', 'inactive'), ('retained', 'retained'),
             ('retained', 'inactive'), ('reactivated', 'retained'), ('reactivated', 'inactive'),
             ('inactive', 'reactivated'), ('inactive', 'inactive')]) }}
{% endmacro %}

{% macro transition_name(from_state, to_state) -%}
  {{- 'new' if from_state is none else from_state ~ '_to_' ~ to_state -}}
{%- endmacro %}

{#- A rate, null when its denominator is 0. -#}
{% macro rate(n, d) -%}
  case when {{ d }} = 0 then cast(null as double) else cast({{ n }} as double) / {{ d }} end
{%- endmacro %}

{% macro activation_summary(facts, grain, snapshot=none) %}
  {%- set o = activation_layer.options(facts, grain, **kwargs) -%}
  {{ activation_layer.configure_period_model(o, ['period_start'], snapshot) }}
  {{ activation_layer.period_layer(facts, o, snapshot) }}
  {{ activation_layer.period_counts(o) }}
  select {{ activation_layer.seg(o) }}
    {{ activation_layer.period_start(grain, 'p', o.week_start) }} as period_start,
    {{ activation_layer.period_end(grain, 'p', o.week_start) }} as period_end,
    {{ activation_layer.period_end(grain, 'p', o.week_start) }} <= through as complete,
    cast(active as bigint) as active,
    cast(new as bigint) as new,
    cast(retained as bigint) as retained,
    cast(reactivated as bigint) as reactivated,
    cast(churned as bigint) as churned,
    cast(dormant as bigint) as dormant,
    cast(churned + dormant as bigint) as inactive,
    cast(total_users as bigint) as total_users,
    {{ activation_layer.rate('retained', 'active_before') }} as retention_rate,
    {{ activation_layer.rate('churned', 'active_before') }} as churn_rate,
    {{ activation_layer.rate('reactivated', 'inactive_before') }} as reactivation_rate,
    {{ activation_layer.rate('new + reactivated', 'churned') }} as quick_ratio
  from al_summary
{% endmacro %}

{% macro activation_transitions(facts, grain, snapshot=none) %}
  {%- set o = activation_layer.options(facts, grain, **kwargs) -%}
  {{ activation_layer.configure_period_model(o, ['period_start', 'from_state', 'to_state'], snapshot) }}
  {{ activation_layer.period_layer(facts, o, snapshot) }}
  {{ activation_layer.period_counts(o) }}
  select {{ activation_layer.seg(o, 's.') }}
    {{ activation_layer.period_start(grain, 's.p', o.week_start) }} as period_start,
    t.from_state, t.to_state,
    cast(case
      {%- for from_state, to_state in activation_layer.transition_pairs() %}
      when t.from_state {{ "is null" if from_state is none else "= '" ~ from_state ~ "'" }} and t.to_state = '{{ to_state }}'
        then s.{{ 'dormant' if from_state == 'inactive' and to_state == 'inactive' else activation_layer.transition_name(from_state, to_state) }}
      {%- endfor %}
    end as bigint) as users
  from al_summary s
  cross join (
    {%- for from_state, to_state in activation_layer.transition_pairs() %}
    select {{ "cast(null as string)" if from_state is none else "'" ~ from_state ~ "'" }} as from_state, '{{ to_state }}' as to_state
    {{ "union all" if not loop.last }}
    {%- endfor %}
  ) t
{% endmacro %}

{% macro activation_cohorts(facts, grain, snapshot=none) %}
  {%- set o = activation_layer.options(facts, grain, **kwargs) -%}
  {%- set g = activation_layer.grain_adjective(grain) -%}
  {{ activation_layer.configure_period_model(o, ['cohort_period', 'period_start'], snapshot) }}
  {{ activation_layer.period_layer(facts, o, snapshot) }},
  {{ activation_layer.period_grid(o) }},
  al_cohort_active as (
    select {{ activation_layer.seg(o) }}p, f, count(*) as n
    from al_{{ g }}_states where state <> 'inactive'
    group by {{ activation_layer.seg(o) }}p, f
  )
  select {{ activation_layer.seg(o, 'x.') }}
    {{ activation_layer.period_start(grain, 'z.f', o.week_start) }} as cohort_period,
    {{ activation_layer.period_start(grain, 'x.p', o.week_start) }} as period_start,
    cast(x.p - z.f as integer) as periods_since,
    cast(z.n as bigint) as cohort_size,
    cast(coalesce(a.n, 0) as bigint) as active_users,
    cast(coalesce(a.n, 0) as double) / z.n as retention
  from al_grid x
  join al_sizes z on z.f <= x.p{{ activation_layer.same_segment(o, 'z', 'x') }}
  left join al_cohort_active a on a.p = x.p and a.f = z.f{{ activation_layer.same_segment(o, 'a', 'x') }}
{% endmacro %}
