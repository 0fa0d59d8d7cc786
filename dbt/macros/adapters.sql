{#-
  What differs between warehouses, behind adapter.dispatch. Every other
  macro of the package is written in SQL that DuckDB and Spark (and most
  warehouses) share, so that another adapter needs only its own versions of
  these helpers (a project may supply them: see README.md, "Other
  warehouses").
-#}

{#- The local calendar date, in `timezone` (an IANA name), of the time
    expression `expr` of the kind `kind`: `instant` (a point in time: a
    timestamp with a time zone) is converted with the warehouse's zone
    rules, DST included; `local` (a timestamp without a zone) and `date`
    are used as they are (SPEC section 7). -#}
{% macro local_date(expr, kind, timezone) %}
  {{- return(adapter.dispatch('local_date', 'activation_layer')(expr, kind, timezone)) -}}
{% endmacro %}

{% macro default__local_date(expr, kind, timezone) -%}
  {%- if kind == 'instant' -%}
    {#- DuckDB's (ICU) and Postgres's timezone() of a timestamp with a time
        zone is its wall clock in the zone. -#}
    cast(timezone('{{ timezone }}', {{ expr }}) as date)
  {%- else -%}
    cast({{ expr }} as date)
  {%- endif -%}
{%- endmacro %}

{% macro spark__local_date(expr, kind, timezone) -%}
  {%- if kind == 'instant' -%}
    {#- from_utc_timestamp gives the instant whose UTC wall clock is the
        zone's; its UTC date is then read from the epoch, not through the
        session time zone, so the result does not depend on the session. -#}
    date_from_unix_date(cast(floor(unix_micros(from_utc_timestamp({{ expr }}, '{{ timezone }}')) / 86400000000) as int))
  {%- else -%}
    cast({{ expr }} as date)
  {%- endif -%}
{%- endmacro %}

{#- Whether a column of this warehouse type holds instants, local
    timestamps or dates; none for a type the package does not read (a
    string: cast it in the fact model). -#}
{% macro time_kind_of_type(data_type) %}
  {{- return(adapter.dispatch('time_kind_of_type', 'activation_layer')(data_type)) -}}
{% endmacro %}

{% macro default__time_kind_of_type(data_type) %}
  {%- set t = data_type | lower -%}
  {%- if t == 'date' -%}
    {{ return('date') }}
  {%- elif 'with time zone' in t or t in ['timestamptz', 'timestamp_tz', 'timestamp_ltz'] -%}
    {{ return('instant') }}
  {%- elif t.startswith('timestamp') or t == 'datetime' -%}
    {{ return('local') }}
  {%- endif -%}
  {{ return(none) }}
{% endmacro %}

{% macro spark__time_kind_of_type(data_type) %}
  {%- set t = data_type | lower -%}
  {#- Spark's TIMESTAMP is an instant shown in the session zone. -#}
  {%- if t == 'date' -%}
    {{ return('date') }}
  {%- elif t in ['timestamp', 'timestamp_ltz'] -%}
    {{ return('instant') }}
  {%- elif t == 'timestamp_ntz' -%}
    {{ return('local') }}
  {%- endif -%}
  {{ return(none) }}
{% endmacro %}

{#- Days since 1970-01-01 of a DATE, and back: periods are counted in
    integers so that "the previous period" is p - 1. -#}
{% macro day_number(date_expr) %}
  {{- return(adapter.dispatch('day_number', 'activation_layer')(date_expr)) -}}
{% endmacro %}

{% macro default__day_number(date_expr) -%}
  cast(({{ date_expr }}) - date '1970-01-01' as integer)
{%- endmacro %}

{% macro spark__day_number(date_expr) -%}
  unix_date({{ date_expr }})
{%- endmacro %}

{% macro date_from_day_number(n) %}
  {{- return(adapter.dispatch('date_from_day_number', 'activation_layer')(n)) -}}
{% endmacro %}

{% macro default__date_from_day_number(n) -%}
  cast(date '1970-01-01' + cast({{ n }} as integer) as date)
{%- endmacro %}

{% macro spark__date_from_day_number(n) -%}
  date_from_unix_date(cast({{ n }} as int))
{%- endmacro %}

{#- A select-list expression giving one row per integer of lo..hi (the
    caller keeps lo <= hi). -#}
{% macro integer_rows(lo, hi) %}
  {{- return(adapter.dispatch('integer_rows', 'activation_layer')(lo, hi)) -}}
{% endmacro %}

{% macro default__integer_rows(lo, hi) -%}
  unnest(generate_series(cast({{ lo }} as bigint), cast({{ hi }} as bigint)))
{%- endmacro %}

{% macro spark__integer_rows(lo, hi) -%}
  explode(sequence(cast({{ lo }} as bigint), cast({{ hi }} as bigint)))
{%- endmacro %}

{#- A struct value from an ordered list of (name, expression) pairs. -#}
{% macro make_struct(fields) %}
  {{- return(adapter.dispatch('make_struct', 'activation_layer')(fields)) -}}
{% endmacro %}

{% macro default__make_struct(fields) -%}
  struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__make_struct(fields) -%}
  named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{#- How a model of the package is stored and replaced in this warehouse.
    `key` is the model's unique key, `period` the column whose values are
    recomputed whole by an incremental build (period_start for the period
    tables), or none for the snapshot, which is replaced by user. -#}
{% macro model_config(key, period) %}
  {{- return(adapter.dispatch('model_config', 'activation_layer')(key, period)) -}}
{% endmacro %}

{% macro default__model_config(key, period) %}
  {#- delete+insert compares keys with "=": a null segment would never
      match, so the period tables are replaced by their period (recomputed
      whole) and the snapshot by user (every segment row of a changed user
      is written again). -#}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
             'unique_key': period if period else 'user_id'}) }}
{% endmacro %}

{% macro spark__model_config(key, period) %}
  {#- Spark's own tables have no merge: an incremental build overwrites
      the partitions it writes. The period tables are partitioned by
      period, and the snapshot by first_active_date, which never changes
      for a row: its incremental build writes every row (see
      snapshot_writes_all_rows). -#}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
             'file_format': 'parquet',
             'partition_by': [period if period else 'first_active_date']}) }}
{% endmacro %}

{#- Whether an incremental build of the snapshot must write every row (the
    strategy overwrites what it writes) or only the rows of users with new
    facts (the strategy replaces rows by user). -#}
{% macro snapshot_writes_all_rows() %}
  {{- return(adapter.dispatch('snapshot_writes_all_rows', 'activation_layer')()) -}}
{% endmacro %}

{% macro default__snapshot_writes_all_rows() %}
  {{ return(false) }}
{% endmacro %}

{% macro spark__snapshot_writes_all_rows() %}
  {{ return(true) }}
{% endmacro %}
