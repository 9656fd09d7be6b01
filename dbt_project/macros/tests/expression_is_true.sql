{#- Rows for which an invariant does not hold (dbt_utils' test of the same name, kept in-project:
    packages cannot be installed without internet). Narrow it with the test's `where` config. -#}
{% test expression_is_true(model, expression) %}
    select * from {{ model }}
    where not ({{ expression }})
{% endtest %}
