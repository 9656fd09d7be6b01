{#- The attribution models every credit and performance row is computed for. -#}
{% macro attribution_models() -%}
    {{ return([
        'first_click',
        'last_click',
        'last_non_direct_click',
        'linear',
        'position_based',
        'time_decay',
    ]) }}
{%- endmacro %}
