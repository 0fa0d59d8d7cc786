{#-
  The FirstLast snapshot (SPEC section 5) as an incremental model: one row
  per user (per segment and user when split), with the columns of the
  engine's snapshot of format 2 (section 12: weekly_active_days and
  monthly_active_days) and three of the warehouse's own:

    as_of         the day through which the row's values are folded in (the
                  `through` of the build that wrote it; the snapshot's
                  as_of is the latest of them);
    resumed_from  the snapshot's as_of before that build (null for a full
                  build);
    prior         the row as it stood before that build (null for a user
                  new in it, or a full build).

  An incremental build reads only the facts after the snapshot's as_of and
  writes the rows of the users they touch. The period models built after
  it in the same `dbt build` resume from the snapshot as it was before
  that build (prior), as the engine resumes from yesterday's snapshot file,
  so they recompute the open period whole.
-#}

{% macro activation_snapshot(facts) %}
  {%- for name in ['grain', 'rows', 'report_from'] if name in kwargs -%}
    {{ exceptions.raise_compiler_error("activation_layer: the snapshot serves every grain and keeps every period; " ~ name ~ " belongs to the period models") }}
  {%- endfor -%}
  {%- set o = activation_layer.options(facts, **kwargs) -%}
  {%- set segment_column = o.segment_column -%}
  {{ config(**activation_layer.model_config((['segment'] if segment_column else []) + ['user_id'], none)) }}
  {%- set resume = 'self' if is_incremental() else 'none' -%}
  {%- set grains = [('day', 'daily'), ('week', 'weekly'), ('month', 'monthly')] -%}
  {%- set s = activation_layer.seg(o) -%}
  {%- set history = activation_layer.history_columns() -%}
  {%- set columns = (['segment'] if segment_column else []) + ['user_id', 'first_active_date', 'last_active_date']
                    + history + ['as_of', 'resumed_from', 'prior'] -%}
  with
  {{ activation_layer.fact_days(facts, o, resume, none) }},
  {%- for grain, g in grains %}
  {{ activation_layer.walk(o, grain, resume) }},
  {%- endfor %}
  al_touched as (
    select {{ s }}user_id, min(d) as first_d, max(d) as last_d
    from al_days
    group by {{ s }}user_id
  ),
  al_new_rows as (
    select {{ activation_layer.seg(o, 't.') }}t.user_id,
      {%- if resume == 'self' %}
      coalesce(s0.first_active_date, t.first_d) as first_active_date,
      {%- else %}
      t.first_d as first_active_date,
      {%- endif %}
      t.last_d as last_active_date,
      {%- for grain, g in grains %}
      {{ g }}.prev_date as {{ g }}_previous_active_date,
      cast({{ g }}.streak as integer) as {{ g }}_streak,
      cast({{ g }}.cnt as integer) as {{ g }}_active_periods,
      {%- if g != 'daily' %}
      {{ g }}.days as {{ g }}_active_days,
      {%- endif %}
      {%- endfor %}
      (select through from al_run) as as_of,
      (select a0 from al_run) as resumed_from,
      {%- set fields = [('last_active_date', 's0.last_active_date')] -%}
      {%- for c in history -%}
        {%- do fields.append((c, 's0.' ~ c)) -%}
      {%- endfor %}
      {%- if resume == 'self' %}
      case when s0.user_id is not null then {{ activation_layer.make_struct(fields) }} end as prior
      {%- else %}
      {#- A typed null: the column has the type of later builds' values. -#}
      {%- set typed = [] -%}
      {%- for name, expr in fields -%}
        {%- do typed.append((name, 'cast(null as ' ~ ('date' if name.endswith('_date') else 'integer') ~ ')')) -%}
      {%- endfor %}
      case when 1 = 0 then {{ activation_layer.make_struct(typed) }} end as prior
      {%- endif %}
    from al_touched t
    {%- for grain, g in grains %}
    join al_{{ g }}_walk {{ g }} on {{ g }}.user_id = t.user_id and {{ g }}.next_p is null{{ activation_layer.same_segment(o, g, 't') }}
    {%- endfor %}
    {%- if resume == 'self' %}
    left join al_s0 s0 on s0.user_id = t.user_id{{ activation_layer.same_segment(o, 's0', 't') }}
    {%- endif %}
  )
  select {{ columns | join(', ') }} from al_new_rows
  {%- if resume == 'self' and (segment_column or activation_layer.snapshot_writes_all_rows()) %}
  union all
  {# Rows the build does not change but must write again: every row when
      the warehouse overwrites what it writes, else the other segments'
      rows of the users it touches (rows are replaced by user). #}
  select {% for c in columns %}k.{{ c }}{{ ", " if not loop.last }}{% endfor %}
  from {{ this }} k
  where not exists (
    select 1 from al_touched t
    where t.user_id = k.user_id{{ activation_layer.same_segment(o, 't', 'k') }}
  )
  {%- if not activation_layer.snapshot_writes_all_rows() %}
    and k.user_id in (select user_id from al_touched)
  {%- endif %}
  {%- endif %}
{% endmacro %}
