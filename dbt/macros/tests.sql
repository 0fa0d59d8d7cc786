{#- The generic test of a table's key (SPEC section 4): no two rows share
    the values of `columns`. Nulls count as equal values, so a null
    segment is a key value like any other (dbt's unique test takes one
    column and never compares nulls). -#}
{% test unique_key(model, columns) %}
  select {{ columns | join(', ') }}, count(*) as rows_with_key
  from {{ model }}
  group by {{ columns | join(', ') }}
  having count(*) > 1
{% endtest %}
