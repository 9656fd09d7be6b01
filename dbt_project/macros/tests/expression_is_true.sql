{#- Rows for which an invariant over the model's columns does not hold, such as "net = gross −
    discounts − refunds" or "daily = sum of hourly", written once and run on both adapters
    (dbt_utils' test of the same name, kept in-project: packages cannot be installed without
    internet). Narrow it with the test's `where` config. -#}
{% test expression_is_true(model, expression) %}
    select * from {{ model }}
    where not ({{ expression }})
{% endtest %}
