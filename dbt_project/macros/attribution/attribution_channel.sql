{#- The marketing channel of a visit from its landing parameters and referrer, one definition
    for the pixel's sessions and Shopify's journey visits. Paid clicks first (a click id or the
    UTM parameters merchants set on ads), then email by utm_medium, then the referrer: a search
    engine is organic search, another site a referral, none (or the shop itself) direct. -#}
{% macro attribution_channel(has_fbclid, has_gclid, utm_source, utm_medium, referrer_url, shop_domain) -%}
    case
        when {{ has_fbclid }}
            or {{ utm_source }} in ('facebook', 'fb', 'instagram', 'ig', 'meta')
            then 'meta_paid'
        when {{ has_gclid }}
            or ({{ utm_source }} = 'google' and {{ utm_medium }} in ('cpc', 'ppc', 'paid'))
            then 'google_paid'
        when {{ utm_medium }} = 'email' then 'email'
        when {{ referrer_url }} like '%://www.google.%'
            or {{ referrer_url }} like '%://google.%'
            or {{ referrer_url }} like '%://www.bing.com%'
            or {{ referrer_url }} like '%://duckduckgo.com%'
            or {{ referrer_url }} like '%://search.yahoo.%'
            or {{ referrer_url }} like '%://www.ecosia.org%'
            then 'organic_search'
        when {{ referrer_url }} is not null
            and {{ referrer_url }} <> ''
            and {{ referrer_url }} not like '%://' || {{ shop_domain }} || '%'
            then 'referral'
        else 'direct'
    end
{%- endmacro %}
