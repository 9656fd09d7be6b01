{#- The ad platform a channel's clicks are bought on; null for the shop's own channels. -#}
{% macro attribution_provider(channel) -%}
    case {{ channel }}
        when 'meta_paid' then 'meta_ads'
        when 'google_paid' then 'google_ads'
    end
{%- endmacro %}
