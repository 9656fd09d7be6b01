{#- The landing instant after which an incremental ads model rebuilds keys: the newest landing
    it already holds, less var ads_landing_margin_minutes, so a slice stamped before the
    previous build but committed after it is still picked up. Each model reads its own table,
    so a model skipped by a failed build catches up on the next one. -#}
{% macro ads_landed_after() -%}
    (
        select
            coalesce(max(landed_at), cast('1970-01-01T00:00:00+00:00' as timestamptz))
            - interval '{{ var("ads_landing_margin_minutes") }} minutes'
        from {{ this }}
    )
{%- endmacro %}
