{#-
  The arguments of every public macro, checked and completed once. They
  mirror the engine's run options (SPEC section 9); names follow the
  engine's option names in snake case.
-#}

{#- Column names tried, in order, when user_column / time_column is not
    given (SPEC section 7; the engine's read::USER_COLUMNS and
    read::TIME_COLUMNS, compared by tests/dbt.rs). -#}
{% macro default_columns() %}
  {{ return({
    'user': ['user_id', 'userid', 'user', 'customer_id', 'member_id', 'account_id'],
    'time': ['event_time', 'timestamp', 'ts', 'time', 'event_date', 'date', 'created_at'],
  }) }}
{% endmacro %}

{#- The options of one model, as a dict. `facts` is the fact relation. -#}
{% macro options(facts, grain=none, user_column=none, time_column=none, time_kind=none,
                 fact_column=none, fact_values=none, timezone=none, week_start=none,
                 through=none, report_from=none, rows=none, segment_column=none, windows=none) %}
  {%- if grain is not none -%}
    {{ activation_layer.check_grain(grain) }}
  {%- endif -%}
  {%- set rows = rows or 'changes' -%}
  {%- if rows not in ['changes', 'all'] -%}
    {{ exceptions.raise_compiler_error("activation_layer: rows must be changes or all, not " ~ rows) }}
  {%- endif -%}
  {%- if fact_values is string -%}
    {%- set fact_values = [fact_values] -%}
  {%- endif -%}
  {%- if (fact_column is none) != (not fact_values) -%}
    {{ exceptions.raise_compiler_error("activation_layer: fact_column and fact_values go together (the fact filter keeps rows whose fact_column is one of fact_values)") }}
  {%- endif -%}
  {%- set through = through if through is not none else var('activation_through', none) -%}
  {%- for name, value in [('through', through), ('report_from', report_from)] -%}
    {%- if value is not none and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
      {{ exceptions.raise_compiler_error("activation_layer: " ~ name ~ " must be a date YYYY-MM-DD, not " ~ value) }}
    {%- endif -%}
  {%- endfor -%}
  {%- set timezone = timezone or 'UTC' -%}
  {%- if not modules.re.match('^[A-Za-z0-9_+/:-]+$', timezone) -%}
    {{ exceptions.raise_compiler_error("activation_layer: timezone must be an IANA name such as America/New_York, not " ~ timezone) }}
  {%- endif -%}
  {%- set o = {
    'grain': grain, 'week_start': (week_start or 'monday') | lower, 'timezone': timezone,
    'fact_column': fact_column, 'fact_values': fact_values or [],
    'through': through, 'report_from': report_from, 'rows': rows,
    'segment_column': segment_column, 'windows': activation_layer.check_windows(windows),
  } -%}
  {%- do activation_layer.weekday_index(o.week_start) -%}
  {%- do o.update(activation_layer.fact_columns(facts, user_column, time_column, time_kind)) -%}
  {{ return(o) }}
{% endmacro %}

{#- The user and time columns of the facts and the kind of the time
    column, found in the relation's columns when they are not given (or
    the first default names while dbt only parses). -#}
{% macro fact_columns(facts, user_column, time_column, time_kind) %}
  {%- set defaults = activation_layer.default_columns() -%}
  {%- if not execute or facts is string -%}
    {{ return({'user_column': user_column or defaults.user[0], 'time_column': time_column or defaults.time[0],
               'time_kind': time_kind or 'instant'}) }}
  {%- endif -%}
  {%- set columns = adapter.get_columns_in_relation(facts) -%}
  {%- set by_name = {} -%}
  {%- for c in columns -%}
    {%- do by_name.update({c.name | lower: c}) -%}
  {%- endfor -%}
  {%- set found = {} -%}
  {%- for what, given in [('user', user_column), ('time', time_column)] -%}
    {%- set names = [given] if given else defaults[what] -%}
    {%- for n in names if n | lower in by_name and what not in found -%}
      {%- do found.update({what: by_name[n | lower]}) -%}
    {%- endfor -%}
    {%- if what not in found -%}
      {{ exceptions.raise_compiler_error("activation_layer: " ~ facts ~ " has no " ~ what ~ " column "
          ~ (given if given else "(none of " ~ names | join(', ') ~ "; give " ~ what ~ "_column)")
          ~ "; its columns are " ~ columns | map(attribute='name') | join(', ')) }}
    {%- endif -%}
  {%- endfor -%}
  {%- set kind = time_kind or activation_layer.time_kind_of_type(found.time.data_type) -%}
  {%- if kind not in ['instant', 'local', 'date'] -%}
    {{ exceptions.raise_compiler_error("activation_layer: column " ~ found.time.name ~ " of " ~ facts ~ " has type "
        ~ found.time.data_type ~ "; expected a timestamp with a time zone (instants), a timestamp without one (local times) or a date: cast it in the fact model, or give time_kind") }}
  {%- endif -%}
  {{ return({'user_column': found.user.name, 'time_column': found.time.name, 'time_kind': kind}) }}
{% endmacro %}

{#- The trailing windows of the activity table (SPEC section 12), in days:
    each 2 to 90, distinct; returned shortest first, the order of the
    table's columns. Default 7 and 28 (the engine's --windows). -#}
{% macro check_windows(windows) %}
  {%- if windows is none -%}
    {{ return([7, 28]) }}
  {%- endif -%}
  {%- set given = [windows] if windows is number else windows -%}
  {%- if given is string or given is not iterable -%}
    {{ exceptions.raise_compiler_error("activation_layer: windows must be a list of day counts such as [7, 28], not " ~ windows) }}
  {%- endif -%}
  {%- for n in given -%}
    {%- if n is not number or n != n | int or n < 2 or n > 90 -%}
      {{ exceptions.raise_compiler_error("activation_layer: windows must be whole numbers of days from 2 to 90 (" ~ n ~ " is not)") }}
    {%- endif -%}
  {%- endfor -%}
  {%- if given | unique | list | length != given | length -%}
    {{ exceptions.raise_compiler_error("activation_layer: windows must be distinct: " ~ given | join(', ')) }}
  {%- endif -%}
  {{ return(given | map('int') | sort) }}
{% endmacro %}
