{#- Orders whose credits under one attribution model do not sum to 1 within `tolerance`. -#}
{% test credits_sum_to_one(model, tolerance=1e-9) %}
    select order_id, attribution_model, sum(credit) as credits
    from {{ model }}
    group by order_id, attribution_model
    having abs(sum(credit) - 1) > {{ tolerance }}
{% endtest %}
