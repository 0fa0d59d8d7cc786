{#-
  Periods as integers (SPEC section 1), so that p - 1 is the previous
  period whatever the grain:
    day   = days since 1970-01-01
    week  = weeks since the week-start day on or before 1970-01-01
    month = year * 12 + month - 1
  `day` is the DATE's day number (day_number), `date` the DATE itself.
-#}

{#- Monday = 0 ... Sunday = 6, from a week_start argument. -#}
{% macro weekday_index(week_start) %}
  {%- set names = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] -%}
  {%- set w = (week_start or 'monday') | lower -%}
  {%- if w not in names -%}
    {{ exceptions.raise_compiler_error("activation_layer: week_start must be one of " ~ names | join(', ') ~ ", not " ~ week_start) }}
  {%- endif -%}
  {{ return(names.index(w)) }}
{% endmacro %}

{% macro check_grain(grain) %}
  {%- if grain not in ['day', 'week', 'month'] -%}
    {{ exceptions.raise_compiler_error("activation_layer: grain must be day, week or month, not " ~ grain) }}
  {%- endif -%}
{% endmacro %}

{#- The period of a local date; `day` is its day number. 1970-01-01 was a
    Thursday (weekday 3): shifting by 3 - week_start puts every week start
    on a multiple of 7. -#}
{% macro period_of(grain, date, day, week_start) -%}
  {%- if grain == 'day' -%}
    ({{ day }})
  {%- elif grain == 'week' -%}
    cast(floor(({{ day }} + {{ 3 - activation_layer.weekday_index(week_start) }}) / 7) as integer)
  {%- else -%}
    (year({{ date }}) * 12 + month({{ date }}) - 1)
  {%- endif -%}
{%- endmacro %}

{#- The first day (DATE) of period p. -#}
{% macro period_start(grain, p, week_start) -%}
  {%- if grain == 'day' -%}
    {{ activation_layer.date_from_day_number(p) }}
  {%- elif grain == 'week' -%}
    {{ activation_layer.date_from_day_number('(' ~ p ~ ') * 7 - ' ~ (3 - activation_layer.weekday_index(week_start))) }}
  {%- else -%}
    make_date(cast(floor(({{ p }}) / 12) as integer), cast(({{ p }}) - floor(({{ p }}) / 12) * 12 + 1 as integer), 1)
  {%- endif -%}
{%- endmacro %}

{#- The last day (DATE, inclusive) of period p: the day before the next one. -#}
{% macro period_end(grain, p, week_start) -%}
  {%- if grain == 'day' -%}
    {{ activation_layer.period_start(grain, p, week_start) }}
  {%- else -%}
    {{ activation_layer.date_from_day_number(activation_layer.day_number(activation_layer.period_start(grain, '(' ~ p ~ ') + 1', week_start)) ~ ' - 1') }}
  {%- endif -%}
{%- endmacro %}

{#- The adjective of a grain in table and column names. -#}
{% macro grain_adjective(grain) -%}
  {{- {'day': 'daily', 'week': 'weekly', 'month': 'monthly'}[grain] -}}
{%- endmacro %}
