{#- The (connection_id, day) keys int_ad_hourly rebuilds: those with a capture landed since its
    mark that it does not account for yet (a capture already built, or older than the one built,
    changes nothing), and those with an empty capture landed since. -#}
{% macro ad_hourly_days_to_build() %}
    {{ ad_days_not_built(
        ref('int_ad_captures_unioned'),
        "built.captured_window_start > landed.captured_window_start
        or (
            built.captured_window_start = landed.captured_window_start
            and built.landed_at = landed.landed_at
        )"
    ) }}
    union
    {{ ad_days_emptied_since_last_build() }}
{% endmacro %}
