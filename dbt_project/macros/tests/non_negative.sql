{#- Rows with a negative value in the column (kept in-project, like every generic test here:
    dbt packages cannot be installed without internet). -#}
{% test non_negative(model, column_name) %}
    select * from {{ model }} where {{ column_name }} < 0
{% endtest %}
