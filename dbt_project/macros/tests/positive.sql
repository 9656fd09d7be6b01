{#- Rows with a zero or negative value in the column. -#}
{% test positive(model, column_name) %}
    select * from {{ model }} where {{ column_name }} <= 0
{% endtest %}
